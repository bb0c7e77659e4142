package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// demoStore is a store holding the demo round, closed when the test ends.
func demoStore(t *testing.T) eventstore.Store {
	t.Helper()
	return projections.SeededStore(t, 0)
}

// everyNth is from, from+step, ... up to last, and last: the points of the log a test of every
// position checks.
func everyNth(from, last eventstore.Position, step eventstore.Position) []eventstore.Position {
	var out []eventstore.Position
	for p := from; p < last; p += step {
		out = append(out, p)
	}
	return append(out, last)
}

// "As of P" must mean exactly "what a ledger holding only the first P events says": the report and
// every plan, at many points of a realistic round (every 13th and the head; a sample of them, the
// first and the head always, unless LEDGER_TEST_THOROUGH=1).
func TestAsOfEqualsTheLogPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := demoStore(t)
	full := projections.New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	head := full.Applied()
	plans := full.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)

	for _, upTo := range thorough.Pick(t, everyNth(1, head, 13), 8) {
		then := projections.New(projections.Prefix(store, upTo), nil)
		require.NoError(t, then.CatchUp(ctx))
		got := full.Report(projections.ReportFilter{AsOf: upTo})
		// The prefix's current answers measure lateness when its last event was recorded, as the
		// answers as of that event do.
		then.SetClock(func() time.Time { return got.AsOf })
		want := then.Report(projections.ReportFilter{})
		assert.Equal(t, want, got, "report as of %d", upTo)
		assert.Equal(t, then.Report(projections.ReportFilter{SHA: "Q36", Round: "2009-10"}),
			full.Report(projections.ReportFilter{SHA: "Q36", Round: "2009-10", AsOf: upTo}), "filtered report as of %d", upTo)

		for _, p := range plans {
			wantPlan, existed, err := then.Plan(ctx, p.PlanID)
			require.NoError(t, err)
			gotPlan, found, err := full.PlanAsOf(ctx, p.PlanID, upTo)
			require.NoError(t, err)
			require.Equal(t, existed, found, "plan %s as of %d", p.PlanID, upTo)
			if existed {
				assert.Equal(t, wantPlan, gotPlan, "plan %s as of %d", p.PlanID, upTo)
			}
		}
	}
}

func TestPositionAtTime(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	p := projections.New(store, nil)
	require.NoError(t, p.CatchUp(ctx))

	_, ok := p.PositionAt(time.Date(2009, 3, 31, 0, 0, 0, 0, time.UTC))
	assert.False(t, ok, "nothing was recorded before the round began")
	last, ok := p.PositionAt(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Equal(t, p.Applied(), last)
	mid, ok := p.PositionAt(time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, ok)
	assert.Less(t, mid, last)
	evs, err := store.ReadAll(ctx, mid, 1)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	next, ok := p.PositionAt(time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond))
	require.True(t, ok)
	assert.LessOrEqual(t, next, mid)
	rep := p.Report(projections.ReportFilter{AsOf: mid})
	assert.False(t, rep.AsOf.After(time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC)), "as_of %s", rep.AsOf)
}

// Times outside what Unix nanoseconds hold (before 1677-09-21, after 2262-04-11) used to wrap:
// 1425 answered a position in 2009 and 9999 no position at all.
func TestPositionAtAnyTime(t *testing.T) {
	store := demoStore(t)
	p := projections.New(store, nil)
	require.NoError(t, p.CatchUp(context.Background()))
	for _, tc := range []struct {
		at   time.Time
		want eventstore.Position // 0: before the first event
	}{
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1425, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1677, 9, 21, 0, 12, 43, 145224191, time.UTC), 0}, // the earliest UnixNano holds, and one before
		{time.Date(1677, 9, 21, 0, 12, 43, 145224192, time.UTC), 0},
		{time.Date(2262, 4, 11, 23, 47, 16, 854775807, time.UTC), p.Applied()}, // the latest, and one after
		{time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC), p.Applied()},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), p.Applied()},
	} {
		got, ok := p.PositionAt(tc.at)
		assert.Equal(t, tc.want, got, "%s", tc.at)
		assert.Equal(t, tc.want != 0, ok, "%s", tc.at)
	}
}
