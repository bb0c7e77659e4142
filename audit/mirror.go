package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
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
// where the last audit stopped, checks every event as ledger verify does (its stream's revision
// sequence and chain, its recomputed hash, that it decodes), and only then writes it to the local
// store, in the server's order, and adds it to the local tree. Nothing the server says is kept
// unchecked: an event that fails stops the mirror before it, and is reported.

// link is the end of one stream's chain as the mirror holds it.
type link struct {
	next uint64 // revision expected next
	hash string // stored hash of the last event
}

type mirror struct {
	c     *client
	store *boltstore.Store
	tree  *ledgertree.Tree
	pos   *positions
	page  int
	// chains caches the end of each stream's chain seen in this run; a stream not in it is looked
	// up in the local store once.
	chains map[string]link
	// progress is called after each page with the events mirrored in this run and the server's
	// head position.
	progress func(mirrored uint64, serverPosition, head uint64)
	mirrored uint64
}

// fetched is one page of the stored feed, decoded, or the error reading it.
type fetched struct {
	page api.StoredEventsPage
	path string
	err  error
}

// run mirrors every event after the last one held, to the end of the server's log as the feed
// reports it. A finding is an event that fails its checks: it and what follows are not mirrored.
func (m *mirror) run(ctx context.Context) (*Finding, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, 2) // the next pages are read while one is checked and written
	go m.fetch(ctx, m.pos.last()+1, pages)
	for f := range pages {
		if f.err != nil {
			return nil, f.err
		}
		finding, err := m.take(ctx, f)
		if finding != nil || err != nil {
			return finding, err
		}
		if m.progress != nil {
			m.progress(m.mirrored, m.pos.last(), f.page.HeadPosition)
		}
	}
	return nil, ctx.Err()
}

// fetch reads the stored feed from position from until a page says it is the last.
func (m *mirror) fetch(ctx context.Context, from uint64, out chan<- fetched) {
	defer close(out)
	for {
		path := fmt.Sprintf("/v1/audit/events?view=stored&from_position=%d&limit=%d", from, m.page)
		_, body, err := m.c.get(ctx, path)
		var f fetched
		f.path = path
		if err == nil {
			if err = jsonv1.Unmarshal(body, &f.page); err != nil {
				err = fmt.Errorf("GET %s: not a page of the stored feed: %w", path, err)
			} else if f.page.Format != api.StoredEventsFormat {
				err = fmt.Errorf("GET %s: the feed's stored view has format %q; this build reads %q", path, f.page.Format, api.StoredEventsFormat)
			}
		}
		f.err = err
		select {
		case out <- f:
		case <-ctx.Done():
			return
		}
		if err != nil || f.page.NextFromPosition == nil {
			return
		}
		if *f.page.NextFromPosition <= from {
			select {
			case out <- fetched{err: fmt.Errorf("GET %s: the next page would start at position %d, not after %d", path, *f.page.NextFromPosition, from)}:
			case <-ctx.Done():
			}
			return
		}
		from = *f.page.NextFromPosition
	}
}

// pending is a checked event waiting to be written.
type pending struct {
	rec  eventstore.RecordedEvent
	leaf [ledgertree.HashSize]byte
}

