package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/google/uuid"

	"assurance-ledger/api"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// The mirror reads the server's log through the audit feed's stored view, a page at a time from
// where the last audit stopped, checks every event as ledger verify does (verify.SealHash and Link:
// its stream's revision sequence and chain, its hash recomputed from its stored bytes), and only
// then writes it to the local store, in the server's order, and adds it to the local tree. Nothing
// the server says is kept unchecked: an event that fails stops the mirror before it, and is
// reported. Decoding, which depends on the auditor's build rather than on the log, is left to the
// comparison, which rebuilds every projection from the mirror (and to ledger verify on it).
//
// Four stages overlap: pages are read and decoded ahead; each page's events are sealed (the
// checks that need nothing of their stream, most of the work) on every core; the events are linked
// to their streams' chains in order; and what is linked is written and added to the tree a few
// pages a commit (mirror_write.go) while the next pages are linked.

// link is the end of one stream's chain as the mirror holds it.
type link struct {
	next     uint64 // revision expected next
	hash     string // stored hash of the last event
	position uint64 // server position of the last event
}

type mirror struct {
	c     *client
	store *boltstore.Store
	tree  *ledgertree.Tree
	ix    *index
	page  int
	// chains caches the end of each stream's chain seen in this run; a stream not in it is looked
	// up in the local store once, unless the mirror held nothing when the run began (fresh): every
	// stream it holds is then in chains.
	chains map[string]link
	fresh  bool
	// progress is called after each commit with the events mirrored in this run and the server's
	// position and head.
	progress func(mirrored uint64, serverPosition, head uint64)
	// mirrored is how many events this run wrote: the writer's, read once run has returned.
	mirrored uint64
	// pending are checked events not yet handed to the writer; lent are the buffers their bytes
	// are in, given back once they are written.
	pending []checked
	lent    []*[]byte
	bytes   int
	// last is the server position of the last event checked (pending, being written or written);
	// head the server's head position as the latest page named it.
	last, head uint64
	// handedAt is when the writer last took what was pending (or the run began).
	handedAt time.Time
}

// A commit is made once this much is checked and the writer is free, and the linking waits for the
// writer once twice as much is: each commit rewrites the pages of the store's indexes it touches, so
// fewer, larger ones cost less. When no page is waiting, a free writer takes what is checked once
// there is a quarter of a commit, or a second after it last took any, rather than leave it unwritten
// while a slow server is waited on.
const (
	commitEvents = 8000
	commitBytes  = 16 << 20
)

// fetched is one page of the stored feed, decoded and sealed, or the error reading it.
type fetched struct {
	page   api.StoredEventsPage
	buf    *[]byte // the page's data and metadata are in it (pageBuffers)
	recs   []eventstore.RecordedEvent
	sealed []verify.Sealed
	bad    []string // why an event fails before its stream is known (its id, its place)
	// feed is why the page's paging is not an honest server's ("" when it is).
	feed string
	err  error
}

// checked is an event that passed, waiting to be written.
type checked struct {
	rec  eventstore.RecordedEvent
	leaf [ledgertree.HashSize]byte
}

// run mirrors every event after the last one held, to the end of the server's log as the feed
// reports it. A finding is an event that fails its checks: it and what follows are not mirrored.
func (m *mirror) run(ctx context.Context) (*Finding, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Pages are read two ahead, and sealed as far ahead as one commit holds, so that sealing goes on
	// on one core while the store writes a commit on the other.
	read := make(chan fetched, 2)
	sealed := make(chan fetched, commitEvents/1000)
	// Pages already read when the audit is interrupted are still checked and kept: the stages stop
	// handing pages on only once this run returns (stop), not when ctx ends.
	stop := make(chan struct{})
	defer close(stop)
	m.last, m.handedAt = m.ix.last(), time.Now()
	go m.fetch(ctx, stop, m.last+1, read)
	go m.seal(stop, read, sealed)
	w := m.startWriter(ctx)
	for {
		var f fetched
		var open bool
		select {
		case f, open = <-sealed:
		default:
			// Nothing checked is waiting: have what is written, if the writer is free, rather than wait
			// with it unwritten: once there is a quarter of a commit, or a second after the last.
			if len(m.pending) >= commitEvents/4 || m.bytes >= commitBytes/4 || time.Since(m.handedAt) >= time.Second {
				if err := m.handOver(w, false); err != nil {
					return nil, m.finish(w, err)
				}
			}
			f, open = <-sealed
		}
		if !open {
			break
		}
		if f.err != nil {
			// What was checked is kept, interrupted or not: the next audit resumes after it.
			return nil, m.finish(w, f.err)
		}
		m.head = f.page.HeadPosition
		m.lent = append(m.lent, f.buf)
		if f.feed != "" {
			return &Finding{Kind: KindBadFeed, Position: m.last + 1, Reason: f.feed}, m.finish(w, nil)
		}
		finding, err := m.take(ctx, f)
		if err != nil || finding != nil {
			return finding, m.finish(w, err)
		}
		if len(m.pending) >= commitEvents || m.bytes >= commitBytes {
			full := len(m.pending) >= 2*commitEvents || m.bytes >= 2*commitBytes
			if err := m.handOver(w, full); err != nil {
				return nil, m.finish(w, err)
			}
		}
	}
	return nil, errors.Join(m.finish(w, nil), ctx.Err())
}

