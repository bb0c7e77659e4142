package projections

import "slices"

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
