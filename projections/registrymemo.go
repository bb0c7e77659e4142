package projections

import (
	"sort"
	"sync"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// registryMemo keeps the last registry folded "as of" a position. Folding the registry is most of
// what a report as of the head costs (every organisation's name key is normalised again), and the
// registry as of any position is the registry after the last registry event at or before it: the
// same for every position until the next registry event, however many plan events come between.
// What it hands out is shared, so callers only read it, as they do any registry as of a past point.
type registryMemo struct {
	mu   sync.Mutex
	n    int                 // registry events folded
	last eventstore.Position // position of the last of them
	reg  *domain.Registry
}

// at is the registry made of the events of log up to pos, folded once per distinct prefix.
func (m *registryMemo) at(log []positioned, pos eventstore.Position) (*domain.Registry, error) {
	n := sort.Search(len(log), func(i int) bool { return log[i].position > pos })
	var last eventstore.Position
	if n > 0 {
		last = log[n-1].position
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reg != nil && m.n == n && m.last == last {
		return m.reg, nil
	}
	reg, err := foldRegistry(log[:n], pos)
	if err != nil {
		return nil, err
	}
	m.n, m.last, m.reg = n, last, reg
	return reg, nil
}
