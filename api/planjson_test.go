package api

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// planJSON must stay PlanState field for field (name, JSON tag, type, order), the content aside: a
// field added to PlanState and not here would silently vanish from GET /v1/plans/{id}.
func TestPlanJSONMirrorsPlanState(t *testing.T) {
	want, got := reflect.TypeFor[projections.PlanState](), reflect.TypeFor[planJSON]()
	require.Equal(t, want.NumField(), got.NumField())
	for i := range want.NumField() {
		w, g := want.Field(i), got.Field(i)
		assert.Equal(t, w.Name, g.Name, "field %d", i)
		assert.Equal(t, w.Tag, g.Tag, "field %s", w.Name)
		if w.Type == reflect.TypeFor[domain.Content]() {
			assert.Equal(t, reflect.TypeFor[contentJSON](), g.Type, "field %s", w.Name)
			continue
		}
		assert.Equal(t, w.Type, g.Type, "field %s", w.Name)
	}
	// contentJSON is Content without methods: same fields.
	assert.Equal(t, reflect.TypeFor[domain.Content]().NumField(), reflect.TypeFor[contentJSON]().NumField())
}

// toPlanJSON encodes to the bytes PlanState does, including the cases Content.MarshalJSON exists
// for (absent lists) and ones the demo data may not reach.
func TestPlanJSONEncodesLikePlanState(t *testing.T) {
	at := time.Date(2009, 6, 19, 11, 20, 34, 5, time.UTC)
	for _, c := range []struct {
		name string
		st   projections.PlanState
	}{
		{"zero", projections.PlanState{}},
		{"nil lists", projections.PlanState{PlanID: "p", Content: domain.Content{Clinical5: nil, NationalProgrammes: nil}}},
		{"empty lists", projections.PlanState{Content: domain.Content{Clinical5: []domain.Capability{}, NationalProgrammes: []domain.NationalProgramme{}}}},
		{"html and unicode", projections.PlanState{PlanID: "<a&b>", Round: "\u2028é", SubmittedAt: at, AsOfPosition: 7,
			Contributors: []string{"RGQ"}, Content: domain.Content{Clinical5: []domain.Capability{{}}, NationalProgrammes: []domain.NationalProgramme{{}}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(c.st)
			require.NoError(t, err)
			got, err := json.Marshal(toPlanJSON(c.st))
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// BenchmarkEncodePlan is the JSON encoding of GET /v1/plans/{id}'s answer for the demo's plans, as
// the handler did it (PlanState, whose content encodes itself; then planJSON) and as it does now
// (appendPlanJSON into a reused buffer).
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
		{"planJSON", func(st projections.PlanState) any { return toPlanJSON(st) }},
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
