package projections

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// seededStore is a store holding the demo at scale (0: the demo round itself), closed when the
// test ends.
func seededStore(t *testing.T, scale int) eventstore.Store {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = demo.Seed(context.Background(), store, demo.Options{Scale: scale})
	require.NoError(t, err)
	return store
}
