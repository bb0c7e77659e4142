// Package verify re-checks a ledger offline: every stored record, every stream's revision sequence
// and every stream's hash chain, in global order. It trusts nothing it reads: each event's hash is
// recomputed from its stored bytes and each prev_hash is compared with the hash before it.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// Finding names an event that failed a check.
type Finding struct {
	Position eventstore.Position `json:"position"`
	Stream   string              `json:"stream,omitempty"`
	Revision uint64              `json:"revision"`
	EventID  string              `json:"event_id,omitempty"`
	Type     string              `json:"type,omitempty"`
	Reason   string              `json:"reason"`
}

// String names the event as far as it is known: a record that cannot be read has no id or type.
func (f Finding) String() string {
	if f.Stream == "" {
		return fmt.Sprintf("position %d: %s", f.Position, f.Reason)
	}
	where := fmt.Sprintf("position %d, stream %s revision %d", f.Position, f.Stream, f.Revision)
	if f.EventID != "" {
		where += ", event " + f.EventID
	}
	if f.Type != "" {
		where += " (" + f.Type + ")"
	}
	return where + ": " + f.Reason
}

// Report is the outcome of a verification.
type Report struct {
	Events   int       `json:"events"`
	Streams  int       `json:"streams"`
	Head     uint64    `json:"head_position"`
	Findings []Finding `json:"findings"` // oldest first, at most MaxFindings
	// Unreadable counts records the store could not read back intact; they are among the findings.
	Unreadable int `json:"unreadable"`
	// Foreign counts events of streams that are not the ledger's (another application's, in a
	// shared EventStoreDB): skipped, as the tree and the projections skip them.
	Foreign int `json:"foreign_events"`
}

// OK reports whether nothing failed.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// MaxFindings bounds the findings kept; the first is what matters, a few more help to see the extent.
const MaxFindings = 100

// unknownHash stands for the hash of an unreadable record: the link after it cannot be checked.
const unknownHash = ""

type chainHead struct {
	next     uint64              // revision expected next
	hash     string              // stored hash of the last event
	position eventstore.Position // of the last event
}

// Chains reads the whole log and checks each event against its stream's chain.
func Chains(ctx context.Context, store eventstore.Store) (Report, error) {
	rep := Report{Findings: []Finding{}} // an intact ledger's report lists no findings: [], not null

	heads := map[string]*chainHead{}
	var after eventstore.Position
	for {
		events, err := store.ReadAll(ctx, after, 1000)
		var corrupt *eventstore.CorruptError
		if errors.As(err, &corrupt) {
			// Events before the damaged record are checked on the next pass (ReadAll stopped at it);
			// here the record itself is reported and skipped, so the rest of the log is still checked.
			// One at a time: positions need not be contiguous, so no count reaches exactly up to it.
			for after+1 < corrupt.Position {
				one, err := store.ReadAll(ctx, after, 1)
				if err != nil || len(one) == 0 || one[0].Position >= corrupt.Position {
					break
				}
				rep.checkAll(one, heads)
				after = one[0].Position
			}
			f := Finding{Position: corrupt.Position, Stream: corrupt.Stream, Revision: corrupt.Revision, Reason: "stored record unreadable: " + corrupt.Reason}
			if corrupt.Stream != "" {
				f.EventID = corrupt.EventID.String()
				heads[corrupt.Stream] = &chainHead{next: corrupt.Revision + 1, hash: unknownHash, position: corrupt.Position}
			}
			rep.add(f)
			rep.Unreadable++
			rep.Head = corrupt.Position
			after = corrupt.Position
			continue
		}
		if err != nil {
			return rep, err
		}
		if len(events) == 0 {
			break
		}
		rep.checkAll(events, heads)
		after = events[len(events)-1].Position
	}
	rep.Streams = len(heads)
	return rep, nil
}

func (r *Report) checkAll(events []eventstore.RecordedEvent, heads map[string]*chainHead) {
	for _, ev := range events {
		r.Head = ev.Position
		if !domain.IsLedgerStream(ev.Stream) {
			r.Foreign++
			continue
		}
		r.Events++
		h := heads[ev.Stream]
		if h == nil {
			h = &chainHead{hash: eventcodec.GenesisHash}
			heads[ev.Stream] = h
		}
		if reason := check(ev, h); reason != "" {
			r.add(Finding{Position: ev.Position, Stream: ev.Stream, Revision: ev.Revision, EventID: ev.ID.String(), Type: ev.Type, Reason: reason})
		}
	}
}

// check verifies one event and advances its stream's head. It chains on the stored hash, so a single
// altered event is reported once rather than breaking every event after it.
func check(ev eventstore.RecordedEvent, h *chainHead) string {
	prevHash, wantRevision, prevPosition := h.hash, h.next, h.position
	h.next, h.position = ev.Revision+1, ev.Position
	var meta struct {
		EventID  string `json:"event_id"`
		PrevHash string `json:"prev_hash"`
		Hash     string `json:"hash"`
	}
	if err := json.Unmarshal(ev.Metadata, &meta); err != nil {
		return "metadata is not valid JSON: " + err.Error()
	}
	h.hash = meta.Hash
	switch {
	case ev.Revision != wantRevision:
		return fmt.Sprintf("revision %d follows revision %d: the stream has a gap or a repeat", ev.Revision, int64(wantRevision)-1)
	case meta.EventID != ev.ID.String():
		return fmt.Sprintf("metadata names event %s but the store holds it as %s", meta.EventID, ev.ID)
	case prevHash == unknownHash:
		// The previous record was unreadable: this link cannot be checked, the event itself can.
		prevHash = meta.PrevHash
	case meta.PrevHash != prevHash:
		// The previous event may have been rewritten with a recomputed hash: name both.
		return fmt.Sprintf("prev_hash %s does not match hash %s of the stream's previous event (position %d): this event or that one was altered", meta.PrevHash, prevHash, prevPosition)
	}
	got, err := eventcodec.ChainHash(prevHash, ev.Type, ev.Data, ev.Metadata)
	if err != nil {
		return err.Error()
	}
	if got != meta.Hash {
		return fmt.Sprintf("hash mismatch: stored %s, recomputed %s (the event was altered after it was recorded)", meta.Hash, got)
	}
	// Decoded as a reader would: upcast from the event's schema_version, after the hash is checked.
	env, err := eventcodec.DecodeEnvelope(ev.Type, ev.Data, ev.Metadata)
	if err != nil {
		return "event does not decode: " + err.Error()
	}
	return misplaced(ev.Stream, env.Data)
}

// misplaced says why an intact event is in a stream it does not belong to, or "": each type has one
// kind of stream (domain.Events), and a return's submission names its stream's SHA and round.
// Written only by a ledger with a bug, or by someone able to recompute hashes; the projections
// would refuse to fold it.
func misplaced(stream string, data domain.EventData) string {
	agg, id, _ := domain.ParseStream(stream)
	spec, _ := domain.Spec(data.EventType())
	if spec.Aggregate != agg {
		return fmt.Sprintf("a %s event belongs in a %s stream, not a %s stream", spec.Type, spec.Aggregate, agg)
	}
	if d, ok := data.(domain.SHAReturnSubmitted); ok && domain.ReturnID(d.SHACode, d.Round) != id {
		return fmt.Sprintf("the return is for %s's round %s but is in stream %s", d.SHACode, d.Round, stream)
	}
	return ""
}

func (r *Report) add(f Finding) {
	if len(r.Findings) < MaxFindings {
		r.Findings = append(r.Findings, f)
	}
}
