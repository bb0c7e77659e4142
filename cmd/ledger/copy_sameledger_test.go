package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCopyRefusesTheSameLedgerOnOneServer: a copy whose source would read the target's streams as
// its own (one server, one stream prefix) is refused before anything is opened; one between two
// prefixes of a server is a copy between two ledgers and gets past the check.
func TestCopyRefusesTheSameLedgerOnOneServer(t *testing.T) {
	refused := []struct{ name, from, to string }{
		{"spelt differently", "esdb://db:2113?tls=false", "esdb://DB?tls=false&keepAliveInterval=-1"},
		{"one prefix", "esdb://db:2113?tls=false&streamPrefix=l.", "esdb://db:2113?tls=false&StreamPrefix=l."},
		{"a seed in common", "esdb://n1:2113,n2:2113?streamPrefix=l.", "esdb://n2:2113?streamPrefix=l."},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "copy", "--from", tc.from, "--to", tc.to)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut, "name the same store")
			assert.Contains(t, errOut, "another streamPrefix")
		})
	}
	for _, tc := range []struct{ from, to string }{
		{"esdb://db:2113?tls=false", "esdb://db:2113?tls=false&streamPrefix=ledger-a."},
		{"esdb://db:2113?streamPrefix=l.", "esdb://db:2113?streamPrefix=l.plan."},
		{"esdb://db:2113", t.TempDir()},
	} {
		assert.False(t, sameStore(tc.from, tc.to), "%s | %s", tc.from, tc.to)
	}
}
