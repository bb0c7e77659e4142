package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

// The mirror's last stage writes what the mirror checked: each batch is indexed (durably, first:
// an index entry past the store's head is dropped when the mirror is opened again), committed to
// the mirror's store in the server's order, and added to the tree. It runs beside the stage that
// links events to their chains, so that linking the next pages does not wait for a commit: the
// store's writing was a third of the mirror's work, and with it in line the linking stage stood
// idle for each commit.

// batch is checked events handed to the writer, with the page buffers their bytes are in and the
// server's head position as the page of the last one named it.
type batch struct {
	events []checked
	lent   []*[]byte
	head   uint64
}

// writer is the mirror's writing stage.
type writer struct {
	in   chan batch // unbuffered: a batch is handed over only to a writer that is free
	done chan struct{}
	// failed is closed once a write fails, err then being why: the linking stops handing over.
	failed chan struct{}
	err    error
}

// startWriter starts the writing stage. finish stops it.
func (m *mirror) startWriter(ctx context.Context) *writer {
	w := &writer{in: make(chan batch), done: make(chan struct{}), failed: make(chan struct{})}
	go func() {
		defer close(w.done)
		for b := range w.in {
			if w.err == nil {
				if w.err = m.write(ctx, b); w.err != nil {
					close(w.failed)
				}
			}
			// The store and the tree copied what they keep: the pages' buffers are free again.
			for _, buf := range b.lent {
				pageBuffers.Put(buf)
			}
		}
	}()
	return w
}

// handOver gives the writer the pending events, waiting for it to be free if wait, else only if it
// is free now. It returns the writer's error, if a write failed.
func (m *mirror) handOver(w *writer, wait bool) error {
	select {
	case <-w.failed:
		return w.err
	default:
	}
	if len(m.pending) == 0 {
		return nil
	}
	b := batch{events: m.pending, lent: m.lent, head: m.head}
	if wait {
		select {
		case w.in <- b:
		case <-w.failed:
			return w.err
		}
	} else {
		select {
		case w.in <- b:
		default:
			return nil
		}
	}
	m.pending, m.lent, m.bytes, m.handedAt = make([]checked, 0, commitEvents), nil, 0, time.Now()
	return nil
}

// finish hands over what is pending, interrupted or not (every event in it was checked, and an
// interrupted audit keeps what it verified for the next one to resume after), waits for the writer
// to write it all and returns err joined with the writer's.
func (m *mirror) finish(w *writer, err error) error {
	herr := m.handOver(w, true)
	close(w.in)
	<-w.done
	if w.err != nil && herr == nil {
		herr = w.err
	}
	return errors.Join(err, herr)
}

// write writes b to the mirror in one commit, each run of one stream's events pinned to its
// revisions, after indexing them; then adds them to the tree.
func (m *mirror) write(ctx context.Context, b batch) error {
	local := m.ix.size()
	var parts []boltstore.Part
	entries := make([]indexed, len(b.events))
	for i, p := range b.events {
		entries[i] = indexed{server: p.rec.Position, leaf: ledgertree.Leaf{EventID: p.rec.ID, Position: local + uint64(i) + 1, Hash: p.leaf}}
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
	if err := m.ix.add(entries); err != nil {
		return fmt.Errorf("indexing the mirror: %w", err)
	}
	// Written whether or not the audit is being interrupted: every event here was checked.
	res, err := m.store.AppendSequence(context.WithoutCancel(ctx), parts)
	if err != nil {
		return fmt.Errorf("writing to the mirror: %w", err)
	}
	if res.Position != local+uint64(len(entries)) {
		return fmt.Errorf("the mirror's store put the last event at position %d, not %d: it holds events this audit did not write", res.Position, local+uint64(len(entries)))
	}
	for _, e := range entries {
		if _, err := m.tree.Append(e.leaf); err != nil {
			return err
		}
	}
	m.mirrored += uint64(len(entries))
	if m.progress != nil {
		m.progress(m.mirrored, entries[len(entries)-1].server, b.head)
	}
	return nil
}
