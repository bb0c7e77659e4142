package audit_test

import (
	"os"
	"testing"

	"assurance-ledger/demo/demotest"
)

// TestMain removes the demo store recorded once for the tests (demotest).
func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}
