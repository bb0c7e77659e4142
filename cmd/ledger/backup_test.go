package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
)

var backupAdmin = domain.Actor{PersonID: "a", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}

// register records a provider with a fresh code n under Q36, which must exist.
func register(ctx context.Context, h *command.Handler, n int) error {
	_, err := h.Registry(ctx, command.Request{Actor: backupAdmin}, domain.RegisterOrganisation{
		ODSCode: fmt.Sprintf("W%04d", n), Name: fmt.Sprintf("Trust %d", n), Kind: domain.KindProvider, SHACode: "Q36"})
	return err
}

// TestBackupWhileWritingIsAConsistentPrefix takes backups of a store while writers append to it.
// Each backup must open, verify, and hold exactly the first events of the final log: the same
// events at the same positions, with no gap and nothing torn.
func TestBackupWhileWritingIsAConsistentPrefix(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	h := command.NewHandler(s, command.Options{})
	_, err = h.Registry(ctx, command.Request{Actor: backupAdmin}, domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA})
	require.NoError(t, err)

	var next atomic.Int64
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for range 4 {
		writers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				assert.NoError(t, register(ctx, h, int(next.Add(1))))
			}
		})
	}
	var backups []string
	for i := range 5 {
		for next.Load() < int64(40*(i+1)) { // let some events land between backups
			time.Sleep(time.Millisecond)
		}
		out := filepath.Join(t.TempDir(), fmt.Sprintf("backup-%d.db", i))
		_, _, err := writeChecked(ctx, out, func(w io.Writer) error { _, err := s.Backup(w); return err })
		require.NoError(t, err, "backup %d", i)
		backups = append(backups, out)
	}
	close(stop)
	writers.Wait()

	final, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	prev := 0
	for i, path := range backups {
		rep, err := checkStoreFile(ctx, path)
		require.NoError(t, err, "backup %d verifies", i)
		b, err := boltstore.Open(path, boltstore.Options{})
		require.NoError(t, err)
		got, err := b.ReadAll(ctx, 0, 0)
		require.NoError(t, b.Close())
		require.NoError(t, err)
		require.Equal(t, rep.Events, len(got))
		require.LessOrEqual(t, len(got), len(final))
		require.Equal(t, final[:len(got)], got, "backup %d is a prefix of the log", i)
		require.GreaterOrEqual(t, len(got), prev, "later backups hold no less")
		prev = len(got)
	}
	require.Greater(t, len(final), prev, "writes went on after the last backup")
}

// A restore cut short leaves its temporary copy in the data directory: the restore run again takes
// the directory for empty and removes it, while anything else there still makes it refuse.
func TestRestoreRunsAgainAfterAnInterruptedRestore(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	out := filepath.Join(t.TempDir(), "ledger-backup.db")
	code, _, stderr := runCLI(t, "backup", "--data", dir, "--out", out)
	require.Equal(t, 0, code, stderr)

	restored := t.TempDir()
	left := filepath.Join(restored, checkedTempPrefix+"123456")
	require.NoError(t, os.WriteFile(left, []byte("half a copy"), 0o600))
	other := filepath.Join(restored, "notes.txt")
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	code, _, stderr = runCLI(t, "restore", "--from", out, "--data", restored)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not empty")
	assert.FileExists(t, left, "nothing is removed from a directory the restore refuses")

	require.NoError(t, os.Remove(other))
	code, _, stderr = runCLI(t, "restore", "--from", out, "--data", restored)
	require.Equal(t, 0, code, stderr)
	entries, err := os.ReadDir(restored)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "ledger.db", entries[0].Name())
}

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, dir)
	out := filepath.Join(t.TempDir(), "ledger-backup.db")
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	require.NoError(t, os.WriteFile(garbage, []byte(strings.Repeat("not a store\n", 2000)), 0o600))
	empty := filepath.Join(t.TempDir(), "empty.db")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))

	code, stdout, stderr := runCLI(t, "backup", "--data", dir, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 events in 1 streams")

	code, _, stderr = runCLI(t, "backup", "--data", dir, "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "exists: choose another --out, or pass --force")
	code, _, stderr = runCLI(t, "backup", "--data", dir, "--out", out, "--force")
	assert.Equal(t, 0, code, stderr)

	restored := filepath.Join(t.TempDir(), "restored")
	code, stdout, stderr = runCLI(t, "restore", "--from", out, "--data", restored)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 events in 1 streams")
	_, want, _ := runCLI(t, "verify", "--data", dir)
	code, got, stderr := runCLI(t, "verify", "--data", restored)
	require.Equal(t, 0, code, stderr)
	// The reports differ only in the data directory they name.
	assert.Equal(t, strings.ReplaceAll(want, dir, restored), got, "the restored ledger verifies to the same tree")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"restore over a ledger", []string{"restore", "--from", out, "--data", restored}, "is not empty"},
		{"restore a missing file", []string{"restore", "--from", filepath.Join(dir, "nope.db"), "--data", t.TempDir()}, "backup file"},
		{"restore a file that is not a store", []string{"restore", "--from", garbage, "--data", t.TempDir()}, "not a sound ledger store"},
		{"restore an empty file", []string{"restore", "--from", empty, "--data", t.TempDir()}, "is empty: not a backup"},
		{"back up no store", []string{"backup", "--data", t.TempDir(), "--out", filepath.Join(t.TempDir(), "b.db")}, "no ledger store"},
		{"back up without --out", []string{"backup", "--data", dir}, "--out is required"},
		{"back up EventStoreDB", []string{"backup", "--store", "esdb://localhost:2113?tls=false", "--out", filepath.Join(t.TempDir(), "b.db")}, "its own procedure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		})
	}
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left beside the backup")
}

