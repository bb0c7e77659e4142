package projections

import (
	"math"
	"slices"
	"time"

	"assurance-ledger/domain"
)

// The current transparency report's national indicators are kept as running sums, as its counts
// are (aggregates.go): a walk over every live plan at each request is linear in the plans, about
// 10 ms at 2,000 plans and hundreds at 100,000. Money and the programmes are per-plan figures, so
// each cell sums them. The NHS Number averages and the IG count are over organisations, each once,
// and an organisation may be named by several live plans of an SHA (one per round of its LHC, or
// one per LHC it is a member of): its figures are those of the plan whose current version was
// recorded last (Indicators.NHSNumberCurrentAvg). So for each (SHA, organisation) the live plans
// naming it are kept in that order, and a sum moves only when the last of them changes, over every
// round or within one.

// indicatorDigest is what one plan adds to the national indicators: nothing unless it is live and
// its current version has a digest.
type indicatorDigest struct {
	digest *domain.ContentDigest // the current version's (shared, never changed); nil: nothing
	// at is when the current version was recorded: which plan's figures an organisation named by
	// several takes.
	at          instant
	scrLive     bool // the Summary Care Record item stands live (reported, or so stated)
	epsInPeriod bool // the EPS Release 2 date falls within the plan's period
}

// Delivery items the indicators read, as indexes of domain.DeliveryItems.
var (
	scrItem, _ = domain.ItemIndex(domain.ProgrammeItem(domain.ProgrammeSCR))
	epsItem, _ = domain.ItemIndex(domain.ProgrammeItem(domain.ProgrammeEPSR2))
)

// indicatorsOf is what plan adds to the indicators now; prev is what it added before its latest
// event, whose per-version figures are kept while the version is the same.
func indicatorsOf(plan *domain.Plan, prev indicatorDigest) indicatorDigest {
	d := plan.CurrentDigest()
	if d == nil || plan.Withdrawn() {
		return indicatorDigest{}
	}
	c := indicatorDigest{digest: d, scrLive: plan.ItemStatus(scrItem) == domain.ProgrammeLive}
	if d == prev.digest {
		c.at, c.epsInPeriod = prev.at, prev.epsInPeriod
		return c
	}
	c.at = instantOf(currentRecordedAt(plan))
	c.epsInPeriod = epsInPeriod(d, plan.Period())
	return c
}

// currentRecordedAt is when plan's current version was recorded.
func currentRecordedAt(plan *domain.Plan) time.Time {
	var at time.Time
	plan.VisitVersions(func(v domain.Version) { at = v.SubmittedAt })
	return at
}

// epsInPeriod reports whether d dates EPS Release 2 within period.
func epsInPeriod(d *domain.ContentDigest, period domain.Period) bool {
	if epsItem >= len(d.Items) {
		return false
	}
	due := d.Items[epsItem].PlannedDate()
	return !due.IsZero() && due.In(period)
}

// organisationIn is the entry of d naming ods: the first, should a digest of a version recorded
// before the indicators were checked name one twice.
func organisationIn(d *domain.ContentDigest, ods string) *domain.OrganisationIndicators {
	for i := range d.Organisations {
		if d.Organisations[i].ODSCode == ods {
			return &d.Organisations[i]
		}
	}
	return nil
}

// eachOrganisation calls fn with every organisation d gives indicators for, once each.
func eachOrganisation(d *domain.ContentDigest, fn func(o *domain.OrganisationIndicators)) {
	for i := range d.Organisations {
		if o := &d.Organisations[i]; organisationIn(d, o.ODSCode) == o {
			fn(o)
		}
	}
}

// pctUnits is a percentage in millionths of a point. The averages' sums are kept in these units,
// exactly, so that they are the same whatever order plans come and go in (a float sum that has
// had a value added and taken away again need not be the sum without it).
func pctUnits(pct float64) int64 { return int64(math.Round(pct * 1e6)) }

// orgSums sums the figures of a set of organisations, each once.
type orgSums struct {
	current, target int64 // NHS Number use, in pctUnits
	n, belowIG      int
}

func (s *orgSums) add(o *domain.OrganisationIndicators, sign int) {
	s.current += int64(sign) * pctUnits(o.NHSNumberCurrentPct)
	s.target += int64(sign) * pctUnits(o.NHSNumberTargetPct)
	s.n += sign
	s.belowIG += sign * b2i(o.IGToolkitLevelCurrent < domain.ExpectedIGToolkitLevel)
}

