package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/command"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/internal/lazyfs"
	"assurance-ledger/projections"
)

// The power-loss tests of the files beside the store: what the first start creates, the snapshot
// written at shutdown, backups and restores, the copy kept by a format upgrade. Anything the ledger
// creates must be there after a cut or be rebuilt from the log, and a file a cut left half written
// must never be taken for a good one.

// powerLossRuns is how many cuts each of these tests makes: -powerloss.cycles, from 3 to 12, so
// that the long run in .ci/run makes more of them too. A multiple of three, for the three modes.
func powerLossRuns() int {
	return min(max(*powerLossCycles, 3), 12) / 3 * 3
}

// startCommand starts a ledger command (not serve) as a process of its own.
func startCommand(t *testing.T, args ...string) *ledgerProc {
	t.Helper()
	cmd := exec.Command(ledgerBinary(t), args...)
	p := &ledgerProc{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	return p
}

// cutDuring cuts the power while p runs: at a random moment within span, at one of its first
// changes to the mount (it makes about changes), or at the first change to a file named in
// targets. It kills p (and also, if not nil: every process with files on the mount must go) at the
// cut, remounts, and reports whether p had exited before the cut.
func cutDuring(t *testing.T, fs *lazyfs.FS, p *ledgerProc, mode lazyfs.Mode, span time.Duration, changes int, rng *rand.Rand, also *ledgerProc, targets ...string) (finished bool, at string) {
	t.Helper()
	var finishedAtCut atomic.Bool
	fs.OnCrash(func() {
		select {
		case <-p.exited:
			finishedAtCut.Store(true)
		default:
			_ = p.cmd.Process.Kill()
		}
		if also != nil {
			_ = also.cmd.Process.Kill()
		}
	})
	n, to := 1+rng.IntN(max(changes, 1)), ""
	switch r := rng.IntN(3); {
	case r == 0:
		d := time.Duration(rng.Int64N(int64(span)))
		time.Sleep(d)
		fs.Crash(mode, rng)
		at = fmt.Sprintf("%s after it started", d)
	case r == 1 && len(targets) > 0:
		n, to = 1, targets[rng.IntN(len(targets))]
		fallthrough
	default:
		at = fmt.Sprintf("at change %d to %s", n, cmp.Or(to, "any file"))
		select {
		case <-fs.CrashAfter(n, to, mode, rng):
		case <-time.After(span + time.Second):
			fs.Crash(mode, rng)
			at += " (not reached: cut after it ended)"
		}
	}
	<-p.exited
	if also != nil {
		<-also.exited
	}
	fs.OnCrash(nil)
	require.NoError(t, fs.Remount())
	return finishedAtCut.Load(), at
}

// A power cut while the first start creates the data directory, the secret, the ledger key and the
// store never keeps the next start from serving; once the first start served and recorded a command,
// the cut keeps its secret, its key and the command.
func TestPowerLossAtFirstStart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cuts the power under a server")
	}
	fs := lazyfs.MountForTest(t)
	rng := powerLossRand(t)
	// How many changes a first start makes before it serves, to cut anywhere among them.
	before := fs.Changes()
	srv := startPowerServe(t, fs, filepath.Join(fs.Dir(), "uncut", "ledger-data"))
	require.NoError(t, srv.waitReady(30*time.Second))
	startChanges := int(fs.Changes() - before)
	require.NoError(t, srv.stop(20*time.Second))
	t.Logf("a first start makes %d changes before it serves", startChanges)
	for i := range powerLossRuns() {
		mode := lazyfs.Modes[i%len(lazyfs.Modes)]
		data := filepath.Join(fs.Dir(), fmt.Sprintf("first-%d", i), "ledger-data")
		srv := startPowerServe(t, fs, data)
		var (
			keys  map[string][]byte
			acked command.Result
			op    crashOp
			w     *crashWorld
			at    string
		)
		if rng.IntN(3) > 0 {
			// Anywhere in the first start, or while it lays out the store file.
			n, to := 1+rng.IntN(startChanges), ""
			if rng.IntN(2) == 0 {
				n, to = 1+rng.IntN(3), "ledger.db"
			}
			at = fmt.Sprintf("at change %d to %s of the first start", n, cmp.Or(to, "any file"))
			select {
			case <-fs.CrashAfter(n, to, mode, rng):
			case <-time.After(5 * time.Second):
				fs.Crash(mode, rng)
				at += " (not reached)"
			}
		} else {
			require.NoError(t, srv.waitReady(30*time.Second))
			keys = readKeyFiles(t, data)
			w = newCrashWorld(t, bytes.TrimSpace(keys[jwtSecretFile]))
			w.base.Store(&srv.base)
			op = w.op(crashAdmin, http.MethodPost, "/v1/organisations", map[string]any{"ods_code": "Q36", "name": "NHS London", "kind": "sha"})
			var ok bool
			acked, ok = w.send(context.Background(), op)
			require.True(t, ok)
			fs.Crash(mode, rng)
			at = "once serving, after a command"
		}
		srv.kill()
		require.NoError(t, fs.Remount())
		where := fmt.Sprintf("start %d (%s, cut %s)", i, mode, at)

		srv = startPowerServe(t, fs, data)
		require.NoError(t, srv.waitReady(30*time.Second), "%s: the next start must serve", where)
		if keys != nil {
			assert.Equal(t, keys, readKeyFiles(t, data), "%s: the secret and the key the first start made and used", where)
			w.base.Store(&srv.base)
			status, replayed, body, err := w.do(context.Background(), op)
			require.NoError(t, err)
			assert.True(t, status == http.StatusCreated && replayed, "%s: the acknowledged command replays: %d %s", where, status, body)
			assert.Contains(t, string(body), acked.EventID, where)
		}
		require.NoError(t, srv.stop(20*time.Second), where)
		code, out, errOut := runBinary(t, nil, "verify", "--data", copyDataOut(t, data))
		require.Equal(t, 0, code, "%s: ledger verify:\n%s%s", where, out, errOut)
		t.Logf("%s: the next start served", where)
	}
}

