package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// Stub-driven: what Health (hence /readyz and /metrics) says of the connection.

// down makes a node answer every request as a dead one does: unavailable, from the transport.
func down(node *stubNode) {
	node.setHook(func(stubCall) error {
		return status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp: connect: connection refused"`)
	})
}

// TestStubAnswersCountAsConnected: a request the server refused (timed out on its side, not
// ready, not the leader, a conflict) reached it: the store stays connected.
func TestStubAnswersCountAsConnected(t *testing.T) {
	for name, answer := range map[string]error{
		"server timeout":   status.Error(codes.Aborted, "Operation timed out: commit timeout"),
		"server not ready": status.Error(codes.Unavailable, "Server Is Not Ready"),
		"server too busy":  status.Error(codes.Unavailable, "Server Is Too Busy"),
	} {
		t.Run(name, func(t *testing.T) {
			node := startStub(t, newStubLog())
			s := node.open(t, Options{Retries: 1, ProbeInterval: time.Hour})
			require.NoError(t, s.Ping(t.Context()))
			node.setHook(func(c stubCall) error {
				if c.method == "append" {
					return answer
				}
				return nil
			})
			_, err := s.Append(t.Context(), "plan-1", eventstore.NoStream, ev(10))
			require.ErrorIs(t, err, eventstore.ErrUnavailable, "worth a retry later")
			assert.Equal(t, 2, node.count("append"), "retried")
			h := s.Health()
			assert.True(t, h.Connected)
			assert.Zero(t, h.Reconnects, "the client is not replaced for an answer")
		})
	}
}

// TestStubHealthFollowsTheServerWhenIdle: nothing but Health asks the server. It reports the
// server gone, then back, each within a probe.
func TestStubHealthFollowsTheServerWhenIdle(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{ProbeInterval: time.Millisecond, ProbeTimeout: 5 * time.Second})
	require.True(t, s.Health().Connected, "probed at once")

	down(node)
	time.Sleep(2 * time.Millisecond)
	h := s.Health()
	assert.False(t, h.Connected)
	assert.Contains(t, h.LastError, "connection refused")

	node.setHook(nil)
	time.Sleep(2 * time.Millisecond)
	require.Eventually(t, func() bool { return s.Health().Connected }, 10*time.Second, 2*time.Millisecond,
		"an idle store finds its server back without any other request")
	assert.Contains(t, s.Health().LastError, "connection refused", "the last error stays for the operator")
}

// TestStubHealthDoesNotAskWhileRequestsTell: a recent request's outcome stands; Health asks
// nothing then.
func TestStubHealthDoesNotAskWhileRequestsTell(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{ProbeInterval: time.Hour})
	require.NoError(t, s.Ping(t.Context()))
	before := node.count("read all")
	for range 5 {
		assert.True(t, s.Health().Connected)
	}
	assert.Equal(t, before, node.count("read all"))
}

// TestStubSubscriptionEventsShowTheServerIsBack: an instance whose only traffic is its
// subscription is connected again as soon as events arrive.
func TestStubSubscriptionEventsShowTheServerIsBack(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{ProbeInterval: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got := make(chan struct{}, 10)
	go func() {
		for _, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				return
			}
			got <- struct{}{}
		}
	}()
	log.add("plan-1", "PlanSubmitted", []byte(`{}`))
	<-got
	// The subscription's own messages (checkpoints, caught-up) may still mark the store connected
	// just after a failure is recorded: record it until Health has seen it.
	require.Eventually(t, func() bool {
		s.status.failed(status.Error(codes.Unavailable, "a request failed meanwhile"))
		return !s.Health().Connected
	}, 5*time.Second, 10*time.Millisecond, "a failed request shows the store disconnected")
	log.add("plan-1", "PlanRevised", []byte(`{}`))
	<-got
	assert.True(t, s.Health().Connected)
}
