package projections

import (
	"sort"

	"assurance-ledger/domain"
)

// The current transparency report is read far more often than plans change, and at 100,000 plans a
// walk over every plan costs tens of milliseconds. So the projector keeps, per (SHA, round), what the
// report sums, and moves a plan's contribution between them as each of its events is applied: the
// current report then costs O(SHAs x rounds), whatever the number of plans.

// aggKey is one cell of the report: an SHA (empty if the plan's LHC was not found) and a round.
type aggKey struct{ sha, round string }

// agg is the sum of the latest summaries of the plans in one cell.
type agg struct {
	counts           Counts
	required, signed int
	// days holds the days from submission to assurance of the cell's assured plans, for the median
	// when the report is filtered by round.
	days sortedFloats
	// submitted holds when each live plan (not withdrawn) was first submitted, in Unix seconds, so
	// that how many were on time is a count below a deadline the registry may still move.
	submitted sortedFloats
	// assuredLive counts the live plans that have been assured (with or without conditions).
	assuredLive int
	// openDues holds the due day (dueDay) of every open condition of the cell's plans, so that how
	// many are overdue on a day is a count below it; discharge the days from assurance to
	// discharge of every condition discharged.
	openDues, discharge sortedFloats
	// openUndated counts the open conditions with no due date (upcast from schema version 1): open
	// like the others, never overdue. supersededOpen counts the conditions superseded while open.
	openUndated, supersededOpen int
	// ind is the cell's share of the national indicators (indicatorsums.go).
	ind indCell
}

// aggregates are the report's running sums.
type aggregates struct {
	cells map[aggKey]*agg
	// shaDays holds the same days per SHA over every round, for the median of an unfiltered report.
	// The median is kept exact (the report's figure is published; an estimate would differ from the
	// as-of report and from a recount), so the values themselves are kept, in order.
	shaDays map[string]*sortedFloats
	// shaDischarge is discharge per SHA over every round, likewise.
	shaDischarge map[string]*sortedFloats
	// shaOrgs sums the figures of the organisations each SHA's live plans name, over every round;
	// named lists, for each organisation an SHA's plans name, the live plans naming it in the order
	// whose last gives its figures (indicatorsums.go).
	shaOrgs map[string]*orgSums
	named   map[shaOrg][]*planView
	// boards holds, per SHA, the day (dueDay) each of its PCTs and NHS providers first had an
	// informatics board, and boardSince that day per organisation (registryApplied).
	boards     map[string]*sortedFloats
	boardSince map[string]float64
}

func newAggregates() aggregates {
	return aggregates{cells: map[aggKey]*agg{}, shaDays: map[string]*sortedFloats{}, shaDischarge: map[string]*sortedFloats{},
		shaOrgs: map[string]*orgSums{}, named: map[shaOrg][]*planView{}, boards: map[string]*sortedFloats{}, boardSince: map[string]float64{}}
}

// cell is the cell of key, made if it is not there yet.
func (a *aggregates) cell(key aggKey) *agg {
	c := a.cells[key]
	if c == nil {
		c = &agg{}
		a.cells[key] = c
	}
	return c
}

// conditionOpened counts an open condition of a plan in the cell of key.
func (a *aggregates) conditionOpened(key aggKey, m condMark) {
	if m.due.IsZero() {
		a.cell(key).openUndated++
		return
	}
	a.cell(key).openDues.insert(dueDay(m.due))
}

// conditionClosed moves a condition out of the open ones and, discharged, into the days taken.
func (a *aggregates) conditionClosed(key aggKey, m condMark) {
	c := a.cell(key)
	if m.due.IsZero() {
		c.openUndated--
	} else {
		c.openDues.remove(dueDay(m.due))
	}
	if m.state == condSuperseded {
		c.supersededOpen++
	}
	if m.state != condDischarged {
		return
	}
	c.discharge.insert(m.days)
	s := a.shaDischarge[key.sha]
	if s == nil {
		s = &sortedFloats{}
		a.shaDischarge[key.sha] = s
	}
	s.insert(m.days)
}

// restoreCondition adds to the sums a condition of a plan restored from a snapshot, as it stands.
func (a *aggregates) restoreCondition(key aggKey, m condMark) {
	switch {
	case m.closed == 0:
		a.conditionOpened(key, m)
	case m.state == condDischarged:
		a.cell(key).discharge.insert(m.days)
		s := a.shaDischarge[key.sha]
		if s == nil {
			s = &sortedFloats{}
			a.shaDischarge[key.sha] = s
		}
		s.insert(m.days)
	case m.state == condSuperseded:
		a.cell(key).supersededOpen++
	}
}

// live reports whether the contribution is of a plan not withdrawn.
func (c contribution) live() bool { return c.counted && c.state != withdrawnCode }

// withdrawnCode is the statusCode of a withdrawn plan.
var withdrawnCode, _ = codeOf(domain.StatusWithdrawn)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// contribution is what one plan adds to the aggregates: its latest summary and where it is counted.
type contribution struct {
	counted bool
	key     aggKey
	summary
	ind indicatorDigest
}

func (c contribution) days() (float64, bool) {
	if !c.counted {
		return 0, false
	}
	return c.summary.days()
}

