// Package migrate copies a ledger from one event store to another through the eventstore port
// alone, so that any pair of stores works (embedded to EventStoreDB, back, or between two of a
// kind) with one code path.
//
// Every event keeps its id, stream, revision, type, data and metadata, hence its hash and its
// stream's chain, and the copy appends them in the source's global order, so the target's global
// order (and the ledger-wide Merkle tree built over it) is the same. Positions are the target's
// own: they differ between stores, which nothing in the ledger's evidence depends on.
//
// Each event is appended with the expectation that pins it to its revision — no stream for a
// stream's first event, Exact(revision-1) after — so the target can never take it elsewhere.
// A copy that stops part way (an error, a signal) is resumed by running it again: events already
// in the target are recognised and skipped, and a target holding anything else (another event at
// a revision, events the source lacks) is refused with the place named, before anything is
// written there.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"assurance-ledger/eventstore"
)

// Options tune Copy. The zero value gives the defaults.
type Options struct {
	// PageSize is how many source events are read at a time (default 1000). On a resumed copy it
	// is also the grain of the skip: one look into the target per page already copied.
	PageSize int
	// MaxBatch bounds how many consecutive events of one stream go into one append (default 100).
	// A batch is atomic, so a copy never stops inside one.
	MaxBatch int
	// MaxBatchBytes bounds the size of one append, measured as EventStoreDB measures it (data,
	// metadata and twice the type of each event; BatchBytes), which refuses an append over its
	// maximum append size, 1 MiB by default (DefaultMaxBatchBytes: half that). An event larger
	// than the bound goes in an append of its own.
	MaxBatchBytes int
	// Progress, if set, is called after each page with the counts so far.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 100
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	return o
}

// DefaultMaxBatchBytes is Options.MaxBatchBytes by default: half of EventStoreDB's default maximum
// append size, leaving room for a server that counts a little more than BatchBytes does.
const DefaultMaxBatchBytes = 512 << 10

// BatchBytes is what an event weighs in an append, as EventStoreDB counts it against its maximum
// append size (its type in UTF-16 code units, two bytes each).
func BatchBytes(e eventstore.RecordedEvent) int {
	return len(e.Data) + len(e.Metadata) + 2*len(e.Type)
}

// Progress is how far a copy has got.
type Progress struct {
	Read    uint64              // source events read
	Copied  uint64              // appended to the target by this run
	Present uint64              // found already in the target (an earlier, interrupted run)
	Source  eventstore.Position // source position of the last event read
}

// Report is the outcome of a copy.
type Report struct {
	Progress
	Streams    int                 // streams in the source
	TargetHead eventstore.Position // the target's head afterwards
	Elapsed    time.Duration
}

// ErrTargetDiffers is matched (errors.Is) by every *ConflictError.
var ErrTargetDiffers = errors.New("migrate: the target holds events the source does not")

// ConflictError names the place where the target holds something the copy cannot put there.
type ConflictError struct {
	Stream   string
	Revision uint64
	Source   uuid.UUID // the source's event at that place (uuid.Nil: none, the source's stream ends before)
	Target   uuid.UUID // the target's event there (uuid.Nil: none, the target lacks it)
	Reason   string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("refusing to copy: stream %s revision %d: %s (source event %s, target event %s); copy into an empty store, or into the store a previous copy from this source was writing",
		e.Stream, e.Revision, e.Reason, idOrNone(e.Source), idOrNone(e.Target))
}

// Is makes errors.Is(err, ErrTargetDiffers) true.
func (e *ConflictError) Is(target error) bool { return target == ErrTargetDiffers }

func idOrNone(id uuid.UUID) string {
	if id == uuid.Nil {
		return "none"
	}
	return id.String()
}

// streamEnd is the last event of a stream seen in the source.
type streamEnd struct {
	revision uint64
	id       uuid.UUID
}

// copier is one run of Copy.
type copier struct {
	src, dst eventstore.Store
	opts     Options
	rep      Report
	ends     map[string]streamEnd
	resuming bool // the target may still hold the events being read
}

