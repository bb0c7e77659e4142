package esdbstore

import "time"

// backoff is the wait before retry number attempt+1: first doubled attempt times, at most limit. It is
// deterministic on purpose: one ledger process talks to the server, so there is no crowd of
// clients to spread out, and a fixed schedule is what the logs and tests can state.
func backoff(attempt int, first, limit time.Duration) time.Duration {
	d := first
	for range attempt {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return min(d, limit)
}
