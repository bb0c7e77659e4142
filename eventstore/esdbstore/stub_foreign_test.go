package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// TestStubReadsPastAnotherLedgersEvents: a prefixed ledger's Head and ReadAll on a server where
// another ledger wrote many events since cost requests in proportion to those events divided by
// readPage, not by the page the caller asked for (a feed page of 10 once took 2,001 requests
// over 20,000 foreign events).
func TestStubReadsPastAnotherLedgersEvents(t *testing.T) {
	t.Parallel()
	const foreign = 5000
	log := newStubLog()
	node := startStub(t, log)
	a := node.open(t, Options{StreamPrefix: "ledger-a."})
	ctx := t.Context()
	first, err := a.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
	require.NoError(t, err)
	for range foreign {
		log.add("ledger-b.plan-9", "PlanRevised", []byte(`{"x":"y"}`))
	}
	last, err := a.Append(ctx, "plan-1", eventstore.Exact(0), ev(10))
	require.NoError(t, err)
	for range foreign {
		log.add("ledger-b.plan-9", "PlanRevised", []byte(`{"x":"y"}`))
	}
	// Full pages over the foreign events passed, and a few more to get there or to end.
	most := func(passed int) int { return passed/readPage + 3 }

	before := node.count("read all")
	head, err := a.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, last.Position, head)
	assert.LessOrEqual(t, node.count("read all")-before, most(foreign), "Head's requests")

	tests := []struct {
		name  string
		after eventstore.Position
		limit int
		want  []eventstore.Position
	}{
		{"a page of 10 across foreign events", first.Position, 10, []eventstore.Position{last.Position}},
		{"a page of 1 across foreign events", first.Position, 1, []eventstore.Position{last.Position}},
		{"a page of 10 after the ledger's last event", last.Position, 10, nil},
		{"everything", 0, 0, []eventstore.Position{first.Position, last.Position}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := node.count("read all")
			got, err := a.ReadAll(ctx, tt.after, tt.limit)
			require.NoError(t, err)
			var pos []eventstore.Position
			for _, e := range got {
				pos = append(pos, e.Position)
			}
			assert.Equal(t, tt.want, pos)
			assert.LessOrEqual(t, node.count("read all")-before, most(2*foreign), "ReadAll's requests")
		})
	}
}
