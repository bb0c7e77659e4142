package esdbstore_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/esdbstore"
	"assurance-ledger/eventstore/storetest"
)

// The tests in this file need a real EventStoreDB (22.6 or later; docker compose up eventstore
// starts one). Each skips unless LEDGER_TEST_ESDB holds a connection string: no server is
// simulated anywhere. The server is shared by every test and never empty, so the contract suite
// runs in its shared mode (storetest.Harness.Shared): run it against a server nothing else
// writes to meanwhile.

const envVar = "LEDGER_TEST_ESDB"

// reach is whether the server LEDGER_TEST_ESDB names answers, asked once for the whole run: a
// server that does not answer fails the first test that needs it, and only that one, instead of
// every test waiting out its retries.
var reach struct {
	once     sync.Once
	err      error
	reported atomic.Bool
}

// reachTimeout bounds the one look at the server: it answers a running server in milliseconds.
const reachTimeout = 5 * time.Second

func connString(t *testing.T) string {
	t.Helper()
	s := os.Getenv(envVar)
	if s == "" {
		t.Skip("set " + envVar + "=esdb://localhost:2113?tls=false to run the EventStoreDB contract suite")
	}
	reach.once.Do(func() { reach.err = reachable(s) })
	if reach.err != nil {
		if reach.reported.CompareAndSwap(false, true) {
			t.Fatalf("%s=%s, but the server did not answer within %s (is it running? docker compose up -d eventstore): %v",
				envVar, esdbstore.Redact(s), reachTimeout, reach.err)
		}
		t.Skipf("the server %s names does not answer: see the first failure", envVar)
	}
	return s
}

// reachable asks the server once, without retries.
func reachable(conn string) error {
	s, err := esdbstore.Open(conn, esdbstore.Options{Retries: -1, RequestTimeout: reachTimeout})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	return s.Ping(ctx)
}

func openServer(t *testing.T, conn string) *esdbstore.Store {
	t.Helper()
	s, err := esdbstore.Open(conn, esdbstore.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		require.NoError(t, err, "%s is set, but the server does not answer", envVar)
	}
	return s
}

func TestContract(t *testing.T) {
	conn := connString(t)
	open := func(t *testing.T) eventstore.Store { return openServer(t, conn) }
	storetest.Run(t, storetest.Harness{
		Open: open,
		// A new client on the same server: what an acknowledged append promised must not depend
		// on the connection that made it.
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			require.NoError(t, s.Close())
			return open(t)
		},
		Shared: true,
		Unsupported: map[storetest.Check]string{
			storetest.GlobalEventIDs: "EventStoreDB keeps no index of event ids; the store recognises an id only in the stream appended to",
		},
	})
}

func TestReadAllLeavesOutTheServersOwnEvents(t *testing.T) {
	s := openServer(t, connString(t))
	defer s.Close()
	evs, err := s.ReadAll(t.Context(), 0, 2000)
	require.NoError(t, err)
	var prev eventstore.Position
	for _, e := range evs {
		assert.NotEqual(t, '$', rune(e.Stream[0]), "stream %s", e.Stream)
		assert.NotEqual(t, '$', rune(e.Type[0]), "type %s of %s", e.Type, e.Stream)
		assert.Greater(t, e.Position, prev)
		prev = e.Position
	}
	head, err := s.Head(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, head, prev)
	assert.True(t, s.Health().Connected)
}
