package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/contenttest"
	"assurance-ledger/verify"
)

var (
	admin    = domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}
	pct      = domain.Actor{PersonID: "pc-1", Name: "Priya Commissioner", Role: domain.RolePCTCommissioner, Org: "5K5"}
	provider = domain.Actor{PersonID: "pr-1", Name: "Peter Provider", Role: domain.RoleProvider, Org: "RJ1"}
	cePCT    = domain.Actor{PersonID: "ce-5k5", Name: "Carol Chief", Role: domain.RoleChiefExecutive, Org: "5K5"}
	ceRJ1    = domain.Actor{PersonID: "ce-rj1", Name: "Ron Chief", Role: domain.RoleChiefExecutive, Org: "RJ1"}
	assurer  = domain.Actor{PersonID: "sa-1", Name: "Sam Assurer", Role: domain.RoleSHAAssurer, Org: "Q36"}
	cfh      = domain.Actor{PersonID: "cf-1", Name: "Cath CfH", Role: domain.RoleCfH, Org: "X09"}
)

// clock is a deterministic clock that moves on an hour each time it is read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Hour)
	return c.t
}

type fixture struct {
	store eventstore.Store
	h     *command.Handler
	clock *clock
	path  string
}

func openStore(t testing.TB, path string) eventstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	require.NoError(t, err)
	return s
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	f := &fixture{store: openStore(t, path), clock: &clock{t: time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)}, path: path}
	t.Cleanup(func() { f.store.Close() })
	f.h = command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	f.setUpRegistry(t)
	return f
}

func (f *fixture) reg(t testing.TB, cmd domain.RegistryCommand) command.Result {
	t.Helper()
	r, err := f.h.Registry(context.Background(), command.Request{Actor: admin}, cmd)
	require.NoError(t, err)
	return r
}

func (f *fixture) setUpRegistry(t testing.TB) {
	f.reg(t, domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA})
	f.reg(t, domain.RegisterOrganisation{ODSCode: "X09", Name: "NHS Connecting for Health", Kind: domain.KindCfH})
	f.reg(t, domain.RegisterOrganisation{ODSCode: "5K5", Name: "Brent Teaching PCT", Kind: domain.KindPCT, SHACode: "Q36"})
	f.reg(t, domain.RegisterOrganisation{ODSCode: "RJ1", Name: "Guy's and St Thomas' NHS Foundation Trust", Kind: domain.KindProvider, SHACode: "Q36"})
	effective := time.Date(2008, 4, 1, 0, 0, 0, 0, time.UTC)
	f.reg(t, domain.AppointChiefExecutive{ODSCode: "5K5", PersonID: cePCT.PersonID, Name: cePCT.Name, EffectiveFrom: effective})
	f.reg(t, domain.AppointChiefExecutive{ODSCode: "RJ1", PersonID: ceRJ1.PersonID, Name: ceRJ1.Name, EffectiveFrom: effective})
	f.reg(t, domain.FormLHC{LHCID: "lhc-brent", Name: "Brent LHC", LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1"}})
	f.reg(t, round2009)
	f.reg(t, domain.RegisterPfIT{PfITID: "london", Name: "London Programme for IT"})
	f.reg(t, domain.AssignSHAToPfIT{SHACode: "Q36", PfITID: "london"})
}

// round2009 is the round the fixture's plans are submitted to, with a catalogue of one criterion.
var round2009 = domain.PublishRound{Round: "2009-10", Title: "Informatics Planning 2009/10", GuidanceRef: "Gateway 11278",
	PublishedOn: civil(2009, 1, 15), FirstFinancialYear: 2009, MinYears: 3,
	Milestones: []domain.Milestone{{ID: domain.MilestonePlanSubmission, Due: civil(2009, 7, 31)}, {ID: domain.MilestoneSROSignOff, Due: civil(2009, 9, 30)},
		{ID: domain.MilestoneSHAAssurance, Due: civil(2009, 11, 30)}, {ID: domain.MilestoneSHAReturn, Due: civil(2009, 12, 18)},
		{ID: domain.MilestoneCfHAcknowledgement, Due: civil(2010, 1, 29)}},
	Criteria: []domain.CatalogueCriterion{{ID: "c1", Title: "Clinical 5 timetabled"}}}

func civil(y int, m time.Month, d int) domain.Date {
	v, err := domain.NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return v
}

// assured is the assurance the fixture's plans get.
var assured = domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssured, Criteria: []domain.Criterion{{ID: "c1", Rating: domain.RatingGreen}},
	ReflectedInPfITPlan: true, PfIT: "london"}

