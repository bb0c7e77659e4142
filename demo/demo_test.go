package demo_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
	"assurance-ledger/verify"
)

func seeded(t *testing.T) (eventstore.Store, demo.Summary) {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	sum, err := demo.Seed(context.Background(), s, demo.Options{})
	require.NoError(t, err)
	return s, sum
}

func TestDemoCoversTheRound(t *testing.T) {
	store, sum := seeded(t)
	ctx := context.Background()
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(ctx))

	rep := proj.Report(projections.ReportFilter{Round: "2009-10"})
	assert.Equal(t, sum.Plans, rep.Totals.Plans)
	for _, s := range domain.Statuses {
		assert.Positive(t, rep.Totals.ByStatus(s), "no plan is %s", s)
		assert.Equal(t, sum.ByStatus[s], rep.Totals.ByStatus(s), s)
	}
	var shaCodes []string
	pcts := 0
	for _, o := range proj.Organisations() {
		switch o.Kind {
		case domain.KindSHA:
			shaCodes = append(shaCodes, o.ODSCode)
		case domain.KindPCT:
			pcts++
		}
	}
	assert.Equal(t, []string{"Q30", "Q31", "Q32", "Q33", "Q34", "Q35", "Q36", "Q37", "Q38", "Q39"}, shaCodes)
	assert.GreaterOrEqual(t, pcts, 30)
	assert.Len(t, rep.BySHA, 10)
	medians := 0
	for _, row := range rep.BySHA {
		if row.MedianDaysSubmitToAssurance != nil {
			medians++
			assert.Greater(t, *row.MedianDaysSubmitToAssurance, 1.0, "simulated time passes between submission and assurance")
		}
	}
	assert.Positive(t, medians)

	// Some organisations changed chief executive during the round, and both evidenced sign-offs.
	changed := 0
	for _, o := range proj.Organisations() {
		if len(o.ChiefExecutives) > 1 {
			changed++
		}
	}
	assert.Positive(t, changed)

	// Time moves forward, and the whole ledger verifies.
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, sum.Events, len(events))
	prev := events[0]
	for _, rec := range events[1:] {
		a, err := domain.DecodeEnvelope(prev.Type, prev.Data, prev.Metadata)
		require.NoError(t, err)
		b, err := domain.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
		require.NoError(t, err)
		assert.False(t, b.Meta.RecordedAt.Before(a.Meta.RecordedAt), "recorded_at goes back at position %d", rec.Position)
		prev = rec
	}
	rv, err := verify.Chains(ctx, store)
	require.NoError(t, err)
	assert.True(t, rv.OK(), "%v", rv.Findings)
}

func TestDemoIsDeterministicAndOnlySeedsAnEmptyStore(t *testing.T) {
	a, sumA := seeded(t)
	b, sumB := seeded(t)
	assert.Equal(t, sumA, sumB)
	pa, pb := projections.New(a, nil), projections.New(b, nil)
	require.NoError(t, pa.CatchUp(context.Background()))
	require.NoError(t, pb.CatchUp(context.Background()))
	assert.Equal(t, pa.Plans(projections.PlanFilter{}), pb.Plans(projections.PlanFilter{}))

	_, err := demo.Seed(context.Background(), a, demo.Options{})
	assert.ErrorContains(t, err, "already holds")
}
