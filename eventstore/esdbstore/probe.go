package esdbstore

import (
	"context"
	"fmt"

	"assurance-ledger/eventstore"
)

// Health reports the connection's state, for /readyz and /metrics. What the last request learnt
// stands while it is recent (Options.ProbeInterval); older, the server is asked again, for at most
// Options.ProbeTimeout, so that the state follows the server even when nothing else asks it: an
// idle instance becomes ready again when its database comes back, and unready when it goes. Any
// answer of the server counts as connected, a refusal as much as an event. Reconnects count
// subscriptions resumed and clients replaced.
func (s *Store) Health() eventstore.Health {
	if !s.isClosed() && s.status.stale(s.opts.ProbeInterval) {
		s.probe()
	}
	return s.status.get()
}

// probe asks the server for the newest event of $all. Concurrent callers wait for one probe and
// share its answer.
func (s *Store) probe() {
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	if !s.status.stale(s.opts.ProbeInterval) {
		return // another caller's probe has just answered
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ProbeTimeout)
	defer cancel()
	c, err := s.attempt(ctx, readNewest)
	switch {
	case err == nil:
		s.answered()
	case s.isClosed():
	case ctx.Err() != nil:
		// No answer before the probe's own time ran out.
		s.unanswered(c, failTransient, fmt.Errorf("esdbstore: no answer to a probe within %s", s.opts.ProbeTimeout))
	default:
		s.observe(c, err)
	}
}
