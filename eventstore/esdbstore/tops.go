package esdbstore

import (
	"sync"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/eventstore"
)

// The look for an append's ids before an exact append (Append) reads the stream's top events.
// Each command of the ledger reads its stream just before (the handler catches up, which reads
// nothing new when nothing was appended since), so the store remembers, per stream, the ids of the
// last few events it has read or written and looks there first. An event's id at a revision never
// changes (the ledger never deletes or truncates a stream), so what is remembered stays true.

const (
	topsStreams = 1 << 14 // streams remembered
	topsDepth   = 4       // events remembered per stream, the newest
)

// tops remembers the newest events' ids of recently used streams.
type tops struct {
	mu      sync.Mutex
	streams *lru.Cache[string, *top]
}

// top is a run of consecutive revisions of a stream: ids[i] is at revision first+i.
type top struct {
	first uint64
	ids   []uuid.UUID
}

func newTops() *tops {
	c, _ := lru.New[string, *top](topsStreams) // only a size <= 0 fails
	return &tops{streams: c}
}

// saw records that the event id is at revision rev of stream.
func (t *tops) saw(stream string, rev uint64, id uuid.UUID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tp, ok := t.streams.Get(stream)
	switch {
	case !ok || rev > tp.first+uint64(len(tp.ids)):
		t.streams.Add(stream, &top{first: rev, ids: []uuid.UUID{id}}) // a gap: start again
		return
	case rev < tp.first:
		return // older than what is kept
	case rev < tp.first+uint64(len(tp.ids)):
		tp.ids[rev-tp.first] = id // the same event, read again
		return
	}
	tp.ids = append(tp.ids, id)
	if len(tp.ids) > topsDepth {
		tp.ids = append(tp.ids[:0], tp.ids[len(tp.ids)-topsDepth:]...)
		tp.first = rev + 1 - topsDepth
	}
}

// sawRead records events read from a stream, in either direction.
func (t *tops) sawRead(evs []eventstore.RecordedEvent) {
	if len(evs) > 1 && evs[0].Revision > evs[1].Revision {
		for i := len(evs) - 1; i >= 0; i-- {
			t.saw(evs[i].Stream, evs[i].Revision, evs[i].ID)
		}
		return
	}
	for _, e := range evs {
		t.saw(e.Stream, e.Revision, e.ID)
	}
}

// window returns the events of stream at revisions from down to from-n+1 (or 0), newest first,
// as Append's look reads them back (ids and revisions only), if all are remembered.
func (t *tops) window(stream string, from uint64, n int) ([]eventstore.RecordedEvent, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tp, ok := t.streams.Get(stream)
	if !ok || from >= tp.first+uint64(len(tp.ids)) {
		return nil, false
	}
	var out []eventstore.RecordedEvent
	for rev := from; len(out) < n; rev-- {
		if rev < tp.first {
			return nil, false
		}
		out = append(out, eventstore.RecordedEvent{Stream: stream, Revision: rev, ID: tp.ids[rev-tp.first]})
		if rev == 0 {
			break
		}
	}
	return out, true
}
