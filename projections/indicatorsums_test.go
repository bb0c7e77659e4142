package projections

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/thorough"
)

// The current report's indicators come from running sums; they must equal a walk over every live
// plan (the as-of report's way) at every point of a log that holds two rounds, revisions,
// withdrawals and resubmissions, delivery reports, and the story below, under every filter.
func TestIndicatorSumsEqualAScanOfThePlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, story := indicatorStory(t)
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)

	check := map[eventstore.Position]bool{}
	for _, rec := range thorough.Pick(t, events, 24) {
		check[rec.Position] = true
	}
	for _, pos := range story.steps {
		check[pos] = true // every step of the story, where the figures move as they seldom do in the demo
	}
	p := New(store, nil)
	checked := 0
	for _, rec := range events {
		require.NoError(t, p.apply(rec))
		if !check[rec.Position] {
			continue
		}
		// Governance bodies count from the day they take effect: before the demo's, before the
		// story's and after both.
		for _, day := range storyDays {
			p.SetClock(func() time.Time { return day })
			for _, f := range reportFilters(p) {
				want, err := p.reportWithScannedIndicators(ctx, f)
				require.NoError(t, err)
				got, ok := p.reportWithSummedIndicators(f)
				require.True(t, ok)
				require.Equal(t, want, got, "report %+v on %s after position %d (%s)", f, day.Format(time.DateOnly), rec.Position, rec.Type)
			}
		}
		checked++
	}
	assert.GreaterOrEqual(t, checked, len(story.steps))
	rep, err := p.ReportWithIndicators(ctx, ReportFilter{})
	require.NoError(t, err)
	var withFigures int
	for _, row := range rep.BySHA {
		withFigures += b2i(row.NHSNumberCurrentAvg != nil && row.Capital > 0 && row.OrganisationsWithGovernanceBody > 0)
	}
	assert.NotZero(t, withFigures, "the log should give SHAs indicators")
}

// storyDays are days the reports are checked on: before the demo's boards take effect but after
// the story's earliest one, between the demo's and the story's latest, between that board's first
// terms and its next, and after all of them.
var storyDays = []time.Time{
	time.Date(2008, 6, 1, 12, 0, 0, 0, time.UTC),
	time.Date(2009, 12, 1, 12, 0, 0, 0, time.UTC),
	time.Date(2010, 2, 10, 12, 0, 0, 0, time.UTC),
	fixedClock(),
}