// TestBackupOfARunningServer backs up a serving ledger through GET /v1/admin/backup while commands
// go on, restores it and verifies it. `ledger backup --data` on the same directory refuses, naming
// the way that works.
func TestBackupOfARunningServer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	secret := strings.Repeat("k", auth.MinSecretLen)
	env := []string{auth.SecretEnv + "=" + secret}
	srv := startServe(t, dir, env)
	require.NoError(t, srv.waitReady(30*time.Second))
	admin, err := auth.Mint([]byte(secret), backupAdmin, time.Now(), time.Hour)
	require.NoError(t, err)
	post := func(body string) int {
		req, err := http.NewRequest(http.MethodPost, srv.base+"/v1/organisations", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusCreated, post(`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`))
	stop := make(chan struct{})
	var writer sync.WaitGroup
	var written atomic.Int64
	writer.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if assert.Equal(t, http.StatusCreated, post(fmt.Sprintf(`{"ods_code":"W%04d","name":"Trust %d","kind":"provider","sha_code":"Q36"}`, n, n))) {
				written.Add(1)
			}
		}
	})
	for written.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}

	out := filepath.Join(t.TempDir(), "hot.db")
	code, _, stderr := runBinary(t, nil, "backup", "--data", dir, "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "in use by a running server")
	assert.Contains(t, stderr, "--url")

	code, _, stderr = runBinary(t, nil, "backup", "--url", srv.base, "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "needs an admin token")
	auditor, err := auth.Mint([]byte(secret), domain.Actor{PersonID: "au", Name: "Auditor", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(t, err)
	code, _, stderr = runBinary(t, nil, "backup", "--url", srv.base, "--token", auditor, "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "403")

	code, stdout, stderr := runBinary(t, []string{"LEDGER_TOKEN=" + admin}, "backup", "--url", srv.base, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "every chain verifies")
	// Commands answered after the backup returned came after its copy: wait for two (one may have
	// been under way during the copy), however slow the machine.
	for after, deadline := written.Load(), time.Now().Add(30*time.Second); written.Load() < after+2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	writer.Wait()
	require.NoError(t, srv.stop(20*time.Second))

	restored := filepath.Join(t.TempDir(), "restored")
	code, _, stderr = runBinary(t, nil, "restore", "--from", out, "--data", restored)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runBinary(t, nil, "verify", "--data", restored)
	require.Equal(t, 0, code, stderr)

	live, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer live.Close()
	all, err := live.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	b, err := boltstore.Open(storeFile(restored), boltstore.Options{})
	require.NoError(t, err)
	defer b.Close()
	got, err := b.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(got), 21)
	require.Equal(t, all[:len(got)], got, "the hot backup is a prefix of the log")
	require.Greater(t, len(all), len(got), "commands went on after the backup")
}
