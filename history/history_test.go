package history_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/history"
)

func demoStore(t *testing.T) eventstore.Store {
	t.Helper()
	return demotest.Store(t, 0)
}

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}

// A plan's events read in pages are its whole stream, in order, decoded, each page saying whether
// the stream goes on.
func TestPlanReadsAStreamInPages(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	r := history.New(store)
	all, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	var id string
	longest := 0
	counts := map[string]int{}
	for _, rec := range all {
		if agg, pid, _ := domain.ParseStream(rec.Stream); agg == domain.AggregatePlan {
			counts[pid]++
			if counts[pid] > longest {
				id, longest = pid, counts[pid]
			}
		}
	}
	require.Greater(t, longest, 3)

	whole, more, err := r.Plan(ctx, id, 0, 0)
	require.NoError(t, err)
	assert.False(t, more)
	require.Len(t, whole, longest)
	for i, e := range whole {
		assert.Equal(t, uint64(i), e.Revision)
		assert.Equal(t, domain.PlanStream(id), e.Stream)
		assert.Equal(t, e.Type, e.Event.Data.EventType())
		assert.NotEmpty(t, e.Event.Meta.Hash)
	}
	assert.NotEmpty(t, whole[0].Event.ContentHash, "a version event carries its content's hash")

	var paged []history.Entry
	for from := uint64(0); ; {
		page, more, err := r.Plan(ctx, id, from, 2)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		paged = append(paged, page...)
		if !more {
			break
		}
		from = page[len(page)-1].Revision + 1
	}
	assert.Equal(t, whole, paged)

	none, more, err := r.Plan(ctx, uuid.NewString(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.False(t, more)
}

// The global log is read a page at a time; another application's events are passed over but move
// the reader on; a read stops when its context ends.
func TestLogSkipsOtherStreamsAndStopsWithItsContext(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	head, err := store.Head(ctx)
	require.NoError(t, err)
	_, err = store.Append(ctx, "orders-1", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{}`), Metadata: []byte(`{}`)})
	require.NoError(t, err)

	r := history.New(store)
	entries, last, err := r.Log(ctx, head-1, 10)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the ledger's last event, not the other application's")
	assert.Equal(t, head, entries[0].Position)
	assert.Equal(t, head+1, last, "the other application's event still moves the reader on")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = r.Log(cancelled, 0, 0)
	assert.ErrorIs(t, err, context.Canceled)
}

// An event that does not decode is an error naming where it is.
func TestDecodeNamesWhereAnEventIs(t *testing.T) {
	_, err := history.Decode(eventstore.RecordedEvent{Position: 42, Stream: "plan-x", Revision: 3, Type: domain.TypePlanWithdrawn, Data: []byte(`{`), Metadata: []byte(`{}`)})
	assert.ErrorContains(t, err, "position 42 (plan-x revision 3)")
}

// A page of a plan's stream stops when its request does, and is bounded in bytes however many
// events it may hold.
func TestPlanPagesStopWithTheirContextAndAreBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	all, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	var id string
	for _, rec := range all {
		if agg, pid, _ := domain.ParseStream(rec.Stream); agg == domain.AggregatePlan {
			id = pid
			break
		}
	}
	r := history.New(store)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = r.Plan(cancelled, id, 0, 1000)
	assert.ErrorIs(t, err, context.Canceled)

	// A stream of events of 300 KB each: a page of up to 1000 holds what fits in MaxPageBytes.
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = 'a'
	}
	stream := domain.PlanStream(uuid.NewString())
	for i := range 10 {
		exp := eventstore.ExpectedRevision(eventstore.Exact(uint64(i - 1)))
		if i == 0 {
			exp = eventstore.NoStream
		}
		_, err := store.Append(ctx, stream, exp, eventstore.Event{ID: uuid.New(), Type: domain.TypePlanWithdrawn,
			Data: append(append([]byte(`{"reason":"`), big...), `"}`...), Metadata: []byte(`{"schema_version":1}`)})
		require.NoError(t, err)
	}
	id = stream[len("plan-"):]
	page, more, err := r.Plan(ctx, id, 0, 1000)
	require.NoError(t, err)
	assert.True(t, more)
	assert.Len(t, page, history.MaxPageBytes/(300<<10+40))
}
