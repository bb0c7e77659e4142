package domain

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every registration names its own type, once, with the aggregate whose stream holds it, and
// gives values of that type.
func TestEventRegistrations(t *testing.T) {
	sorted := slices.Clone(EventTypes)
	slices.Sort(sorted)
	assert.Len(t, slices.Compact(sorted), len(Events), "type names are distinct")
	for _, s := range Events {
		assert.Equal(t, s.Type, s.Zero().EventType(), "%T is registered under its own name", s.Zero())
		assert.Contains(t, []Aggregate{AggregateRegistry, AggregatePlan, AggregateReturn}, s.Aggregate, s.Type)
		p := s.New()
		assert.Equal(t, reflect.PointerTo(reflect.TypeOf(s.Zero())), reflect.TypeOf(p), s.Type)
		assert.Equal(t, s.Zero(), s.Value(p), s.Type)
		got, ok := Spec(s.Type)
		require.True(t, ok, s.Type)
		assert.Equal(t, s.Type, got.Type)
	}
	_, ok := Spec("PlanApproved")
	assert.False(t, ok)
	var carriers []string
	for _, s := range Events {
		if s.CarriesVersion() {
			carriers = append(carriers, s.Type)
		}
	}
	assert.Equal(t, []string{TypePlanSubmitted, TypePlanRevised}, carriers)
}

func TestStreamNames(t *testing.T) {
	for _, c := range []struct {
		name string
		agg  Aggregate
		id   string
		ok   bool
	}{
		{RegistryStream, AggregateRegistry, "", true},
		{PlanStream("0190f0c4-1111-7000-8000-000000000001"), AggregatePlan, "0190f0c4-1111-7000-8000-000000000001", true},
		{"plan-", 0, "", false},
		{"registry2", 0, "", false},
		{"$stats-127.0.0.1:2113", 0, "", false},
		{"orders-1", 0, "", false},
		{ReturnStream("ZQ6", "2009-10"), AggregateReturn, "ZQ6-2009-10", true},
		{"sha-return-ZQ6-2009-10", AggregateReturn, "ZQ6-2009-10", true},
		{"sha-return-", 0, "", false},
		{"sha-return-q36-2009-10", 0, "", false},
		{"sha-return-ZQ6-2009", 0, "", false},
		{"sha-return-ZQ6", 0, "", false},
	} {
		agg, id, ok := ParseStream(c.name)
		assert.Equal(t, c.ok, ok, c.name)
		assert.Equal(t, c.agg, agg, c.name)
		assert.Equal(t, c.id, id, c.name)
		assert.Equal(t, c.ok, IsLedgerStream(c.name), c.name)
	}
	assert.Equal(t, "plan", AggregatePlan.String())
	assert.Equal(t, "registry", AggregateRegistry.String())
	assert.Equal(t, "sha_return", AggregateReturn.String())
	sha, rd, ok := ParseReturnID(ReturnID("ZQ6", "2010-11"))
	assert.True(t, ok)
	assert.Equal(t, "ZQ6", sha)
	assert.Equal(t, "2010-11", rd)
}

// The rules compare versions by the content hash the caller computed; they do not accept a
// revision, nor fold a version event, without one.
func TestVersionsNeedTheirContentHash(t *testing.T) {
	w := submitted(t)
	_, err := w.plan.Decide(w.reg, commissionr, w.now, RevisePlan{Content: revisedContent(t), Reason: "r"})
	e := assertRefused(t, err, ErrInvalidCommand)
	assert.Contains(t, e.Message, "content hash")
	d, err := w.plan.Decide(w.reg, commissionr, w.now, hashed(RevisePlan{Content: revisedContent(t), Reason: "r"}))
	require.NoError(t, err)
	before := w.plan.Versions()
	err = w.plan.Apply(Event{Data: d, Meta: w.meta(commissionr)})
	assert.ErrorContains(t, err, "no content hash")
	assert.Equal(t, before, w.plan.Versions(), "a refused event changes nothing")
}
