package projections

import (
	"math"
	"sort"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// ReportFilter selects what the transparency report covers. Zero AsOf means the current state.
type ReportFilter struct {
	SHA, Round string
	AsOf       eventstore.Position
}

// Counts holds the number of plans and how many are in each status.
type Counts struct {
	Plans                 int `json:"plans"`
	Submitted             int `json:"submitted"`
	SignedOff             int `json:"signed_off"`
	Assured               int `json:"assured"`
	AssuredWithConditions int `json:"assured_with_conditions"`
	NotAssured            int `json:"not_assured"`
	Acknowledged          int `json:"acknowledged"`
	Withdrawn             int `json:"withdrawn"`
}

func (c *Counts) add(s domain.Status) { c.addN(s, 1) }

// addN counts n more plans (n may be negative) in status s.
func (c *Counts) addN(s domain.Status, n int) {
	c.Plans += n
	if f := c.statusField(s); f != nil {
		*f += n
	}
}

// ByStatus returns the count for one status.
func (c Counts) ByStatus(s domain.Status) int {
	if n := c.statusField(s); n != nil {
		return *n
	}
	return 0
}

// SHARow is one SHA's line of the report.
type SHARow struct {
	SHACode string `json:"sha_code"`
	Name    string `json:"name"`
	Counts
	// SROSignOffRate is the share of required SRO sign-offs given on the current versions of the
	// SHA's live plans (not withdrawn); null when no plan needs one.
	SROSignOffRate *float64 `json:"sro_signoff_rate"`
	// MedianDaysSubmitToAssurance is the median, over plans that have been assured (with or without
	// conditions), of the days from first submission to first such assurance; null when none has.
	MedianDaysSubmitToAssurance *float64 `json:"median_days_submit_to_assurance"`
}

// Report is the governance transparency report.
type Report struct {
	Round string `json:"round"` // "all" when not filtered
	Cut
	Totals Counts   `json:"totals"`
	BySHA  []SHARow `json:"by_sha"`
}

type shaAcc struct {
	row              SHARow
	required, signed int
	days             []float64     // collected by a scan
	sorted           *sortedFloats // or kept by the aggregates
}

// Report computes the transparency report as of f.AsOf (or now). Every SHA registered by then has a
// row, with zero counts if it has no plans.
func (p *Projector) Report(f ReportFilter) Report {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.report(f, false)
}

// report computes the report with p.mu held, from the aggregates when it is of the current state
// unless scan asks for a walk over every plan (the reference the aggregates are tested against).
func (p *Projector) report(f ReportFilter, scan bool) Report {
	// appliedPos, exact under p.mu, rather than progress, which moves just after the applier lets
	// go of mu: a reader let in between would otherwise miss the running sums and scan every plan.
	pos := f.AsOf
	if pos == 0 || pos > p.appliedPos {
		pos = p.appliedPos
	}
	rep := Report{Round: f.Round, Cut: p.cutLocked(pos), BySHA: []SHARow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	accs := map[string]*shaAcc{}
	for _, code := range sortedKeys(p.shaSince) {
		if p.shaSince[code] > pos || (f.SHA != "" && code != f.SHA) {
			continue
		}
		org, _ := p.registry.Organisation(code)
		accs[code] = &shaAcc{row: SHARow{SHACode: code, Name: org.Name}}
	}
	if pos >= p.appliedPos && !scan {
		// The report as the projections stand: the running sums of every (SHA, round) cell.
		p.reportCells(f, &rep, accs)
	} else {
		p.reportScan(f, pos, &rep, accs)
	}
	for _, code := range sortedKeys(accs) {
		acc := accs[code]
		if acc.required > 0 {
			rate := round(float64(acc.signed)/float64(acc.required), 4)
			acc.row.SROSignOffRate = &rate
		}
		if acc.sorted != nil {
			if m, ok := acc.sorted.median(); ok {
				m = round(m, 1)
				acc.row.MedianDaysSubmitToAssurance = &m
			}
		} else if len(acc.days) > 0 {
			m := round(median(acc.days), 1)
			acc.row.MedianDaysSubmitToAssurance = &m
		}
		rep.BySHA = append(rep.BySHA, acc.row)
	}
	return rep
}

// reportCells fills the report from the aggregates: O(SHAs x rounds), whatever the number of plans.
func (p *Projector) reportCells(f ReportFilter, rep *Report, accs map[string]*shaAcc) {
	for key, c := range p.aggs.cells {
		if (f.SHA != "" && key.sha != f.SHA) || (f.Round != "" && key.round != f.Round) {
			continue
		}
		rep.Totals.plus(c.counts)
		acc := accs[key.sha]
		if acc == nil {
			continue
		}
		acc.row.Counts.plus(c.counts)
		acc.required += c.required
		acc.signed += c.signed
		if f.Round != "" {
			acc.sorted = &c.days
		}
	}
	if f.Round == "" {
		for sha, acc := range accs {
			acc.sorted = p.aggs.shaDays[sha]
		}
	}
}

// reportScan fills the report from every plan's summary as of pos: the "as of" report, and the
// reference the aggregates are tested against.
func (p *Projector) reportScan(f ReportFilter, pos eventstore.Position, rep *Report, accs map[string]*shaAcc) {
	for _, v := range p.order {
		if (f.SHA != "" && v.sha != f.SHA) || (f.Round != "" && v.plan.Round() != f.Round) {
			continue
		}
		s, ok := v.at(pos)
		if !ok {
			continue
		}
		rep.Totals.add(s.status())
		acc := accs[v.sha]
		if acc == nil {
			continue
		}
		acc.row.Counts.add(s.status())
		acc.required += int(s.required)
		acc.signed += int(s.signed)
		if d, ok := s.days(); ok {
			acc.days = append(acc.days, d)
		}
	}
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func round(x float64, places int) float64 {
	f := math.Pow10(places)
	return math.Round(x*f) / f
}
