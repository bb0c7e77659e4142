package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChiefExecutiveAtOverTime(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		name   string
		ods    string
		at     time.Time
		person string // empty: nobody
	}{
		{"before the first appointment", leadPCT, ce1From.Add(-time.Nanosecond), ""},
		{"at the first appointment", leadPCT, ce1From, personCE1},
		{"during the first term", leadPCT, t0, personCE1},
		{"just before the successor", leadPCT, ce2From.Add(-time.Nanosecond), personCE1},
		{"at the successor's start", leadPCT, ce2From, personCE2},
		{"long after", leadPCT, ts("2030-01-01T00:00:00Z"), personCE2},
		{"same instant in another zone", leadPCT, ce2From.In(time.FixedZone("BST", 3600)), personCE2},
		{"organisation without appointments", nonNHS, t0, ""},
		{"unregistered organisation", "ZZZ", t0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, ok := w.reg.ChiefExecutiveAt(c.ods, c.at)
			assert.Equal(t, c.person != "", ok)
			assert.Equal(t, c.person, a.PersonID)
		})
	}
}

func TestRegistryQueries(t *testing.T) {
	w := newWorld(t)
	orgs := w.reg.Organisations()
	require.Len(t, orgs, 10)
	for i := 1; i < len(orgs); i++ {
		assert.Less(t, orgs[i-1].ODSCode, orgs[i].ODSCode, "sorted by ODS code")
	}
	o, ok := w.reg.Organisation(leadPCT)
	require.True(t, ok)
	assert.Equal(t, []Appointment{{PersonID: personCE1, Name: "Ann Chief", EffectiveFrom: ce1From}, {PersonID: personCE2, Name: "Ben Chief", EffectiveFrom: ce2From}}, o.ChiefExecutives)
	o.ChiefExecutives[0].PersonID = "changed"
	again, _ := w.reg.Organisation(leadPCT)
	assert.Equal(t, personCE1, again.ChiefExecutives[0].PersonID, "callers get copies")

	_, ok = w.reg.Organisation("ZZZ")
	assert.False(t, ok)
	cfh, ok := w.reg.CfH()
	require.True(t, ok)
	assert.Equal(t, cfhODS, cfh.ODSCode)
	_, ok = NewRegistry().CfH()
	assert.False(t, ok)

	w.registry(FormLHC{LHCID: "a-lhc", Name: "A", LeadPCT: otherPCT, SHACode: sha})
	lhcs := w.reg.LHCs()
	require.Len(t, lhcs, 2)
	assert.Equal(t, "a-lhc", lhcs[0].ID)
	l, ok := w.reg.LHC(lhcID)
	require.True(t, ok)
	assert.Equal(t, LHC{ID: lhcID, Name: "Northtown LHC", LeadPCT: leadPCT, SHACode: sha, Members: []string{leadPCT, nonNHS, trust, trust2}}, l)
	l.Members[0] = "changed"
	again2, _ := w.reg.LHC(lhcID)
	assert.Equal(t, leadPCT, again2.Members[0], "callers get copies")
	_, ok = w.reg.LHC("none")
	assert.False(t, ok)
}

func TestOrgKinds(t *testing.T) {
	for _, k := range OrgKinds {
		assert.True(t, k.Valid())
	}
	assert.False(t, OrgKind("hospital").Valid())
	assert.True(t, KindNonNHSProvider.Contributes())
	assert.False(t, KindPCT.Contributes())
	assert.True(t, KindPCT.CanJoinLHC())
	assert.False(t, KindCfH.CanJoinLHC())
	assert.False(t, KindSHA.HasParentSHA())
}

