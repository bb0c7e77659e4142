package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"time"

	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// A batch is cut at whichever limit comes first. The request cap bounds the replies that wait on
// one fsync; the byte budget bounds the memory a transaction pins before its commit.
const (
	maxBatchRequests = 1024
	maxBatchBytes    = 32 << 20
)

type appendRequest struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.Event
	size     int              // encoded bytes
	reply    chan appendReply // buffered, so that the writer never waits on a caller
	// parts, when set, makes the request a sequence (AppendSequence): each part an append of its
	// own, applied in order until one is refused. stream, expected and events are then unused.
	parts []*appendRequest
}

type appendReply struct {
	res eventstore.AppendResult
	err error
	n   int // of a sequence: the parts written
}

// Append implements eventstore.Store. It returns once the events are fsynced, or refused.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	size := 0
	for i, e := range events {
		n := recordLen(stream, e)
		if n > maxRecord {
			return eventstore.AppendResult{}, fmt.Errorf("%w: event %d needs %d bytes, more than the %d a record may hold", eventstore.ErrInvalidAppend, i, n, maxRecord)
		}
		size += n
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	req := &appendRequest{ctx: ctx, stream: stream, expected: expected, events: events, size: size, reply: make(chan appendReply, 1)}
	select {
	case s.reqs <- req:
	case <-s.closing:
		return eventstore.AppendResult{}, eventstore.ErrClosed
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	}
	s.stats.appendsRequested.Add(1)
	// No ctx here: the request may already be in a committing batch, and then the caller must learn
	// whether it was written. The wait is one commit at most.
	r := <-req.reply
	return r.res, r.err
}

// write is the writer goroutine: the only one that opens read-write transactions.
func (s *Store) write() {
	defer close(s.writerDone)
	for {
		// Close wins over queued requests, so that Close does not wait on a stream of appends.
		if s.closed() {
			return
		}
		select {
		case first := <-s.reqs:
			s.commitBatch(s.gather(first))
		case <-s.closing:
			return
		}
	}
}

// gather adds to first whatever requests are already waiting, without waiting for more: the batch
// is what queued up while the previous commit synced.
func (s *Store) gather(first *appendRequest) []*appendRequest {
	// Not a delay: it lets the callers just woken by the previous batch's replies, already runnable,
	// queue their next appends. Without it, on two cores, 32 busy callers split into two cohorts
	// that alternate commits (about 16 events per fsync measured, against 24 with it).
	runtime.Gosched()
	batch := append(s.batchBuf[:0], first)
	size := first.size
	for len(batch) < maxBatchRequests && size < maxBatchBytes {
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
			size += r.size
		default:
			return batch
		}
	}
	return batch
}

