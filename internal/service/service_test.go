package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/internal/service"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}

// The service built from options serves the log it is given once ready, and on Stop saves the
// projections' snapshot and the tree's checkpoint, from which a second service on the same data
// directory starts without folding the log again.
func TestServiceServesTheLogAndRestartsFromWhatItSaved(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := demotest.Store(t, 0)
	head, err := store.Head(ctx)
	require.NoError(t, err)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	secret := []byte("0123456789abcdef0123456789abcdef")
	opts := service.Options{Store: store, DataDir: dir, Secret: secret, Signer: signer}

	svc, err := service.Open(ctx, opts)
	require.NoError(t, err)
	assert.Zero(t, svc.Projections.Applied(), "no snapshot yet: the projections fold the log")
	svc.Start()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, svc.WaitReady(waitCtx))
	require.Equal(t, head, svc.Projections.Applied())
	require.NoError(t, svc.Tree.WaitFor(waitCtx, head))

	token, err := auth.Mint(secret, domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X09"}, time.Now(), time.Hour)
	require.NoError(t, err)
	for _, path := range []string{"/v1/reports/transparency", "/v1/ledger/tree-head", "/login", "/readyz"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		svc.Handler.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, "%s: %s", path, rec.Body.String())
	}

	svc.Stop()
	svc.Stop() // a second Stop does nothing
	_, err = os.Stat(filepath.Join(dir, projections.SnapshotFile))
	require.NoError(t, err, "the projections' snapshot is saved at Stop")
	_, err = os.Stat(filepath.Join(dir, ledgertree.CheckpointFile))
	require.NoError(t, err, "the tree's checkpoint is kept")

	again, err := service.Open(ctx, opts)
	require.NoError(t, err)
	defer again.Stop()
	assert.Equal(t, head, again.Projections.Applied(), "restored from the snapshot Stop saved")
}

// Open refuses options without what every service needs.
func TestOpenNeedsAStoreASignerAndASecret(t *testing.T) {
	_, err := service.Open(context.Background(), service.Options{})
	assert.ErrorContains(t, err, "a store, a signer and a token secret are needed")
}
