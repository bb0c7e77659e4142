package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The delivery and funding reports count each LHC once: asked for a round, its live plan of that
// round; asked for every round, its live plan of the latest round it has one in, so an LHC with
// plans in 2009-10 and 2010-11 is neither two plans in share_live nor its money twice.
func TestDeliveryAndFundingCountEachLHCOnce(t *testing.T) {
	ctx := context.Background()
	p := projections.New(demoStore(t), nil)
	require.NoError(t, p.CatchUp(ctx))

	type pick struct {
		sha, round string
		capital    int64
	}
	chosen := func(round string) map[string]pick {
		out := map[string]pick{}
		for _, s := range p.Plans(projections.PlanFilter{}) {
			if s.Status == domain.StatusWithdrawn || (round != "" && s.Round != round) {
				continue
			}
			if have, ok := out[s.LHCID]; ok && have.round > s.Round {
				continue
			}
			st, ok, err := p.Plan(ctx, s.PlanID)
			require.NoError(t, err)
			require.True(t, ok)
			out[s.LHCID] = pick{s.SHACode, s.Round, st.Content.CapacityAndFunding.Capital}
		}
		return out
	}
	both := 0
	for lhc, p10 := range chosen("2010-11") {
		if p09, ok := chosen("2009-10")[lhc]; ok && p09.sha == p10.sha {
			both++
		}
	}
	require.Positive(t, both, "the demo has LHCs with live plans in both rounds, or this test proves nothing")

	for _, round := range []string{"", "2009-10", "2010-11"} {
		t.Run("round "+round, func(t *testing.T) {
			wantPlans, wantCapital := map[string]int{}, map[string]int64{}
			for _, c := range chosen(round) {
				wantPlans[c.sha]++
				wantCapital[c.sha] += c.capital
			}
			del, err := p.DeliveryReport(ctx, projections.ReportFilter{Round: round, At: time.Date(2011, 6, 1, 0, 0, 0, 0, time.UTC)})
			require.NoError(t, err)
			fund, err := p.FundingReport(ctx, projections.ReportFilter{Round: round})
			require.NoError(t, err)
			require.Len(t, fund.BySHA, len(del.BySHA))
			for i, r := range del.BySHA {
				assert.Equal(t, wantPlans[r.SHACode], r.Plans, "%s: delivery plans", r.SHACode)
				for _, it := range r.Items {
					assert.LessOrEqual(t, it.Live+it.InProgress, r.Plans, "%s %s", r.SHACode, it.Item)
				}
				f := fund.BySHA[i]
				assert.Equal(t, wantPlans[f.SHACode], f.Plans, "%s: funding plans", f.SHACode)
				assert.Equal(t, wantCapital[f.SHACode], f.Capital, "%s: capital", f.SHACode)
			}
		})
	}
}