// What each step of the story does to the sums of its SHA's 2009-10 cell and of the SHA over every
// round: the SCR item's count follows the reports, and an organisation named by two plans counts
// once, with the figures of the plan whose current version was recorded last, of the plan
// submitted later when both were recorded at once, and of the other again once that one is
// withdrawn.
func TestIndicatorSumsFollowTheStory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, story := indicatorStory(t)
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	p := New(store, nil)
	cell := aggKey{story.sha, story.round}
	type sums struct {
		scr int
		org orgSums
	}
	at := func() sums {
		c := p.aggs.cells[cell]
		return sums{scr: c.ind.scrLive, org: c.ind.orgs}
	}
	var before sums
	steps := map[eventstore.Position]int{}
	for i, pos := range story.steps {
		steps[pos] = i
	}
	var sawLive, sawBack bool
	for _, rec := range events {
		if rec.Position == story.steps[0] {
			before = at()
		}
		require.NoError(t, p.apply(rec))
		i, ok := steps[rec.Position]
		if !ok {
			continue
		}
		now := at()
		// X's figures in the cell, as the plan of the given figures leaves them against the story's
		// start, when A's figures for X counted.
		asWinner := func(o domain.OrganisationIndicators) orgSums {
			s := before.org
			s.add(&story.xBefore, -1)
			s.add(&o, 1)
			return s
		}
		boardsOn := func(day string) int {
			p.SetClock(func() time.Time { return storyDay(day) })
			rep, ok := p.reportWithSummedIndicators(ReportFilter{SHA: story.boardSHA})
			require.True(t, ok)
			require.Len(t, rep.BySHA, 1)
			return rep.BySHA[0].OrganisationsWithGovernanceBody
		}
		switch story.what[i] {
		case "new trust":
			story.boards = [4]int{boardsOn("2008-06-01"), boardsOn("2009-12-01"), boardsOn("2010-02-10"), boardsOn("2010-03-01")}
		case "new trust's board":
			assert.Equal(t, story.boards, [4]int{boardsOn("2008-06-01"), boardsOn("2009-12-01"), boardsOn("2010-02-10") - 1, boardsOn("2010-03-01") - 1},
				"the trust's board counts from 1 February 2010")
		case "earlier board":
			assert.Equal(t, story.boards, [4]int{boardsOn("2008-06-01") - 1, boardsOn("2009-12-01"), boardsOn("2010-02-10") - 1, boardsOn("2010-03-01") - 1},
				"an organisation's second board, from 2008, moves when it counts from")
		case "new terms":
			assert.Equal(t, story.boards, [4]int{boardsOn("2008-06-01") - 1, boardsOn("2009-12-01"), boardsOn("2010-02-10") - 1, boardsOn("2010-03-01") - 1},
				"a board's new terms, from the day they are recorded, move nothing")
		case "scr live":
			assert.Equal(t, before.scr+1, now.scr, "A's SCR item reported live")
			sawLive = true
		case "scr back":
			assert.Equal(t, before.scr, now.scr, "A's SCR item moved back from live")
			sawBack = true
		case "x joins b":
			assert.Equal(t, before.org, now.org, "a member joining an LHC changes no plan's figures")
		case "b names x":
			assert.Equal(t, asWinner(story.xInB), now.org, "B's version, recorded last, gives X's figures; X still counts once")
			assert.Equal(t, before.org.n, now.org.n)
		case "a and b at once":
			want := story.xInA
			if story.bLater {
				want = story.xInB2
			}
			require.Equal(t, p.plans[story.a].counted.ind.at, p.plans[story.b].counted.ind.at, "A's and B's versions recorded at the same instant")
			assert.Equal(t, asWinner(want), now.org, "of two versions recorded at once, the plan submitted later gives X's figures")
		case "b withdrawn":
			want := asWinner(story.xInA)
			for _, o := range story.bOthers {
				want.add(&o, -1)
			}
			assert.Equal(t, want, now.org, "B withdrawn, its organisations leave and A's figures for X count again")
		}
		// Over every round the SHA's sums name X once whatever the story does.
		require.Contains(t, p.aggs.named, shaOrg{story.sha, story.x})
	}
	assert.True(t, sawLive && sawBack, "the story reports SCR live and back")
	assert.NotZero(t, story.boards[3], "the SHA has boards")
}

// A projector restored from a snapshot taken anywhere in the story holds the same sums as the one
// that folded the events, and once caught up the same as one that folded the whole log; its
// report's indicators then equal a scan.
func TestIndicatorSumsSurviveASnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, story := indicatorStory(t)
	full := New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	full.SetClock(fixedClock)
	want := indicatorState(full)
	positions := []eventstore.Position{story.steps[0] - 1}
	positions = append(positions, thorough.Pick(t, story.steps, 2)...)
	for _, at := range positions {
		then := New(Prefix(store, at), nil)
		require.NoError(t, then.CatchUp(ctx))
		var snap bytes.Buffer
		_, err := then.WriteSnapshot(&snap)
		require.NoError(t, err)
		restored, err := Restore(ctx, store, nil, bytes.NewReader(snap.Bytes()))
		require.NoError(t, err)
		assert.Equal(t, indicatorState(then), indicatorState(restored), "restored at %d", at)
		require.NoError(t, restored.CatchUp(ctx))
		assert.Equal(t, want, indicatorState(restored), "restored at %d and caught up", at)
		restored.SetClock(fixedClock)
		for _, f := range reportFilters(restored) {
			wantR, err := full.ReportWithIndicators(ctx, f)
			require.NoError(t, err)
			gotR, err := restored.ReportWithIndicators(ctx, f)
			require.NoError(t, err)
			require.Equal(t, wantR, gotR, "report %+v, restored at %d and caught up", f, at)
			scanned, err := restored.reportWithScannedIndicators(ctx, f)
			require.NoError(t, err)
			require.Equal(t, scanned, gotR, "report %+v, restored at %d and caught up: the sums and a scan differ", f, at)
		}
	}
}

