package projections

import (
	"os"
	"testing"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/eventstore"
)

// seededStore is a store holding the demo at scale (0: the demo round itself), closed when the
// test ends.
func seededStore(t *testing.T, scale int) eventstore.Store {
	t.Helper()
	return demotest.Store(t, scale)
}

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}
