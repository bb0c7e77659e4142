package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// Stub-driven: appends too large for the server are refused as such, once.

func TestAppendSize(t *testing.T) {
	e := eventstore.Event{Type: "Abc", Data: make([]byte, 100), Metadata: make([]byte, 20)}
	assert.Equal(t, 126, AppendSize([]eventstore.Event{e}))
	assert.Equal(t, 252, AppendSize([]eventstore.Event{e, e}), "the whole append, not one event")
	assert.Zero(t, AppendSize(nil))
}

// TestStubOversizedAppendIsNotSent: an append over MaxAppendSize (the whole append: each event
// alone is under it) is refused before anything is sent.
func TestStubOversizedAppendIsNotSent(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{})
	big := ev(DefaultMaxAppendSize / 2)
	_, err := s.Append(t.Context(), "plan-1", eventstore.Any, big, ev(DefaultMaxAppendSize/2))
	require.ErrorIs(t, err, eventstore.ErrTooLarge)
	require.ErrorIs(t, err, eventstore.ErrInvalidAppend)
	assert.Contains(t, err.Error(), "plan-1")
	assert.Zero(t, node.count("append"))
	assert.Zero(t, node.count("read stream"), "not even a look for its ids")
	assert.Empty(t, log.stream("plan-1"))

	_, err = s.Append(t.Context(), "plan-1", eventstore.Any, big)
	require.NoError(t, err, "each alone fits")
}

// TestStubServerSizeRefusals: the server refuses an append for its size in three ways: its own
// answer (Maximum Append Size … Exceeded), gRPC's message size limit, and, when it ends a large
// request while the client is still sending it, a bare EOF. Each is ErrInvalidAppend. The first two
// are sent once: the same request gets the same answer. The EOF is sent once more, since a dropped
// connection gives the same (TestStubConnectionDroppedDuringAnAppend), and refused again. The
// client is not replaced for any of them.
func TestStubServerSizeRefusals(t *testing.T) {
	cases := []struct {
		name     string
		limit    int   // the server's maximum append size (0: none)
		hook     error // the server's answer instead
		events   []eventstore.Event
		tooLarge bool // known to be a size refusal (else possibly the EOF)
		sends    int  // how many times at most the append is sent
	}{
		{"maximum append size", 1000, nil, []eventstore.Event{ev(400), ev(400), ev(400)}, true, 1},
		{"gRPC message limit", 0, status.Error(codes.ResourceExhausted, "grpc: received message larger than max (5000000 vs. 4194304)"), []eventstore.Event{ev(10)}, true, 1},
		// Large events: the server answers after the first, while the client still sends.
		{"ended while sending", 64 << 10, nil, []eventstore.Event{ev(300 << 10), ev(300 << 10), ev(300 << 10)}, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			node.maxAppendSize = tc.limit
			if tc.hook != nil {
				node.setHook(func(c stubCall) error {
					if c.method == "append" {
						return tc.hook
					}
					return nil
				})
			}
			s := node.open(t, Options{})
			_, err := s.Append(t.Context(), "plan-1", eventstore.NoStream, tc.events...)
			require.ErrorIs(t, err, eventstore.ErrInvalidAppend)
			require.NotErrorIs(t, err, eventstore.ErrUnavailable)
			if tc.tooLarge {
				require.ErrorIs(t, err, eventstore.ErrTooLarge)
			}
			// Cut short, the append is sent again, and the second refusal may reach the client
			// as the server's answer rather than as an EOF, as the first may: whether the client
			// is still sending when the server refuses is up to gRPC's buffers.
			assert.GreaterOrEqual(t, node.count("append"), 1)
			assert.LessOrEqual(t, node.count("append"), tc.sends)
			assert.Zero(t, s.Health().Reconnects, "the client is not replaced")
			assert.Empty(t, log.stream("plan-1"))
		})
	}
}
