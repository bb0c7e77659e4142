package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/eventstore/storetest"
)

// TestContractShared runs the contract suite in its shared-log mode (storetest.Harness.Shared) on
// one file that every test reopens and that keeps the events of all the tests before it, as an
// EventStoreDB server does. It shows that the scoped view, which a server-backed store needs, keeps
// every assertion of the suite on a log that is never empty.
func TestContractShared(t *testing.T) {
	t.Parallel() // mostly waiting on fsync: the other contract run and the tests after overlap it
	if testing.Short() {
		t.Skip("the whole contract suite a second time")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func(t *testing.T) eventstore.Store {
		s, err := boltstore.Open(path, boltstore.Options{})
		require.NoError(t, err)
		return s
	}
	storetest.Run(t, storetest.Harness{
		Open: open,
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			require.NoError(t, s.Close())
			return open(t)
		},
		Shared: true,
	})
}