// replace moves a plan's contribution from old to new.
func (a *aggregates) replace(old, new contribution) {
	if old.counted {
		c := a.cells[old.key]
		c.counts.addN(old.status(), -1)
		c.required -= int(old.required)
		c.signed -= int(old.signed)
	}
	c := a.cell(new.key)
	c.counts.addN(new.status(), 1)
	c.required += int(new.required)
	c.signed += int(new.signed)

	// A plan's first submission is fixed; it leaves the on-time count only if withdrawn.
	oldLive, newLive := old.live(), new.live()
	if old.counted {
		a.cells[old.key].assuredLive -= b2i(oldLive && old.assured.set)
	}
	c.assuredLive += b2i(newLive && new.assured.set)
	if oldLive != newLive || old.key != new.key || old.submitted != new.submitted {
		if oldLive {
			a.cells[old.key].submitted.remove(float64(old.submitted.sec))
		}
		if newLive {
			c.submitted.insert(float64(new.submitted.sec))
		}
	}

	// A plan's days are fixed once it is first assured, so this is normally one insertion per plan.
	oldDays, hadDays := old.days()
	newDays, hasDays := new.days()
	if hadDays == hasDays && oldDays == newDays && old.key == new.key {
		return
	}
	if hadDays {
		a.cells[old.key].days.remove(oldDays)
		a.shaDays[old.key.sha].remove(oldDays)
	}
	if hasDays {
		c.days.insert(newDays)
		s := a.shaDays[new.key.sha]
		if s == nil {
			s = &sortedFloats{}
			a.shaDays[new.key.sha] = s
		}
		s.insert(newDays)
	}
}

// sortedFloats is a multiset of floats kept in order, in blocks so that an insertion moves at most a
// block's worth of memory (a single sorted slice of 100,000 values would move ~400 KB on average).
type sortedFloats struct {
	blocks [][]float64 // each sorted, non-empty, and every value <= every value of the next block
	n      int
}

const sortedBlockMax = 512

// block returns the index of the first block whose last value is >= x (the one holding x's first
// occurrence, if any), or the last block if none is.
func (s *sortedFloats) block(x float64) int {
	i := sort.Search(len(s.blocks), func(i int) bool { b := s.blocks[i]; return b[len(b)-1] >= x })
	return min(i, len(s.blocks)-1)
}

func (s *sortedFloats) insert(x float64) {
	s.n++
	if len(s.blocks) == 0 {
		s.blocks = [][]float64{{x}}
		return
	}
	i := s.block(x)
	b := s.blocks[i]
	j := sort.SearchFloat64s(b, x)
	b = append(b, 0)
	copy(b[j+1:], b[j:])
	b[j] = x
	if len(b) <= sortedBlockMax {
		s.blocks[i] = b
		return
	}
	half := len(b) / 2
	lo, hi := b[:half:half], append([]float64(nil), b[half:]...)
	s.blocks = append(s.blocks, nil)
	copy(s.blocks[i+2:], s.blocks[i+1:])
	s.blocks[i], s.blocks[i+1] = lo, hi
}

// remove deletes one occurrence of x, reporting whether there was one.
func (s *sortedFloats) remove(x float64) bool {
	if s == nil || len(s.blocks) == 0 {
		return false
	}
	i := s.block(x)
	b := s.blocks[i]
	j := sort.SearchFloat64s(b, x)
	if j == len(b) || b[j] != x {
		return false
	}
	s.n--
	b = append(b[:j], b[j+1:]...)
	if len(b) == 0 {
		s.blocks = append(s.blocks[:i], s.blocks[i+1:]...)
	} else {
		s.blocks[i] = b
	}
	return true
}

// below counts the values less than x.
func (s *sortedFloats) below(x float64) int {
	n := 0
	for _, b := range s.blocks {
		if b[len(b)-1] < x {
			n += len(b)
			continue
		}
		return n + sort.SearchFloat64s(b, x)
	}
	return n
}

// atMost counts the values less than or equal to x.
func (s *sortedFloats) atMost(x float64) int {
	n := 0
	for _, b := range s.blocks {
		if b[len(b)-1] <= x {
			n += len(b)
			continue
		}
		return n + sort.Search(len(b), func(i int) bool { return b[i] > x })
	}
	return n
}

// kth returns the k-th smallest value, from 0.
func (s *sortedFloats) kth(k int) float64 {
	for _, b := range s.blocks {
		if k < len(b) {
			return b[k]
		}
		k -= len(b)
	}
	panic("projections: kth beyond the multiset")
}

// median is median() of the values, computed the same way; ok is false when there are none.
func (s *sortedFloats) median() (m float64, ok bool) {
	if s == nil || s.n == 0 {
		return 0, false
	}
	if s.n%2 == 1 {
		return s.kth(s.n / 2), true
	}
	return (s.kth(s.n/2-1) + s.kth(s.n/2)) / 2, true
}

// plus adds o's counts to c.
func (c *Counts) plus(o Counts) {
	c.Plans += o.Plans
	c.Submitted += o.Submitted
	c.SignedOff += o.SignedOff
	c.Assured += o.Assured
	c.AssuredWithConditions += o.AssuredWithConditions
	c.NotAssured += o.NotAssured
	c.Acknowledged += o.Acknowledged
	c.Withdrawn += o.Withdrawn
}

// statusField returns the counter of status s, or nil for a status the report does not break out.
func (c *Counts) statusField(s domain.Status) *int {
	switch s {
	case domain.StatusSubmitted:
		return &c.Submitted
	case domain.StatusSignedOff:
		return &c.SignedOff
	case domain.StatusAssured:
		return &c.Assured
	case domain.StatusAssuredWithConditions:
		return &c.AssuredWithConditions
	case domain.StatusNotAssured:
		return &c.NotAssured
	case domain.StatusAcknowledged:
		return &c.Acknowledged
	case domain.StatusWithdrawn:
		return &c.Withdrawn
	}
	return nil
}
