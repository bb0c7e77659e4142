package projections_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// streamReads counts ReadStream calls and can change what they return.
type streamReads struct {
	eventstore.Store
	n      atomic.Int64
	tamper func(stream string, recs []eventstore.RecordedEvent) []eventstore.RecordedEvent
}

func (s *streamReads) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	s.n.Add(1)
	recs, err := s.Store.ReadStream(ctx, stream, from, limit)
	if err == nil && s.tamper != nil {
		recs = s.tamper(stream, recs)
	}
	return recs, err
}

// disagreement is the demo's store, a plan to be given what is not its content, and the first two
// events of another plan (its submission and a contribution) to give it.
func disagreement(t *testing.T) (store eventstore.Store, target string, otherFirst []eventstore.RecordedEvent) {
	t.Helper()
	ctx := context.Background()
	store = demoStore(t)
	p0 := projections.New(store, nil)
	require.NoError(t, p0.CatchUp(ctx))
	plans := p0.Plans(projections.PlanFilter{})
	require.GreaterOrEqual(t, len(plans), 2)
	otherFirst, err := store.ReadStream(ctx, "plan-"+plans[1].PlanID, 0, 2)
	require.NoError(t, err)
	require.Len(t, otherFirst, 2)
	require.Equal(t, domain.TypePlanSubmitted, otherFirst[0].Type)
	require.Equal(t, domain.TypeContributionRecorded, otherFirst[1].Type, "the demo's second event of a plan is a contribution")
	return store, plans[0].PlanID, otherFirst
}

// The projections keep no content; Plan reads the current version's from the log, once.
func TestPlanContentIsReadFromTheLogOnce(t *testing.T) {
	ctx := context.Background()
	reads := &streamReads{Store: demoStore(t)}
	p := projections.New(reads, nil)
	require.NoError(t, p.CatchUp(ctx))
	head := p.Applied()
	// The live view measures lateness today; the refold as of the head on the head's day.
	last := p.Report(projections.ReportFilter{}).AsOf
	p.SetClock(func() time.Time { return last })
	plans := p.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)
	revised := 0
	for _, sum := range plans {
		// The refold as of the head keeps its content: what the live view must give back.
		want, found, err := p.PlanAsOf(ctx, sum.PlanID, head)
		require.NoError(t, err)
		require.True(t, found)
		if want.Version > 1 {
			revised++
		}

		before := reads.n.Load()
		got, found, err := p.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, want, got, "plan %s", sum.PlanID)
		assert.NotEmpty(t, got.Content.Clinical5, "plan %s has content", sum.PlanID)
		assert.Equal(t, before+1, reads.n.Load(), "plan %s: one read of its content event", sum.PlanID)

		got.Content.Clinical5[0].Capability = "changed by a caller"
		again, _, err := p.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		assert.Equal(t, want.Content, again.Content, "a caller's change does not reach the cache")
		assert.Equal(t, before+1, reads.n.Load(), "plan %s: the second answer comes from the cache", sum.PlanID)
	}
	require.NotZero(t, revised, "the demo revises some plans, so a later version's content is read too")
}

// If the event where the projections found a version's content no longer holds it, Plan says so
// rather than answering with other content.
func TestPlanContentThatDisagreesWithTheLogIsAnError(t *testing.T) {
	ctx := context.Background()
	store, target, otherFirst := disagreement(t)

	tests := []struct {
		name   string
		tamper func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
		want   string
	}{
		{"the event is gone", func([]eventstore.RecordedEvent) []eventstore.RecordedEvent { return nil }, "no event at revision"},
		{"another plan's content is there", func(recs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			r := otherFirst[0]
			r.Revision = recs[0].Revision
			return []eventstore.RecordedEvent{r}
		}, "hashes to"},
		{"a contribution is there", func(recs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			r := otherFirst[1]
			r.Revision = recs[0].Revision
			return []eventstore.RecordedEvent{r}
		}, "not version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reads := &streamReads{Store: store}
			p := projections.New(reads, nil)
			require.NoError(t, p.CatchUp(ctx))
			reads.tamper = func(stream string, recs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
				if stream != "plan-"+target {
					return recs
				}
				return tt.tamper(recs)
			}
			_, _, err := p.Plan(ctx, target)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), target)
		})
	}
}
