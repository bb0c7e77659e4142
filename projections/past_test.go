package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// The SHA status and SRO evidence "as of P" must equal what a ledger holding only the first P events
// says, for every SHA and every organisation that ever signed, at many points of the demo round
// (every 53rd and the head; a sample of them, the first and the head always, unless
// LEDGER_TEST_THOROUGH=1).
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

	for _, upTo := range thorough.Pick(t, everyNth(1, head, 53), 4) {
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

// The plan list, the registry's lists and one organisation "as of P" equal what a ledger holding
// only the first P events says now, and every answer names that cut: P, when its last event was
// recorded, and how many ledger events (tree leaves) it holds.
func TestListsAsOfEqualTheLogPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := demoStore(t)
	full := projections.New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	head := full.Applied()
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	filters := []projections.PlanFilter{{}, {SHA: "Q36"}, {Round: "2009-10", Status: "assured"}, {Status: "submitted"}}

	for _, upTo := range []eventstore.Position{1, 2, 40, 77, 200, 351, head - 1, head, head + 5, projections.Latest} {
		then := projections.New(projections.Prefix(store, upTo), nil)
		require.NoError(t, then.CatchUp(ctx))
		at := min(upTo, head)
		wantCut := projections.Cut{AsOfPosition: at, TreeSize: at}
		for _, rec := range events[:at] {
			e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
			require.NoError(t, err)
			if e.Meta.RecordedAt.After(wantCut.AsOf) {
				wantCut.AsOf = e.Meta.RecordedAt
			}
		}
		assert.Equal(t, wantCut, full.CutAt(upTo), "cut at %d", upTo)

		for _, f := range filters {
			got, cut, err := full.PlansAsOf(ctx, f, upTo)
			require.NoError(t, err)
			assert.Equal(t, then.Plans(f), got, "plans %+v as of %d", f, upTo)
			assert.Equal(t, wantCut, cut, "plans %+v as of %d", f, upTo)
		}
		orgs, cut, err := full.OrganisationsAsOf(upTo)
		require.NoError(t, err)
		assert.Equal(t, then.Organisations(), orgs, "organisations as of %d", upTo)
		assert.Equal(t, wantCut, cut)
		lhcs, cut, err := full.LHCsAsOf(upTo)
		require.NoError(t, err)
		assert.Equal(t, then.LHCs(), lhcs, "LHCs as of %d", upTo)
		assert.Equal(t, wantCut, cut)
		for _, o := range full.Organisations() {
			want, existed := then.Organisation(o.ODSCode)
			got, found, cut, err := full.OrganisationAsOf(o.ODSCode, upTo)
			require.NoError(t, err)
			require.Equal(t, existed, found, "%s as of %d", o.ODSCode, upTo)
			assert.Equal(t, want, got, "%s as of %d", o.ODSCode, upTo)
			assert.Equal(t, wantCut, cut)
		}
		rep := full.Report(projections.ReportFilter{AsOf: upTo})
		assert.Equal(t, wantCut, rep.Cut, "report as of %d", upTo)
	}
}
