package esdbstore

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
)

// Stub-driven: what an append costs, and what a conflict answers.

// TestStubExactAppendReadsOnlyTheTop: before an append expecting an exact revision, only as many
// events as it holds are read back from that revision (not the idempotency window): a retry
// refreshed after its events landed still finds them, and gets its first result.
func TestStubExactAppendReadsOnlyTheTop(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{})
	ctx := t.Context()
	for range 20 {
		log.add("plan-1", "PlanRevised", []byte(`{"content":"a whole plan"}`))
	}
	before := node.eventsSent("read stream")
	first := ev(10)
	res, err := s.Append(ctx, "plan-1", eventstore.Exact(19), first)
	require.NoError(t, err)
	assert.Equal(t, 1, node.eventsSent("read stream")-before, "one event read back, not %d", DefaultIdempotencyWindow)

	// The same append, its expectation refreshed from the stream that now holds it.
	again, err := s.Append(ctx, "plan-1", eventstore.Exact(20), first)
	require.NoError(t, err)
	assert.Equal(t, res, again)
	assert.Len(t, log.stream("plan-1"), 21, "not written twice")
}

// TestStubConflictWithoutReadBack: after a conflict the store reads the stream back to recognise a
// retry; when that read fails, the conflict is still answered as one (409), with the revision the
// server gave, not as the read's failure.
func TestStubConflictWithoutReadBack(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{Retries: 1})
	ctx := t.Context()
	for range 3 {
		log.add("plan-1", "PlanRevised", []byte(`{}`))
	}
	var appended atomic.Bool
	node.setHook(func(c stubCall) error {
		switch {
		case c.method == "append":
			appended.Store(true)
		case c.method == "read stream" && appended.Load():
			return status.Error(codes.Unavailable, "connection reset")
		}
		return nil
	})
	_, err := s.Append(ctx, "plan-1", eventstore.Exact(0), ev(10))
	var conflict *eventstore.ConflictError
	require.True(t, errors.As(err, &conflict), "got %v", err)
	assert.Equal(t, eventstore.ConflictError{Stream: "plan-1", Expected: eventstore.Exact(0), Actual: 2, Exists: true}, *conflict)
}

// TestStubCommandRequests counts what the ledger's commands cost on EventStoreDB: the demo data
// set recorded through the command handler on the stub, every request and every event read
// counted. A command is one append and the handler's reads of the streams it decides on (and of
// $all's head, for an SHA's return); the look for an append's ids finds the top of the stream in
// what the store remembers of those reads and of its own appends, so it reads nothing.
//
// The store's own share is asserted exactly: one append a command, no look for ids. The total a
// command is bounded loosely, at 3.5 (the test logs the figure): the handler's reads depend on the mix of
// commands in the demo data set, which grows as commands are added, and a bound within 2% of the
// figure would fail on a change that leaves the store alone.
func TestStubCommandRequests(t *testing.T) {
	t.Parallel() // records the demo while the tests that wait on deadlines wait
	if testing.Short() {
		t.Skip("records the demo data set")
	}
	node := startStub(t, newStubLog())
	s := node.open(t, Options{})
	start := time.Now()
	sum, err := demo.Seed(t.Context(), s, demo.Options{})
	require.NoError(t, err)
	appends := node.count("append")
	require.Equal(t, sum.Events, appends, "one append per event")

	reads, all := node.count("read stream"), node.count("read all")
	perCommand := float64(reads+appends+all) / float64(appends)
	backwards := 0
	for _, c := range node.received() {
		if c.method == "read stream" && c.count <= uint64(DefaultIdempotencyWindow) {
			backwards++ // the handler's catch-ups ask for pages of 1000
		}
	}
	t.Logf("demo seed: %d commands, %d requests (%.2f a command: %d appends, %d stream reads, %d of them looks for ids, %d reads of $all), in %s",
		appends, reads+appends+all, perCommand, appends, reads, backwards, all, time.Since(start).Round(time.Millisecond))
	assert.Zero(t, backwards, "no look for ids read the stream")
	assert.Less(t, perCommand, 3.5)
}