// indicatorView is the indicators' running sums of p as comparable values: cells and SHAs that
// sum nothing are left out (a plan that leaves a cell leaves it at zero), and the plans naming each
// organisation are listed by id in their order.
type indicatorView struct {
	Cells      map[aggKey]indCell
	SHAs       map[string]orgSums
	Named      map[shaOrg][]string
	Plans      map[string]indicatorDigest
	Boards     map[string][]float64
	BoardSince map[string]float64
}

func indicatorState(p *Projector) indicatorView {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := indicatorView{Cells: map[aggKey]indCell{}, SHAs: map[string]orgSums{}, Named: map[shaOrg][]string{}, Plans: map[string]indicatorDigest{}}
	for k, c := range p.aggs.cells {
		if c.ind != (indCell{}) {
			s.Cells[k] = c.ind
		}
	}
	for sha, o := range p.aggs.shaOrgs {
		if *o != (orgSums{}) {
			s.SHAs[sha] = *o
		}
	}
	for k, views := range p.aggs.named {
		for _, v := range views {
			s.Named[k] = append(s.Named[k], v.id)
		}
	}
	for _, v := range p.order {
		s.Plans[v.id] = v.counted.ind
	}
	s.Boards, s.BoardSince = map[string][]float64{}, p.aggs.boardSince
	for sha, days := range p.aggs.boards {
		if days.n > 0 {
			s.Boards[sha] = slices.Concat(days.blocks...)
		}
	}
	return s
}

// story is what indicatorStory added to the demo's log.
type story struct {
	sha, round string
	a, b       string                // the plans' ids
	x          string                // a provider member of A's LHC that joins B's
	steps      []eventstore.Position // of each event the story added
	what       []string              // what each step did
	// X's figures: as A's current version gave them before the story, as B's first revision and
	// A's and B's revisions recorded at the same instant give them.
	xBefore, xInB, xInA, xInB2 domain.OrganisationIndicators
	bLater                     bool // B was submitted after A (in the projector's order)
	// bOthers are the figures B gives the other organisations, which no other live plan of the
	// round names.
	bOthers []domain.OrganisationIndicators
	// boardSHA is the SHA of a trust registered in the story, given a board from 1 February 2010,
	// and of an organisation given a second board, from 2008; boards are how many of its
	// organisations the report counts with a board on 1 June 2008, 1 December 2009, 10 February
	// 2010 and 1 March 2010 when the trust is registered (filled in by the test).
	boardSHA string
	boards   [4]int
}