// A power cut while a stopping server saves the projections' snapshot leaves the last snapshot,
// the one before, or none: the next start answers as a full replay of the log, and a snapshot saved
// before the cut (the server exited cleanly) is the one it starts from.
func TestPowerLossAtShutdown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cuts the power under a server")
	}
	fs := lazyfs.MountForTest(t)
	rng := powerLossRand(t)
	data := filepath.Join(fs.Dir(), "ledger-data")
	demoOnMount(t, data)
	srv := startPowerServe(t, fs, data)
	require.NoError(t, srv.waitReady(60*time.Second))
	secret := string(bytes.TrimSpace(readKeyFiles(t, data)[jwtSecretFile]))
	var (
		span    time.Duration
		changes int
	)
	for i := range 2 + powerLossRuns() {
		mode := lazyfs.Modes[i%len(lazyfs.Modes)]
		w := newCrashWorld(t, []byte(secret))
		w.base.Store(&srv.base)
		pct := crashPCT(i)
		_, ok := w.send(context.Background(), w.op(crashAdmin, http.MethodPost, "/v1/organisations",
			map[string]any{"ods_code": pct, "name": "PCT " + pct, "kind": "pct", "sha_code": "Q36"}))
		require.True(t, ok)
		// How long a shutdown takes and how many changes it makes, from an uncut one, to cut
		// anywhere in the next.
		if i < 2 { // the second, like those after it, saves a snapshot already saved once
			before, began := fs.Changes(), time.Now()
			require.NoError(t, srv.stop(20*time.Second))
			span, changes = time.Since(began), int(fs.Changes()-before)
			t.Logf("a shutdown takes %s and makes %d changes", span.Round(time.Millisecond), changes)
			srv = startPowerServe(t, fs, data)
			require.NoError(t, srv.waitReady(60*time.Second))
			continue
		}
		require.NoError(t, srv.cmd.Process.Signal(os.Interrupt))
		finished, at := cutDuring(t, fs, srv, mode, span, changes, rng, nil, projections.SnapshotFile, projections.SnapshotFile+".tmp")
		where := fmt.Sprintf("shutdown %d (%s, cut %s)", i, mode, at)
		savedBefore := finished && srv.err == nil && strings.Contains(srv.stderr.String(), "projections snapshot saved")

		srv = startPowerServe(t, fs, data)
		require.NoError(t, srv.waitReady(60*time.Second), "%s: the next start must serve", where)
		restored := strings.Contains(srv.stderr.String(), "projections restored from their snapshot")
		if savedBefore {
			assert.True(t, restored, "%s: the server saved its snapshot and exited before the cut; the next start must use it:\n%s", where, srv.stderr.String())
		}
		assert.NotContains(t, srv.stderr.String(), "projections snapshot refused", "%s: a snapshot a cut tore is never left in place", where)
		served := ledgerViews(t, srv.base, secret)
		// The server is idle: a copy of its store holds every commit.
		assert.Equal(t, replayedViews(t, copyDataOut(t, data), secret), served, "%s: the views after the cut are a full replay's", where)
		t.Logf("%s: next start %s", where, map[bool]string{true: "from the snapshot", false: "from the log"}[restored])
	}
	require.NoError(t, srv.stop(20*time.Second))
}

