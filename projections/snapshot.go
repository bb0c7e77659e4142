package projections

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"

	"github.com/google/uuid"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// A snapshot is the projector's state at one position P of the log, so that a restart reads only
// the events recorded after P instead of folding the whole log again. Like the ledger tree's
// checkpoint it is a cache of the log, never a source of truth: Restore checks it against the log
// before it is used, and a snapshot that fails a check is refused, never repaired.
//
// The file is a header, the state (snapshot_state.go) and the SHA-256 of everything before it:
//
//	magic       snapshotMagic
//	format      uint32, big-endian: snapshotFormat
//	fold        uint32: FoldVersion, what the state means
//	schema      uint32: eventcodec.SchemaVersion, the event shapes the fold was given
//	position    uint64: P, the last position applied
//	event id    16 bytes: the event at P
//	previous    uint64: the position of the last event of ours before P (0 if none), where a read
//	            of the log starts to find P: positions need not be contiguous
//	events      uint64: events applied (Events)
//	skipped     uint64: foreign events skipped
//	registry    uint64: registry events among them
//	state       to the end but 32 bytes
//	checksum    32 bytes
const (
	snapshotMagic  = "assurance-ledger/projections snapshot\n"
	snapshotFormat = 3

	snapshotHeaderSize = len(snapshotMagic) + 3*4 + 8 + 16 + 8 + 3*8
)

// FoldVersion names what the projections make of the events. Raise it with any change that makes
// them fold the same events into something else (a summary counted differently, a new field of a
// view filled from old events): a snapshot written by the earlier fold is then refused and the log
// folded again, instead of a restored prefix meaning one thing and the events after it another.
// snapshotFormat is only the encoding of the bytes. eventcodec.SchemaVersion is checked beside it, for
// upcasters change what the fold is given.
const FoldVersion = 5 // 3: plans keep their content digest, delivery reports and board approvals; 4: stale returns, superseded open conditions, deadlines as published; 5: a capability's stated status is its interim solution's only

// Why a snapshot is refused. Each means the snapshot cannot be used and the log must be folded
// from the start instead; any other error from Restore is one reading the log.
var (
	ErrNotSnapshot      = errors.New("projections: not a projections snapshot")
	ErrSnapshotFormat   = errors.New("projections: snapshot in a format this build does not read")
	ErrSnapshotDamaged  = errors.New("projections: snapshot damaged")
	ErrSnapshotOtherLog = errors.New("projections: snapshot of another log")
	ErrSnapshotAhead    = errors.New("projections: snapshot ahead of the log")
)

// refused reports whether err is one of the reasons a snapshot is refused.
func refused(err error) bool {
	for _, r := range []error{ErrNotSnapshot, ErrSnapshotFormat, ErrSnapshotDamaged, ErrSnapshotOtherLog, ErrSnapshotAhead} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// SnapshotInfo says what a snapshot holds.
type SnapshotInfo struct {
	Position eventstore.Position // the last position applied
	Events   int                 // events applied (Events)
	Skipped  int                 // foreign events skipped
	Plans    int
	Bytes    int
}

type snapshotHeader struct {
	position                  eventstore.Position
	eventID                   uuid.UUID
	previous                  eventstore.Position
	events, skipped, registry uint64
}

// WriteSnapshot writes the projector's state as it stands after the last event applied. The read
// lock, which holds up the applier (and, behind it, readers), is held only to take the state; it
// is encoded and written after.
func (p *Projector) WriteSnapshot(w io.Writer) (SnapshotInfo, error) {
	snap, info, err := p.snapshot()
	if err != nil {
		return SnapshotInfo{}, err
	}
	if _, err := w.Write(snap); err != nil {
		return SnapshotInfo{}, fmt.Errorf("projections: writing the snapshot: %w", err)
	}
	return info, nil
}

// snapshot returns the snapshot's bytes.
func (p *Projector) snapshot() ([]byte, SnapshotInfo, error) {
	p.mu.RLock()
	if e := p.failed.Load(); e != nil {
		p.mu.RUnlock()
		// A failed event may have been folded in part: the state is not the log's at any position.
		return nil, SnapshotInfo{}, fmt.Errorf("projections: no snapshot of projections that stopped on an error: %w", *e)
	}
	h := snapshotHeader{position: p.appliedPos, eventID: p.appliedID, events: uint64(p.events), skipped: uint64(p.skipped),
		registry: uint64(len(p.registryLog))}
	if n := len(p.timeline.positions); n > 0 {
		i := sort.Search(n, func(i int) bool { return p.timeline.positions[i] >= h.position })
		if i > 0 {
			h.previous = p.timeline.positions[i-1]
		}
	}
	state := p.captureLocked()
	info := SnapshotInfo{Position: h.position, Events: p.events, Skipped: p.skipped, Plans: len(p.order)}
	p.mu.RUnlock()
	e := newSnapEncoder()
	// Sized from the last snapshot with room to grow, so that the buffer is not copied mid-encode.
	last := p.snapshotSize.Load()
	e.buf = appendSnapshotHeader(make([]byte, 0, last+last/8+sha256.Size+64), h)
	state.encode(e)
	sum := sha256.Sum256(e.buf)
	snap := append(e.buf, sum[:]...)
	info.Bytes = len(snap)
	p.snapshotSize.Store(int64(len(snap)))
	return snap, info, nil
}

func appendSnapshotHeader(b []byte, h snapshotHeader) []byte {
	b = append(b, snapshotMagic...)
	b = binary.BigEndian.AppendUint32(b, snapshotFormat)
	b = binary.BigEndian.AppendUint32(b, FoldVersion)
	b = binary.BigEndian.AppendUint32(b, eventcodec.SchemaVersion)
	b = binary.BigEndian.AppendUint64(b, h.position)
	b = append(b, h.eventID[:]...)
	b = binary.BigEndian.AppendUint64(b, h.previous)
	b = binary.BigEndian.AppendUint64(b, h.events)
	b = binary.BigEndian.AppendUint64(b, h.skipped)
	return binary.BigEndian.AppendUint64(b, h.registry)
}

// Restore returns a projector holding the state snapshot r holds, for store. Before anything is
// restored, the snapshot must be whole (its checksum), of this format, and of this log: the event
// at its position must be in the log with the id it recorded (the check the ledger tree makes of
// its checkpoint's last leaf; it catches a snapshot of another ledger, another store or a log that
// was rolled back, not an edit of the log beneath it, which ledger verify finds). The registry is
// refolded from the log and must have as many events up to that position as the snapshot counted.
//
// A refusal is one of the ErrNotSnapshot ... ErrSnapshotAhead errors; any other error is one reading
// the log. The projector is not ready: Run (or CatchUp) goes on from the snapshot's position.
func Restore(ctx context.Context, store eventstore.Store, log *slog.Logger, r io.Reader) (*Projector, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("projections: reading the snapshot: %w", err)
	}
	return restore(ctx, store, log, data)
}

