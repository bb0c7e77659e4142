package bench

import (
	"os"
	"testing"
)

// TestMain lets this test binary be the GET phase's load generator, as ledger's main does.
func TestMain(m *testing.M) {
	if IsLoadGenerator() {
		os.Exit(RunLoadGenerator(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}
