//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
)

// nobody is the user the tests that need a permission refused run the server as, when they run as
// root (root is refused nothing).
const nobody = 65534

// TestStartupFaults starts `ledger serve` on data directories it cannot use. Each must stop it at
// once with exit status 2 and one line on stderr that names the problem and what to do, and never
// with a panic.
func TestStartupFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	secret := auth.SecretEnv + "=" + strings.Repeat("k", auth.MinSecretLen)
	goodStore := func(t *testing.T) []byte {
		dir := t.TempDir()
		s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
		require.NoError(t, err)
		h := command.NewHandler(s, command.Options{})
		_, err = h.Registry(t.Context(), command.Request{Actor: backupAdmin}, domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA})
		require.NoError(t, err)
		for n := range 300 { // enough pages that half the file is missing some
			require.NoError(t, register(t.Context(), h, n))
		}
		require.NoError(t, s.Close())
		b, err := os.ReadFile(storeFile(dir))
		require.NoError(t, err)
		return b
	}
	cases := []struct {
		name   string
		prep   func(t *testing.T, dir string) (data string)
		asUser bool // run as nobody when the test runs as root
		want   []string
	}{
		{"data directory below a file", func(t *testing.T, dir string) string {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o600))
			return filepath.Join(dir, "file", "data")
		}, false, []string{"cannot be created", "choose another --data"}},
		{"data directory not writable", func(t *testing.T, dir string) string {
			data := filepath.Join(dir, "data")
			require.NoError(t, os.Mkdir(data, 0o555))
			return data
		}, true, []string{"is not writable", "permission denied", "make it writable"}},
		{"store file not readable", func(t *testing.T, dir string) string {
			data := filepath.Join(dir, "data")
			require.NoError(t, os.Mkdir(data, 0o777))
			require.NoError(t, os.Chmod(data, 0o777)) // past the umask
			require.NoError(t, os.WriteFile(storeFile(data), goodStore(t), 0o400))
			return data
		}, true, []string{"permission denied", "needs read and write access"}},
		{"not a store", func(t *testing.T, dir string) string {
			require.NoError(t, os.WriteFile(storeFile(dir), []byte(strings.Repeat("garbage\n", 4096)), 0o600))
			return dir
		}, false, []string{"not a ledger store", "ledger restore"}},
		{"truncated store", func(t *testing.T, dir string) string {
			b := goodStore(t)
			require.NoError(t, os.WriteFile(storeFile(dir), b[:len(b)/2], 0o600))
			return dir
		}, false, []string{"damaged", "ledger restore"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := tc.prep(t, dir)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, ledgerBinary(t), "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", closedPort(t)), "--data", data)
			cmd.Env = append(os.Environ(), secret)
			if tc.asUser && os.Geteuid() == 0 {
				// nobody must reach the binary and the data directory, but own nothing.
				for _, d := range []string{filepath.Dir(ledgerBinary(t)), filepath.Dir(dir), dir} {
					require.NoError(t, os.Chmod(d, 0o755))
				}
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
			}
			var stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			err := cmd.Run()
			if cmd.SysProcAttr != nil && errors.Is(err, syscall.EPERM) {
				t.Skip("running as root without the right to switch to another user")
			}
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "serve must fail: %s", stderr.String())
			assert.Equal(t, 2, ee.ExitCode())
			out := stderr.String()
			assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
			assert.True(t, strings.HasPrefix(out, "ledger: "), out)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			assert.NotContains(t, out, "panic")
		})
	}
}

// TestSecondServeRefuses starts a second server on a data directory one already serves: it must
// refuse with one clear line, and the first must go on serving.
func TestSecondServeRefuses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	env := []string{auth.SecretEnv + "=" + strings.Repeat("k", auth.MinSecretLen)}
	first := startServe(t, dir, env)
	require.NoError(t, first.waitReady(30*time.Second))

	second := startServe(t, dir, env)
	select {
	case <-second.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the second serve did not give up")
	}
	var ee *exec.ExitError
	require.ErrorAs(t, second.err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	out := second.stderr.String()
	assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
	assert.Contains(t, out, "is locked by another process")
	assert.Contains(t, out, `another "ledger serve" running on this data directory`)
	require.NoError(t, first.waitReady(time.Second), "the first server goes on")
}

