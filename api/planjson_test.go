package api

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// The answer writes a content's absent lists as [], and is otherwise PlanState as encoding/json
// writes it.
func TestPlanAnswerWritesContentListsAsArrays(t *testing.T) {
	at := time.Date(2009, 6, 19, 11, 20, 34, 5, time.UTC)
	for _, c := range []struct {
		name string
		st   projections.PlanState
	}{
		{"zero", projections.PlanState{}},
		{"nil lists", projections.PlanState{PlanID: "p", Content: domain.Content{Clinical5: nil, NationalProgrammes: nil}}},
		{"empty lists", projections.PlanState{Content: domain.Content{Clinical5: []domain.Capability{}, NationalProgrammes: []domain.NationalProgramme{}}}},
		{"html and unicode", projections.PlanState{PlanID: "<a&b>", Round: "\u2028é", SubmittedAt: at, Cut: projections.Cut{AsOf: at, AsOfPosition: 7, TreeSize: 6},
			Contributors: []string{"RGQ"}, Content: domain.Content{Clinical5: []domain.Capability{{}}, NationalProgrammes: []domain.NationalProgramme{{}}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(planAnswer(c.st))
			require.NoError(t, err)
			assert.NotContains(t, string(got), `"clinical5":null`)
			assert.NotContains(t, string(got), `"national_programmes":null`)
			want := c.st
			want.Content.Clinical5 = append([]domain.Capability{}, c.st.Content.Clinical5...)
			want.Content.NationalProgrammes = append([]domain.NationalProgramme{}, c.st.Content.NationalProgrammes...)
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			assert.Equal(t, string(wantJSON), string(got))
		})
	}
}

// BenchmarkEncodePlan is the JSON encoding of GET /v1/plans/{id}'s answer for the demo's plans, by
// encoding/json and as the handler does it (appendPlanJSON into a reused buffer).
func BenchmarkEncodePlan(b *testing.B) {
	store, err := boltstore.Open(filepath.Join(b.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(b, err)
	b.Cleanup(func() { store.Close() })
	_, err = demo.Seed(context.Background(), store, demo.Options{})
	require.NoError(b, err)
	proj := projections.New(store, nil)
	require.NoError(b, proj.CatchUp(context.Background()))
	var states []projections.PlanState
	for _, s := range proj.Plans(projections.PlanFilter{}) {
		st, _, err := proj.Plan(context.Background(), s.PlanID)
		require.NoError(b, err)
		states = append(states, st)
	}
	for _, c := range []struct {
		name string
		v    func(projections.PlanState) any
	}{
		{"PlanState", func(st projections.PlanState) any { return st }},
		{"planJSON", func(st projections.PlanState) any { return planAnswer(st) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			enc := json.NewEncoder(io.Discard)
			i := 0
			for b.Loop() {
				if err := enc.Encode(c.v(states[i%len(states)])); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("appendPlanJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		i := 0
		for b.Loop() {
			var ok bool
			if buf, ok = appendPlanJSON(buf[:0], states[i%len(states)]); !ok {
				b.Fatal("declined")
			}
			i++
		}
	})
}
