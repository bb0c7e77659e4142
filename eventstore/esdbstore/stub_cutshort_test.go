package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"assurance-ledger/eventstore"
)

// TestStubSizeRefusalWhileSending: the server refuses an append for its size while the client is
// still sending it, so the client's send ends (io.EOF) before any answer. gRPC's flow-control
// windows, fixed here at their 64 KiB minimum (a growing window would let the client send the
// whole append before the refusal, as TestStubServerSizeRefusals' "ended while sending" case
// sometimes does), keep the client sending: the store sends the append once more, as for a dropped
// connection, and takes the same end again as a refusal, not as the server being away.
func TestStubSizeRefusalWhileSending(t *testing.T) {
	log := newStubLog()
	node := startStubWith(t, log, grpc.InitialWindowSize(64<<10), grpc.InitialConnWindowSize(64<<10))
	node.maxAppendSize = 64 << 10
	s := node.open(t, Options{})
	_, err := s.Append(t.Context(), "plan-1", eventstore.NoStream, ev(300<<10), ev(300<<10), ev(300<<10))
	require.ErrorIs(t, err, eventstore.ErrInvalidAppend)
	require.NotErrorIs(t, err, eventstore.ErrUnavailable)
	assert.Equal(t, 2, node.count("append"), "cut short, then sent once more and cut short again")
	assert.Zero(t, s.Health().Reconnects, "the client is not replaced")
	assert.Empty(t, log.stream("plan-1"))
}
