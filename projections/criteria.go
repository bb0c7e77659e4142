package projections

import (
	"context"
	"maps"
	"slices"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// The criteria report: how the SHAs rated each criterion of the catalogue, so that one SHA's
// assurances can be compared with another's. It counts, for every plan not withdrawn, the latest
// assurance of any of its versions.

// CriteriaFilter selects what the criteria report covers; empty fields match everything, and a
// zero AsOf is now.
type CriteriaFilter struct {
	SHA, Round string
	AsOf       eventstore.Position
}

// CriteriaReport is green, amber and red ratings per SHA and criterion.
type CriteriaReport struct {
	Round string `json:"round"` // "all" when not filtered
	Cut
	// Criteria are the criteria counted, in catalogue order (the round's, or every published
	// round's in turn), then any criterion an assurance rated that no published catalogue lists
	// (an assurance of a log from before catalogues).
	Criteria []domain.CatalogueCriterion `json:"criteria"`
	BySHA    []CriteriaRow               `json:"by_sha"`
}

// CriteriaRow is one SHA's ratings.
type CriteriaRow struct {
	SHACode    string         `json:"sha_code"`
	Name       string         `json:"name"`
	Assurances int            `json:"assurances"` // plans counted: each plan's latest assurance
	Criteria   []RatingCounts `json:"criteria"`   // in the order of the report's Criteria
}

// RatingCounts is how many assurances rated one criterion green, amber and red.
type RatingCounts struct {
	ID    string `json:"id"`
	Green int    `json:"green"`
	Amber int    `json:"amber"`
	Red   int    `json:"red"`
}

// Criteria is the criteria report.
func (p *Projector) Criteria(ctx context.Context, f CriteriaFilter) (CriteriaReport, error) {
	p.mu.RLock()
	pos := f.AsOf
	current := pos == 0 || pos >= p.appliedPos
	if current {
		pos = p.appliedPos
	}
	cut := p.cutLocked(pos)
	views := p.viewsOfLocked(f.SHA, f.Round)
	p.mu.RUnlock()
	var err error
	if !current {
		if views, err = p.viewsAt(ctx, views, pos); err != nil {
			return CriteriaReport{}, err
		}
	}
	reg, err := p.registryAt(pos)
	if err != nil {
		return CriteriaReport{}, err
	}
	rep := CriteriaReport{Round: f.Round, Cut: cut, Criteria: []domain.CatalogueCriterion{}, BySHA: []CriteriaRow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	index := map[string]int{}
	addCriterion := func(c domain.CatalogueCriterion) {
		if _, ok := index[c.ID]; !ok {
			index[c.ID] = len(rep.Criteria)
			rep.Criteria = append(rep.Criteria, c)
		}
	}
	for _, rd := range reg.Rounds() {
		if f.Round == "" || rd.Round == f.Round {
			for _, c := range rd.Criteria {
				addCriterion(c)
			}
		}
	}
	type tally struct {
		assurances int
		counts     map[string]*RatingCounts
	}
	bySHA := map[string]*tally{}
	for _, o := range reg.Organisations() {
		if o.Kind == domain.KindSHA && (f.SHA == "" || o.ODSCode == f.SHA) {
			bySHA[o.ODSCode] = &tally{counts: map[string]*RatingCounts{}}
		}
	}
	// The live views are read under the lock the applier takes.
	p.mu.RLock()
	if views, err = p.settle(ctx, views, pos); err != nil {
		p.mu.RUnlock()
		return CriteriaReport{}, err
	}
	for _, v := range views {
		t := bySHA[v.sha]
		if t == nil || !v.plan.Exists() || v.plan.Withdrawn() {
			continue
		}
		var latest *domain.Assurance
		v.plan.VisitVersions(func(ver domain.Version) {
			if ver.Assurance != nil {
				latest = ver.Assurance
			}
		})
		if latest == nil {
			continue
		}
		t.assurances++
		for _, c := range latest.Criteria {
			addCriterion(domain.CatalogueCriterion{ID: c.ID, Title: c.ID})
			n := t.counts[c.ID]
			if n == nil {
				n = &RatingCounts{ID: c.ID}
				t.counts[c.ID] = n
			}
			switch c.Rating {
			case domain.RatingGreen:
				n.Green++
			case domain.RatingAmber:
				n.Amber++
			case domain.RatingRed:
				n.Red++
			}
		}
	}
	p.mu.RUnlock()
	for _, code := range slices.Sorted(maps.Keys(bySHA)) {
		t := bySHA[code]
		o, _ := reg.Organisation(code)
		row := CriteriaRow{SHACode: code, Name: o.Name, Assurances: t.assurances, Criteria: make([]RatingCounts, len(rep.Criteria))}
		for i, c := range rep.Criteria {
			row.Criteria[i] = RatingCounts{ID: c.ID}
			if n := t.counts[c.ID]; n != nil {
				row.Criteria[i] = *n
			}
		}
		rep.BySHA = append(rep.BySHA, row)
	}
	return rep, nil
}
