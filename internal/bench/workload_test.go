package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The workload can record the events asked for: it is scaled by the plans it makes itself, which
// have fewer events than the demo's (a 1M-event bench once stopped at 555k, every LHC's rounds
// used up).
func TestTheWorkloadHoldsTheEventsAskedFor(t *testing.T) {
	for _, events := range []int{20_000, 1_000_000} {
		w, err := newWorkload(7, events, 0)
		require.NoError(t, err)
		// Counted over another spread of plans than the one the scale was chosen by.
		n, plans := 0, 0
		for k := 3; k < w.maxPlans; k += max(1, w.maxPlans/97) {
			steps, err := w.plan(k)
			require.NoError(t, err)
			n += len(steps)
			plans++
		}
		capacity := len(w.registry) + n*w.maxPlans/plans
		assert.GreaterOrEqual(t, capacity, events, "%d events asked for", events)
		assert.Less(t, capacity, 3*events+len(w.registry), "scaled far beyond %d events", events)
	}
}
