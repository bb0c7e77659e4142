package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// The delivery, funding and indicator answers as of a position are those of the log up to it:
// reports are folded as they stood, plans revised since refolded. At every 211th position and the
// head (a sample of them, the first and the head always, unless LEDGER_TEST_THOROUGH=1).
func TestDeliveryFundingAndIndicatorsAsOfEqualTheLogPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := demoStore(t)
	full := projections.New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	head := full.Applied()
	plans := full.Plans(projections.PlanFilter{})
	reported := false
	for _, upTo := range thorough.Pick(t, everyNth(1, head, 211), 4) {
		then := projections.New(projections.Prefix(store, upTo), nil)
		require.NoError(t, then.CatchUp(ctx))
		asOf := full.Report(projections.ReportFilter{AsOf: upTo}).AsOf
		then.SetClock(func() time.Time { return asOf })
		for _, f := range []projections.ReportFilter{{}, {SHA: "Q36", Round: "2009-10"}} {
			want, err := then.DeliveryReport(ctx, f)
			require.NoError(t, err)
			f.AsOf = upTo
			got, err := full.DeliveryReport(ctx, f)
			require.NoError(t, err)
			assert.Equal(t, want, got, "delivery report as of %d", upTo)

			f.AsOf = 0
			wantF, err := then.FundingReport(ctx, f)
			require.NoError(t, err)
			f.AsOf = upTo
			gotF, err := full.FundingReport(ctx, f)
			require.NoError(t, err)
			assert.Equal(t, wantF, gotF, "funding report as of %d", upTo)

			f.AsOf = 0
			wantR, err := then.ReportWithIndicators(ctx, f)
			require.NoError(t, err)
			f.AsOf = upTo
			gotR, err := full.ReportWithIndicators(ctx, f)
			require.NoError(t, err)
			assert.Equal(t, wantR, gotR, "transparency report with indicators as of %d", upTo)
		}
		for _, p := range plans {
			want, existed, err := then.Delivery(ctx, p.PlanID, 0, time.Time{})
			require.NoError(t, err)
			got, found, err := full.Delivery(ctx, p.PlanID, upTo, time.Time{})
			require.NoError(t, err)
			require.Equal(t, existed, found, "plan %s as of %d", p.PlanID, upTo)
			if existed {
				assert.Equal(t, want, got, "delivery of plan %s as of %d", p.PlanID, upTo)
				reported = reported || len(got.Reports) > 0
			}
		}
	}
	assert.True(t, reported, "some position falls after a delivery report")
}

// A plan's items as of a day: overdue once their date passes unless live, slippage in days.
func TestDeliveryOverdueAsOfADay(t *testing.T) {
	ctx := context.Background()
	p := projections.New(demoStore(t), nil)
	require.NoError(t, p.CatchUp(ctx))
	var checked int
	for _, s := range p.Plans(projections.PlanFilter{Round: "2009-10"}) {
		for _, at := range []time.Time{time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2011, 12, 1, 0, 0, 0, 0, time.UTC)} {
			d, ok, err := p.Delivery(ctx, s.PlanID, p.Applied(), at)
			require.NoError(t, err)
			require.True(t, ok)
			for _, it := range d.Items {
				due := !it.PlannedDate.IsZero() && it.PlannedDate.Before(d.On)
				assert.Equal(t, due && it.Status != domain.ProgrammeLive, it.Overdue, "%s %s on %s", s.PlanID, it.Item, d.On)
				switch {
				case it.Status == domain.ProgrammeLive && it.ActualDate != nil:
					require.NotNil(t, it.SlippageDays)
					assert.Equal(t, int(domain.DayNumber(*it.ActualDate)-domain.DayNumber(it.PlannedDate)), *it.SlippageDays)
				case it.Overdue:
					require.NotNil(t, it.SlippageDays)
					assert.Positive(t, *it.SlippageDays)
				}
				checked++
			}
		}
	}
	assert.Positive(t, checked)
}

// The SHA status flags, per plan, the items whose planned date had passed when the current
// version was submitted, as the plan's delivery does.
func TestSHAStatusFlagsDatesPastAtSubmission(t *testing.T) {
	ctx := context.Background()
	p := projections.New(demoStore(t), nil)
	require.NoError(t, p.CatchUp(ctx))
	flagged := 0
	for _, sha := range []string{"Q30", "Q31", "Q32", "Q33", "Q34", "Q35", "Q36", "Q37", "Q38", "Q39"} {
		st, ok := p.SHAStatus(sha, "")
		require.True(t, ok, sha)
		for _, l := range st.LHCs {
			for _, pr := range l.Plans {
				d, found, err := p.Delivery(ctx, pr.PlanID, 0, time.Time{})
				require.NoError(t, err)
				require.True(t, found)
				want := []string{}
				for _, it := range d.Items {
					if it.PastAtSubmission {
						want = append(want, it.Item)
					}
				}
				assert.Equal(t, want, pr.PastAtSubmission, pr.PlanID)
				flagged += len(want)
			}
		}
	}
	assert.Positive(t, flagged, "the demo has versions submitted with dates already past")
}
