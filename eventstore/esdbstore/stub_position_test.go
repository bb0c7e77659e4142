package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven: reading $all from positions that are not an event's. The stub refuses to start a
// read inside a record with the answer the server's read of $all gives, gRPC Unknown
// "Unexpected ReadAllResult: InvalidPosition" (or "…: Error"; see readAllResult).

// badReadResults are the results the server may name for a read inside a record.
var badReadResults = []string{"InvalidPosition", "Error"}

// TestStubReadAllFromJustBeforeAnEvent: "from position P on", asked as after = P-1 (the audit
// feed's from_position), reads from the event at P, although P-1 lies inside the record before.
func TestStubReadAllFromJustBeforeAnEvent(t *testing.T) {
	for _, result := range badReadResults {
		t.Run(result, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			node.badReadResult = result
			s := node.open(t, Options{})
			for range 4 {
				log.add("plan-1", "PlanRevised", []byte(`{}`))
			}
			all, err := s.ReadAll(t.Context(), 0, 0)
			require.NoError(t, err)
			require.Len(t, all, 4)

			for i, e := range all {
				// A store that has not seen the event: another instance, or one restarted since.
				s := node.open(t, Options{})
				reads := node.count("read all")
				got, err := s.ReadAll(t.Context(), e.Position-1, 0)
				require.NoError(t, err, "from position %d", e.Position)
				assert.Equal(t, all[i:], got)
				assert.Equal(t, 2, node.count("read all")-reads, "one refused read at P-1, one at P")

				got, err = s.ReadAll(t.Context(), e.Position-1, 1)
				require.NoError(t, err)
				assert.Equal(t, all[i:i+1], got, "the limit holds")
			}
		})
	}
}

// TestStubReadAllFromAForeignPosition: a position inside a record, not just before an event (a
// checkpoint written against another store), is refused with ErrInvalidPosition, which the tree
// and the projections take as "not this log" and rebuild from; one beyond the head reads nothing.
func TestStubReadAllFromAForeignPosition(t *testing.T) {
	for _, result := range badReadResults {
		t.Run(result, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			node.badReadResult = result
			s := node.open(t, Options{})
			for range 3 {
				log.add("plan-1", "PlanRevised", []byte(`{"a":"bcdefghijklmnop"}`))
			}
			all, err := s.ReadAll(t.Context(), 0, 0)
			require.NoError(t, err)
			inside := all[1].Position + 7
			_, err = s.ReadAll(t.Context(), inside, 10)
			require.ErrorIs(t, err, eventstore.ErrInvalidPosition)
			assert.NotErrorIs(t, err, eventstore.ErrUnavailable)
			assert.Contains(t, err.Error(), "Unexpected ReadAllResult: "+result, "the server's answer stays in the message")

			got, err := s.ReadAll(t.Context(), all[2].Position+1000, 10)
			require.NoError(t, err, "beyond the head: nothing to read")
			assert.Empty(t, got)
		})
	}
}
