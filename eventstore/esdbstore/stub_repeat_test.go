package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// TestStubRepeatedAppendWithoutAPosition: the stub answers a repeated append as the server may,
// without a position; the store reads the repeated events' last one back for it, so a retried
// command still learns where its events are in $all.
func TestStubRepeatedAppendWithoutAPosition(t *testing.T) {
	tests := []struct {
		name     string
		expected eventstore.ExpectedRevision
		later    bool // another append to the stream came between the two
	}{
		{"the stream's last append", eventstore.NoStream, false},
		{"an append since followed by another", eventstore.NoStream, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := startStub(t, newStubLog())
			s := node.open(t, Options{})
			ctx := t.Context()
			a, b := ev(10), ev(10)
			first, err := s.Append(ctx, "plan-1", tt.expected, a, b)
			require.NoError(t, err)
			if tt.later {
				_, err := s.Append(ctx, "plan-1", eventstore.Exact(1), ev(10))
				require.NoError(t, err)
			}
			reads := node.count("read stream")
			again, err := s.Append(ctx, "plan-1", tt.expected, a, b)
			require.NoError(t, err)
			assert.Equal(t, first, again, "the repeat answers as the first append did")
			assert.NotZero(t, again.Position)
			assert.Greater(t, node.count("read stream"), reads, "the position came from reading the event back")
		})
	}
}