func restore(ctx context.Context, store eventstore.Store, log *slog.Logger, data []byte) (*Projector, error) {
	h, state, err := parseSnapshot(data)
	if err != nil {
		return nil, err
	}
	if err := h.checkAgainst(ctx, store); err != nil {
		return nil, err
	}
	// p is not shared until it is returned, so its state is set without the lock.
	p := New(store, log)
	returns, err := p.decodeState(&snapDecoder{buf: state})
	if err != nil {
		return nil, err
	}
	if n := len(p.timeline.positions); uint64(n) != h.events || (n > 0 && p.timeline.positions[n-1] > h.position) {
		return nil, fmt.Errorf("%w: %d events applied up to position %d, but a timeline of %d events", ErrSnapshotDamaged, h.events, h.position, n)
	}
	if err := p.refoldRegistry(ctx, h); err != nil {
		return nil, err
	}
	if err := p.refoldReturns(ctx, h, returns); err != nil {
		return nil, err
	}
	p.events, p.skipped = int(h.events), int(h.skipped)
	p.appliedPos, p.appliedID = h.position, h.eventID
	p.progress.Set(h.position)
	p.snapshotSize.Store(int64(len(data)))
	p.saved.Store(&snapshotMark{read: int(h.events + h.skipped), pos: h.position})
	return p, nil
}

// parseSnapshot checks the snapshot's magic, format and checksum, and returns its header and state.
func parseSnapshot(data []byte) (snapshotHeader, []byte, error) {
	var h snapshotHeader
	if !bytes.HasPrefix(data, []byte(snapshotMagic)) {
		if len(data) < len(snapshotMagic) && bytes.HasPrefix([]byte(snapshotMagic), data) {
			return h, nil, fmt.Errorf("%w: cut short at %d bytes", ErrSnapshotDamaged, len(data))
		}
		return h, nil, ErrNotSnapshot
	}
	rest := data[len(snapshotMagic):]
	if len(rest) < 4 {
		return h, nil, fmt.Errorf("%w: cut short at %d bytes", ErrSnapshotDamaged, len(data))
	}
	if f := binary.BigEndian.Uint32(rest); f != snapshotFormat {
		return h, nil, fmt.Errorf("%w: format %d, this build reads format %d", ErrSnapshotFormat, f, snapshotFormat)
	}
	if len(rest) < 3*4 {
		return h, nil, fmt.Errorf("%w: cut short at %d bytes", ErrSnapshotDamaged, len(data))
	}
	if f, sv := binary.BigEndian.Uint32(rest[4:]), binary.BigEndian.Uint32(rest[8:]); f != FoldVersion || sv != eventcodec.SchemaVersion {
		return h, nil, fmt.Errorf("%w: written by a fold of version %d over events of schema version %d; this build folds with version %d over schema version %d",
			ErrSnapshotFormat, f, sv, FoldVersion, eventcodec.SchemaVersion)
	}
	if len(data) < snapshotHeaderSize+sha256.Size {
		return h, nil, fmt.Errorf("%w: cut short at %d bytes", ErrSnapshotDamaged, len(data))
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return h, nil, fmt.Errorf("%w: its checksum does not match its content (torn or edited)", ErrSnapshotDamaged)
	}
	rest = rest[3*4:]
	next := func() uint64 {
		x := binary.BigEndian.Uint64(rest)
		rest = rest[8:]
		return x
	}
	h.position = next()
	h.eventID = uuid.UUID(rest[:16])
	rest = rest[16:]
	h.previous, h.events, h.skipped, h.registry = next(), next(), next(), next()
	return h, body[snapshotHeaderSize:], nil
}