// TestRegistryApplyRejects feeds events that do not fit the registry; each must be refused and leave
// the state as it was.
func TestRegistryApplyRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		data EventData
	}{
		{"no data", nil},
		{"plan event", PlanWithdrawn{Reason: "r"}},
		{"no ODS code", OrganisationRegistered{Name: "n", Kind: KindSHA}},
		{"registered twice", OrganisationRegistered{ODSCode: leadPCT, Name: "n", Kind: KindPCT, SHACode: sha}},
		{"unknown kind", OrganisationRegistered{ODSCode: "AAA", Name: "n", Kind: "x"}},
		{"second CfH", OrganisationRegistered{ODSCode: "X10", Name: "n", Kind: KindCfH}},
		{"parent not an SHA", OrganisationRegistered{ODSCode: "AAA", Name: "n", Kind: KindPCT, SHACode: leadPCT}},
		{"appointment for unknown org", ChiefExecutiveAppointed{ODSCode: "ZZZ", PersonID: "p", EffectiveFrom: t0}},
		{"appointment rewriting history", ChiefExecutiveAppointed{ODSCode: leadPCT, PersonID: "p", EffectiveFrom: ce1From}},
		{"no LHC id", LocalHealthCommunityFormed{LeadPCT: leadPCT, Members: []string{leadPCT}}},
		{"LHC formed twice", LocalHealthCommunityFormed{LHCID: lhcID, LeadPCT: leadPCT, Members: []string{leadPCT}}},
		{"LHC member twice", LocalHealthCommunityFormed{LHCID: "x", LeadPCT: leadPCT, Members: []string{leadPCT, trust, trust}}},
		{"LHC without its lead", LocalHealthCommunityFormed{LHCID: "x", LeadPCT: leadPCT, Members: []string{trust}}},
		{"members of unknown LHC", LocalHealthCommunityMembersChanged{LHCID: "x", Added: []string{trust}}},
		{"remove non-member", LocalHealthCommunityMembersChanged{LHCID: lhcID, Removed: []string{outsider}}},
		{"remove lead", LocalHealthCommunityMembersChanged{LHCID: lhcID, Removed: []string{leadPCT}}},
		{"add member", LocalHealthCommunityMembersChanged{LHCID: lhcID, Added: []string{outsider}, Removed: []string{trust, leadPCT}}},
		{"add existing member", LocalHealthCommunityMembersChanged{LHCID: lhcID, Added: []string{trust}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			orgs, lhcs := w.reg.Organisations(), w.reg.LHCs()
			assert.Error(t, w.reg.Apply(Event{Data: c.data}))
			assert.Equal(t, orgs, w.reg.Organisations())
			assert.Equal(t, lhcs, w.reg.LHCs())
		})
	}
}

// Events are values, as every reader of the log gives them: a pointer is refused, not folded.
func TestRegistryApplyRefusesPointerEvents(t *testing.T) {
	r := NewRegistry()
	assert.Error(t, r.Apply(Event{Data: &OrganisationRegistered{ODSCode: sha, Name: "SHA", Kind: KindSHA}}))
	var nilEvent *OrganisationRegistered
	assert.Error(t, r.Apply(Event{Data: nilEvent}))
	_, ok := r.Organisation(sha)
	assert.False(t, ok)
}

// TestRegistryReplay rebuilds the registry from its log, through JSON,, and gets the same state.
func TestRegistryReplay(t *testing.T) {
	w := newWorld(t)
	w.registry(ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider}, Removed: []string{trust2}})
	r := NewRegistry()
	for _, e := range w.events {
		require.NoError(t, r.Apply(event(throughJSON(t, e.Data), e.Meta)))
	}
	assert.Equal(t, w.reg.LHCs(), r.LHCs())
	require.Equal(t, len(w.reg.Organisations()), len(r.Organisations()))
	for i, o := range w.reg.Organisations() {
		got := r.Organisations()[i]
		assert.Equal(t, o.ODSCode, got.ODSCode)
		require.Len(t, got.ChiefExecutives, len(o.ChiefExecutives))
		for j := range o.ChiefExecutives {
			assert.True(t, o.ChiefExecutives[j].EffectiveFrom.Equal(got.ChiefExecutives[j].EffectiveFrom))
		}
	}
}
