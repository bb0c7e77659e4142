package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
)

// A backup is sent whatever the server's write timeout: a large store over a slow link must not be
// cut off by a deadline meant for ordinary answers.
func TestBackupOutlivesTheServerWriteTimeout(t *testing.T) {
	dir := t.TempDir()
	store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	defer store.Close()
	srv := httptest.NewUnstartedServer(api.New(api.Config{Store: store, Tokens: auth.NewVerifier(secret, nil), BackupDir: dir}))
	srv.Config.WriteTimeout = time.Nanosecond // passed before the handler writes anything
	srv.Start()
	defer srv.Close()

	admin, err := auth.Mint(secret, domain.Actor{PersonID: "adm", Name: "Ada", Role: domain.RoleAdmin, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/admin/backup", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "the whole backup arrives")
	assert.EqualValues(t, resp.ContentLength, len(body))

	out := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(out, body, 0o600))
	copied, err := boltstore.Open(out, boltstore.Options{})
	require.NoError(t, err, "the backup is a store")
	require.NoError(t, copied.Close())
}

func TestRemoveStaleBackupsTakesOnlyBackupCopies(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".ledger-backup-123", ".ledger-backup-abc", "ledger.db", "jwt-secret", "ledger-backup-not-hidden"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600))
	}
	n, err := api.RemoveStaleBackups(dir)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"ledger.db", "jwt-secret", "ledger-backup-not-hidden"}, names)
}
