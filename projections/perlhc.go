package projections

import "assurance-ledger/domain"

// The delivery and funding reports count each LHC once. Asked for one round they count its live
// plans, one per LHC; asked for every round ("all"), they count each LHC's plan of the latest round
// in which it has a live plan, since a later round's plan restates the roadmap, money and staff of
// the earlier one: adding both counted ten LHCs of the demo twice in plans and share_live, and
// their money twice (Oxfordshire's 2010: 1,580,000 and 998,000). The transparency report's
// indicators keep their own rule (indicators.go).

// latestPerLHC gathers one value per LHC (per plan when a round is asked for), in the order first
// seen, keeping the value of the LHC's latest round.
type latestPerLHC[T any] struct {
	allRounds bool
	index     map[string]int
	rounds    []string
	shas      []string
	values    []T
}

func newLatestPerLHC[T any](round string) *latestPerLHC[T] {
	return &latestPerLHC[T]{allRounds: round == "", index: map[string]int{}}
}

// offer records v, the value of plan of SHA sha, unless the LHC has one of a later round.
func (l *latestPerLHC[T]) offer(sha string, plan *domain.Plan, v T) {
	key := plan.ID()
	if l.allRounds {
		key = plan.LHCID()
	}
	i, seen := l.index[key]
	switch {
	case !seen:
		l.index[key] = len(l.values)
		l.rounds, l.shas, l.values = append(l.rounds, plan.Round()), append(l.shas, sha), append(l.values, v)
	case plan.Round() > l.rounds[i]: // round names are "2009-10", "2010-11": they sort as they follow
		l.rounds[i], l.shas[i], l.values[i] = plan.Round(), sha, v
	}
}

// each calls fn with each value kept and its SHA, in the order first seen.
func (l *latestPerLHC[T]) each(fn func(sha string, v T)) {
	for i, v := range l.values {
		fn(l.shas[i], v)
	}
}
