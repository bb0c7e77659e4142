package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/audit"
)

// The status line claims only what the audit checked: a run with --no-compare asked the server no
// question, so its clean status says the answers were not compared.
func TestTheAuditStatusClaimsOnlyWhatWasChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		asked      int
		want, miss string
	}{
		{"answers compared", 1155, "status: clean: the ledger's log, signed heads and published answers agree with the mirror", "not compared"},
		{"--no-compare", 0, "status: clean: the ledger's log and signed heads agree with the mirror; its published answers were not compared (--no-compare)", "published answers agree"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := &audit.Report{EventsHeld: 10, TreeSize: 10, RootHash: "ab", AnswersAsked: tc.asked, AnswersCompared: tc.asked}
			rep.Conclude(nil)
			require.Equal(t, audit.StatusClean, rep.Status)
			var out bytes.Buffer
			require.NoError(t, printReport(&out, rep, false))
			assert.Contains(t, out.String(), tc.want)
			assert.NotContains(t, out.String(), tc.miss)
		})
	}
}

// An audit refused before it opened a mirror (a --state holding other files) reports no mirror:
// a line of "0 events held" with no root would describe a mirror that does not exist.
func TestARefusedAuditReportsNoMirror(t *testing.T) {
	t.Parallel()
	rep := &audit.Report{}
	rep.Conclude(errors.New("--state x already holds files and is not an auditor's mirror"))
	var out bytes.Buffer
	require.NoError(t, printReport(&out, rep, false))
	assert.NotContains(t, out.String(), "mirror:")
	assert.Contains(t, out.String(), "status: failed: the audit could not finish, and certifies nothing: --state x already holds files")
}
