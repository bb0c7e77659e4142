package projections

import (
	"bytes"
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// Every registered event type is folded by the projections, as a plan event with its entry in
// planEffects or as a registry event: a new type must be a decision about the read models.
func TestEveryEventTypeIsProjected(t *testing.T) {
	for _, spec := range domain.Events {
		switch spec.Aggregate {
		case domain.AggregatePlan:
			_, ok := planEffects[spec.Type]
			require.True(t, ok, "plan event type %s has no entry in projections.planEffects: say what the read models do with it (nil: nothing beyond the plan's fold)", spec.Type)
		case domain.AggregateRegistry:
			require.Contains(t, registryEvents, spec.Type, "registry event type %s is not in projections.registryEvents", spec.Type)
		case domain.AggregateReturn:
			require.Contains(t, returnEvents, spec.Type, "return event type %s is not in projections.returnEvents", spec.Type)
		default:
			t.Fatalf("event type %s belongs to the %s aggregate, which the projections do not fold", spec.Type, spec.Aggregate)
		}
	}
	for typ := range planEffects {
		s, ok := domain.Spec(typ)
		require.True(t, ok && s.Aggregate == domain.AggregatePlan, "planEffects names %s, not a registered plan event type", typ)
	}
}

// For every registered event type, a snapshot taken just after the first event of that type, and
// just after the next event, restores the state the events built: state that a new type brings and
// the snapshot does not keep fails here, naming the type. The demo must hold every type. One
// projector catches up with the log from one of those points to the next, as a running service
// does, rather than each point folding the log from its start again. The points are checked in log
// order: state dropped from then on breaks every later check too, so the first to fail names the
// type that brought it.
func TestEveryEventTypeSurvivesASnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := seededStore(t, 0)
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	after := map[int][]string{} // index of an event -> the types a snapshot just after it is for
	for _, spec := range domain.Events {
		i := slices.IndexFunc(events, func(r eventstore.RecordedEvent) bool { return r.Type == spec.Type })
		require.GreaterOrEqual(t, i, 0, "the demo log has no %s: add one to the demo (demo/), so that snapshots are tested with it", spec.Type)
		for _, at := range []int{i, min(i+1, len(events)-1)} {
			after[at] = append(after[at], spec.Type)
		}
	}
	log := &growingPrefix{Store: store}
	then := New(log, nil)
	for _, at := range slices.Sorted(maps.Keys(after)) {
		log.upTo = events[at].Position
		require.NoError(t, then.CatchUp(ctx))
		require.Equal(t, events[at].Position, then.Applied())
		var snap bytes.Buffer
		_, err := then.WriteSnapshot(&snap)
		require.NoError(t, err)
		restored, err := Restore(ctx, store, nil, bytes.NewReader(snap.Bytes()))
		require.NoError(t, err, after[at])
		require.Equal(t, stateOf(then), stateOf(restored), "a snapshot just after %v (position %d) restores another state", after[at], events[at].Position)
	}
}

// growingPrefix is the log as it stood at upTo, which the test moves on.
type growingPrefix struct {
	eventstore.Store
	upTo eventstore.Position
}

func (g *growingPrefix) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	return prefixOf{g.Store, g.upTo}.ReadAll(ctx, after, limit)
}

func (g *growingPrefix) Head(context.Context) (eventstore.Position, error) { return g.upTo, nil }

// stateOf, which the snapshot tests compare, reads every field of the projector that holds state:
// a field added to the Projector must be put in one list or the other here, and, if it is state,
// into stateOf and the snapshot.
func TestStateOfSeesEveryField(t *testing.T) {
	compared := []string{"registry", "registryLog", "shaSince", "returns", "returnLog", "plans", "order", "aggs", "signers", "timeline",
		"events", "skipped", "appliedPos", "appliedID"}
	notState := []string{"store", "log", "now", "progress", "ready", "failed", "contents", "snapshotSize", "saved", "mu",
		"registryMemo"} // a cache of what registryLog folds to
	for f := range reflect.TypeFor[Projector]().Fields() {
		require.True(t, slices.Contains(compared, f.Name) || slices.Contains(notState, f.Name),
			"Projector.%s is neither compared by stateOf nor listed as not state", f.Name)
	}
	view := []string{"seq", "id", "plan", "sha", "lead", "revision", "position", "contentRevision", "signers", "history", "counted", "conds"}
	for f := range reflect.TypeFor[planView]().Fields() {
		require.Contains(t, view, f.Name, "planView.%s is not compared by stateOf (viewState)", f.Name)
	}
}
