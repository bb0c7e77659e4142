package projections_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// lender is a store that lends (the embedded one, underneath) and counts reads of both kinds; tamper
// can change what it lends.
type lender struct {
	streamReads
	inner  eventstore.Lender
	lends  int
	tamper func(stream string, rec eventstore.RecordedEvent) (eventstore.RecordedEvent, bool)
}

func newLender(t *testing.T, s eventstore.Store) *lender {
	l, ok := s.(eventstore.Lender)
	require.True(t, ok, "the embedded store lends")
	return &lender{streamReads: streamReads{Store: s}, inner: l}
}

func (l *lender) LendStreamEvent(ctx context.Context, stream string, revision uint64, fn func(eventstore.RecordedEvent) error) (bool, error) {
	l.lends++
	return l.inner.LendStreamEvent(ctx, stream, revision, func(rec eventstore.RecordedEvent) error {
		if l.tamper != nil {
			var ok bool
			if rec, ok = l.tamper(stream, rec); !ok {
				return errGone
			}
		}
		return fn(rec)
	})
}

func (l *lender) LendAll(ctx context.Context, after eventstore.Position, limit int, fn func([]eventstore.RecordedEvent) error) (int, error) {
	return l.inner.LendAll(ctx, after, limit, fn)
}

func (l *lender) Spread(recs []eventstore.RecordedEvent, workers int, work func(int)) error {
	return l.inner.Spread(recs, workers, work)
}

var _ eventstore.Lender = (*lender)(nil)

var errGone = errors.New("gone")

// lendJSON is LendPlan's state encoded inside fn, while its content is valid.
func lendJSON(t *testing.T, p *projections.Projector, id string) (string, bool) {
	t.Helper()
	var out []byte
	found, err := p.LendPlan(context.Background(), id, func(st projections.PlanState) error {
		var err error
		out, err = json.Marshal(st)
		return err
	})
	require.NoError(t, err)
	return string(out), found
}

// LendPlan gives what Plan gives: lent from the store (no copy read, nothing cached), from the
// cache once Plan has filled it, and from ReadStream where the store does not lend.
func TestLendPlanIsPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := demoStore(t)
	lending := newLender(t, store)
	p := projections.New(lending, nil)
	require.NoError(t, p.CatchUp(ctx))
	hidden := projections.New(&streamReads{Store: store}, nil) // hides Lender
	require.NoError(t, hidden.CatchUp(ctx))
	plans := p.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)
	for _, sum := range plans {
		reads, lends := lending.n.Load(), lending.lends
		lent, found := lendJSON(t, p, sum.PlanID)
		require.True(t, found)
		assert.Equal(t, reads, lending.n.Load(), "plan %s: lent, not read", sum.PlanID)
		assert.Equal(t, lends+1, lending.lends, "plan %s: one lend of its content event", sum.PlanID)

		want, found, err := p.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, reads+1, lending.n.Load(), "plan %s: LendPlan cached nothing, so Plan reads", sum.PlanID)
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		assert.JSONEq(t, string(wantJSON), lent, "plan %s lent", sum.PlanID)

		cached, _ := lendJSON(t, p, sum.PlanID)
		assert.Equal(t, lends+1, lending.lends, "plan %s: the second answer comes from the cache Plan filled", sum.PlanID)
		assert.JSONEq(t, string(wantJSON), cached, "plan %s from the cache", sum.PlanID)

		read, _ := lendJSON(t, hidden, sum.PlanID)
		assert.JSONEq(t, string(wantJSON), read, "plan %s from a store that does not lend", sum.PlanID)
	}

	called := false
	found, err := p.LendPlan(ctx, "no-such-plan", func(projections.PlanState) error { called = true; return nil })
	require.NoError(t, err)
	assert.False(t, found)
	assert.False(t, called)

	mine := errors.New("the caller's own failure")
	found, err = p.LendPlan(ctx, plans[len(plans)-1].PlanID, func(projections.PlanState) error { return mine })
	assert.True(t, found)
	assert.Same(t, mine, err, "fn's error comes back as it is")
}

