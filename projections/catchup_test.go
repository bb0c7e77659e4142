package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// failingAfter is a store whose reads of the log fail once they reach past position at.
type failingAfter struct {
	eventstore.Store
	at  eventstore.Position
	err error
}

func (f failingAfter) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	recs, err := f.Store.ReadAll(ctx, after, limit)
	if err == nil && len(recs) > 0 && recs[len(recs)-1].Position > f.at {
		return nil, f.err
	}
	return recs, err
}

// cancelling is a store that cancels a context once a read of the log reaches past position at.
type cancelling struct {
	eventstore.Store
	at     eventstore.Position
	cancel context.CancelFunc
}

func (c cancelling) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	recs, err := c.Store.ReadAll(ctx, after, limit)
	if len(recs) > 0 && recs[len(recs)-1].Position > c.at {
		c.cancel()
	}
	return recs, err
}

// CatchUp over a log of more batches than it has in flight, one seeded store for all the cases.
func TestCatchUpOverManyBatches(t *testing.T) {
	// Not parallel: it sets the package's catch-up batch size.
	// Batches of 64 over the demo's 600-odd events: more batches than the catch-up keeps in flight,
	// in a log small enough to fold quickly under the race detector.
	projections.SetCatchUpBatch(t, 64)
	store := projections.SeededStore(t, 0)
	t.Run("every event once, in log order", func(t *testing.T) { testCatchUpAppliesEveryEventOnceInLogOrder(t, store) })
	t.Run("from lent records as from copies", func(t *testing.T) { testCatchUpFromLentRecordsIsFromCopies(t, store) })
	t.Run("stops at a failed read or a done context", func(t *testing.T) { testCatchUpStopsAtAFailedReadOrADoneContext(t, store) })
}

// CatchUp reads batches ahead on two readers that take turns: every event of the log is applied
// once and in log order, whether the store lends its records or copies them.
func testCatchUpAppliesEveryEventOnceInLogOrder(t *testing.T, store eventstore.Store) {
	all, err := store.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	require.Greater(t, len(all), 4*projections.CatchUpBatch(), "more batches than the catch-up has in flight")
	want := make([]eventstore.Position, len(all))
	for i, r := range all {
		want[i] = r.Position
	}
	for name, s := range map[string]eventstore.Store{"lent": store, "copied": &streamReads{Store: store}} {
		t.Run(name, func(t *testing.T) {
			p := projections.New(s, nil)
			require.NoError(t, p.CatchUp(t.Context()))
			require.Equal(t, want, p.AppliedPositions())
			require.NoError(t, p.Ready())
		})
	}
}

// A read that fails part way ends the catch-up with its error, after the batches before it, and
// a context done part way ends it with the context's error: neither waits for ever.
func testCatchUpStopsAtAFailedReadOrADoneContext(t *testing.T, store eventstore.Store) {
	head, err := store.Head(t.Context())
	require.NoError(t, err)
	batch := eventstore.Position(projections.CatchUpBatch())
	for _, at := range []eventstore.Position{0, batch, 3 * batch, head - 1} {
		t.Run(fmt.Sprintf("read fails past %d", at), func(t *testing.T) {
			broken := errors.New("disk gone")
			p := projections.New(failingAfter{Store: &streamReads{Store: store}, at: at, err: broken}, nil)
			err := p.CatchUp(t.Context())
			require.ErrorIs(t, err, broken)
			applied := p.AppliedPositions()
			require.LessOrEqual(t, len(applied), int(at), "nothing applied from the batch that failed")
			require.Zero(t, len(applied)%projections.CatchUpBatch(), "whole batches only")
			require.ErrorIs(t, p.Ready(), projections.ErrNotReady)
		})
		t.Run(fmt.Sprintf("context done past %d", at), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			p := projections.New(cancelling{Store: &streamReads{Store: store}, at: at, cancel: cancel}, nil)
			require.ErrorIs(t, p.CatchUp(ctx), context.Canceled)
			require.ErrorIs(t, p.Ready(), projections.ErrNotReady)
		})
	}
}

// A catch-up that decodes lent records builds the projections one that reads copies builds: every
// plan, the report and the counts, over a log of several batches.
func testCatchUpFromLentRecordsIsFromCopies(t *testing.T, store eventstore.Store) {
	ctx := context.Background()
	lent := projections.New(store, nil)
	require.NoError(t, lent.CatchUp(ctx))
	copied := projections.New(&streamReads{Store: store}, nil) // hides Lender: ReadAll
	require.NoError(t, copied.CatchUp(ctx))
	require.Greater(t, lent.Events(), 4*projections.CatchUpBatch(), "more of CatchUp's batches than it keeps to reuse")
	require.Equal(t, copied.Events(), lent.Events())
	require.Equal(t, copied.Applied(), lent.Applied())
	jsonOf := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	require.Equal(t, jsonOf(copied.Report(projections.ReportFilter{})), jsonOf(lent.Report(projections.ReportFilter{})))
	plans := copied.Plans(projections.PlanFilter{})
	require.Equal(t, jsonOf(plans), jsonOf(lent.Plans(projections.PlanFilter{})))
	for _, sum := range plans {
		want, _, err := copied.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		got, _, err := lent.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		require.Equal(t, jsonOf(want), jsonOf(got), "plan %s", sum.PlanID)
	}
}