// fill sets ind's organisation figures from s.
func (s orgSums) fill(ind *Indicators) {
	if s.n > 0 {
		below := s.belowIG
		ind.OrganisationsBelowIGLevel2 = &below
		c := round(float64(s.current)/1e6/float64(s.n), 2)
		t := round(float64(s.target)/1e6/float64(s.n), 2)
		ind.NHSNumberCurrentAvg, ind.NHSNumberTargetAvg = &c, &t
	}
}

// indCell is one cell's share of the indicators.
type indCell struct {
	capital, revenue     int64
	scrLive, epsInPeriod int
	orgs                 orgSums // over the organisations the cell's plans name, within its round
}

func (c *indCell) addPlan(d indicatorDigest, sign int) {
	c.capital += int64(sign) * d.digest.Capital
	c.revenue += int64(sign) * d.digest.Revenue
	c.scrLive += sign * b2i(d.scrLive)
	c.epsInPeriod += sign * b2i(d.epsInPeriod)
}

// shaOrg is an organisation as named by the plans of one SHA.
type shaOrg struct{ sha, ods string }

// indRankLess orders the plans naming an organisation: the one whose current version was recorded
// earlier first, and of two recorded at once, the one submitted earlier (in the projector's order).
func indRankLess(a instant, aSeq int, b instant, bSeq int) bool {
	if a.sec != b.sec {
		return a.sec < b.sec
	}
	if a.nsec != b.nsec {
		return a.nsec < b.nsec
	}
	return aSeq < bSeq
}

func viewRankLess(a, b *planView) bool {
	return indRankLess(a.counted.ind.at, a.seq, b.counted.ind.at, b.seq)
}

// moveIndicators moves v's share of the indicators from what v.counted holds to now, and sets
// v.counted to now: the plans naming an organisation are ordered by what v.counted holds, so v
// leaves their lists under its old order and joins them under its new one.
func (a *aggregates) moveIndicators(v *planView, now contribution) {
	old := v.counted
	if old.ind.digest != nil {
		a.indCell(old.key).addPlan(old.ind, -1)
	}
	if now.ind.digest != nil {
		a.indCell(now.key).addPlan(now.ind, 1)
	}
	named := old.ind.digest != now.ind.digest || old.ind.at != now.ind.at || old.key != now.key
	if named && old.ind.digest != nil {
		eachOrganisation(old.ind.digest, func(o *domain.OrganisationIndicators) { a.unname(old.key, o.ODSCode, v) })
	}
	v.counted = now
	if named && now.ind.digest != nil {
		eachOrganisation(now.ind.digest, func(o *domain.OrganisationIndicators) { a.name(now.key, o.ODSCode, v) })
	}
}

// indCell is the indicators of cell key, made if it is not there yet.
func (a *aggregates) indCell(key aggKey) *indCell { return &a.cell(key).ind }

// shaOrgSums is the organisation sums of sha over every round, made if not there yet.
func (a *aggregates) shaOrgSums(sha string) *orgSums {
	s := a.shaOrgs[sha]
	if s == nil {
		s = &orgSums{}
		a.shaOrgs[sha] = s
	}
	return s
}

// name adds v, in cell key, to the plans naming ods.
func (a *aggregates) name(key aggKey, ods string, v *planView) {
	k := shaOrg{key.sha, ods}
	list := a.named[k]
	before, beforeRound := lastNaming(list, ""), lastNaming(list, key.round)
	i, _ := slices.BinarySearchFunc(list, v, func(x, y *planView) int {
		if viewRankLess(x, y) {
			return -1
		}
		return 1 // ranks are unique (the projector's order breaks ties): never equal
	})
	list = slices.Insert(list, i, v)
	a.named[k] = list
	a.winnerMoved(key, ods, before, lastNaming(list, ""), beforeRound, lastNaming(list, key.round))
}