// take checks one page's events and writes those that pass, in one commit.
func (m *mirror) take(ctx context.Context, f fetched) (*Finding, error) {
	var ok []pending
	var finding *Finding
	last := m.pos.last()
	for _, e := range f.page.Events {
		rec, reason := m.check(ctx, e, last)
		if reason == "" {
			var leaf [ledgertree.HashSize]byte
			leaf, reason = m.advance(ctx, rec)
			if reason == "" {
				ok = append(ok, pending{rec: rec, leaf: leaf})
				last = e.Position
				continue
			}
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		finding = &Finding{Kind: KindBadEvent, Position: e.Position, Stream: e.Stream, Revision: e.Revision, EventID: e.EventID, Type: e.Type,
			Reason: reason}
		break
	}
	if err := m.write(ctx, ok); err != nil {
		return nil, err
	}
	return finding, nil
}

// check is the part of an event's checks that needs nothing of its stream: where the feed puts it.
func (m *mirror) check(_ context.Context, e api.StoredEvent, after uint64) (eventstore.RecordedEvent, string) {
	id, err := uuid.Parse(e.EventID)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Sprintf("event id %q is not a UUID", e.EventID)
	}
	rec := eventstore.RecordedEvent{ID: id, Stream: e.Stream, Revision: e.Revision, Position: e.Position, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
	switch {
	case e.Position <= after:
		return rec, fmt.Sprintf("the feed gives position %d after position %d: out of order", e.Position, after)
	case !domain.IsLedgerStream(e.Stream):
		return rec, fmt.Sprintf("stream %q is not one of the ledger's, which the feed never gives", e.Stream)
	}
	return rec, ""
}

// advance checks rec against the end of its stream's chain (verify.Event: revision, prev_hash,
// recomputed hash, decoding) and moves that end on.
func (m *mirror) advance(ctx context.Context, rec eventstore.RecordedEvent) (leaf [ledgertree.HashSize]byte, reason string) {
	l, err := m.chainEnd(ctx, rec.Stream)
	if err != nil {
		return leaf, "the mirror cannot read its own copy of the stream: " + err.Error()
	}
	hash, reason := verify.Event(rec, l.next, l.hash)
	if reason != "" {
		return leaf, reason
	}
	if n, err := hex.Decode(leaf[:], []byte(hash)); err != nil || n != ledgertree.HashSize {
		return leaf, fmt.Sprintf("metadata hash %q is not 32 hex-encoded bytes", hash)
	}
	m.chains[rec.Stream] = link{next: rec.Revision + 1, hash: hash}
	return leaf, ""
}

// chainEnd is where stream's chain ends in the mirror.
func (m *mirror) chainEnd(ctx context.Context, stream string) (link, error) {
	if l, ok := m.chains[stream]; ok {
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
	return link{next: last.Revision + 1, hash: meta.Hash}, nil
}

// write appends checked events to the mirror in one commit, each run of one stream's events pinned
// to its revisions, after recording their server positions; then adds them to the tree.
func (m *mirror) write(ctx context.Context, ok []pending) error {
	if len(ok) == 0 {
		return nil
	}
	var parts []boltstore.Part
	server := make([]uint64, len(ok))
	for i, p := range ok {
		server[i] = p.rec.Position
		e := eventstore.Event{ID: p.rec.ID, Type: p.rec.Type, Data: p.rec.Data, Metadata: p.rec.Metadata}
		if n := len(parts); n > 0 && parts[n-1].Stream == p.rec.Stream {
			parts[n-1].Events = append(parts[n-1].Events, e)
			continue
		}
		expected := eventstore.NoStream
		if p.rec.Revision > 0 {
			expected = eventstore.Exact(p.rec.Revision - 1)
		}
		parts = append(parts, boltstore.Part{Stream: p.rec.Stream, Expected: expected, Events: []eventstore.Event{e}})
	}
	local := uint64(len(m.pos.server))
	if err := m.pos.add(server); err != nil {
		return fmt.Errorf("recording the server's positions: %w", err)
	}
	res, err := m.store.AppendSequence(ctx, parts)
	if err != nil {
		return fmt.Errorf("writing to the mirror: %w", err)
	}
	if res.Position != local+uint64(len(ok)) {
		return fmt.Errorf("the mirror's store put the last event at position %d, not %d: it holds events this audit did not write", res.Position, local+uint64(len(ok)))
	}
	for i, p := range ok {
		if _, err := m.tree.Append(ledgertree.Leaf{EventID: p.rec.ID, Position: local + uint64(i) + 1, Hash: p.leaf}); err != nil {
			return err
		}
	}
	m.mirrored += uint64(len(ok))
	return nil
}

// rate is events a second over d.
func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
