package projections

import (
	"slices"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
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

// PublishedRoundsAsOf is PublishedRounds as the ledger stood once the event at pos had been recorded
// (Latest: now), with the cut it is of.
func (p *Projector) PublishedRoundsAsOf(pos eventstore.Position) ([]domain.Round, Cut, error) {
	var out []domain.Round
	cut, err := p.withRegistryAt(pos, func(r *domain.Registry) { out = r.Rounds() })
	return out, cut, err
}

// PublishedRoundAsOf is PublishedRound as the ledger stood once the event at pos had been recorded
// (Latest: now); false if the round was not published by then.
func (p *Projector) PublishedRoundAsOf(round string, pos eventstore.Position) (r domain.Round, found bool, cut Cut, err error) {
	cut, err = p.withRegistryAt(pos, func(reg *domain.Registry) { r, found = reg.Round(round) })
	return r, found, cut, err
}

// PfITsAsOf is PfITs as the ledger stood once the event at pos had been recorded (Latest: now), with
// the cut it is of.
func (p *Projector) PfITsAsOf(pos eventstore.Position) ([]domain.PfIT, Cut, error) {
	var out []domain.PfIT
	cut, err := p.withRegistryAt(pos, func(r *domain.Registry) { out = r.PfITs() })
	return out, cut, err
}