// If the event where the projections found a version's content no longer holds it, LendPlan says
// so rather than lending other content, as Plan does.
func TestLendPlanThatDisagreesWithTheLogIsAnError(t *testing.T) {
	ctx := context.Background()
	store, target, otherFirst := disagreement(t)

	tests := []struct {
		name   string
		tamper func(eventstore.RecordedEvent) (eventstore.RecordedEvent, bool)
		want   string
	}{
		{"another plan's content is there", func(rec eventstore.RecordedEvent) (eventstore.RecordedEvent, bool) {
			r := otherFirst[0]
			r.Revision = rec.Revision
			return r, true
		}, "hashes to"},
		{"a contribution is there", func(rec eventstore.RecordedEvent) (eventstore.RecordedEvent, bool) {
			r := otherFirst[1]
			r.Revision = rec.Revision
			return r, true
		}, "carries no plan content"},
		{"the store fails", func(eventstore.RecordedEvent) (eventstore.RecordedEvent, bool) {
			return eventstore.RecordedEvent{}, false
		}, "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lending := newLender(t, store)
			p := projections.New(lending, nil)
			require.NoError(t, p.CatchUp(ctx))
			lending.tamper = func(stream string, rec eventstore.RecordedEvent) (eventstore.RecordedEvent, bool) {
				if stream != "plan-"+target {
					return rec, true
				}
				return tt.tamper(rec)
			}
			called := false
			_, err := p.LendPlan(ctx, target, func(projections.PlanState) error { called = true; return nil })
			require.Error(t, err)
			assert.False(t, called, "fn was lent content that disagrees with the projections")
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), target)
		})
	}
}

// Plan's state is the caller's: changing anything in it, however deep, changes nothing the
// projections hold (planState visits the versions in place and copies what it shows).
func TestPlanStateSharesNothingWithTheProjections(t *testing.T) {
	ctx := context.Background()
	p := projections.New(demoStore(t), nil)
	require.NoError(t, p.CatchUp(ctx))
	scribbled := 0
	for _, sum := range p.Plans(projections.PlanFilter{}) {
		st, _, err := p.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		want, err := json.Marshal(st)
		require.NoError(t, err)
		scribble := func(v *projections.VersionView) {
			for i := range v.Contributors {
				v.Contributors[i] = "XXX"
				scribbled++
			}
			for i := range v.SignOffs {
				v.SignOffs[i].EventID = "XXX"
			}
			if a := v.Assurance; a != nil {
				for i := range a.Criteria {
					a.Criteria[i].Note = "XXX"
					scribbled++
				}
				for i := range a.Conditions {
					a.Conditions[i] = "XXX"
				}
			}
		}
		for i := range st.VersionsHistory {
			scribble(&st.VersionsHistory[i])
		}
		scribble(&projections.VersionView{Contributors: st.Contributors, SignOffs: st.SignOffs, Assurance: st.Assurance})
		again, _, err := p.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		got, err := json.Marshal(again)
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got), "plan %s", sum.PlanID)
	}
	require.NotZero(t, scribbled, "the demo has contributors and assurance criteria to scribble on")
}

// Nothing the projections keep points into the store's memory map once a lend is over: after a
// catch-up from lent records and a lent GET of every plan, the file grows until bbolt maps it
// afresh (unmapping the old map, where anything still pointing would fault), and every plan, as
// of now and of its own position, the report, the organisations and the LHCs are read in full.
func TestNothingPointsIntoTheMapAfterARemap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := projections.SeededStore(t, 0)
	p := projections.New(store, nil)
	require.NoError(t, p.CatchUp(ctx))
	plans := p.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)
	for _, s := range plans {
		_, err := p.LendPlan(ctx, s.PlanID, func(st projections.PlanState) error { _, err := json.Marshal(st); return err })
		require.NoError(t, err)
	}
	big := append(append([]byte(`"`), bytes.Repeat([]byte("x"), 200<<10)...), '"')
	for i := range 10 { // 40 MB in ten appends: past the map's next size, so bbolt remaps
		batch := make([]eventstore.Event, 20)
		for j := range batch {
			batch[j] = eventstore.Event{ID: uuid.New(), Type: "Growth", Data: big}
		}
		_, err := store.Append(ctx, "foreign-growth", eventstore.Any, batch...)
		require.NoError(t, err, "append %d", i)
	}
	for _, s := range plans {
		st, _, err := p.Plan(ctx, s.PlanID)
		require.NoError(t, err)
		_, err = json.Marshal(st)
		require.NoError(t, err)
		past, _, err := p.PlanAsOf(ctx, s.PlanID, st.Position)
		require.NoError(t, err)
		_, err = json.Marshal(past)
		require.NoError(t, err)
	}
	for _, v := range []any{p.Report(projections.ReportFilter{}), p.Organisations(), p.LHCs()} {
		_, err := json.Marshal(v)
		require.NoError(t, err)
	}
}