// checkAgainst checks that the event at the snapshot's position is in store's log with the id the
// snapshot recorded.
func (h snapshotHeader) checkAgainst(ctx context.Context, store eventstore.Store) error {
	if h.position == 0 {
		return nil // nothing applied: the start of every log
	}
	head, err := store.Head(ctx)
	if err != nil {
		return fmt.Errorf("projections: checking the snapshot against the log: %w", err)
	}
	if head < h.position {
		return fmt.Errorf("%w: the snapshot is at position %d, the log ends at %d", ErrSnapshotAhead, h.position, head)
	}
	// Foreign events may lie between previous and the position, so read on until it is passed.
	after := h.previous
	for {
		events, err := store.ReadAll(ctx, after, 64)
		if errors.Is(err, eventstore.ErrInvalidPosition) {
			// A snapshot of another store's log (moved from the embedded store to EventStoreDB).
			return fmt.Errorf("%w: the log has no event at the snapshot's position %d: %w", ErrSnapshotOtherLog, after, err)
		}
		if err != nil {
			return fmt.Errorf("projections: checking the snapshot against the log: %w", err)
		}
		if len(events) == 0 {
			return fmt.Errorf("%w: the snapshot is at position %d, the log has no event there", ErrSnapshotAhead, h.position)
		}
		for _, rec := range events {
			if rec.Position < h.position {
				continue
			}
			if rec.Position > h.position || rec.ID != h.eventID {
				return fmt.Errorf("%w: the snapshot's last event is %s at position %d; the log has no such event there", ErrSnapshotOtherLog, h.eventID, h.position)
			}
			return nil
		}
		after = events[len(events)-1].Position
	}
}

// refoldRegistry folds the registry stream up to the snapshot's position, as applyLocked did.
func (p *Projector) refoldRegistry(ctx context.Context, h snapshotHeader) error {
	recs, err := p.store.ReadStream(ctx, domain.RegistryStream, 0, 0)
	if err != nil {
		return fmt.Errorf("projections: reading the registry to restore the snapshot: %w", err)
	}
	recs = recs[:sort.Search(len(recs), func(i int) bool { return recs[i].Position > h.position })]
	if uint64(len(recs)) != h.registry {
		return fmt.Errorf("%w: the snapshot folded %d registry events up to position %d, the log has %d", ErrSnapshotOtherLog, h.registry, h.position, len(recs))
	}
	var b decodedBatch
	if err := decodeAll(recs, &b, inParallel); err != nil {
		return err
	}
	for i, d := range b.decoded {
		if d.err != nil {
			return d.err
		}
		if err := p.applyRegistryLocked(recs[i].Position, d.event); err != nil {
			return fmt.Errorf("projections: position %d (registry revision %d): %w", recs[i].Position, recs[i].Revision, err)
		}
	}
	return nil
}

// refoldReturns folds, up to the snapshot's position, the streams of every SHA's returns for every
// round the registry had published by then (which is every stream a return can be in), and checks
// that they hold as many events as the snapshot counted.
func (p *Projector) refoldReturns(ctx context.Context, h snapshotHeader, want int) error {
	var recs []eventstore.RecordedEvent
	for _, sha := range sortedKeys(p.shaSince) {
		for _, rd := range p.registry.Rounds() {
			if _, _, ok := domain.ParseReturnID(domain.ReturnID(sha, rd.Round)); !ok {
				continue
			}
			events, err := p.store.ReadStream(ctx, domain.ReturnStream(sha, rd.Round), 0, 0)
			if err != nil {
				return fmt.Errorf("projections: reading %s's returns for %s to restore the snapshot: %w", sha, rd.Round, err)
			}
			for _, rec := range events {
				if rec.Position <= h.position {
					recs = append(recs, rec)
				}
			}
		}
	}
	if len(recs) != want {
		return fmt.Errorf("%w: the snapshot folded %d events of SHAs' returns up to position %d, the log has %d", ErrSnapshotOtherLog, want, h.position, len(recs))
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Position < recs[j].Position })
	for _, rec := range recs {
		d := decode(rec)
		if d.err != nil {
			return d.err
		}
		_, id, _ := domain.ParseStream(rec.Stream)
		if err := p.applyReturnLocked(rec.Position, id, d.event); err != nil {
			return fmt.Errorf("projections: position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
		}
	}
	return nil
}
