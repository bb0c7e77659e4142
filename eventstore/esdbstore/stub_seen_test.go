package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// TestStubReadAllFromASeenEvent: "from position P on" (after = P-1), where the store has itself
// read, received or written the event at P, reads from P in one request: no refused read for the
// server to log.
func TestStubReadAllFromASeenEvent(t *testing.T) {
	tests := []struct {
		name string
		see  func(t *testing.T, s *Store, want []eventstore.RecordedEvent)
	}{
		{"read", func(t *testing.T, s *Store, _ []eventstore.RecordedEvent) {
			_, err := s.ReadAll(t.Context(), 0, 0)
			require.NoError(t, err)
		}},
		{"received on a subscription", func(t *testing.T, s *Store, want []eventstore.RecordedEvent) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			n := 0
			for _, err := range s.Subscribe(ctx, 0) {
				require.NoError(t, err)
				if n++; n == len(want) {
					break
				}
			}
		}},
		{"written", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			writer := node.open(t, Options{})
			for range 3 {
				_, err := writer.Append(t.Context(), "plan-1", eventstore.Any, ev(10))
				require.NoError(t, err)
			}
			all, err := node.open(t, Options{}).ReadAll(t.Context(), 0, 0)
			require.NoError(t, err)
			s := writer
			if tt.see != nil {
				s = node.open(t, Options{})
				tt.see(t, s, all)
			}
			for i, e := range all {
				reads := node.count("read all")
				got, err := s.ReadAll(t.Context(), e.Position-1, 0)
				require.NoError(t, err)
				assert.Equal(t, all[i:], got)
				assert.Equal(t, 1, node.count("read all")-reads, "from P straight away")
			}
		})
	}
}