// TestDiskFullWhileServing makes the store file unable to grow under a serving process (its file
// size limit, RLIMIT_FSIZE, fails writes past it as a full disk does) and checks that commands then
// get 503 store_unavailable as problem+json with Retry-After, that nothing of them is written,
// that reads and readiness go on, and that writes work again once the limit is lifted: the same
// command, retried with its Idempotency-Key, is recorded once.
func TestDiskFullWhileServing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	secret := strings.Repeat("k", auth.MinSecretLen)
	srv := startServe(t, dir, []string{auth.SecretEnv + "=" + secret})
	require.NoError(t, srv.waitReady(30*time.Second))
	admin, err := auth.Mint([]byte(secret), backupAdmin, time.Now(), time.Hour)
	require.NoError(t, err)
	send := func(method, path, key, body string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, srv.base+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+admin)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		buf, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, buf
	}
	org := func(n int) string {
		return fmt.Sprintf(`{"ods_code":"W%04d","name":"Trust %d %s","kind":"provider","sha_code":"Q36"}`, n, n, strings.Repeat("x", 150))
	}
	resp, body := send(http.MethodPost, "/v1/organisations", uuid.NewString(), `{"ods_code":"Q36","name":"NHS London","kind":"sha"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	acked := 1

	st, err := os.Stat(storeFile(dir))
	require.NoError(t, err)
	pid := srv.cmd.Process.Pid
	var old unix.Rlimit
	require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: uint64(st.Size()), Max: unix.RLIM_INFINITY}, &old))

	var failedKey, failedBody string
	var last uint64
	for n := 0; n < 5000 && failedKey == ""; n++ {
		key := uuid.NewString()
		resp, body := send(http.MethodPost, "/v1/organisations", key, org(n))
		switch resp.StatusCode {
		case http.StatusCreated:
			acked++
			var r struct {
				Position uint64 `json:"position"`
			}
			require.NoError(t, json.Unmarshal(body, &r))
			last = r.Position
		case http.StatusServiceUnavailable:
			failedKey, failedBody = key, org(n)
			assert.Equal(t, api.ProblemContentType, resp.Header.Get("Content-Type"))
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			var p api.Problem
			require.NoError(t, json.Unmarshal(body, &p), string(body))
			assert.Equal(t, "store_unavailable", p.Code)
			assert.Equal(t, http.StatusServiceUnavailable, p.Status)
			assert.Contains(t, p.Detail, "nothing was recorded")
		default:
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	require.NotEmpty(t, failedKey, "the store file never reached its size limit")
	resp, body = send(http.MethodPost, "/v1/organisations", failedKey, failedBody)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "still full: %s", body)

	resp, body = send(http.MethodGet, fmt.Sprintf("/v1/organisations?min_position=%d", last), "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "reads go on: %s", body)
	var orgs struct {
		Organisations []json.RawMessage `json:"organisations"`
	}
	require.NoError(t, json.Unmarshal(body, &orgs))
	assert.Len(t, orgs.Organisations, acked)
	resp, _ = send(http.MethodGet, "/readyz", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "reads are served, so the server stays ready")

	require.NoError(t, unix.Prlimit(pid, unix.RLIMIT_FSIZE, &old, nil))
	resp, body = send(http.MethodPost, "/v1/organisations", failedKey, failedBody)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "writes work again: %s", body)
	assert.Empty(t, resp.Header.Get("Idempotent-Replayed"), "the failed attempt wrote nothing")
	acked++

	require.NoError(t, srv.stop(20*time.Second))
	code, out, errOut := runBinary(t, nil, "verify", "--data", dir)
	require.Equal(t, 0, code, "%s%s", out, errOut)
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	all, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	assert.Len(t, all, acked, "the log holds exactly the acknowledged commands")
	assert.Contains(t, srv.stderr.String(), "file too large", "the log says why commands failed")
}

// TestDamagedEventWhileServing serves a store one of whose events has a changed byte: the server
// starts (the damage is in an event, not in the file's structure), and /readyz answers 503
// problem+json naming the damaged record's position, since queries cannot be answered past it.
func TestDamagedEventWhileServing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	writeLedger(t, dir)
	raw, err := os.ReadFile(storeFile(dir))
	require.NoError(t, err)
	i := strings.Index(string(raw), marker)
	require.Positive(t, i)
	raw[i] ^= 0x20
	require.NoError(t, os.WriteFile(storeFile(dir), raw, 0o600))

	srv := startServe(t, dir, []string{auth.SecretEnv + "=" + strings.Repeat("k", auth.MinSecretLen)})
	var p api.Problem
	require.Eventually(t, func() bool {
		resp, err := http.Get(srv.base + "/readyz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Content-Type") != api.ProblemContentType {
			return false
		}
		return json.NewDecoder(resp.Body).Decode(&p) == nil && strings.Contains(p.Detail, "corrupt")
	}, 30*time.Second, 20*time.Millisecond, "stderr: %s", srv.stderr.String())
	assert.Equal(t, "not_ready", p.Code)
	assert.Contains(t, p.Detail, "record at position 2")
	require.NoError(t, srv.stop(20*time.Second))
}