// unname takes v, in cell key, out of the plans naming ods.
func (a *aggregates) unname(key aggKey, ods string, v *planView) {
	k := shaOrg{key.sha, ods}
	list := a.named[k]
	i := slices.Index(list, v)
	if i < 0 {
		panic("projections: a plan leaves the organisations it never named") // the sums would be wrong from here on
	}
	before, beforeRound := lastNaming(list, ""), lastNaming(list, key.round)
	list = slices.Delete(list, i, i+1)
	if len(list) == 0 {
		delete(a.named, k)
	} else {
		a.named[k] = list
	}
	a.winnerMoved(key, ods, before, lastNaming(list, ""), beforeRound, lastNaming(list, key.round))
}

// winnerMoved moves ods's figures in the sums of key's SHA over every round (from before to after)
// and in key's cell (from beforeRound to afterRound), where the plan whose figures count changed.
// Each plan's figures are read from what it counts (planView.counted), which for a plan leaving is
// still its old share.
func (a *aggregates) winnerMoved(key aggKey, ods string, before, after, beforeRound, afterRound *planView) {
	swap := func(s *orgSums, from, to *planView) {
		if from == to {
			return
		}
		if from != nil {
			s.add(organisationIn(from.counted.ind.digest, ods), -1)
		}
		if to != nil {
			s.add(organisationIn(to.counted.ind.digest, ods), 1)
		}
	}
	swap(a.shaOrgSums(key.sha), before, after)
	swap(&a.indCell(key).orgs, beforeRound, afterRound)
}

// lastNaming is the last of list whose plan is of round ("" for any), or nil.
func lastNaming(list []*planView, round string) *planView {
	for i := len(list) - 1; i >= 0; i-- {
		if round == "" || list[i].plan.Round() == round {
			return list[i]
		}
	}
	return nil
}

// registryApplied keeps, for each SHA, the day each of its PCTs and NHS providers first had an
// informatics board in place, for the count of those with one on a day. An organisation's bodies
// and each body's first terms never change once recorded (a body's later terms take effect after
// them), so the day only moves earlier, when a body of the organisation is recorded with an
// earlier start; and the organisation's kind and SHA are fixed when it is registered.
func (a *aggregates) registryApplied(reg *domain.Registry, e domain.Event) {
	switch d := e.Data.(type) {
	case domain.GovernanceBodyRecorded:
		if d.Kind != domain.BodyOrganisationBoard {
			return
		}
		day := dueDay(d.EffectiveFrom)
		was, had := a.boardSince[d.ODSCode]
		if had && was <= day {
			return
		}
		a.boardSince[d.ODSCode] = day
		if o, ok := reg.Organisation(d.ODSCode); ok && o.Kind.IsNHS() {
			if had {
				a.shaBoards(o.SHACode).remove(was)
			}
			a.shaBoards(o.SHACode).insert(day)
		}
	case domain.OrganisationRegistered:
		// Only a log whose bodies came before their organisation gets here with a day.
		if day, ok := a.boardSince[d.ODSCode]; ok && d.Kind.IsNHS() {
			a.shaBoards(d.SHACode).insert(day)
		}
	}
}

// shaBoards is the days sha's organisations first had a board, made if not there yet.
func (a *aggregates) shaBoards(sha string) *sortedFloats {
	s := a.boards[sha]
	if s == nil {
		s = &sortedFloats{}
		a.boards[sha] = s
	}
	return s
}

// fillIndicators sets each row's indicators from the running sums, under the report's filters,
// counting the governance bodies in place on day; p.mu is held.
func (a *aggregates) fillIndicators(f ReportFilter, day domain.Date, rows []SHARow) {
	bySHA := make(map[string]*Indicators, len(rows))
	for i := range rows {
		ind := &rows[i].Indicators
		bySHA[rows[i].SHACode] = ind
		if s := a.boards[rows[i].SHACode]; s != nil {
			ind.OrganisationsWithGovernanceBody = s.atMost(dueDay(day))
		}
	}
	for key, c := range a.cells {
		ind := bySHA[key.sha]
		if ind == nil || (f.Round != "" && key.round != f.Round) {
			continue
		}
		ind.Capital += c.ind.capital
		ind.Revenue += c.ind.revenue
		ind.PlansWithSCRLive += c.ind.scrLive
		ind.PlansWithEPSR2InPeriod += c.ind.epsInPeriod
		if f.Round != "" {
			c.ind.orgs.fill(ind)
		}
	}
	if f.Round == "" {
		for sha, ind := range bySHA {
			if s := a.shaOrgs[sha]; s != nil {
				s.fill(ind)
			}
		}
	}
}