// indicatorStory is the demo's log (two rounds) with, after it, a trust registered in an SHA and
// given an informatics board from 1 February 2010, then new terms; an organisation of the SHA given
// a second board, from 2008; and two live 2009-10 plans A and B of LHCs of the SHA, each
// organisation B names named by no other live plan of the round: A's SCR item reported live, then moved back with a reason; a provider X of A's
// LHC joining B's; B revised with X's figures; A and B revised at the same instant; B withdrawn.
func indicatorStory(t *testing.T) (eventstore.Store, story) {
	t.Helper()
	ctx := context.Background()
	store := seededStore(t, 0)
	p := New(store, nil)
	require.NoError(t, p.CatchUp(ctx))
	s := story{round: "2009-10"}

	// A and B: live plans of the round, of one SHA, with a provider of A's LHC not in B's whose
	// SCR item is not live on A.
	p.mu.RLock()
	var a, b *planView
	var lastAt time.Time
	for _, v := range p.order {
		for _, h := range v.history {
			if t := h.submittedAt(); t.After(lastAt) {
				lastAt = t
			}
		}
	}
	for _, v := range p.order {
		if a != nil {
			break
		}
		if v.plan.Round() != s.round || v.plan.Withdrawn() || v.plan.ItemStatus(scrItem) == domain.ProgrammeLive {
			continue
		}
		for _, w := range p.order {
			if w == v || w.sha != v.sha || w.plan.Round() != s.round || w.plan.Withdrawn() || w.plan.LHCID() == v.plan.LHCID() ||
				!namesAlone(p, w) {
				continue
			}
			lhcA, _ := p.registry.LHC(v.plan.LHCID())
			lhcB, _ := p.registry.LHC(w.plan.LHCID())
			for _, m := range lhcA.Members {
				o, _ := p.registry.Organisation(m)
				if m != lhcA.LeadPCT && o.Kind.IsNHS() && o.Kind.Contributes() && !lhcB.HasMember(m) && organisationIn(v.plan.CurrentDigest(), m) != nil &&
					onlyNamer(p, v, m) {
					a, b, s.x = v, w, m
					break
				}
			}
			if a != nil {
				break
			}
		}
	}
	require.NotNil(t, a, "the demo has no two live plans of one SHA with a provider to share")
	var boarded domain.GovernanceBody
	for _, b := range p.registry.GovernanceBodies() {
		if o, ok := p.registry.Organisation(b.ODSCode); ok && o.SHACode == a.sha && b.Kind == domain.BodyOrganisationBoard {
			boarded = b
			break
		}
	}
	require.NotEmpty(t, boarded.BodyID, "the demo has no informatics board in SHA %s", a.sha)
	s.boardSHA = a.sha
	s.sha, s.a, s.b, s.bLater = a.sha, a.id, b.id, b.seq > a.seq
	s.xBefore = *organisationIn(a.plan.CurrentDigest(), s.x)
	s.bOthers = slices.Clone(b.plan.CurrentDigest().Organisations)
	idA, idB, lhcB, leadA, leadB := a.id, b.id, b.plan.LHCID(), a.lead, b.lead
	p.mu.RUnlock()

	// The story happens after everything the demo recorded, a day apart.
	clock := lastAt.Add(24 * time.Hour).Truncate(time.Hour)
	h := command.NewHandler(store, command.Options{Clock: func() time.Time { return clock }})
	next := func() { clock = clock.Add(24 * time.Hour) }
	mark := func(what string) {
		head, err := store.Head(ctx)
		require.NoError(t, err)
		s.steps, s.what = append(s.steps, head), append(s.what, what)
	}
	admin := domain.Actor{PersonID: "adm", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X09"}
	commissioner := func(ods string) domain.Actor {
		return domain.Actor{PersonID: "pc-" + ods, Name: "Commissioner of " + ods, Role: domain.RolePCTCommissioner, Org: ods}
	}
	plan := func(id string, actor domain.Actor, c domain.PlanCommand) {
		t.Helper()
		_, err := h.Plan(ctx, command.Request{Actor: actor}, id, c)
		require.NoError(t, err, "%T", c)
	}
	content := func(id string) domain.Content {
		t.Helper()
		r := New(store, nil)
		require.NoError(t, r.CatchUp(ctx))
		st, ok, err := r.Plan(ctx, id)
		require.NoError(t, err)
		require.True(t, ok)
		return st.Content
	}
	withX := func(c domain.Content, o domain.OrganisationIndicators) domain.Content {
		o.ODSCode = s.x
		c.PerOrganisation = slices.DeleteFunc(slices.Clone(c.PerOrganisation), func(e domain.OrganisationIndicators) bool { return e.ODSCode == s.x })
		c.PerOrganisation = append(c.PerOrganisation, o)
		return c
	}

	registry := func(c domain.RegistryCommand) {
		t.Helper()
		_, err := h.Registry(ctx, command.Request{Actor: admin}, c)
		require.NoError(t, err, "%T", c)
	}
	terms := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	registry(domain.RegisterOrganisation{ODSCode: "RZZ", Name: "Story Valley NHS Trust", Kind: domain.KindProvider, SHACode: s.boardSHA})
	mark("new trust")
	registry(domain.RecordGovernanceBody{BodyID: "ib-story-valley", Name: "Story Valley Informatics Board", ODSCode: "RZZ",
		Kind: domain.BodyOrganisationBoard, ChairPersonID: "ce-rzz", TermsOfReferenceSHA256: terms, EffectiveFrom: storyDate("2010-02-01")})
	mark("new trust's board")
	registry(domain.RecordGovernanceBody{BodyID: boarded.BodyID + "-2008", Name: "Informatics Steering Group", ODSCode: boarded.ODSCode,
		Kind: domain.BodyOrganisationBoard, ChairPersonID: "ce-" + boarded.ODSCode, TermsOfReferenceSHA256: terms, EffectiveFrom: storyDate("2008-01-01")})
	mark("earlier board")
	registry(domain.RecordGovernanceBody{BodyID: "ib-story-valley", Name: "Story Valley Informatics Board", ODSCode: "RZZ",
		Kind: domain.BodyOrganisationBoard, ChairPersonID: "ce-rzz-2", TermsOfReferenceSHA256: terms, EffectiveFrom: domain.DateOf(clock)})
	mark("new terms")
	next()

	scr := domain.ProgrammeItem(domain.ProgrammeSCR)
	plan(idA, commissioner(leadA), domain.ReportMilestone{Item: scr, Status: domain.ProgrammeLive, ActualDate: domain.DateOf(clock)})
	mark("scr live")
	next()
	plan(idA, commissioner(leadA), domain.ReportMilestone{Item: scr, Status: domain.ProgrammeInProgress, ActualDate: domain.DateOf(clock.Add(-24 * time.Hour)),
		Note: "Taken out of service after a clinical safety incident; the paper process is back in use."})
	mark("scr back")
	next()
	registry(domain.ChangeLHCMembers{LHCID: lhcB, Added: []string{s.x}})
	mark("x joins b")
	next()
	s.xInB = domain.OrganisationIndicators{ODSCode: s.x, NHSNumberCurrentPct: 12.345678, NHSNumberTargetPct: 40, IGToolkitLevelCurrent: 0, IGToolkitLevelTarget: 2}
	plan(idB, commissioner(leadB), domain.RevisePlan{Content: withX(content(idB), s.xInB), Reason: "The provider that joined the LHC gives its indicators."})
	mark("b names x")
	next()
	s.xInA = domain.OrganisationIndicators{ODSCode: s.x, NHSNumberCurrentPct: 99.5, NHSNumberTargetPct: 100, IGToolkitLevelCurrent: 3, IGToolkitLevelTarget: 3}
	s.xInB2 = domain.OrganisationIndicators{ODSCode: s.x, NHSNumberCurrentPct: 61.25, NHSNumberTargetPct: 90, IGToolkitLevelCurrent: 1, IGToolkitLevelTarget: 2}
	// Both recorded at the same instant: the clock does not move between them.
	plan(idA, commissioner(leadA), domain.RevisePlan{Content: withX(content(idA), s.xInA), Reason: "The provider's NHS Number audit is complete."})
	plan(idB, commissioner(leadB), domain.RevisePlan{Content: withX(content(idB), s.xInB2), Reason: "The provider's NHS Number audit is complete."})
	mark("a and b at once")
	next()
	plan(idB, commissioner(leadB), domain.WithdrawPlan{Reason: "Withdrawn at the PCT board's request; a new plan will follow the review."})
	mark("b withdrawn")
	return store, s
}

// namesAlone reports whether v is the only live plan of its SHA and round naming each organisation
// it names.
func namesAlone(p *Projector, v *planView) bool {
	d := v.plan.CurrentDigest()
	if d == nil {
		return false
	}
	for _, o := range d.Organisations {
		if !onlyNamer(p, v, o.ODSCode) {
			return false
		}
	}
	return true
}

// onlyNamer reports whether v is the only live plan of its SHA and round naming ods, as the plans'
// digests say.
func onlyNamer(p *Projector, v *planView, ods string) bool {
	for _, w := range p.order {
		if w != v && w.sha == v.sha && w.plan.Round() == v.plan.Round() && !w.plan.Withdrawn() &&
			w.plan.CurrentDigest() != nil && organisationIn(w.plan.CurrentDigest(), ods) != nil {
			return false
		}
	}
	return true
}

// storyDay is midnight (UTC) at the start of day, written as 2010-02-01.
func storyDay(day string) time.Time {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return t
}

// storyDate is day as a domain.Date.
func storyDate(day string) domain.Date { return domain.DateOf(storyDay(day)) }
