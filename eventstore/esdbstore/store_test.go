package esdbstore

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// These tests use the real client against an address where nothing listens: they need no server,
// and show what the store does when there is none.

// unreachable returns a connection string to a local port that refuses connections.
func unreachable(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // free again: connections are refused
	return "esdb://" + addr + "?tls=false&maxDiscoverAttempts=1&discoveryInterval=1&gossipTimeout=1"
}

func openUnreachable(t *testing.T, retries int) *Store {
	t.Helper()
	s, err := Open(unreachable(t), Options{Retries: retries, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	require.NoError(t, err, "Open makes no request")
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpenRefusesInvalidConnectionStrings(t *testing.T) {
	_, err := Open("esdb://admin:secret@localhost:2113?tls=false", Options{})
	require.ErrorIs(t, err, ErrConnString)
	assert.NotContains(t, err.Error(), "secret")

	_, err = Open("esdb://localhost:2113?tlsCAFile=/nonexistent/ca.crt", Options{})
	require.ErrorIs(t, err, ErrConnString, "the client reads the CA file while parsing")
	assert.Contains(t, err.Error(), "/nonexistent/ca.crt")
}

func TestEveryCallFailsUnavailableWithoutAServer(t *testing.T) {
	s := openUnreachable(t, 1)
	assert.Equal(t, eventstore.Health{}, s.status.get(), "nothing tried yet")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	calls := map[string]func() error{
		"ping":        func() error { return s.Ping(ctx) },
		"head":        func() error { _, err := s.Head(ctx); return err },
		"read all":    func() error { _, err := s.ReadAll(ctx, 0, 10); return err },
		"read stream": func() error { _, err := s.ReadStream(ctx, "acct", 0, 10); return err },
		"append": func() error {
			_, err := s.Append(ctx, "acct", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "E"})
			return err
		},
		"append any": func() error {
			_, err := s.Append(ctx, "acct", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "E"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.ErrorIs(t, err, eventstore.ErrUnavailable)
			assert.NotErrorIs(t, err, ErrConnString)
		})
	}
	st := s.Health()
	assert.False(t, st.Connected)
	assert.NotEmpty(t, st.LastError)
	assert.NotZero(t, st.Reconnects, "the client that gave up was replaced")
}

func TestSubscribeKeepsTryingWithoutAServer(t *testing.T) {
	s := openUnreachable(t, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ended := make(chan error, 1)
	go func() {
		for _, err := range s.Subscribe(ctx, 0) {
			ended <- err
			return
		}
	}()
	require.Eventually(t, func() bool { return s.Health().LastError != "" }, 20*time.Second, 5*time.Millisecond)
	select {
	case err := <-ended:
		t.Fatalf("the subscription gave up: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-ended:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(20 * time.Second):
		t.Fatal("the subscription did not end with its context")
	}
}

func TestClosedStore(t *testing.T) {
	s := openUnreachable(t, 0)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close is harmless")
	ctx := t.Context()

	_, err := s.Append(ctx, "acct", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "E"})
	assert.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.ReadStream(ctx, "acct", 0, 0)
	assert.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.ReadAll(ctx, 0, 0)
	assert.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.Head(ctx)
	assert.ErrorIs(t, err, eventstore.ErrClosed)
	assert.ErrorIs(t, s.Ping(ctx), eventstore.ErrClosed)
	for _, err := range s.Subscribe(ctx, 0) {
		assert.ErrorIs(t, err, eventstore.ErrClosed)
	}
}

func TestCallsAnswerWithoutTheServerWhenTheyCan(t *testing.T) {
	s := openUnreachable(t, 0)
	ctx := t.Context()

	// Refused before any request, as every store refuses them.
	_, err := s.Append(ctx, "$all", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "E"})
	assert.ErrorIs(t, err, eventstore.ErrInvalidAppend)
	_, err = s.Append(ctx, "acct", eventstore.ExpectedRevision{}, eventstore.Event{ID: uuid.New(), Type: "E"})
	assert.ErrorIs(t, err, eventstore.ErrInvalidAppend)

	// Nothing can be there.
	for _, stream := range []string{"", "$all", "$$acct", "ac\x00ct"} {
		evs, err := s.ReadStream(ctx, stream, 0, 0)
		assert.NoError(t, err, "%q", stream)
		assert.Empty(t, evs)
	}
	evs, err := s.ReadStream(ctx, "acct", maxRevision+1, 0)
	assert.NoError(t, err)
	assert.Empty(t, evs)
	evs, err = s.ReadAll(ctx, maxPosition, 0)
	assert.NoError(t, err)
	assert.Empty(t, evs)

	// The caller's context first.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Append(cctx, "acct", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "E"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadAll(cctx, 0, 0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadStream(cctx, "acct", 0, 0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Head(cctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, errors.Is(s.Ping(cctx), context.Canceled))
	assert.Equal(t, eventstore.Health{}, s.status.get(), "none of these reached for the server")
}

func TestVersionSupported(t *testing.T) {
	cases := []struct {
		major, minor int
		want         bool
	}{
		{24, 10, true}, {23, 10, true}, {22, 10, true}, {22, 6, true},
		{22, 5, false}, {21, 10, false}, {20, 10, false}, {0, 0, false},
		{25, 0, true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, versionSupported(tc.major, tc.minor), "%d.%d", tc.major, tc.minor)
	}
}
