package history_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/history"
)

// copying is a store that lends nothing: LendStored reads it as Stored does.
type copying struct{ eventstore.Store }

// LendStored gives, page for page, the events Stored gives (their stored bytes, positions, streams,
// revisions, types and ids) and the same last position, from a store that lends its bytes and from
// one that does not: over the whole log in pages of several sizes, across another application's
// events and events large enough to end a page by its bytes. fn's error ends the read.
func TestLendStoredIsStored(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	_, err := store.Append(ctx, "orders-1", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{}`), Metadata: []byte(`{}`)})
	require.NoError(t, err)
	big := bytes.Repeat([]byte{'a'}, 400<<10)
	stream := domain.PlanStream(uuid.NewString())
	for i := range 4 {
		exp := eventstore.ExpectedRevision(eventstore.Exact(uint64(i - 1)))
		if i == 0 {
			exp = eventstore.NoStream
		}
		_, err := store.Append(ctx, stream, exp, eventstore.Event{ID: uuid.New(), Type: domain.TypePlanWithdrawn,
			Data: append(append([]byte(`{"reason":"`), big...), `"}`...), Metadata: []byte(`{"schema_version":1}`)})
		require.NoError(t, err)
	}
	head, err := store.Head(ctx)
	require.NoError(t, err)

	for _, s := range []eventstore.Store{store, copying{store}} {
		_, lends := s.(eventstore.Lender)
		r := history.New(s)
		for _, limit := range []int{1, 7, 128, 129, 1000, 0} {
			pages, byBytes := 0, false
			for after := uint64(0); after < head; pages++ {
				want, wantLast, err := r.Stored(ctx, after, limit)
				require.NoError(t, err)
				var got []eventstore.RecordedEvent
				last, err := r.LendStored(ctx, after, limit, func(e eventstore.RecordedEvent) error {
					e.Data, e.Metadata = bytes.Clone(e.Data), bytes.Clone(e.Metadata) // lent until fn returns
					got = append(got, e)
					return nil
				})
				require.NoError(t, err)
				require.Equal(t, wantLast, last, "lends %v, limit %d, after %d", lends, limit, after)
				require.Len(t, got, len(want))
				for i := range want {
					assert.Equal(t, []any{want[i].Position, want[i].Stream, want[i].Revision, want[i].Type, want[i].ID, want[i].Data, want[i].Metadata},
						[]any{got[i].Position, got[i].Stream, got[i].Revision, got[i].Type, got[i].ID, got[i].Data, got[i].Metadata})
				}
				byBytes = byBytes || (limit == 0 || limit >= 1000) && len(want) > 0 && len(want) < 1000 && last < head
				require.Greater(t, last, after, "every page moves the reader on")
				after = last
			}
			assert.Positive(t, pages)
			if limit == 1000 {
				assert.True(t, byBytes, "a page ended by its bytes")
			}
		}

		stop := errors.New("stop")
		n := 0
		_, err = r.LendStored(ctx, 0, 100, func(eventstore.RecordedEvent) error {
			if n++; n == 3 {
				return stop
			}
			return nil
		})
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, 3, n, "nothing after fn's error")

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = r.LendStored(cancelled, 0, 0, func(eventstore.RecordedEvent) error { return nil })
		assert.ErrorIs(t, err, context.Canceled)
	}
}
