package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/demo"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/verify"
)

func openStore(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func seeded(t *testing.T, opts demo.Options) (eventstore.Store, demo.Summary) {
	t.Helper()
	s := openStore(t)
	sum, err := demo.Seed(context.Background(), s, opts)
	require.NoError(t, err)
	return s, sum
}

// round is the demo round (demo.Options{}) recorded once for the tests that only read it, with the
// summary Seed gave: each recording costs seconds under the race detector.
var round struct {
	once  sync.Once
	dir   string
	store *boltstore.Store
	sum   demo.Summary
	err   error
}

func recordedRound(t *testing.T) (eventstore.Store, demo.Summary) {
	t.Helper()
	round.once.Do(func() {
		if round.dir, round.err = os.MkdirTemp("", "demo-round-*"); round.err != nil {
			return
		}
		if round.store, round.err = boltstore.Open(filepath.Join(round.dir, "ledger.db"), boltstore.Options{NoSync: true}); round.err != nil {
			return
		}
		round.sum, round.err = demo.Seed(context.Background(), round.store, demo.Options{})
	})
	require.NoError(t, round.err)
	return round.store, round.sum
}

func TestMain(m *testing.M) {
	code := m.Run()
	if round.store != nil {
		round.store.Close()
	}
	if round.dir != "" {
		os.RemoveAll(round.dir)
	}
	os.Exit(code)
}

// ledger is the log folded with the domain's own Apply, in global order.
type ledger struct {
	events  []domain.Event
	stream  []string
	reg     *domain.Registry
	plans   map[string]*domain.Plan      // by plan id
	returns map[string]*domain.SHAReturn // by return id (domain.ReturnID)
}

// fold reads every event and folds those recorded at or before until (zero: all of them). Along the
// way it checks what only the history can show: that each event's actor is the one the rules
// require, the chief executive in office for a sign-off included.
func fold(t *testing.T, store eventstore.Store, until time.Time) *ledger {
	t.Helper()
	l := &ledger{reg: domain.NewRegistry(), plans: map[string]*domain.Plan{}, returns: map[string]*domain.SHAReturn{}}
	var after eventstore.Position
	for {
		page, err := store.ReadAll(context.Background(), after, 500)
		require.NoError(t, err)
		if len(page) == 0 {
			return l
		}
		for _, rec := range page {
			after = rec.Position
			e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
			require.NoError(t, err, "position %d", rec.Position)
			if !until.IsZero() && e.Meta.RecordedAt.After(until) {
				continue
			}
			l.checkActor(t, rec.Stream, e)
			agg, id, ok := domain.ParseStream(rec.Stream)
			require.True(t, ok, rec.Stream)
			switch agg {
			case domain.AggregateRegistry:
				require.NoError(t, l.reg.Apply(e), "registry event at position %d", rec.Position)
			case domain.AggregatePlan:
				p := l.plans[id]
				if p == nil {
					p = domain.NewPlan()
					l.plans[id] = p
				}
				require.NoError(t, p.Apply(e), "plan event at position %d", rec.Position)
			case domain.AggregateReturn:
				r := l.returns[id]
				if r == nil {
					r = domain.NewSHAReturn()
					l.returns[id] = r
				}
				require.NoError(t, r.Apply(e), "return event at position %d", rec.Position)
			}
			l.events = append(l.events, e)
			l.stream = append(l.stream, rec.Stream)
		}
	}
}

func (l *ledger) checkActor(t *testing.T, stream string, e domain.Event) {
	t.Helper()
	a := e.Meta.Actor
	plan := l.plans[strings.TrimPrefix(stream, "plan-")]
	var lhc domain.LHC
	if plan != nil {
		lhc, _ = l.reg.LHC(plan.LHCID())
	}
	cfh, _ := l.reg.CfH()
	switch d := e.Data.(type) {
	case domain.OrganisationRegistered, domain.ChiefExecutiveAppointed, domain.LocalHealthCommunityFormed, domain.LocalHealthCommunityMembersChanged,
		domain.PlanningRoundPublished, domain.RoundMilestoneChanged, domain.PfITRegistered, domain.SHAAssignedToPfIT,
		domain.GovernanceBodyRecorded:
		assert.Equal(t, domain.RoleAdmin, a.Role)
	case domain.MilestoneReported:
		if a.Org != lhc.LeadPCT {
			l.checkMember(t, a, a.Org, lhc)
		} else {
			assert.Equal(t, domain.RolePCTCommissioner, a.Role)
		}
	case domain.BoardApprovalRecorded:
		assert.Equal(t, domain.RoleChiefExecutive, a.Role)
		assert.Equal(t, d.ODSCode, a.Org)
	case domain.PlanSubmitted:
		want, _ := l.reg.LHC(d.LHCID)
		assert.Equal(t, domain.RolePCTCommissioner, a.Role)
		assert.Equal(t, want.LeadPCT, a.Org)
	case domain.PlanRevised, domain.PlanWithdrawn, domain.ConditionEvidenceSubmitted:
		assert.Equal(t, domain.RolePCTCommissioner, a.Role)
		assert.Equal(t, lhc.LeadPCT, a.Org)
	case domain.ContributionRecorded:
		l.checkMember(t, a, d.ContributorODS, lhc)
	case domain.ContributionDeclined:
		l.checkMember(t, a, d.ODSCode, lhc)
	case domain.SROSignedOff:
		assert.Equal(t, domain.RoleChiefExecutive, a.Role)
		assert.Equal(t, d.ODSCode, a.Org)
		ce, ok := l.reg.ChiefExecutiveAt(d.ODSCode, e.Meta.RecordedAt)
		assert.True(t, ok)
		assert.Equal(t, ce.PersonID, a.PersonID, "sign-off for %s at %s", d.ODSCode, e.Meta.RecordedAt)
	case domain.AssuranceRecorded:
		assert.Equal(t, domain.RoleSHAAssurer, a.Role)
		assert.Equal(t, lhc.SHACode, a.Org)
		assert.Equal(t, lhc.SHACode, d.SHACode)
	case domain.MemberExcused, domain.ConditionDischarged, domain.ConditionLapsed:
		assert.Equal(t, domain.RoleSHAAssurer, a.Role)
		assert.Equal(t, lhc.SHACode, a.Org)
	case domain.CfHAcknowledged, domain.CfHNoted, domain.CfHReturnAcknowledged:
		assert.Equal(t, domain.RoleCfH, a.Role)
		assert.Equal(t, cfh.ODSCode, a.Org)
	case domain.SHAReturnSubmitted:
		assert.Equal(t, domain.RoleSHAAssurer, a.Role)
		assert.Equal(t, d.SHACode, a.Org)
	default:
		t.Errorf("unexpected event %T", d)
	}
}

// checkMember checks that a member's contribution or decline is recorded by someone acting for it
// in the role its kind acts in.
func (l *ledger) checkMember(t *testing.T, a domain.Actor, ods string, lhc domain.LHC) {
	t.Helper()
	assert.Equal(t, ods, a.Org)
	assert.True(t, lhc.HasMember(a.Org) && a.Org != lhc.LeadPCT, "%s acts on a plan of %s, which it is not a member of", a.Org, lhc.ID)
	o, _ := l.reg.Organisation(ods)
	want := domain.RoleProvider
	if o.Kind == domain.KindPCT {
		want = domain.RolePCTCommissioner
	}
	assert.Equal(t, want, a.Role, ods)
}

func (l *ledger) statuses() map[domain.Status]int {
	out := map[domain.Status]int{}
	for _, p := range l.plans {
		out[p.Status()]++
	}
	return out
}

func (l *ledger) planIDs() []string {
	var ids []string
	for id := range l.plans {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func TestSeedRecordsARealisticRound(t *testing.T) {
	t.Parallel()
	store, sum := recordedRound(t)
	l := fold(t, store, time.Time{})

	t.Run("summary matches the log", func(t *testing.T) {
		assert.Equal(t, sum.Events, len(l.events))
		assert.Equal(t, sum.Organisations, len(l.reg.Organisations()))
		assert.Equal(t, sum.LHCs, len(l.reg.LHCs()))
		assert.Equal(t, sum.Plans, len(l.plans))
		assert.Equal(t, sum.ByStatus, l.statuses())
		assert.Equal(t, l.events[0].Meta.RecordedAt, sum.First)
		assert.Equal(t, l.events[len(l.events)-1].Meta.RecordedAt, sum.Last)
	})

	t.Run("the ten SHAs of 2009, CfH and thirty PCTs", func(t *testing.T) {
		for _, want := range []struct{ code, name string }{
			{"Q30", "North East Strategic Health Authority"},
			{"Q31", "North West Strategic Health Authority"},
			{"Q32", "Yorkshire and the Humber Strategic Health Authority"},
			{"Q33", "East Midlands Strategic Health Authority"},
			{"Q34", "West Midlands Strategic Health Authority"},
			{"Q35", "East of England Strategic Health Authority"},
			{"Q36", "NHS London"},
			{"Q37", "South East Coast Strategic Health Authority"},
			{"Q38", "South Central Strategic Health Authority"},
			{"Q39", "South West Strategic Health Authority"},
		} {
			o, ok := l.reg.Organisation(want.code)
			if assert.True(t, ok, want.code) {
				assert.Equal(t, domain.KindSHA, o.Kind)
				assert.Equal(t, want.name, o.Name)
			}
		}
		byKind := map[domain.OrgKind]int{}
		pctsBySHA := map[string]int{}
		for _, o := range l.reg.Organisations() {
			byKind[o.Kind]++
			if o.Kind == domain.KindPCT {
				pctsBySHA[o.SHACode]++
			}
		}
		assert.Equal(t, 10, byKind[domain.KindSHA])
		assert.Equal(t, 1, byKind[domain.KindCfH])
		assert.GreaterOrEqual(t, byKind[domain.KindPCT], 30)
		assert.Positive(t, byKind[domain.KindProvider])
		assert.Positive(t, byKind[domain.KindNonNHSProvider])
		assert.Len(t, pctsBySHA, 10, "PCTs in every SHA")
		assert.Equal(t, sum.ByKind, byKind)
		for _, code := range []string{"5K5", "5K7", "5C3", "5K8", "5LC", "5C4", "5C5", "5K9", "5LD", "5LE"} {
			o, ok := l.reg.Organisation(code)
			assert.True(t, ok && o.Kind == domain.KindPCT && o.SHACode == "Q36", "London PCT %s", code)
		}
		brent, ok := l.reg.LHC("lhc-brent")
		if assert.True(t, ok) {
			assert.Equal(t, "5K5", brent.LeadPCT)
		}
		for _, lhc := range l.reg.LHCs() {
			assert.True(t, len(lhc.Members) >= 2 && len(lhc.Members) <= 5, "%s has %d members", lhc.ID, len(lhc.Members))
		}
	})

	t.Run("every status, and every way of getting there", func(t *testing.T) {
		st := l.statuses()
		for _, s := range domain.Statuses {
			assert.Positive(t, st[s], "no plan is %s", s)
		}
		var reSigned, reAcknowledged, partly, resubmitted, withNonNHS, rounds = 0, 0, 0, 0, 0, map[string]int{}
		live := map[string]int{}
		for _, p := range l.plans {
			rounds[p.Round()]++
			if !p.Withdrawn() {
				live[p.LHCID()+"/"+p.Round()]++
			}
			vs := p.Versions()
			if len(vs) > 1 && vs[0].Assurance != nil && vs[0].Assurance.Outcome == domain.OutcomeNotAssured {
				switch p.Status() {
				case domain.StatusSignedOff:
					reSigned++
				case domain.StatusAcknowledged:
					reAcknowledged++
				}
			}
			if p.Status() == domain.StatusSubmitted && len(p.Current().SignOffs) > 0 {
				partly++
			}
			if p.ID() == command.PlanID(p.LHCID(), p.Round(), 2) {
				resubmitted++
			}
			for _, c := range p.Current().Contributors {
				if o, _ := l.reg.Organisation(c); o.Kind == domain.KindNonNHSProvider {
					withNonNHS++
				}
			}
		}
		assert.Positive(t, reSigned, "a plan revised after not_assured and signed off again")
		assert.Positive(t, reAcknowledged, "a plan revised after not_assured, then assured and acknowledged")
		assert.Positive(t, partly, "a submitted plan with some sign-offs outstanding")
		assert.Positive(t, resubmitted, "a plan submitted again after a withdrawal")
		assert.Positive(t, withNonNHS, "a non-NHS provider contributing")
		assert.Positive(t, rounds[demo.Round2009])
		assert.Positive(t, rounds[demo.Round2010])
		for k, n := range live {
			assert.Equal(t, 1, n, "live plans for %s", k)
		}
	})

	t.Run("chief executives change mid-round", func(t *testing.T) {
		changed := 0
		for _, o := range l.reg.Organisations() {
			if len(o.ChiefExecutives) < 2 {
				continue
			}
			changed++
			// "Who was chief executive on date D" has different answers either side of the change.
			last := o.ChiefExecutives[len(o.ChiefExecutives)-1]
			before, _ := l.reg.ChiefExecutiveAt(o.ODSCode, last.EffectiveFrom.Add(-time.Second))
			after, _ := l.reg.ChiefExecutiveAt(o.ODSCode, last.EffectiveFrom)
			assert.NotEqual(t, before.PersonID, after.PersonID, o.ODSCode)
			assert.True(t, last.EffectiveFrom.After(demo.DefaultStart), "%s's change is during the round", o.ODSCode)
		}
		assert.Positive(t, changed)
		assert.Equal(t, sum.ChiefExecutiveChanges, func() int {
			n := 0
			for _, o := range l.reg.Organisations() {
				n += max(len(o.ChiefExecutives)-1, 0)
			}
			return n
		}())
		// A revised plan's versions were signed for the lead PCT by two different chief executives.
		twoSignatories := false
		for _, p := range l.plans {
			people := map[string]bool{}
			for _, v := range p.Versions() {
				for _, s := range v.SignOffs {
					if s.ODSCode == p.LeadPCT() {
						people[s.PersonID] = true
					}
				}
			}
			twoSignatories = twoSignatories || len(people) > 1
		}
		assert.True(t, twoSignatories)
	})

	t.Run("time moves forward from 1 April 2009", func(t *testing.T) {
		assert.True(t, l.events[0].Meta.RecordedAt.Equal(demo.DefaultStart))
		for i := 1; i < len(l.events); i++ {
			assert.False(t, l.events[i].Meta.RecordedAt.Before(l.events[i-1].Meta.RecordedAt), "recorded_at goes back at event %d", i)
		}
		var days []float64
		for _, p := range l.plans {
			if a := p.Versions()[0].Assurance; a != nil {
				days = append(days, a.RecordedAt.Sub(p.SubmittedAt()).Hours()/24)
			}
		}
		slices.Sort(days)
		require.NotEmpty(t, days)
		median := days[len(days)/2]
		assert.True(t, median > 14 && median < 180, "median days from submission to assurance: %.1f", median)
	})

	t.Run("as of 31 December 2009 the round is under way", func(t *testing.T) {
		then := fold(t, store, time.Date(2009, 12, 31, 23, 59, 59, 0, time.UTC))
		moved, onlyLater := 0, 0
		for id, p := range l.plans {
			if p.Round() != demo.Round2009 {
				continue
			}
			old, existed := then.plans[id]
			switch {
			case !existed:
				onlyLater++
			case old.Status() != p.Status():
				moved++
			}
		}
		assert.Positive(t, moved, "some 2009-10 plans changed status after 2009")
		assert.Less(t, onlyLater+moved, sum.ByRound[demo.Round2009], "most 2009-10 plans had reached their final status by 2010")
		for _, p := range then.plans {
			assert.NotEqual(t, demo.Round2010, p.Round())
		}
	})

	t.Run("membership changes between rounds", func(t *testing.T) {
		camden, _ := l.reg.LHC("lhc-camden")
		assert.True(t, camden.HasMember("ZCA01"))
		surrey, _ := l.reg.LHC("lhc-surrey")
		assert.False(t, surrey.HasMember("ZNA03"))
	})

	t.Run("every chain verifies", func(t *testing.T) {
		rep, err := verify.Chains(context.Background(), store)
		require.NoError(t, err)
		assert.True(t, rep.OK(), "%v", rep.Findings)
	})
}

// Recorded twice with the same seed (the default), the demo is the same story.
func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	a, sumA := recordedRound(t)
	b, sumB := seeded(t, demo.Options{})
	assert.Equal(t, sumA, sumB)
	la, lb := fold(t, a, time.Time{}), fold(t, b, time.Time{})
	assert.Equal(t, la.planIDs(), lb.planIDs())
	assert.Equal(t, la.stream, lb.stream, "the same streams in the same order")
	// Event ids are fresh UUIDs, so an acknowledgement names a different assurance event id; the rest
	// of every event is the same.
	withoutIDs := func(d domain.EventData) domain.EventData {
		switch x := d.(type) {
		case domain.CfHAcknowledged:
			x.AssuranceEventID = ""
			return x
		case domain.SHAReturnSubmitted:
			x.Plans = slices.Clone(x.Plans)
			for i := range x.Plans {
				x.Plans[i].AssuranceEventID = ""
			}
			return x
		case domain.CfHReturnAcknowledged:
			x.ReturnEventID = ""
			return x
		}
		return d
	}
	for i := range la.events {
		assert.Equal(t, withoutIDs(la.events[i].Data), withoutIDs(lb.events[i].Data), "event %d", i)
		assert.Equal(t, la.events[i].Meta.Actor, lb.events[i].Meta.Actor, "event %d", i)
		assert.Equal(t, la.events[i].Meta.RecordedAt, lb.events[i].Meta.RecordedAt, "event %d", i)
	}

	// The recording other packages' tests share (demotest keeps it between test binaries of the
	// same code) is what Seed records: a stale one would make them test another demo.
	ls := fold(t, demotest.Store(t, 0), time.Time{})
	require.Equal(t, len(la.events), len(ls.events), "events in the shared recording")
	assert.Equal(t, la.stream, ls.stream, "the shared recording's streams")
	for i := range la.events {
		assert.Equal(t, withoutIDs(la.events[i].Data), withoutIDs(ls.events[i].Data), "the shared recording's event %d", i)
		assert.Equal(t, la.events[i].Meta.Actor, ls.events[i].Meta.Actor, "the shared recording's event %d", i)
		assert.Equal(t, la.events[i].Meta.RecordedAt, ls.events[i].Meta.RecordedAt, "the shared recording's event %d", i)
		assert.Equal(t, la.events[i].Meta.SchemaVersion, ls.events[i].Meta.SchemaVersion, "the shared recording's event %d", i)
	}
}

// Other seeds vary the data set and still cover every status; one of them is recorded to show the
// domain accepts its history too.
func TestOtherSeeds(t *testing.T) {
	t.Parallel()
	base, err := demo.Generate(demo.Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		seed   int64
		record bool
	}{{1, false}, {-42, true}, {20091231, false}} {
		d, err := demo.Generate(demo.Options{Seed: tc.seed})
		require.NoError(t, err)
		assert.NotEqual(t, base.Plans, d.Plans, "seed %d", tc.seed)
		sum := d.Summary()
		for _, s := range domain.Statuses {
			assert.Positive(t, sum.ByStatus[s], "seed %d: no plan is %s", tc.seed, s)
		}
		if tc.record {
			store, recorded := seeded(t, demo.Options{Seed: tc.seed})
			assert.Equal(t, sum.ByStatus, recorded.ByStatus)
			assert.Equal(t, sum.ByStatus, fold(t, store, time.Time{}).statuses())
		}
	}
}

func TestSeedRefusesANonEmptyStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := openStore(t)
	d, err := demo.Generate(demo.Options{})
	require.NoError(t, err)
	_, err = d.RegistrySteps()[0].Run(ctx, command.NewHandler(store, command.Options{}))
	require.NoError(t, err)
	head, err := store.Head(ctx)
	require.NoError(t, err)
	_, err = demo.Seed(ctx, store, demo.Options{})
	assert.ErrorContains(t, err, "already holds events")
	after, err := store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, head, after, "nothing was written")
}

func TestOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scale int
		ok    bool
	}{
		{"zero is the demo", 0, true},
		{"one is the demo", 1, true},
		{"negative", -1, false},
		{"too large", demo.MaxScale + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := demo.Generate(demo.Options{Scale: tc.scale})
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "scale")
			}
		})
	}
}

var (
	odsPattern  = regexp.MustCompile(`^[A-Z0-9]{3,5}$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
)

func TestScaleMultipliesTheDataSet(t *testing.T) {
	t.Parallel()
	one, err := demo.Generate(demo.Options{})
	require.NoError(t, err)
	for _, scale := range []int{1, 3, demo.MaxScale} {
		d, err := demo.Generate(demo.Options{Scale: scale})
		require.NoError(t, err)
		assert.Len(t, d.LHCs, scale*len(one.LHCs))
		assert.GreaterOrEqual(t, len(d.Plans), scale*len(one.LHCs))
		codes := map[string]bool{}
		for _, o := range d.Organisations {
			assert.False(t, codes[o.ODSCode], "%s twice", o.ODSCode)
			codes[o.ODSCode] = true
			assert.Regexp(t, odsPattern, o.ODSCode)
			invented := strings.HasPrefix(o.ODSCode, "Z") || o.ODSCode == "X09"
			assert.Equal(t, invented, o.Illustrative, "%s %s", o.ODSCode, o.Name)
		}
		ids := map[string]bool{}
		for _, l := range d.LHCs {
			assert.False(t, ids[l.ID], "%s twice", l.ID)
			ids[l.ID] = true
			assert.Regexp(t, slugPattern, l.ID)
		}
	}
}

// A benchmark's use of the building blocks: the registry of a scaled-up data set once, then many
// plans of real and synthetic LHCs driven through their lifecycles concurrently by a handler on the
// real clock.
func TestStepsDriveConcurrentPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := demo.Generate(demo.Options{Seed: 3, Scale: 2})
	require.NoError(t, err)
	store := openStore(t)
	h := command.NewHandler(store, command.Options{})
	for _, s := range d.RegistrySteps() {
		_, err := s.Run(ctx, h)
		require.NoError(t, err, "%s", s)
	}
	// A round whose plans run past today, the handler's: their conditions fall due within them.
	year := time.Now().UTC().Year() - 1
	roundName := fmt.Sprintf("%d-%02d", year, (year+1)%100)
	round, err := demo.PublishRound(roundName)
	require.NoError(t, err)
	_, err = h.Registry(ctx, command.Request{Actor: d.Admin}, round)
	require.NoError(t, err)

	paths := []demo.Path{
		{Status: domain.StatusAcknowledged, Revisions: 1},
		{Status: domain.StatusAcknowledged, Conditions: true},
		{Status: domain.StatusNotAssured},
		{Status: domain.StatusSubmitted, PartlySigned: true},
		{Status: domain.StatusWithdrawn},
		{Status: domain.StatusSignedOff},
	}
	now := time.Now()
	var specs []demo.PlanSpec
	lhcs := append(slices.Clone(d.LHCs[:9]), d.LHCs[len(d.LHCs)-9:]...)
	for i, l := range lhcs {
		specs = append(specs, demo.PlanSpec{LHC: l.ID, Round: roundName, Period: domain.Period{FirstYear: year, LastYear: year + 2},
			Path: paths[i%len(paths)], Start: now, NoLapse: true})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(specs))
	for i, spec := range specs {
		wg.Go(func() {
			steps, err := d.PlanSteps(spec)
			if err != nil {
				errs[i] = err
				return
			}
			for _, s := range steps {
				if _, err := s.Run(ctx, h); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "plan %d", i)
	}
	l := fold(t, store, time.Time{})
	for _, spec := range specs {
		p := l.plans[spec.PlanID()]
		if assert.NotNil(t, p, spec.LHC) {
			assert.Equal(t, spec.Path.Status, p.Status(), spec.LHC)
			assert.Equal(t, spec.Path.Revisions+1, p.Version(), spec.LHC)
		}
	}
}

func TestPlanStepsRefuseImpossiblePaths(t *testing.T) {
	d, err := demo.Generate(demo.Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		spec demo.PlanSpec
		want string
	}{
		{"unknown LHC", demo.PlanSpec{LHC: "lhc-atlantis", Path: demo.Path{Status: domain.StatusSubmitted}}, "no LHC"},
		{"unknown status", demo.PlanSpec{LHC: "lhc-brent", Path: demo.Path{Status: "approved"}}, "not a plan status"},
		{"negative revisions", demo.PlanSpec{LHC: "lhc-brent", Path: demo.Path{Status: domain.StatusSubmitted, Revisions: -1}}, "negative"},
		{"conditions without acknowledgement", demo.PlanSpec{LHC: "lhc-brent", Path: demo.Path{Status: domain.StatusAssured, Conditions: true}}, "conditions"},
		{"partly signed but signed off", demo.PlanSpec{LHC: "lhc-brent", Path: demo.Path{Status: domain.StatusSignedOff, PartlySigned: true}}, "partly signed"},
		{"noted but acknowledged", demo.PlanSpec{LHC: "lhc-brent", Path: demo.Path{Status: domain.StatusAcknowledged, Noted: true}}, "notes only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.PlanSteps(tc.spec)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// The demo runs the assurance process as the guidance sets it out: published rounds with a
// timetable (one deadline moved), a catalogue every assurance rates, conditions followed up, every
// member accounted for, notes where CfH cannot acknowledge, and every SHA's return to CfH, some
// late, one answered with a second.
func TestSeedRecordsTheAssuranceProcess(t *testing.T) {
	t.Parallel()
	store, sum := recordedRound(t)
	l := fold(t, store, time.Time{})

	t.Run("every event type is recorded", func(t *testing.T) {
		seen := map[string]bool{}
		for _, e := range l.events {
			seen[e.Data.EventType()] = true
		}
		for _, typ := range domain.EventTypes {
			assert.True(t, seen[typ], "the demo records no %s", typ)
		}
	})

	t.Run("two rounds, a timetable and a catalogue", func(t *testing.T) {
		rounds := l.reg.Rounds()
		require.Len(t, rounds, 2)
		assert.Equal(t, sum.Rounds, len(rounds))
		for _, r := range rounds {
			assert.Len(t, r.Criteria, 12, r.Round)
			assert.Len(t, r.Milestones, len(domain.Milestones), r.Round)
		}
		due, _ := l.reg.MilestoneDue(demo.Round2009, domain.MilestoneSHAReturn)
		assert.Equal(t, "2010-01-15", due.String(), "the 2009-10 returns' deadline was moved")
		for _, p := range l.plans {
			r, ok := l.reg.Round(p.Round())
			require.True(t, ok)
			assert.Equal(t, r.FirstFinancialYear, p.Period().FirstYear, "plan %s covers its round's years", p.ID())
		}
	})

	t.Run("some plans late, most on time", func(t *testing.T) {
		late, onTime := 0, 0
		for _, p := range l.plans {
			due, _ := l.reg.MilestoneDue(p.Round(), domain.MilestonePlanSubmission)
			if domain.DaysLate(due, p.SubmittedAt()) > 0 {
				late++
			} else {
				onTime++
			}
		}
		assert.Positive(t, late)
		assert.Greater(t, onTime, late)
	})

	t.Run("assurances rate the catalogue against the SHA's PfIT; CfH acknowledges only what is reflected", func(t *testing.T) {
		notes := 0
		for _, p := range l.plans {
			lhc, _ := l.reg.LHC(p.LHCID())
			pfit, ok := l.reg.PfITOf(lhc.SHACode)
			require.True(t, ok)
			for _, v := range p.Versions() {
				a := v.Assurance
				if a == nil {
					continue
				}
				assert.Equal(t, pfit.PfITID, a.PfIT)
				r, _ := l.reg.Round(p.Round())
				assert.Len(t, a.Criteria, len(r.Criteria))
				for _, c := range a.Criteria {
					if c.ID == "pfit_reflection" {
						assert.Equal(t, c.Rating == domain.RatingGreen, a.ReflectedInPfITPlan, "the flag follows the PfIT criterion")
					}
				}
				if k := v.Acknowledgement; k != nil {
					assert.True(t, a.ReflectedInPfITPlan, "plan %s version %d: CfH acknowledged an assurance not reflected in the PfIT plan", p.ID(), v.Number)
					assert.Contains(t, k.Note, "is reflected in the")
				}
				if n := v.CfHNote; n != nil {
					notes++
					if a.Outcome == domain.OutcomeNotAssured {
						assert.Contains(t, n.Note, "not assured")
					} else {
						assert.False(t, a.ReflectedInPfITPlan)
						assert.Contains(t, n.Note, "not yet reflected")
					}
				}
			}
		}
		assert.Positive(t, notes, "CfH notes what it cannot acknowledge")
	})

	t.Run("conditions discharged, lapsed, awaiting review and untouched", func(t *testing.T) {
		kinds := map[string]int{}
		for _, p := range l.plans {
			for _, v := range p.Versions() {
				if v.Assurance == nil {
					continue
				}
				for _, c := range v.Assurance.Conditions {
					assert.NotEmpty(t, c.Criterion)
					assert.False(t, c.Due.IsZero())
					switch {
					case c.State == domain.ConditionStateDischarged:
						kinds["discharged"]++
						assert.NotEmpty(t, c.Evidence, "discharged on evidence")
					case c.State == domain.ConditionStateLapsed:
						kinds["lapsed"]++
						assert.True(t, domain.DateOf(c.ClosedAt).After(c.Due))
					case len(c.Evidence) > 0:
						kinds["awaiting review"]++
					default:
						kinds["open"]++
					}
				}
			}
		}
		for _, k := range []string{"discharged", "lapsed", "awaiting review", "open"} {
			assert.Positive(t, kinds[k], "no condition %s", k)
		}
	})

	t.Run("every member accounted for before assurance; a PCT that does not lead contributes and signs", func(t *testing.T) {
		declines, excusals, partner := 0, 0, false
		for _, p := range l.plans {
			for _, v := range p.Versions() {
				declines += len(v.Declines)
				excusals += len(v.Excusals)
				if slices.Contains(v.Contributors, "5LE") {
					partner = partner || slices.ContainsFunc(v.SignOffs, func(s domain.SignOff) bool { return s.ODSCode == "5LE" })
				}
			}
		}
		assert.Positive(t, declines)
		assert.Positive(t, excusals)
		assert.True(t, partner, "Southwark PCT contributes to and signs the Lambeth plan")
		unaccounted := 0
		for _, p := range l.plans {
			lhc, _ := l.reg.LHC(p.LHCID())
			if p.Status() == domain.StatusSignedOff {
				unaccounted += len(p.MembersUnaccounted(lhc))
			}
		}
		assert.Positive(t, unaccounted, "a signed-off plan still waits for a member")
	})

	t.Run("every SHA returns for every round, CfH acknowledges; some late, one resubmitted", func(t *testing.T) {
		late, resubmitted := 0, 0
		for _, r := range l.reg.Rounds() {
			due, _ := l.reg.MilestoneDue(r.Round, domain.MilestoneSHAReturn)
			for _, o := range l.reg.Organisations() {
				if o.Kind != domain.KindSHA {
					continue
				}
				ret := l.returns[domain.ReturnID(o.ODSCode, r.Round)]
				require.NotNil(t, ret, "%s has no return for %s", o.ODSCode, r.Round)
				rs := ret.Returns()
				if domain.DaysLate(due, rs[0].RecordedAt) > 0 {
					late++
				}
				if len(rs) > 1 {
					resubmitted++
					assert.NotEmpty(t, rs[0].Acknowledgement.Queries, "the first return was queried")
				}
				latest, _ := ret.Latest()
				assert.NotNil(t, latest.Acknowledgement, "CfH acknowledged %s's return for %s", o.ODSCode, r.Round)
				lhcs := 0
				for _, lhc := range l.reg.LHCs() {
					if lhc.SHACode == o.ODSCode {
						lhcs++
					}
				}
				assert.Equal(t, lhcs, len(latest.Plans)+len(latest.Exceptions), "every LHC accounted for")
			}
		}
		assert.Positive(t, late)
		assert.Equal(t, 2, resubmitted)
		assert.Equal(t, sum.Returns, 22)
	})

	t.Run("a Clinical 5 date already past when its version was submitted is rare, and flagged", func(t *testing.T) {
		past, dates := 0, 0
		for _, p := range l.plans {
			for _, v := range p.Versions() {
				day := domain.DateOf(v.SubmittedAt)
				for _, c := range versionContent(t, l, p.ID(), v.Number).Clinical5 {
					dates += 2
					for _, x := range []struct {
						solution string
						date     domain.Date
					}{{domain.ItemInterim, c.InterimDate}, {domain.ItemStrategic, c.StrategicDate}} {
						if !x.date.Before(day) {
							continue
						}
						past++
						if v.Number == p.Version() {
							i, _ := domain.ItemIndex(domain.CapabilityItem(c.Capability, x.solution))
							assert.True(t, p.Delivery()[i].PastAtSubmission, "plan %s v%d %s", p.ID(), v.Number, c.Capability)
						}
					}
				}
			}
		}
		assert.Less(t, past*20, dates, "%d of %d dates past", past, dates)
	})

	t.Run("a 2010-11 plan says where the LHC stands a year on", func(t *testing.T) {
		compared := 0
		for _, p := range l.plans {
			if p.Round() != demo.Round2010 {
				continue
			}
			now := versionContent(t, l, p.ID(), 1)
			for _, q := range l.plans {
				if q.LHCID() != p.LHCID() || q.Round() != demo.Round2009 {
					continue
				}
				compared++
				before := versionContent(t, l, q.ID(), q.Version())
				assert.NotEqual(t, before.CommunityIntegration, now.CommunityIntegration)
				assert.NotEqual(t, before.Infrastructure, now.Infrastructure)
				assert.NotEqual(t, before.InformationGovernance, now.InformationGovernance)
				assert.NotEqual(t, before.DataQuality, now.DataQuality)
				assert.Contains(t, now.CommunityIntegration, "Building on the 2009/10 plan")
			}
		}
		assert.Positive(t, compared)
	})
}

// versionContent is the content of version n of plan id, from the event that carries it.
func versionContent(t *testing.T, l *ledger, id string, n int) domain.Content {
	t.Helper()
	for i, e := range l.events {
		if l.stream[i] != domain.PlanStream(id) {
			continue
		}
		if v, ok := e.Data.(domain.VersionEvent); ok {
			if version, c := v.VersionContent(); version == n {
				return c
			}
		}
	}
	t.Fatalf("plan %s has no version %d", id, n)
	return domain.Content{}
}

// After assurance the demo reports delivery, with slippage, and records the boards behind every
// sign-off, each NHS member's indicators and each plan's funding profile.
func TestSeedRecordsDeliveryAndGovernance(t *testing.T) {
	t.Parallel()
	store, _ := recordedRound(t)
	l := fold(t, store, time.Time{})

	t.Run("reports through 2009-2011: live on time, slipped, overdue, one taken back out of service", func(t *testing.T) {
		var onTime, slipped, overdue, backFromLive int
		years := map[int]bool{}
		asOf := domain.DateOf(time.Date(2011, 10, 1, 0, 0, 0, 0, time.UTC))
		for _, p := range l.plans {
			for _, r := range p.DeliveryReports() {
				years[r.RecordedAt.Year()] = true
			}
			for _, s := range p.Delivery() {
				switch {
				case s.Status == domain.ProgrammeLive && s.ActualDate.After(domain.DateOf(s.PlannedDate.Time().AddDate(0, 0, 21))):
					slipped++
				case s.Status == domain.ProgrammeLive:
					onTime++
				case s.PlannedDate.Before(asOf):
					overdue++
				}
			}
			reports := p.DeliveryReports()
			for i, r := range reports {
				for _, before := range reports[:i] {
					if before.Item == r.Item && before.Status == domain.ProgrammeLive && r.Status != domain.ProgrammeLive {
						backFromLive++
						assert.NotEmpty(t, r.Note)
					}
				}
			}
		}
		assert.Equal(t, map[int]bool{2009: true, 2010: true, 2011: true}, years)
		assert.Positive(t, onTime)
		assert.Positive(t, slipped)
		assert.Positive(t, overdue)
		assert.Positive(t, backFromLive)
	})

	t.Run("every sign-off follows its organisation's board approval of the version", func(t *testing.T) {
		bodies := 0
		for _, p := range l.plans {
			for _, v := range p.Versions() {
				for _, s := range v.SignOffs {
					i := slices.IndexFunc(v.Approvals, func(x domain.BoardApproval) bool { return x.ODSCode == s.ODSCode })
					if assert.GreaterOrEqual(t, i, 0, "plan %s v%d: %s signed without its board's approval", p.ID(), v.Number, s.ODSCode) {
						assert.False(t, v.Approvals[i].RecordedAt.After(s.RecordedAt))
						assert.Equal(t, v.ContentHash, v.Approvals[i].ContentHash)
					}
				}
			}
		}
		for _, b := range l.reg.GovernanceBodies() {
			if b.Kind == domain.BodyOrganisationBoard {
				bodies++
			}
		}
		assert.Greater(t, bodies, 40)
		for _, r := range l.reg.Rounds() {
			assert.Equal(t, r.Round == demo.Round2010, r.BoardApprovalRequired, r.Round)
		}
	})

	t.Run("indicators for every NHS member, money by year summing to the totals, sources for every solution", func(t *testing.T) {
		ascc := 0
		// A figure drawn in tenths is written in tenths: the float sum 78.9+6 signs 84.89999999999999.
		tenths := regexp.MustCompile(`^\d+(\.\d)?$`)
		for _, p := range l.plans {
			c := versionContent(t, l, p.ID(), p.Version())
			lhc, _ := l.reg.LHC(p.LHCID())
			var want, got []string
			for _, m := range lhc.Members {
				if o, _ := l.reg.Organisation(m); o.Kind.IsNHS() {
					want = append(want, m)
				}
			}
			for _, o := range c.PerOrganisation {
				got = append(got, o.ODSCode)
				for _, pct := range []float64{o.NHSNumberCurrentPct, o.NHSNumberTargetPct} {
					assert.Regexp(t, tenths, fmt.Sprint(pct), "plan %s, %s: a percentage to a tenth, as signed", p.ID(), o.ODSCode)
				}
			}
			wte := c.CapacityAndFunding.Capacity
			assert.Regexp(t, tenths, fmt.Sprint(wte.InformaticsWTECurrent))
			assert.Regexp(t, tenths, fmt.Sprint(wte.InformaticsWTERequired))
			if !p.Withdrawn() && p.Current().SubmittedAt.After(time.Date(2010, 3, 1, 0, 0, 0, 0, time.UTC)) {
				assert.ElementsMatch(t, want, got, "plan %s", p.ID())
			}
			var capital, revenue int64
			for _, y := range c.CapacityAndFunding.ByYear {
				capital, revenue = capital+y.Capital, revenue+y.Revenue
			}
			assert.Equal(t, c.CapacityAndFunding.Capital, capital)
			assert.Equal(t, c.CapacityAndFunding.Revenue, revenue)
			for _, x := range c.Clinical5 {
				assert.NotEmpty(t, x.InterimProduct)
				if x.StrategicSource == domain.SourceASCC {
					ascc++
				}
			}
		}
		assert.Positive(t, ascc, "some strategic solutions come through the ASCC framework")
	})

	t.Run("Newham's acute trust is RNH; mental health and ambulance trusts are members", func(t *testing.T) {
		newham, _ := l.reg.LHC("lhc-newham")
		assert.Contains(t, newham.Members, "RNH")
		for _, code := range []string{"RWK", "RV5", "RW4", "RX6", "RX9", "RRU"} {
			o, ok := l.reg.Organisation(code)
			assert.True(t, ok && o.Kind == domain.KindProvider, code)
		}
	})
}
