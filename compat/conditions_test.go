package compat

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// Conditions upcast from schema version 1 have no due date. They are open until discharged, never
// overdue, and counted so by the current report and by the report as of every position alike; they
// cannot lapse.
func TestUpcastConditionsAreCountedOneWayAndCannotLapse(t *testing.T) {
	ctx := context.Background()
	store := openCopy(t, filepath.Join("testdata", "fixture-v1", storeFile))
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(ctx))
	head, err := store.Head(ctx)
	require.NoError(t, err)

	openOf := func(rep projections.Report) map[string]int {
		out := map[string]int{}
		for _, r := range rep.BySHA {
			out[r.SHACode] = r.OpenConditions
		}
		return out
	}
	now := openOf(proj.Report(projections.ReportFilter{}))
	assert.Equal(t, now, openOf(proj.Report(projections.ReportFilter{AsOf: head})), "now and as of the head")
	var undated int
	for _, sum := range proj.Plans(projections.PlanFilter{}) {
		st, ok, err := proj.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		require.True(t, ok)
		for _, c := range st.Conditions {
			if c.State == domain.ConditionStateOpen && c.Due.IsZero() {
				undated++
				assert.False(t, c.Overdue, "a condition with no due date is never overdue")
			}
		}
	}
	require.Positive(t, undated, "the fixture has open conditions with no due date")
	total := 0
	for _, n := range now {
		total += n
	}
	assert.GreaterOrEqual(t, total, undated, "every open condition with no due date is counted")

	// As of each position, the count moves only with the conditions' own events: an assurance or
	// discharge. Any other event leaves it as it was.
	all, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	prev := map[string]int{}
	for _, rec := range all {
		got := openOf(proj.Report(projections.ReportFilter{AsOf: rec.Position}))
		switch rec.Type {
		case "AssuranceRecorded", "ConditionDischarged", "ConditionLapsed", "PlanRevised", "PlanWithdrawn", "OrganisationRegistered":
		default:
			assert.Equal(t, prev, got, "as of %d (%s): the open conditions changed", rec.Position, rec.Type)
		}
		prev = got
	}
	assert.Equal(t, now, prev)

	// And none of them can lapse, however late it is asked.
	h := command.NewHandler(store, command.Options{Clock: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	for _, sum := range proj.Plans(projections.PlanFilter{}) {
		st, _, err := proj.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		for _, c := range st.Conditions {
			if c.State != domain.ConditionStateOpen || !c.Due.IsZero() {
				continue
			}
			before, err := store.Head(ctx)
			require.NoError(t, err)
			_, err = h.Plan(ctx, command.Request{Actor: domain.Actor{PersonID: "sa", Name: "Assurer", Role: domain.RoleSHAAssurer, Org: st.SHACode}},
				sum.PlanID, domain.LapseCondition{Version: st.Version, ConditionID: c.ID, Note: "Never evidenced"})
			require.ErrorIs(t, err, domain.ErrConditionNotDue, "%s %s", sum.PlanID, c.ID)
			after, err := store.Head(ctx)
			require.NoError(t, err)
			assert.Equal(t, before, after, "a refusal writes nothing")
		}
	}
}