// Copy appends every event of src to dst in src's global order and reports what it did. Run it
// again after an interruption: it resumes where the target ends. It returns a *ConflictError,
// having written nothing more, when dst holds something other than a prefix of src's log.
//
// It reads the source page by page until the end of its log; events appended to the source
// meanwhile are copied if they arrive before that end, and the next run copies the rest.
func Copy(ctx context.Context, src, dst eventstore.Store, opts Options) (Report, error) {
	c := &copier{src: src, dst: dst, opts: opts.withDefaults(), ends: map[string]streamEnd{}, resuming: true}
	start := time.Now()
	err := c.run(ctx)
	c.rep.Elapsed = time.Since(start)
	c.rep.Streams = len(c.ends)
	if err == nil {
		err = c.checkEnds(ctx)
	}
	if head, herr := dst.Head(ctx); herr == nil {
		c.rep.TargetHead = head
	}
	return c.rep, err
}

func (c *copier) run(ctx context.Context) error {
	var after eventstore.Position
	for {
		page, err := c.src.ReadAll(ctx, after, c.opts.PageSize)
		if err != nil {
			return fmt.Errorf("reading the source after position %d: %w", after, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, e := range page {
			if err := c.follows(e); err != nil {
				return err
			}
		}
		rest := page
		if c.resuming {
			n, err := c.present(ctx, page)
			if err != nil {
				return err
			}
			if n == 0 && after == 0 {
				if err := c.targetEmpty(ctx, page[0]); err != nil {
					return err
				}
			}
			c.rep.Present += uint64(n)
			rest = page[n:]
			c.resuming = n == len(page)
		}
		if err := c.appendAll(ctx, rest); err != nil {
			return err
		}
		after = page[len(page)-1].Position
		c.rep.Read += uint64(len(page))
		c.rep.Source = after
		if c.opts.Progress != nil {
			c.opts.Progress(c.rep.Progress)
		}
	}
}

// follows checks that e continues its stream in the source without a gap, and remembers it as the
// stream's end. A gap means the source itself is damaged; copying it would only move the damage.
func (c *copier) follows(e eventstore.RecordedEvent) error {
	prev, seen := c.ends[e.Stream]
	want := uint64(0)
	if seen {
		want = prev.revision + 1
	}
	if e.Revision != want {
		return fmt.Errorf("the source's stream %s has revision %d at position %d where %d comes next: run ledger verify on the source", e.Stream, e.Revision, e.Position, want)
	}
	c.ends[e.Stream] = streamEnd{revision: e.Revision, id: e.ID}
	return nil
}

// present returns how many of page's leading events the target already holds. A copy writes in
// the source's order, so what an interrupted one wrote is a prefix of the source's log: if the
// page's last event is there the whole page is, else the boundary is found by bisection. Each
// event looked at must be the source's, or the target is refused.
func (c *copier) present(ctx context.Context, page []eventstore.RecordedEvent) (int, error) {
	if ok, err := c.inTarget(ctx, page[len(page)-1]); err != nil || ok {
		return len(page), err
	}
	lo, hi := 0, len(page)-1 // page[:lo] present, page[hi] absent
	for lo < hi {
		mid := lo + (hi-lo)/2
		ok, err := c.inTarget(ctx, page[mid])
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// targetEmpty refuses a target that holds events when it does not hold the source's first: it
// holds some other log, and interleaving two logs would give neither's global order.
func (c *copier) targetEmpty(ctx context.Context, first eventstore.RecordedEvent) error {
	head, err := c.dst.Head(ctx)
	if err != nil {
		return fmt.Errorf("reading the target's head: %w", err)
	}
	if head != 0 {
		return &ConflictError{Stream: first.Stream, Revision: first.Revision, Source: first.ID,
			Reason: fmt.Sprintf("the target is not empty (head position %d) but lacks the source's first event", head)}
	}
	return nil
}

// inTarget reports whether the target holds e at its place, and refuses another event there.
func (c *copier) inTarget(ctx context.Context, e eventstore.RecordedEvent) (bool, error) {
	got, err := c.dst.ReadStream(ctx, e.Stream, e.Revision, 1)
	if err != nil {
		return false, fmt.Errorf("reading the target's stream %s: %w", e.Stream, err)
	}
	if len(got) == 0 {
		return false, nil
	}
	if got[0].ID != e.ID {
		return false, &ConflictError{Stream: e.Stream, Revision: e.Revision, Source: e.ID, Target: got[0].ID, Reason: "the target holds another event there"}
	}
	return true, nil
}

// appendAll appends events in order, each run of consecutive events of one stream (up to
// MaxBatch events and MaxBatchBytes) in one append.
func (c *copier) appendAll(ctx context.Context, events []eventstore.RecordedEvent) error {
	for len(events) > 0 {
		n, size := 1, BatchBytes(events[0])
		for n < len(events) && n < c.opts.MaxBatch && events[n].Stream == events[0].Stream && size+BatchBytes(events[n]) <= c.opts.MaxBatchBytes {
			size += BatchBytes(events[n])
			n++
		}
		if err := c.appendRun(ctx, events[:n]); err != nil {
			return err
		}
		c.rep.Copied += uint64(n)
		events = events[n:]
	}
	return nil
}

// appendRun appends consecutive events of one stream at exactly their revisions.
func (c *copier) appendRun(ctx context.Context, run []eventstore.RecordedEvent) error {
	first := run[0]
	expected := eventstore.NoStream
	if first.Revision > 0 {
		expected = eventstore.Exact(first.Revision - 1)
	}
	evs := make([]eventstore.Event, len(run))
	for i, e := range run {
		evs[i] = eventstore.Event{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
	}
	res, err := c.dst.Append(ctx, first.Stream, expected, evs...)
	var conflict *eventstore.ConflictError
	switch {
	case errors.As(err, &conflict):
		return c.explain(ctx, first, conflict)
	case errors.Is(err, eventstore.ErrDuplicateEventID):
		return fmt.Errorf("refusing to copy: the target holds event %s (stream %s revision %d of the source) elsewhere: %w", first.ID, first.Stream, first.Revision, err)
	case err != nil:
		return fmt.Errorf("appending to the target's stream %s at revision %d: %w", first.Stream, first.Revision, err)
	}
	if last := run[len(run)-1]; res.NextRevision != last.Revision {
		return fmt.Errorf("the target put stream %s's revision %d at revision %d", first.Stream, last.Revision, res.NextRevision)
	}
	return nil
}

// explain turns the target's refusal of e into what the operator needs to know.
func (c *copier) explain(ctx context.Context, e eventstore.RecordedEvent, conflict *eventstore.ConflictError) error {
	if conflict.Exists && conflict.Actual >= e.Revision {
		there, err := c.dst.ReadStream(ctx, e.Stream, e.Revision, 1)
		target := uuid.Nil
		if err == nil && len(there) == 1 {
			target = there[0].ID
		}
		return &ConflictError{Stream: e.Stream, Revision: e.Revision, Source: e.ID, Target: target, Reason: "the target holds another event there"}
	}
	reason := "the target lacks the stream's earlier events"
	if conflict.Exists {
		reason = fmt.Sprintf("the target's stream ends at revision %d, so it lacks the stream's earlier events", conflict.Actual)
	}
	return &ConflictError{Stream: e.Stream, Revision: e.Revision, Source: e.ID, Reason: reason}
}

// checkEnds closes what the page-wise skip leaves open: for every stream of the source, the target
// holds the same last event at the same revision and nothing after it. It costs one read per
// stream.
func (c *copier) checkEnds(ctx context.Context) error {
	for stream, end := range c.ends {
		got, err := c.dst.ReadStream(ctx, stream, end.revision, 2)
		if err != nil {
			return fmt.Errorf("checking the target's stream %s: %w", stream, err)
		}
		switch {
		case len(got) == 0:
			return &ConflictError{Stream: stream, Revision: end.revision, Source: end.id, Reason: "the target lacks this event, though it holds later events of the source"}
		case got[0].ID != end.id:
			return &ConflictError{Stream: stream, Revision: end.revision, Source: end.id, Target: got[0].ID, Reason: "the target holds another event there"}
		case len(got) > 1:
			return &ConflictError{Stream: stream, Revision: got[1].Revision, Target: got[1].ID, Reason: "the target's stream goes on past the source's"}
		}
	}
	return nil
}
