package projections

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// The snapshot keeps plans through domain.Plan.Record and domain.RestorePlan, whose fields are
// copied by hand. The other snapshot tests compare plans through Record itself, so a field that
// Record forgets is forgotten on both sides and they pass. Here the plan a fold built is compared
// with the one a record, and a snapshot, give back on the whole struct, unexported fields included
// (reflect.DeepEqual), just after the first event of each plan type: new state that either copy
// drops fails naming the type that brought it. The same fold checks Plan.Events, which counts the
// plan's state by hand too, against the events the stream holds.
func TestEveryPlanEventTypeSurvivesRecordAndSnapshotWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := seededStore(t, 0)
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	for _, spec := range domain.Events {
		if spec.Aggregate != domain.AggregatePlan {
			continue
		}
		t.Run(spec.Type, func(t *testing.T) {
			i := slices.IndexFunc(events, func(r eventstore.RecordedEvent) bool { return r.Type == spec.Type })
			require.GreaterOrEqual(t, i, 0, "the demo log has no %s: add one to the demo (demo/)", spec.Type)
			_, id, ok := domain.ParseStream(events[i].Stream)
			require.True(t, ok, "stream %q", events[i].Stream)
			then := New(prefixOf{store, events[i].Position}, nil)
			require.NoError(t, then.CatchUp(ctx))
			folded := then.plans[id]
			require.NotNil(t, folded, "plan %s after its first %s", id, spec.Type)

			restored, err := domain.RestorePlan(folded.plan.Record())
			require.NoError(t, err, "RestorePlan refuses the record of plan %s just after its first %s", id, spec.Type)
			require.Equal(t, folded.plan, restored,
				"plan %s just after its first %s is not the plan RestorePlan(Record()) gives back: domain.Plan.Record, PlanRecord or RestorePlan (domain/plan_record.go) drops state a %s folds in",
				id, spec.Type, spec.Type)

			var snap bytes.Buffer
			_, err = then.WriteSnapshot(&snap)
			require.NoError(t, err)
			back, err := Restore(ctx, store, nil, bytes.NewReader(snap.Bytes()))
			require.NoError(t, err, spec.Type)
			require.NotNil(t, back.plans[id], "plan %s is missing after a snapshot taken just after its first %s", id, spec.Type)
			require.Equal(t, folded.plan, back.plans[id].plan,
				"plan %s after a snapshot taken just after its first %s is not the plan the fold built: the snapshot's plan records (go generate ./projections) drop state a %s folds in",
				id, spec.Type, spec.Type)

			n := 0
			for _, r := range events[:i+1] {
				if r.Stream == events[i].Stream {
					n++
				}
			}
			require.Equal(t, n, folded.plan.Events(),
				"plan %s holds %d events after its first %s, Plan.Events (domain/limits.go) counts another number: count what a %s folds in there, or MaxPlanEvents does not bound it",
				id, n, spec.Type, spec.Type)
		})
	}
}
