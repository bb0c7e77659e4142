package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/audit"
)

// A first audit refuses a --state that already holds other files (a source directory, a ledger's
// own data directory) and writes nothing there; a new, empty or already mirrored directory goes on
// to ask the server. The server here is a closed port, so an accepted directory fails on the network.
func TestTheStateDirectoryMustBeNewEmptyOrAMirror(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T) string
		refused string // what the refusal says, "" if the audit goes on
	}{
		{"a directory that does not exist yet", func(t *testing.T) string { return filepath.Join(t.TempDir(), "new") }, ""},
		{"an empty directory", func(t *testing.T) string { return t.TempDir() }, ""},
		{"a mirror an earlier audit left", func(t *testing.T) string {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, audit.MarkerFile), []byte("mirror\n"), 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "ledger.db"), nil, 0o600))
			return dir
		}, ""},
		{"a source directory", func(t *testing.T) string {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "audit.go"), []byte("package audit\n"), 0o600))
			return dir
		}, "already holds files and is not an auditor's mirror"},
		{"a ledger's data directory", func(t *testing.T) string {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "ledger.db"), []byte("a ledger"), 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "jwt-secret"), []byte("secret"), 0o600))
			return dir
		}, "is a ledger's data directory (it holds jwt-secret)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := tc.prepare(t)
			var before []string
			if entries, err := os.ReadDir(dir); err == nil {
				for _, e := range entries {
					before = append(before, e.Name())
				}
			}
			rep, err := audit.Run(context.Background(), audit.Options{URL: "http://127.0.0.1:1", Token: "t", State: dir, NoCompare: true})
			require.Error(t, err, "neither case reaches a server")
			assert.Equal(t, audit.StatusFailed, rep.Status)
			if tc.refused == "" {
				assert.NotContains(t, err.Error(), "is not an auditor's mirror")
				assert.FileExists(t, filepath.Join(dir, audit.MarkerFile))
				return
			}
			assert.Contains(t, err.Error(), tc.refused)
			entries, rerr := os.ReadDir(dir)
			require.NoError(t, rerr)
			var after []string
			for _, e := range entries {
				after = append(after, e.Name())
			}
			assert.Equal(t, before, after, "nothing is written into a directory refused")
			raw, rerr := os.ReadFile(filepath.Join(dir, "ledger.db"))
			if rerr == nil {
				assert.Equal(t, "a ledger", string(raw), "a ledger's own store is left as it was")
			}
		})
	}
}
