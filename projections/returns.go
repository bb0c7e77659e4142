package projections

import (
	"context"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// The SHAs' returns to CfH: each SHA's, and CfH's report over them.

// SHAReturns is an SHA's returns for each round covered.
type SHAReturns struct {
	SHACode    string            `json:"sha_code"`
	Name       string            `json:"name"`
	Rounds     []SHARoundReturns `json:"rounds"`
	LatenessOn domain.Date       `json:"lateness_on"`
	Cut
}

// SHARoundReturns is an SHA's returns for one round: how they stand, and every return, oldest
// first, the last in force.
type SHARoundReturns struct {
	Status  ReturnStatus `json:"status"`
	Returns []ReturnView `json:"returns"`
	// Stale says the return in force no longer holds (domain.Stale), and StaleReasons why, one per
	// plan or LHC that moved on: CfH cannot acknowledge it, and an acknowledgement given before is
	// of what no longer stands.
	Stale        bool                `json:"stale"`
	StaleReasons []domain.FieldError `json:"stale_reasons"`
}

// ReturnView is one return as recorded, and whether a later one supersedes it.
type ReturnView struct {
	domain.ReturnRecord
	Superseded bool `json:"superseded"`
}

// SHAReturns returns SHA code's returns for round, or for every published round if round is "".
// false: no such SHA.
func (p *Projector) SHAReturns(code, round string) (SHAReturns, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	r, ok := shaReturns(p.registry, p.returns, p.staleLocked(p.registry, p.returns), registeredOn(p.registryLog, code), code, round, p.today())
	if ok {
		r.Cut = p.cutLocked(Latest)
	}
	return r, ok
}

// SHAReturnsAsOf is SHAReturns as the ledger stood once the event at pos had been recorded, lateness
// measured on the day of at (zero: of the cut's as_of).
func (p *Projector) SHAReturnsAsOf(ctx context.Context, code, round string, pos eventstore.Position, at time.Time) (SHAReturns, bool, error) {
	cut := p.CutAt(pos)
	pos = cut.AsOfPosition
	reg, err := p.registryAt(pos)
	if err != nil {
		return SHAReturns{}, false, err
	}
	returns, err := p.returnsAt(pos)
	if err != nil {
		return SHAReturns{}, false, err
	}
	if at.IsZero() {
		at = cut.AsOf
	}
	stale, err := p.staleAt(ctx, reg, returns, pos)
	if err != nil {
		return SHAReturns{}, false, err
	}
	p.mu.RLock()
	registered := registeredOn(p.registryLog, code)
	p.mu.RUnlock()
	r, ok := shaReturns(reg, returns, stale, registered, code, round, domain.DateOf(at.UTC()))
	if ok {
		r.Cut = cut
	}
	return r, ok, nil
}

func shaReturns(reg *domain.Registry, returns map[string]*domain.SHAReturn, stale map[string][]domain.FieldError, registered domain.Date, code, round string, on domain.Date) (SHAReturns, bool) {
	sha, ok := reg.Organisation(code)
	if !ok || sha.Kind != domain.KindSHA {
		return SHAReturns{}, false
	}
	out := SHAReturns{SHACode: code, Name: sha.Name, Rounds: []SHARoundReturns{}, LatenessOn: on}
	for _, rd := range reg.Rounds() {
		if round != "" && rd.Round != round {
			continue
		}
		id := domain.ReturnID(code, rd.Round)
		r := returns[id]
		rr := SHARoundReturns{Status: returnStatus(r, rd, registered, on), Returns: []ReturnView{}, StaleReasons: nonNil(stale[id])}
		rr.Stale = len(rr.StaleReasons) > 0
		if r != nil {
			all := r.Returns()
			for i, x := range all {
				rr.Returns = append(rr.Returns, ReturnView{ReturnRecord: x, Superseded: i < len(all)-1})
			}
		}
		out.Rounds = append(out.Rounds, rr)
	}
	return out, true
}

// CfHReturnsFilter selects what the report on the SHAs' returns covers: a round ("" every
// published one), as of a position (0: now), lateness measured on the day of At (zero: today
// without AsOf, else the cut's as_of).
type CfHReturnsFilter struct {
	Round string
	AsOf  eventstore.Position
	At    time.Time
}

// CfHReturnsReport is CfH's view of the SHAs' returns: for each SHA and round, whether the return
// is in, on time, acknowledged, and what it accounts for.
type CfHReturnsReport struct {
	Round string `json:"round"` // "all" when not filtered
	Cut
	LatenessOn domain.Date    `json:"lateness_on"`
	Rows       []CfHReturnRow `json:"returns"`
}

// CfHReturnRow is one SHA's return for one round.
type CfHReturnRow struct {
	SHACode string `json:"sha_code"`
	Name    string `json:"name"`
	Round   string `json:"round"`
	PfIT    string `json:"pfit"` // the SHA's programme for IT, if assigned
	ReturnStatus
	// LHCs counts the SHA's LHCs; LHCsCovered those the return in force accounts for by an
	// assured plan, Exceptions those it accounts for by an exception.
	LHCs        int `json:"lhcs"`
	LHCsCovered int `json:"lhcs_covered"`
	Exceptions  int `json:"exceptions"`
	// ExceptionReasons are the return in force's exceptions: the LHCs it accounts for without an
	// assured plan, and why.
	ExceptionReasons []domain.ReturnException `json:"exception_reasons"`
	// Stale says the return in force no longer holds at the report's position, StaleReasons why
	// (SHARoundReturns.Stale).
	Stale        bool                `json:"stale"`
	StaleReasons []domain.FieldError `json:"stale_reasons"`
}

// CfHReturns is the report on the SHAs' returns.
func (p *Projector) CfHReturns(ctx context.Context, f CfHReturnsFilter) (CfHReturnsReport, error) {
	p.mu.RLock()
	pos := f.AsOf
	current := pos == 0 || pos >= p.appliedPos
	if current {
		pos = p.appliedPos
	}
	cut := p.cutLocked(pos)
	p.mu.RUnlock()
	rep := CfHReturnsReport{Round: f.Round, Cut: cut, Rows: []CfHReturnRow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	at := f.At
	if at.IsZero() {
		// Now only when no as_of was asked: an answer as of a position is the same whatever the day.
		at = cut.AsOf
		if f.AsOf == 0 {
			at = p.now()
		}
	}
	rep.LatenessOn = domain.DateOf(at.UTC())
	var (
		reg     *domain.Registry
		returns map[string]*domain.SHAReturn
		stale   map[string][]domain.FieldError
		err     error
	)
	if current {
		// The live state, if nothing was applied since the cut was taken; else the cut's, refolded.
		p.mu.RLock()
		if p.appliedPos == pos {
			defer p.mu.RUnlock()
			reg, returns = p.registry, p.returns
			stale = p.staleLocked(reg, returns)
		} else {
			p.mu.RUnlock()
			current = false
		}
	}
	if !current {
		if reg, err = p.registryAt(pos); err != nil {
			return CfHReturnsReport{}, err
		}
		if returns, err = p.returnsAt(pos); err != nil {
			return CfHReturnsReport{}, err
		}
		if stale, err = p.staleAt(ctx, reg, returns, pos); err != nil {
			return CfHReturnsReport{}, err
		}
		// The registry's events are only appended to: the slice read now holds every SHA's
		// registration by pos.
		p.mu.RLock()
		defer p.mu.RUnlock()
	}
	lhcs := reg.LHCsPerSHA()
	for _, rd := range reg.Rounds() {
		if f.Round != "" && rd.Round != f.Round {
			continue
		}
		for _, o := range reg.Organisations() {
			if o.Kind != domain.KindSHA {
				continue
			}
			id := domain.ReturnID(o.ODSCode, rd.Round)
			r := returns[id]
			row := CfHReturnRow{SHACode: o.ODSCode, Name: o.Name, Round: rd.Round, LHCs: lhcs[o.ODSCode],
				ReturnStatus: returnStatus(r, rd, registeredOn(p.registryLog, o.ODSCode), rep.LatenessOn), StaleReasons: nonNil(stale[id])}
			row.Stale = len(row.StaleReasons) > 0
			row.ExceptionReasons = []domain.ReturnException{}
			if pf, ok := reg.PfITOf(o.ODSCode); ok {
				row.PfIT = pf.PfITID
			}
			if r != nil {
				if latest, ok := r.Latest(); ok {
					row.LHCsCovered, row.Exceptions = len(latest.Plans), len(latest.Exceptions)
					row.ExceptionReasons = latest.Exceptions
				}
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	return rep, nil
}
