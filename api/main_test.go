package api

import (
	"os"
	"testing"

	"assurance-ledger/demo/demotest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}