// A power cut during `ledger backup` (of a stopped store, or of a running server through --url) or
// `ledger restore` leaves the backup or the restored store whole and checked, or not there at all:
// never a file under its name that is not a sound ledger store. One the command reported done
// before the cut is there. And the command run again after the cut succeeds.
func TestPowerLossDuringBackupAndRestore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cuts the power under backups and restores")
	}
	fs := lazyfs.MountForTest(t)
	rng := powerLossRand(t)
	ctx := context.Background()
	served := filepath.Join(fs.Dir(), "served")
	demoOnMount(t, served)
	srv := startPowerServe(t, fs, served)
	require.NoError(t, srv.waitReady(60*time.Second))
	secret := bytes.TrimSpace(readKeyFiles(t, served)[jwtSecretFile])
	admin := newCrashWorld(t, secret).token(crashAdmin)
	backups := filepath.Join(fs.Dir(), "backups")
	require.NoError(t, os.Mkdir(backups, 0o700))
	syncDirForTest(t, fs.Dir())

	// A backup to restore from, and a stopped store (restored from it) to back up with --data.
	source := filepath.Join(backups, "source.db")
	code, _, errOut := runBinary(t, nil, "backup", "--url", srv.base, "--token", admin, "--out", source)
	require.Equal(t, 0, code, errOut)
	stopped := filepath.Join(fs.Dir(), "stopped")
	code, _, errOut = runBinary(t, nil, "restore", "--from", source, "--data", stopped)
	require.Equal(t, 0, code, errOut)

	kinds := []string{"backup --data", "backup --url", "restore"}
	// How long each takes and how many changes it makes, from an uncut run, to cut anywhere in it.
	span, changes := map[string]time.Duration{}, map[string]int{}
	args := func(kind string, i int) (args []string, result string) {
		switch kind {
		case "backup --data":
			out := filepath.Join(backups, fmt.Sprintf("data-%d.db", i))
			return []string{"backup", "--data", stopped, "--out", out}, out
		case "backup --url":
			out := filepath.Join(backups, fmt.Sprintf("url-%d.db", i))
			return []string{"backup", "--url", srv.base, "--token", admin, "--out", out}, out
		}
		data := filepath.Join(fs.Dir(), fmt.Sprintf("restored-%d", i))
		return []string{"restore", "--from", source, "--data", data}, storeFile(data)
	}
	for _, kind := range kinds {
		a, _ := args(kind, -1)
		before, began := fs.Changes(), time.Now()
		code, _, errOut := runBinary(t, nil, a...)
		require.Equal(t, 0, code, "%s: %s", kind, errOut)
		span[kind], changes[kind] = time.Since(began), int(fs.Changes()-before)
		t.Logf("%s takes %s and makes %d changes", kind, span[kind].Round(time.Millisecond), changes[kind])
	}

	// Each kind once a round, the mode moving on with each run and each round: three runs cut
	// each kind once, each under another mode; nine cut every kind under every mode.
	for i := range powerLossRuns() {
		kind, mode := kinds[i%len(kinds)], lazyfs.Modes[(i+i/len(kinds))%len(lazyfs.Modes)]
		a, result := args(kind, i)
		p := startCommand(t, a...)
		// The server runs on the same disk (a hot backup reads from it): the power goes for both.
		finished, at := cutDuring(t, fs, p, mode, span[kind], changes[kind], rng, srv, filepath.Base(result))
		where := fmt.Sprintf("%d: %s (%s, cut %s)", i, kind, mode, at)
		reported := finished && p.err == nil
		srv = startPowerServe(t, fs, served)
		require.NoError(t, srv.waitReady(60*time.Second), where)
		a, _ = args(kind, i) // the new server's address

		_, err := os.Stat(result)
		switch {
		case err == nil:
			dir := t.TempDir()
			copyFile(t, result, storeFile(dir))
			rep, err := checkStoreFile(ctx, storeFile(dir))
			require.NoError(t, err, "%s: %s is there after the cut, and must be a sound ledger store", where, result)
			t.Logf("%s: %s there, %d events (the command %s before the cut)", where, filepath.Base(result), rep.Events,
				map[bool]string{true: "had reported it done", false: "had not finished"}[reported])
		case reported:
			t.Fatalf("%s: the command reported %s done before the cut, and it is gone:\n%s", where, result, p.stderr.String())
		default:
			code, out, errOut := runBinary(t, nil, a...)
			require.Equal(t, 0, code, "%s: run again after the cut, it must succeed:\n%s%s", where, out, errOut)
			t.Logf("%s: not there after the cut; run again, it succeeded", where)
		}
	}
	require.NoError(t, srv.stop(20*time.Second))
}