// sampleContent is the test content for an LHC of lead (5K5 unless given) and RJ1.
func sampleContent(t testing.TB, lead ...string) domain.Content {
	t.Helper()
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	var c domain.Content
	require.NoError(t, json.Unmarshal(raw, &c))
	return contenttest.Complete(c, domain.Period{FirstYear: 2009, LastYear: 2011}, append(lead, "5K5")[0], "RJ1")
}

func (f *fixture) submit(t testing.TB, req command.Request) command.Result {
	t.Helper()
	req.Actor = pct
	r, err := f.h.Submit(context.Background(), req, domain.SubmitPlan{LHCID: "lhc-brent", Round: "2009-10",
		Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
	require.NoError(t, err)
	return r
}

func (f *fixture) plan(t testing.TB, actor domain.Actor, planID string, cmd domain.PlanCommand) command.Result {
	t.Helper()
	r, err := f.h.Plan(context.Background(), command.Request{Actor: actor}, planID, cmd)
	require.NoError(t, err)
	return r
}

func head(t testing.TB, s eventstore.Store) eventstore.Position {
	t.Helper()
	h, err := s.Head(context.Background())
	require.NoError(t, err)
	return h
}

func TestLifecycleRecordsSealedEventsWithActors(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	require.NotEmpty(t, sub.PlanID)
	assert.Equal(t, command.PlanID("lhc-brent", "2009-10", 1), sub.PlanID)
	assert.Equal(t, domain.PlanStream(sub.PlanID), sub.Stream)
	hash, err := eventcodec.ContentHash(sampleContent(t))
	require.NoError(t, err)

	steps := []struct {
		actor domain.Actor
		cmd   domain.PlanCommand
	}{
		{provider, domain.RecordContribution{Section: "clinical5", Summary: "Order comms roll-out at both sites"}},
		{cePCT, domain.SignOffPlan{Version: 1, Statement: "I sign as SRO", ContentHash: hash}},
		{ceRJ1, domain.SignOffPlan{Version: 1, Statement: "I sign as SRO", ContentHash: hash}},
		{assurer, assured},
		{cfh, domain.AcknowledgeAssurance{Version: 1, Note: "noted"}},
	}
	actors := []domain.Actor{pct}
	last := sub
	for i, s := range steps {
		r := f.plan(t, s.actor, sub.PlanID, s.cmd)
		assert.Equal(t, uint64(i+1), r.Revision, "step %d", i)
		assert.Greater(t, r.Position, last.Position)
		assert.Equal(t, sub.PlanID, r.PlanID)
		last = r
		actors = append(actors, s.actor)
	}

	events, err := f.store.ReadStream(context.Background(), sub.Stream, 0, 0)
	require.NoError(t, err)
	require.Len(t, events, len(actors))
	prev := eventcodec.GenesisHash
	for i, rec := range events {
		e, err := command.DecodeRecorded(rec)
		require.NoError(t, err)
		assert.Equal(t, actors[i], e.Meta.Actor, "event %d actor", i)
		assert.Equal(t, rec.ID.String(), e.Meta.EventID)
		assert.Equal(t, prev, e.Meta.PrevHash)
		assert.Equal(t, eventcodec.SchemaVersion, e.Meta.SchemaVersion)
		assert.NotEmpty(t, e.Meta.CommandID)
		assert.Equal(t, e.Meta.CommandID, e.Meta.CorrelationID, "correlation defaults to the command id")
		assert.False(t, e.Meta.RecordedAt.IsZero())
		prev = e.Meta.Hash
	}
	assert.Equal(t, last.Hash, prev)

	rep, err := verify.Chains(context.Background(), f.store)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Findings)
	assert.Equal(t, 2, rep.Streams)
}

func TestRepeatedCommandIDReturnsFirstResultAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.submit(t, command.Request{CommandID: "11111111-1111-4111-8111-111111111111"})
	hash, err := eventcodec.ContentHash(sampleContent(t))
	require.NoError(t, err)

	tests := []struct {
		name string
		run  func(h *command.Handler) (command.Result, error)
	}{
		{"registry", func(h *command.Handler) (command.Result, error) {
			return h.Registry(ctx, command.Request{Actor: admin, CommandID: "reg-1"},
				domain.RegisterOrganisation{ODSCode: "RRV", Name: "UCLH", Kind: domain.KindProvider, SHACode: "Q36"})
		}},
		{"submit", func(h *command.Handler) (command.Result, error) {
			return h.Submit(ctx, command.Request{Actor: pct, CommandID: "11111111-1111-4111-8111-111111111111"},
				domain.SubmitPlan{LHCID: "lhc-brent", Round: "2009-10", Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
		}},
		{"plan command", func(h *command.Handler) (command.Result, error) {
			return h.Plan(ctx, command.Request{Actor: cePCT, CommandID: "sign-1"}, sub.PlanID,
				domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, err := tc.run(f.h)
			require.NoError(t, err)
			before := head(t, f.store)

			again, err := tc.run(f.h)
			require.NoError(t, err, "a repeat is not refused even though the command would now fail")
			assert.True(t, again.Replayed)
			first.Replayed = true
			assert.Equal(t, first, again)
			assert.Equal(t, before, head(t, f.store), "nothing appended")

			// A new process knows only what the store holds.
			fresh := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
			again, err = tc.run(fresh)
			require.NoError(t, err)
			assert.Equal(t, first, again)
			assert.Equal(t, before, head(t, f.store))
		})
	}
}

func TestRefusedCommandAppendsNothing(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	hash, err := eventcodec.ContentHash(sampleContent(t))
	require.NoError(t, err)
	impostor := cePCT
	impostor.PersonID = "someone-else"
	before := head(t, f.store)

	tests := []struct {
		name  string
		actor domain.Actor
		cmd   domain.PlanCommand
		want  error
	}{
		{"not the appointed chief executive", impostor, domain.SignOffPlan{Version: 1, Statement: "x", ContentHash: hash}, domain.ErrNotChiefExecutive},
		{"assurance before every member is accounted for", assurer, assured, domain.ErrMembersUnaccounted},
		{"acknowledge unassured", cfh, domain.AcknowledgeAssurance{Version: 1}, domain.ErrNotAssured},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.h.Plan(context.Background(), command.Request{Actor: tc.actor}, sub.PlanID, tc.cmd)
			require.ErrorIs(t, err, tc.want)
			assert.Equal(t, before, head(t, f.store))
		})
	}

	_, err = f.h.Plan(context.Background(), command.Request{Actor: pct}, command.PlanID("lhc-none", "2009-10", 1), domain.WithdrawPlan{Reason: "x"})
	assert.ErrorIs(t, err, domain.ErrPlanNotFound)
	_, err = f.h.Plan(context.Background(), command.Request{Actor: pct}, "not-a-uuid", domain.WithdrawPlan{Reason: "x"})
	assert.ErrorIs(t, err, domain.ErrPlanNotFound)
	assert.Equal(t, before, head(t, f.store))
}

func TestIfMatchMismatchIsAConflict(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	before := head(t, f.store)
	stale := uint64(5)
	_, err := f.h.Plan(context.Background(), command.Request{Actor: pct, ExpectedRevision: &stale}, sub.PlanID, domain.WithdrawPlan{Reason: "x"})
	var conflict *eventstore.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, uint64(0), conflict.Actual)
	assert.Equal(t, before, head(t, f.store))

	current := uint64(0)
	r, err := f.h.Plan(context.Background(), command.Request{Actor: pct, ExpectedRevision: &current}, sub.PlanID, domain.WithdrawPlan{Reason: "merged into a new plan"})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), r.Revision)
}