// fetch reads the stored feed from position from until a page says it is the last.
func (m *mirror) fetch(ctx context.Context, stop <-chan struct{}, from uint64, out chan<- fetched) {
	defer close(out)
	var body bytes.Buffer // a page's body is done with once it is decoded
	limit, head := m.page, uint64(0)
	for {
		path := fmt.Sprintf("/v1/audit/events?view=stored&from_position=%d&limit=%d", from, limit)
		_, raw, err := m.c.do(ctx, &body, request{path: path, limit: pageLimit(limit)})
		var tooLarge *bodyTooLarge
		if errors.As(err, &tooLarge) && limit > 1 {
			limit = max(limit/2, 1) // large events: ask for fewer at a time
			continue
		}
		f := fetched{buf: pageBuffers.Get().(*[]byte)}
		if err == nil {
			if f.page, err = decodePage(raw, f.buf); err != nil {
				err = fmt.Errorf("GET %s: not a page of the stored feed: %w", path, err)
			} else if f.page.Format != api.StoredEventsFormat {
				err = fmt.Errorf("GET %s: the feed's stored view has format %q; this build reads %q", path, f.page.Format, api.StoredEventsFormat)
			} else {
				f.feed = pageFault(path, from, limit, head, f.page)
				head = f.page.HeadPosition
			}
		}
		f.err = err
		select {
		case out <- f:
		case <-stop:
			return
		}
		if err != nil || f.feed != "" || f.page.NextFromPosition == nil {
			return
		}
		from, limit = *f.page.NextFromPosition, m.page
	}
}

// pageFault is what is wrong with the paging of a page of the feed read from position from, limit
// records at most, after pages that named head as the server's head ("" when nothing): an honest
// server's pages each start where the last said, hold events from there up to the head in order,
// and end with a next position after their last event and no further than the head; a page with
// no event and a next one passed over limit records of other streams, each at a position of its
// own. A server that pages otherwise could keep an audit reading forever.
func pageFault(path string, from uint64, limit int, head uint64, p api.StoredEventsPage) string {
	if p.HeadPosition < head {
		return fmt.Sprintf("GET %s: the server's head position went back from %d to %d between two pages", path, head, p.HeadPosition)
	}
	last := from - 1
	for _, e := range p.Events {
		if e.Position <= last || e.Position > p.HeadPosition {
			return fmt.Sprintf("GET %s: the page gives position %d, outside %d to %d (after the last event given, up to the head it names)", path, e.Position, last+1, p.HeadPosition)
		}
		last = e.Position
	}
	if next := p.NextFromPosition; next != nil {
		switch {
		case *next <= last || *next <= from-1 || *next == from && len(p.Events) == 0:
			return fmt.Sprintf("GET %s: the next page would start at position %d, which does not advance past %d", path, *next, max(last, from))
		case *next > p.HeadPosition:
			return fmt.Sprintf("GET %s: the next page would start at position %d, past the head position %d the page names", path, *next, p.HeadPosition)
		case len(p.Events) == 0 && *next-from < uint64(limit):
			return fmt.Sprintf("GET %s: an empty page whose next page starts at position %d: a page of %d records with no event of the ledger's would end at %d at the least", path, *next, limit, from+uint64(limit))
		}
	}
	return ""
}