// demoOnMount makes the data directory data on the mount, holding the demo's store (demoStore),
// synced: what a first `serve --demo` leaves, without the fsync a command it takes to record it
// through the mount, which no cut is aimed at.
func demoOnMount(t *testing.T, data string) {
	t.Helper()
	require.NoError(t, os.Mkdir(data, 0o700))
	copyFile(t, demotest.Path(t, 0), storeFile(data))
	f, err := os.Open(storeFile(data))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	syncDirForTest(t, data)
	syncDirForTest(t, filepath.Dir(data))
}

// syncDirForTest syncs dir, so that what the test made in it survives the power cuts to come.
func syncDirForTest(t *testing.T, dir string) {
	t.Helper()
	d, err := os.Open(dir)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Sync())
}

// A power cut while the first command upgrades a format 1 store file never leaves the file upgraded
// without the copy of it as it was, which the upgrade promises to keep (a build that reads only
// format 1 can open nothing else), and the store verifies after it.
func TestPowerLossDuringAFormatUpgrade(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cuts the power under an upgrade")
	}
	fs := lazyfs.MountForTest(t)
	rng := powerLossRand(t)
	old, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", "fixture-v1", "ledger.db"))
	require.NoError(t, err)
	layOut := func(i int) string {
		data := filepath.Join(fs.Dir(), fmt.Sprintf("upgrade-%d", i))
		require.NoError(t, os.Mkdir(data, 0o700))
		f, err := os.Create(storeFile(data))
		require.NoError(t, err)
		_, err = f.Write(old)
		require.NoError(t, err)
		require.NoError(t, f.Sync())
		require.NoError(t, f.Close())
		syncDirForTest(t, data)
		syncDirForTest(t, fs.Dir())
		return data
	}
	data := layOut(-1)
	ledgerBinary(t) // built before the clock starts
	before, began := fs.Changes(), time.Now()
	code, _, errOut := runBinary(t, nil, "verify", "--data", data)
	require.Equal(t, 0, code, errOut)
	span, changes := time.Since(began), int(fs.Changes()-before)
	t.Logf("the upgrade (and a verify) takes %s and makes %d changes", span.Round(time.Millisecond), changes)

	for i := range powerLossRuns() {
		mode := lazyfs.Modes[i%len(lazyfs.Modes)]
		data := layOut(i)
		p := startCommand(t, "verify", "--data", data)
		_, at := cutDuring(t, fs, p, mode, span, changes, rng, nil)
		where := fmt.Sprintf("upgrade %d (%s, cut %s)", i, mode, at)
		copied := copyDataOut(t, data)
		upgraded := storeFormat(t, storeFile(copied)) != 1
		copies, err := filepath.Glob(storeFile(copied) + ".format1-*")
		require.NoError(t, err)
		if upgraded {
			require.Len(t, copies, 1, "%s: the store was upgraded, and the copy of it as it was is not there", where)
			assert.EqualValues(t, 1, storeFormat(t, copies[0]), "%s: the copy is the format 1 file", where)
		}
		code, out, errOut := runBinary(t, nil, "verify", "--data", copied)
		require.Equal(t, 0, code, "%s: %s%s", where, out, errOut)
		t.Logf("%s: upgraded before the cut: %v, copies: %d", where, upgraded, len(copies))
	}
}

// storeFormat reads the format version of a store file (a copy off the mount).
func storeFormat(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	require.NoError(t, err)
	defer db.Close()
	var v uint64
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		if raw := tx.Bucket([]byte("meta")).Get([]byte("version")); len(raw) == 8 {
			v = binary.BigEndian.Uint64(raw)
		}
		return nil
	}))
	return v
}
