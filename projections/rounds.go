package projections

import (
	"slices"

	"assurance-ledger/domain"
)

// Rounds returns the planning rounds of every plan submitted, in order. It reads only each plan's
// round, so a round selector costs microseconds even over many thousands of plans.
func (p *Projector) Rounds() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	seen := map[string]bool{}
	out := []string{}
	for _, v := range p.order {
		if r := v.plan.Round(); r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// PublishedRounds returns every round the registry has published, by name.
func (p *Projector) PublishedRounds() []domain.Round {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Rounds()
}

// PublishedRound returns one published round.
func (p *Projector) PublishedRound(round string) (domain.Round, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Round(round)
}

// PfITs returns the programmes for IT, each with the SHAs assigned to it.
func (p *Projector) PfITs() []domain.PfIT {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.PfITs()
}
