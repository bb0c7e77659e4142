package storetest

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// scopedStore is what one test sees of a shared log (Harness.Shared): its own streams, under a
// prefix no other test uses, and the global log from the head the shared log had when the test
// began. The view renames and filters; it decides nothing, so every append, refusal and read is
// still the store's own.
type scopedStore struct {
	inner  eventstore.Store
	prefix string
	since  eventstore.Position // the shared log's head when the test began: the view's 0
}

var _ eventstore.Store = (*scopedStore)(nil)

func newScoped(t *testing.T, inner eventstore.Store) *scopedStore {
	t.Helper()
	since, err := inner.Head(t.Context())
	require.NoError(t, err, "head of the shared log")
	return &scopedStore{inner: inner, prefix: "st" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "-", since: since}
}

// over returns the same view on a reopened store.
func (s *scopedStore) over(inner eventstore.Store) *scopedStore {
	return &scopedStore{inner: inner, prefix: s.prefix, since: s.since}
}

// probe stands in for an event when only a stream name is to be validated.
var probe = []eventstore.Event{{ID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), Type: "Probe"}}

// name maps a test's stream name into its scope. A name the port refuses is passed on as it is, so
// that the store under test, not the view, has to refuse it.
func (s *scopedStore) name(stream string) string {
	if eventstore.ValidateAppend(stream, eventstore.Any, probe) != nil || len(s.prefix)+len(stream) > eventstore.MaxStreamNameLen {
		return stream
	}
	return s.prefix + stream
}

// unscope gives e back its test-side stream name, and reports whether it belongs to this test.
func (s *scopedStore) unscope(e eventstore.RecordedEvent) (eventstore.RecordedEvent, bool) {
	name, ok := strings.CutPrefix(e.Stream, s.prefix)
	if ok {
		e.Stream = name
	}
	return e, ok
}

func (s *scopedStore) after(p eventstore.Position) eventstore.Position { return max(p, s.since) }

func (s *scopedStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (eventstore.AppendResult, error) {
	res, err := s.inner.Append(ctx, s.name(stream), expected, events...)
	var conflict *eventstore.ConflictError
	if errors.As(err, &conflict) {
		// The error is the store's, made for this call: naming the stream as the test knows it
		// lets the suite compare it with what it asked for.
		conflict.Stream = strings.TrimPrefix(conflict.Stream, s.prefix)
	}
	return res, err
}

func (s *scopedStore) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := s.inner.ReadStream(ctx, s.name(stream), from, limit)
	for i := range evs {
		// An event of another stream keeps its full name, so that the suite reports the leak.
		evs[i], _ = s.unscope(evs[i])
	}
	return evs, err
}

// scopedPage is how many events of the shared log a scoped ReadAll asks for at a time when the
// test set no limit.
const scopedPage = 256

func (s *scopedStore) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	from := s.after(after)
	var out []eventstore.RecordedEvent
	for {
		want := scopedPage
		if limit > 0 {
			want = limit - len(out)
		}
		page, err := s.inner.ReadAll(ctx, from, want)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if e, ok := s.unscope(e); ok {
				out = append(out, e)
			}
		}
		if len(page) < want || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		from = page[len(page)-1].Position
	}
}

func (s *scopedStore) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for e, err := range s.inner.Subscribe(ctx, s.after(after)) {
			if err != nil {
				yield(eventstore.RecordedEvent{}, err)
				return
			}
			if e, ok := s.unscope(e); ok && !yield(e, nil) {
				return
			}
		}
	}
}

// Head is the shared log's head, or 0 while the test has appended nothing to it.
func (s *scopedStore) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := s.inner.Head(ctx)
	if err != nil || h <= s.since {
		return 0, err
	}
	return h, nil
}

func (s *scopedStore) Close() error { return s.inner.Close() }
