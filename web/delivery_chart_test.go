package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The delivery chart's axis reaches the day asked about whenever an item is overdue, so that an
// overdue bar is as long as the item is late, however long after the roadmap that day is; the
// ticks stay few enough to label; and each mark's tooltip says what its figure measures.
func TestTimelineChart(t *testing.T) {
	day := func(s string) domain.Date {
		d, err := domain.ParseDate(s)
		require.NoError(t, err)
		return d
	}
	ptr := func(d domain.Date) *domain.Date { return &d }
	n := func(i int) *int { return &i }
	live := projections.ItemView{Item: "clinical5.pas_reporting.interim", PlannedDate: day("2010-01-01"), Status: domain.ProgrammeLive,
		ActualDate: ptr(day("2010-01-10")), SlippageDays: n(9)}
	late := func(on string) projections.ItemView {
		return projections.ItemView{Item: "clinical5.pas_reporting.strategic", PlannedDate: day("2012-03-31"), Status: domain.ProgrammeInProgress,
			ActualDate: ptr(day("2010-05-31")), Overdue: true, SlippageDays: n(daysBetween(day("2012-03-31"), day(on)))}
	}
	tests := []struct {
		name, on string
		// minWidth is the least width, in viewBox units, the overdue bar must have.
		minWidth    float64
		overdueNote string
	}{
		{"overdue for years, asked about long after the roadmap", "2026-06-01", 250,
			"clinical5.pas_reporting.strategic: due 31 Mar 2012, not live on 1 Jun 2026: 5175 days overdue"},
		{"overdue for a year, asked about soon after the roadmap", "2013-03-31", 80,
			"clinical5.pas_reporting.strategic: due 31 Mar 2012, not live on 31 Mar 2013: 365 days overdue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := newTimelineChart(projections.PlanDelivery{On: day(tt.on), Items: []projections.ItemView{live, late(tt.on)}})
			require.Len(t, ch.Rows, 2)
			bar := ch.Rows[1]
			require.True(t, bar.Overdue)
			assert.GreaterOrEqual(t, bar.OverdueW, tt.minWidth, "the bar shows how long the item is overdue")
			end := bar.OverdueX + bar.OverdueW
			assert.InDelta(t, float64(tlWidth-tlMargin), end, 40, "the bar reaches the day asked about, near the axis's end")
			assert.Less(t, end, float64(tlWidth-tlMargin)+0.001, "and not past it")
			assert.Equal(t, tt.overdueNote, bar.OverdueNote)
			assert.Equal(t, "clinical5.pas_reporting.strategic: in_progress since 31 May 2010", bar.ActualNote,
				"the day work started, with no count of days beside it")
			assert.Equal(t, "clinical5.pas_reporting.interim: live since 10 Jan 2010, 9 days after its planned date", ch.Rows[0].ActualNote)
			assert.LessOrEqual(t, len(ch.Ticks), 10, "ticks few enough to label")
			assert.GreaterOrEqual(t, len(ch.Ticks), 3)
			for _, tk := range ch.Ticks {
				assert.True(t, tk.X >= tlLabel && tk.X <= tlWidth-tlMargin, "tick %s at %v inside the plot", tk.Label, tk.X)
			}
		})
	}
}

func daysBetween(from, to domain.Date) int {
	return int(to.Time().Sub(from.Time()).Hours() / 24)
}
