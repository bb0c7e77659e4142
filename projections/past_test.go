package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// The SHA status and SRO evidence "as of P" must equal what a ledger holding only the first P events
// says, for every SHA and every organisation that ever signed, at many points of the demo round.
func TestPastViewsEqualTheLogPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := demoStore(t)
	full := projections.New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	head := full.Applied()
	var shas, signers []string
	for _, o := range full.Organisations() {
		if o.Kind == "sha" {
			shas = append(shas, o.ODSCode)
		}
		if ev, _ := full.SROEvidence(o.ODSCode); len(ev.SignOffs) > 0 {
			signers = append(signers, o.ODSCode)
		}
	}
	require.NotEmpty(t, shas)
	require.NotEmpty(t, signers)

	for upTo := eventstore.Position(1); upTo <= head; upTo += 53 {
		then := projections.New(projections.Prefix(store, upTo), nil)
		require.NoError(t, then.CatchUp(ctx))
		// The prefix's current answers measure lateness on the day of its last event, as the answers
		// as of that event do.
		last := full.Report(projections.ReportFilter{AsOf: upTo}).AsOf
		then.SetClock(func() time.Time { return last })
		for _, code := range shas {
			for _, round := range []string{"", "2009-10"} {
				want, existed := then.SHAStatus(code, round)
				got, found, err := full.SHAStatusAsOf(ctx, code, round, upTo)
				require.NoError(t, err)
				require.Equal(t, existed, found, "SHA %s as of %d", code, upTo)
				assert.Equal(t, want, got, "SHA %s round %q as of %d", code, round, upTo)
			}
		}
		for _, ods := range signers {
			want, existed := then.SROEvidence(ods)
			got, found, err := full.SROEvidenceAsOf(ctx, ods, upTo)
			require.NoError(t, err)
			require.Equal(t, existed, found, "organisation %s as of %d", ods, upTo)
			assert.Equal(t, want, got, "SRO evidence of %s as of %d", ods, upTo)
		}
	}
}