// interleaving lets another writer slip an event in between a handler's load and its append, as a
// second process would.
type interleaving struct {
	eventstore.Store
	once   sync.Once
	before func()
}

func (s *interleaving) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.Event) (eventstore.AppendResult, error) {
	s.once.Do(s.before)
	return s.Store.Append(ctx, stream, exp, evs...)
}

func TestConcurrentWriterGivesConflictNotLostUpdate(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	other := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	wrapped := &interleaving{Store: f.store}
	h := command.NewHandler(wrapped, command.Options{Clock: f.clock.now})
	wrapped.before = func() {
		_, err := other.Plan(context.Background(), command.Request{Actor: provider}, sub.PlanID,
			domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade"})
		require.NoError(t, err)
	}
	_, err := h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.WithdrawPlan{Reason: "x"})
	require.ErrorIs(t, err, eventstore.ErrConflict)

	events, err := f.store.ReadStream(context.Background(), sub.Stream, 0, 0)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, domain.TypeContributionRecorded, events[1].Type, "the other writer's event stands; the stale one was not written")

	// The next attempt folds the other writer's event first and succeeds.
	r, err := h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.WithdrawPlan{Reason: "x"})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), r.Revision)
}

func TestOnlyOneLivePlanPerLHCAndRound(t *testing.T) {
	f := newFixture(t)
	const n = 16
	var wg sync.WaitGroup
	results := make([]command.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.h.Submit(context.Background(), command.Request{Actor: pct}, domain.SubmitPlan{LHCID: "lhc-brent",
				Round: "2009-10", Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
		}()
	}
	wg.Wait()
	var won []command.Result
	for i, err := range errs {
		if err == nil {
			won = append(won, results[i])
			continue
		}
		assert.True(t, errors.Is(err, domain.ErrLivePlanExists) || errors.Is(err, eventstore.ErrConflict), "unexpected error %v", err)
	}
	require.Len(t, won, 1)
	first := won[0]

	f.plan(t, pct, first.PlanID, domain.WithdrawPlan{Reason: "superseded by a joint plan"})
	second := f.submit(t, command.Request{})
	assert.Equal(t, command.PlanID("lhc-brent", "2009-10", 2), second.PlanID)
	assert.NotEqual(t, first.PlanID, second.PlanID)

	_, err := f.h.Submit(context.Background(), command.Request{Actor: pct}, domain.SubmitPlan{LHCID: "lhc-brent",
		Round: "2009-10", Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
	assert.ErrorIs(t, err, domain.ErrLivePlanExists)
}

func TestSmallCacheStaysCorrect(t *testing.T) {
	f := newFixture(t)
	f.reg(t, domain.RegisterOrganisation{ODSCode: "5K7", Name: "Camden PCT", Kind: domain.KindPCT, SHACode: "Q36"})
	f.reg(t, domain.FormLHC{LHCID: "lhc-camden", Name: "Camden LHC", LeadPCT: "5K7", SHACode: "Q36", Members: []string{"RJ1"}})
	h := command.NewHandler(f.store, command.Options{Clock: f.clock.now, PlanCacheSize: 1})
	camden := domain.Actor{PersonID: "pc-2", Name: "Camden Commissioner", Role: domain.RolePCTCommissioner, Org: "5K7"}
	var ids []string
	for _, a := range []struct {
		actor domain.Actor
		lhc   string
	}{{pct, "lhc-brent"}, {camden, "lhc-camden"}} {
		r, err := h.Submit(context.Background(), command.Request{Actor: a.actor}, domain.SubmitPlan{LHCID: a.lhc, Round: "2009-10",
			Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t, a.actor.Org)})
		require.NoError(t, err)
		ids = append(ids, r.PlanID)
	}
	for round := range 3 {
		for i, id := range ids {
			r, err := h.Plan(context.Background(), command.Request{Actor: provider}, id, domain.RecordContribution{Section: "data_quality", Summary: "monthly SUS review"})
			require.NoError(t, err, "plan %d round %d", i, round)
			assert.Equal(t, uint64(round+1), r.Revision)
		}
	}
}

// The handler's cached plans keep no content (stream.apply), yet a revision identical to the
// current version is still refused, from the cache and from a cold start alike: the check is by
// hash.
func TestRevisionsAreComparedByHashWithoutContent(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	same := domain.RevisePlan{Content: sampleContent(t), Reason: "no change"}
	_, err := f.h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, same)
	require.ErrorIs(t, err, domain.ErrNoChange)

	changed := sampleContent(t)
	changed.Infrastructure += " Two more N3 links."
	f.plan(t, pct, sub.PlanID, domain.RevisePlan{Content: changed, Reason: "capacity"})
	for _, h := range []*command.Handler{f.h, command.NewHandler(f.store, command.Options{Clock: f.clock.now})} {
		_, err = h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.RevisePlan{Content: changed, Reason: "again"})
		require.ErrorIs(t, err, domain.ErrNoChange)
	}
}