// commitBatch applies batch in one transaction, commits it with one fsync and answers every request.
func (s *Store) commitBatch(batch []*appendRequest) {
	defer func() {
		clear(batch) // drop the requests, keep the array for the next batch
		s.batchBuf = batch[:0]
	}()
	live := make([]*appendRequest, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.reply <- appendReply{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	replies, err := s.applyBatch(live)
	for i, r := range live {
		if err != nil {
			r.reply <- appendReply{err: fmt.Errorf("%w: commit failed, nothing of this append was written: %v", eventstore.ErrUnavailable, err)}
			continue
		}
		r.reply <- replies[i]
	}
}

// applyBatch runs reqs in order in one read-write transaction and commits it if anything was
// written. A non-nil error means nothing was written and every request must fail with it.
func (s *Store) applyBatch(reqs []*appendRequest) (replies []appendReply, err error) {
	committed := false
	// Deferred first, so run last: the transaction has ended, committed or not, before the records
	// it was given are reused.
	defer s.records.reset()
	defer func() {
		if !committed {
			// What the batch wrote to the cached heads may or may not be in the file now.
			s.heads.clear()
		}
	}()
	tx, err := s.db.Begin(true)
	if err != nil {
		return nil, err
	}
	b, err := openBuckets(tx)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	at := time.Now().UTC()
	if at.Before(s.lastAt) {
		at = s.lastAt
	}
	stored, err := s.fileHead(b)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	w := &batchWriter{b: b, next: stored + 1, at: at, heads: &s.heads, records: &s.records}
	replies = make([]appendReply, len(reqs))
	for i, r := range reqs {
		if r.parts != nil {
			replies[i] = w.sequence(r.parts)
		} else {
			res, err := w.append(r)
			replies[i] = appendReply{res: res, err: err}
		}
		if w.err != nil {
			_ = tx.Rollback()
			return nil, w.err
		}
	}
	if w.events == 0 {
		// Only refusals and replays: nothing to make durable, so no fsync. The heads they looked up
		// are the file's.
		_ = tx.Rollback()
		committed = true
		return replies, nil
	}
	last := w.next - 1
	w.put(b.meta, keyLastPosition, u64(last))
	if w.err != nil {
		_ = tx.Rollback()
		return nil, w.err
	}
	if err := tx.Commit(); err != nil {
		// The commit may have reached the file anyway (fileHead finds it at the next batch); until
		// then, reads may see it, so every stream may have changed.
		s.changes.committedUnknown(last)
		return nil, err
	}
	committed = true
	s.lastAt = at
	for _, t := range w.touched {
		s.changes.committed(t.stream, t.last)
	}
	s.head.Store(last)
	s.stats.batchesCommitted.Add(1)
	s.stats.appendsWritten.Add(w.appends)
	s.stats.eventsWritten.Add(w.events)
	s.notifyCommit()
	return replies, nil
}

// batchWriter applies the appends of one transaction. Each append sees the writes of those before
// it, so two appends to one stream in a batch behave as if they had been committed one by one.
type batchWriter struct {
	b    buckets
	next eventstore.Position
	at   time.Time
	err  error // first failed write: the transaction can no longer be committed

	heads   *streamHeads // the writer's, updated as appends are written
	records *arena       // where the records are encoded

	appends, events uint64 // written, for Stats
	touched         []touched
}

// touched is a stream written by a batch, and its last position in it.
type touched struct {
	stream string
	last   eventstore.Position
}

func (w *batchWriter) put(b *bbolt.Bucket, k, v []byte) {
	if w.err == nil {
		w.err = b.Put(k, v)
	}
}

// append writes r's events or refuses them, writing nothing. It returns the refusal as an error;
// a write failure is left in w.err.
func (w *batchWriter) append(r *appendRequest) (eventstore.AppendResult, error) {
	if res, replayed, err := w.replay(r); replayed || err != nil {
		return res, err
	}
	number, last, exists, err := w.streamHead(r.stream)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if !r.expected.Satisfied(last, exists) {
		return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: r.stream, Expected: r.expected, Actual: last, Exists: exists}
	}
	var rev uint64
	if exists {
		rev = last + 1
	} else {
		number = w.newStream(r.stream)
	}
	for _, e := range r.events {
		pos := u64(w.next)
		rec := eventstore.RecordedEvent{ID: e.ID, Stream: r.stream, Revision: rev, Type: e.Type, Data: e.Data, Metadata: e.Metadata, RecordedAt: w.at}
		w.put(w.b.events, pos, appendRecord(w.records.alloc(recordLen(r.stream, e)), w.next, &rec))
		w.put(w.b.streams, streamKey(number, rev), pos)
		w.put(w.b.ids, append([]byte(nil), e.ID[:]...), pos)
		w.next++
		rev++
	}
	w.appends++
	w.events += uint64(len(r.events))
	w.touched = append(w.touched, touched{r.stream, w.next - 1})
	w.heads.set(r.stream, number, rev-1)
	return eventstore.AppendResult{NextRevision: rev - 1, Position: w.next - 1}, nil
}

// replay recognises a retried append: the first event's id is stored, and so is every event of r,
// in r's stream at consecutive revisions from the first one's. It then returns the original result
// and replayed true. Any other use of an already stored id is ErrDuplicateEventID.
func (w *batchWriter) replay(r *appendRequest) (res eventstore.AppendResult, replayed bool, err error) {
	firstPos := w.b.ids.Get(r.events[0].ID[:])
	if firstPos == nil {
		for _, e := range r.events[1:] {
			if p := w.b.ids.Get(e.ID[:]); p != nil {
				return res, false, duplicate(e.ID, p)
			}
		}
		return res, false, nil
	}
	first, err := loadIndexed(w.b, firstPos, decodeRecord)
	if err != nil {
		return res, false, err
	}
	if first.Stream != r.stream {
		return res, false, duplicate(first.ID, firstPos)
	}
	number, ok, err := w.b.streamNumber(r.stream)
	switch {
	case err != nil:
		return res, false, err
	case !ok:
		return res, false, &eventstore.CorruptError{Position: first.Position, Reason: fmt.Sprintf("its stream %q has no number in the names index", r.stream)}
	}
	var lastPos []byte
	for i, e := range r.events {
		lastPos = w.b.streams.Get(streamKey(number, first.Revision+uint64(i)))
		if lastPos == nil || !bytes.Equal(w.b.ids.Get(e.ID[:]), lastPos) {
			if p := w.b.ids.Get(e.ID[:]); p != nil {
				return res, false, duplicate(e.ID, p)
			}
			return res, false, fmt.Errorf("%w: event %s is stored, but event %s after it is not stored right after it", eventstore.ErrDuplicateEventID, first.ID, e.ID)
		}
	}
	return eventstore.AppendResult{
		NextRevision: first.Revision + uint64(len(r.events)) - 1,
		Position:     decodePosition(lastPos),
	}, true, nil
}

func duplicate(id uuid.UUID, pos []byte) error {
	return fmt.Errorf("%w: event %s is already stored at position %d", eventstore.ErrDuplicateEventID, id, decodePosition(pos))
}

// streamHead returns a stream's number and last revision; exists false if it has no event yet.
// The last revision is the last key of the stream's range in the streams index.
func (w *batchWriter) streamHead(stream string) (number, last uint64, exists bool, err error) {
	if h, ok := w.heads.m[stream]; ok {
		return h.number, h.last, true, nil
	}
	number, exists, err = w.b.streamNumber(stream)
	if err != nil || !exists {
		return 0, 0, false, err
	}
	c := w.b.streams.Cursor()
	k, _ := c.Seek(streamKey(number+1, 0))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if len(k) != 16 || binary.BigEndian.Uint64(k) != number {
		return 0, 0, false, fmt.Errorf("%w: stream %q (number %d) has no event in the streams index", eventstore.ErrCorrupt, stream, number)
	}
	last = binary.BigEndian.Uint64(k[8:])
	w.heads.set(stream, number, last)
	return number, last, true, nil
}

// newStream gives stream the next number: one more than that of the streams index's last key,
// the newest stream's last event. Numbers follow the order of streams' first events, so the keys
// of the streams being written to are the last ones of the index.
func (w *batchWriter) newStream(stream string) uint64 {
	n := w.heads.nextNumber
	if n == 0 {
		if k, _ := w.b.streams.Cursor().Last(); k != nil {
			if len(k) != 16 {
				if w.err == nil {
					w.err = fmt.Errorf("%w: a streams key is %d bytes, not a stream number and revision", eventstore.ErrCorrupt, len(k))
				}
				return 0
			}
			n = binary.BigEndian.Uint64(k)
		}
		n++
	}
	w.heads.nextNumber = n + 1
	w.put(w.b.names, []byte(stream), u64(n))
	return n
}

// fileHead returns the last position the file holds. It is s.head unless a commit reported as
// failed reached the file all the same (its meta page written, the fsync after it failed): its
// events are then readable, so they are published rather than overwritten, and the appends that
// were told "unavailable" are recognised as written when retried with the same event ids.
func (s *Store) fileHead(b buckets) (eventstore.Position, error) {
	v := b.meta.Get(keyLastPosition)
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: last position is %d bytes", eventstore.ErrCorrupt, len(v))
	}
	last := binary.BigEndian.Uint64(v)
	if last != s.head.Load() {
		// A commit reported failed reached the file: which streams it wrote is not known here.
		s.changes.committedUnknown(last)
		s.heads.clear()
		s.head.Store(last)
		s.notifyCommit()
	}
	return last, nil
}

// maxRecord is the largest record bbolt stores as one value.
const maxRecord = bbolt.MaxValueSize