// seal makes each page's events' own checks, spread over the cores.
func (m *mirror) seal(stop <-chan struct{}, in <-chan fetched, out chan<- fetched) {
	defer close(out)
	workers := runtime.GOMAXPROCS(0)
	for f := range in {
		if f.err == nil {
			n := len(f.page.Events)
			f.recs, f.sealed, f.bad = make([]eventstore.RecordedEvent, n), make([]verify.Sealed, n), make([]string, n)
			var wg sync.WaitGroup
			per := (n + workers - 1) / max(workers, 1)
			for lo := 0; lo < n; lo += per {
				hi := min(lo+per, n)
				wg.Go(func() {
					for i := lo; i < hi; i++ {
						f.recs[i], f.bad[i] = record(f.page.Events[i])
						if f.bad[i] == "" {
							f.sealed[i] = verify.SealHash(f.recs[i])
						}
					}
				})
			}
			wg.Wait()
		}
		select {
		case out <- f:
		case <-stop:
			return
		}
	}
}

// record is e as a recorded event, or why it cannot be one.
func record(e api.StoredEvent) (eventstore.RecordedEvent, string) {
	id, err := uuid.Parse(e.EventID)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Sprintf("event id %q is not a UUID", e.EventID)
	}
	rec := eventstore.RecordedEvent{ID: id, Stream: e.Stream, Revision: e.Revision, Position: e.Position, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
	if !domain.IsLedgerStream(e.Stream) {
		return rec, fmt.Sprintf("stream %q is not one of the ledger's, which the feed never gives", e.Stream)
	}
	return rec, ""
}

// take links a sealed page's events to their chains, in order, and keeps those that pass. An
// error is the mirror's own (reading its copy of a stream), no finding against the server.
func (m *mirror) take(ctx context.Context, f fetched) (*Finding, error) {
	last := m.last
	for i, e := range f.page.Events {
		rec, reason := f.recs[i], f.bad[i]
		if reason == "" && e.Position <= last {
			reason = fmt.Sprintf("the feed gives position %d after position %d: out of order", e.Position, last)
		}
		var leaf [ledgertree.HashSize]byte
		if reason == "" {
			var err error
			if leaf, reason, err = m.link(ctx, rec, f.sealed[i]); err != nil {
				return nil, err
			}
		}
		if reason != "" {
			return &Finding{Kind: KindBadEvent, Position: e.Position, Stream: e.Stream, Revision: e.Revision, EventID: e.EventID, Type: e.Type, Reason: reason}, nil
		}
		m.pending = append(m.pending, checked{rec: rec, leaf: leaf})
		m.bytes += len(rec.Data) + len(rec.Metadata)
		last = e.Position
		m.last = last
	}
	return nil, nil
}

// link checks rec, sealed as s, against the end of its stream's chain and moves that end on.
func (m *mirror) link(ctx context.Context, rec eventstore.RecordedEvent, s verify.Sealed) (leaf [ledgertree.HashSize]byte, reason string, err error) {
	// The mirror's own store, read whatever becomes of the audit: the pages already read are
	// checked and kept when it is interrupted.
	l, err := m.chainEnd(context.WithoutCancel(ctx), rec.Stream)
	if err != nil {
		return leaf, "", fmt.Errorf("the mirror cannot read its own copy of stream %s: %w", rec.Stream, err)
	}
	if reason := s.Link(rec, l.next, l.hash, l.position); reason != "" {
		return leaf, reason, nil
	}
	if n, err := hex.Decode(leaf[:], []byte(s.Hash)); err != nil || n != ledgertree.HashSize {
		return leaf, fmt.Sprintf("metadata hash %q is not 32 hex-encoded bytes", s.Hash), nil
	}
	m.chains[rec.Stream] = link{next: rec.Revision + 1, hash: s.Hash, position: rec.Position}
	return leaf, "", nil
}

// chainEnd is where stream's chain ends in the mirror.
func (m *mirror) chainEnd(ctx context.Context, stream string) (link, error) {
	if l, ok := m.chains[stream]; ok || m.fresh {
		if !ok {
			l.hash = eventcodec.GenesisHash
		}
		return l, nil
	}
	recs, err := m.store.ReadStream(ctx, stream, 0, 0)
	if err != nil || len(recs) == 0 {
		return link{hash: eventcodec.GenesisHash}, err
	}
	last := recs[len(recs)-1]
	var meta struct {
		Hash string `json:"hash"`
	}
	if err := jsonv1.Unmarshal(last.Metadata, &meta); err != nil {
		return link{}, err
	}
	return link{next: last.Revision + 1, hash: meta.Hash, position: m.ix.of(last.Position)}, nil
}

// rate is events a second over d.
func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