// A handler that holds a plan folded sees another handler's later event on the same store before
// it decides: the store reports the change, so the cached plan is read again, not trusted.
func TestCachedPlanSeesAnotherHandlersEvent(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{}) // f.h now holds the plan at its submission
	other := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	changed := sampleContent(t)
	changed.Infrastructure += " Two more N3 links."
	rev, err := other.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.RevisePlan{Content: changed, Reason: "capacity"})
	require.NoError(t, err)

	// On the stale plan this would be a conflict (If-Match ahead of it), not "no change".
	_, err = f.h.Plan(context.Background(), command.Request{Actor: pct, ExpectedRevision: &rev.Revision}, sub.PlanID,
		domain.RevisePlan{Content: changed, Reason: "again"})
	require.ErrorIs(t, err, domain.ErrNoChange)
}

// Likewise for the registry: an LHC another handler formed can be planned for at once.
func TestCachedRegistrySeesAnotherHandlersEvent(t *testing.T) {
	f := newFixture(t)
	f.submit(t, command.Request{}) // f.h now holds the registry folded
	other := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	_, err := other.Registry(context.Background(), command.Request{Actor: admin},
		domain.FormLHC{LHCID: "lhc-late", Name: "Late LHC", LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1"}})
	require.NoError(t, err)
	_, err = f.h.Submit(context.Background(), command.Request{Actor: pct}, domain.SubmitPlan{LHCID: "lhc-late", Round: "2009-10",
		Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
	require.NoError(t, err)
}

// blind claims that no stream ever changes, as a store whose change tracking missed a write would.
type blind struct{ eventstore.Store }

func (blind) ChangeMark() eventstore.Position               { return 0 }
func (blind) ChangedSince(string, eventstore.Position) bool { return false }

// A conflict makes the handler read the stream again before its next decision, whatever the store
// reports: one refused command, not a stream refused for good.
func TestConflictMakesTheHandlerReadTheStreamAgain(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	h := command.NewHandler(blind{f.store}, command.Options{Clock: f.clock.now})
	contribute := domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade"}
	_, err := h.Plan(context.Background(), command.Request{Actor: provider}, sub.PlanID, contribute)
	require.NoError(t, err)
	_, err = f.h.Plan(context.Background(), command.Request{Actor: provider}, sub.PlanID, contribute) // behind h's back
	require.NoError(t, err)

	_, err = h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.WithdrawPlan{Reason: "x"})
	require.ErrorIs(t, err, eventstore.ErrConflict, "decided on the stale plan; the store refused it")
	r, err := h.Plan(context.Background(), command.Request{Actor: pct}, sub.PlanID, domain.WithdrawPlan{Reason: "x"})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), r.Revision)
}

// countingReads counts the stream reads the handler makes; it keeps the embedded store's
// StreamChanges.
type countingReads struct {
	*boltstore.Store
	reads atomic.Int64
}

func (c *countingReads) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	c.reads.Add(1)
	return c.Store.ReadStream(ctx, stream, from, limit)
}

// With one handler writing, commands on a plan it holds read nothing before deciding: the store
// reports that neither the plan nor the registry has moved.
func TestCachedPlanIsNotReadAgain(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	store := &countingReads{Store: f.store.(*boltstore.Store)}
	h := command.NewHandler(store, command.Options{Clock: f.clock.now})
	contribute := domain.RecordContribution{Section: "infrastructure", Summary: "N3 upgrade"}
	_, err := h.Plan(context.Background(), command.Request{Actor: provider}, sub.PlanID, contribute)
	require.NoError(t, err)
	first := store.reads.Load()
	require.Positive(t, first, "the first command reads the plan and the registry")
	for range 3 {
		_, err := h.Plan(context.Background(), command.Request{Actor: provider}, sub.PlanID, contribute)
		require.NoError(t, err)
	}
	require.Equal(t, first, store.reads.Load())
}
