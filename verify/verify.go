// Package verify re-checks a ledger offline: every stored record, every stream's revision sequence
// and every stream's hash chain, in global order. It trusts nothing it reads: each event's hash is
// recomputed from its stored bytes and each prev_hash is compared with the hash before it.
package verify

import (
	"context"
	"errors"
	"fmt"

	jsonv1 "github.com/go-json-experiment/json/v1"

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

	authority *authority
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
//
// Every SRO sign-off is also held to the authority the rules require (SignOffRefusal): a forged
// sign-off chains like any other event.
func Chains(ctx context.Context, store eventstore.Store) (Report, error) {
	rep := Report{Findings: []Finding{}, authority: newAuthority()} // an intact ledger's report lists no findings: [], not null

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
		reason := check(ev, h)
		if reason == "" && r.authority != nil && relevant(ev.Type) {
			if e, err := eventcodec.DecodeEnvelopeDigest(ev.Type, ev.Data, ev.Metadata); err == nil {
				reason = r.authority.check(ev, e)
			}
		}
		if reason != "" {
			r.add(Finding{Position: ev.Position, Stream: ev.Stream, Revision: ev.Revision, EventID: ev.ID.String(), Type: ev.Type, Reason: reason})
		}
	}
}

// Sealed is what checking one event needs of nothing but the event itself: the chain members of
// its metadata, and whether its hash recomputes from its stored bytes and it decodes. A reader
// checking many events (ledger audit, mirroring a log) makes these checks for several at once,
// then links each to its stream's chain in order (Link), which together is exactly Chains' check.
type Sealed struct {
	EventID, PrevHash, Hash string
	metaErr                 string // the metadata is not JSON
	hashErr                 string // the hash does not recompute
	decodeErr               string // the event does not decode, or is in a stream of another kind
}

// SealHash makes ev's own checks but decoding: its metadata's chain members, its hash recomputed
// from its stored bytes, and, for a type this build knows, that it is in a stream of its kind. The hash is the reader's to check whatever the reader's code;
// decoding depends on it (a newer ledger's event types are unknown to an older build), so a reader
// that decodes later anyway (ledger audit, which rebuilds every projection from its mirror) keeps
// the two apart.
func SealHash(ev eventstore.RecordedEvent) Sealed {
	// json.Unmarshal's reading of the metadata (eventcodec holds its fast path to it), so the chain
	// members are those Seal reads.
	meta, err := eventcodec.DecodeMetadata(ev.Metadata)
	if err != nil {
		// Not metadata's shape (a member of another type, or not JSON at all): read as Seal reads it.
		var loose struct {
			EventID  string `json:"event_id"`
			PrevHash string `json:"prev_hash"`
			Hash     string `json:"hash"`
		}
		if jerr := jsonv1.Unmarshal(ev.Metadata, &loose); jerr != nil {
			return Sealed{metaErr: "metadata is not valid JSON: " + jerr.Error()}
		}
		meta.EventID, meta.PrevHash, meta.Hash = loose.EventID, loose.PrevHash, loose.Hash
	}
	s := Sealed{EventID: meta.EventID, PrevHash: meta.PrevHash, Hash: meta.Hash}
	if s.hashErr = hashFailure(s, ev); s.hashErr == "" {
		s.decodeErr = misplacedType(ev.Stream, ev.Type)
	}
	return s
}

// hashFailure is why ev's hash does not recompute from its stored bytes over the prev_hash its
// metadata names (Link requires that to be the chain's, or the chain's unknown); "" if it does.
func hashFailure(s Sealed, ev eventstore.RecordedEvent) string {
	got, err := eventcodec.ChainHash(s.PrevHash, ev.Type, ev.Data, ev.Metadata)
	switch {
	case err != nil:
		return err.Error()
	case got != s.Hash:
		return fmt.Sprintf("hash mismatch: stored %s, recomputed %s (the event was altered after it was recorded)", s.Hash, got)
	}
	return ""
}

// Seal makes ev's own checks.
func Seal(ev eventstore.RecordedEvent) Sealed {
	// Decoded as a reader would (upcast from the event's schema_version); a failure is reported
	// only once the hash is known to be right. The decoded metadata is json.Unmarshal's
	// (eventcodec holds its reading to it), so its chain members are those read below otherwise.
	e, decodeErr := eventcodec.DecodeEnvelope(ev.Type, ev.Data, ev.Metadata)
	s := Sealed{EventID: e.Meta.EventID, PrevHash: e.Meta.PrevHash, Hash: e.Meta.Hash}
	if decodeErr != nil {
		var meta struct {
			EventID  string `json:"event_id"`
			PrevHash string `json:"prev_hash"`
			Hash     string `json:"hash"`
		}
		// encoding/json's semantics on the JSON v2 engine, as ledgertree.LeafOf reads the hash.
		if err := jsonv1.Unmarshal(ev.Metadata, &meta); err != nil {
			return Sealed{metaErr: "metadata is not valid JSON: " + err.Error()}
		}
		s = Sealed{EventID: meta.EventID, PrevHash: meta.PrevHash, Hash: meta.Hash}
	}
	switch s.hashErr = hashFailure(s, ev); {
	case s.hashErr != "":
	case decodeErr != nil:
		s.decodeErr = "event does not decode: " + decodeErr.Error()
	default:
		s.decodeErr = misplaced(ev.Stream, e.Data)
	}
	return s
}

// Link finishes checking ev, sealed as s, against the end of its stream's chain as the reader has
// it: the revision expected next, and the stored hash and position of the stream's previous event
// (GenesisHash and 0 before the first). It returns why the event fails, "" if it does not; either
// way the next event of the stream must name s.Hash as its prev_hash.
func (s Sealed) Link(ev eventstore.RecordedEvent, nextRevision uint64, prevHash string, prevPosition eventstore.Position) string {
	switch {
	case s.metaErr != "":
		return s.metaErr
	case ev.Revision != nextRevision:
		return fmt.Sprintf("revision %d follows revision %d: the stream has a gap or a repeat", ev.Revision, int64(nextRevision)-1)
	case s.EventID != ev.ID.String():
		return fmt.Sprintf("metadata names event %s but the store holds it as %s", s.EventID, ev.ID)
	case prevHash != unknownHash && s.PrevHash != prevHash:
		// The previous event may have been rewritten with a recomputed hash: name both.
		return fmt.Sprintf("prev_hash %s does not match hash %s of the stream's previous event (position %d): this event or that one was altered", s.PrevHash, prevHash, prevPosition)
	case s.hashErr != "":
		return s.hashErr
	}
	return s.decodeErr
}

// check verifies one event and advances its stream's head. It chains on the stored hash, so a single
// altered event is reported once rather than breaking every event after it. (With the previous
// record unreadable, unknownHash, the link cannot be checked; the event itself still is.)
func check(ev eventstore.RecordedEvent, h *chainHead) string {
	prevHash, wantRevision, prevPosition := h.hash, h.next, h.position
	h.next, h.position = ev.Revision+1, ev.Position
	s := Seal(ev)
	if s.metaErr == "" {
		h.hash = s.Hash
	}
	return s.Link(ev, wantRevision, prevHash, prevPosition)
}

// misplaced says why an intact event is in a stream it does not belong to, or "": each type has one
// kind of stream (domain.Events), and a return's submission names its stream's SHA and round.
// Written only by a ledger with a bug, or by someone able to recompute hashes; the projections
// would refuse to fold it.
func misplaced(stream string, data domain.EventData) string {
	if reason := misplacedType(stream, data.EventType()); reason != "" {
		return reason
	}
	_, id, _ := domain.ParseStream(stream)
	if d, ok := data.(domain.SHAReturnSubmitted); ok && domain.ReturnID(d.SHACode, d.Round) != id {
		return fmt.Sprintf("the return is for %s's round %s but is in stream %s", d.SHACode, d.Round, stream)
	}
	return ""
}

// misplacedType is misplaced as far as the type alone tells, for a type this build knows.
func misplacedType(stream, eventType string) string {
	agg, _, _ := domain.ParseStream(stream)
	spec, ok := domain.Spec(eventType)
	if ok && spec.Aggregate != agg {
		return fmt.Sprintf("a %s event belongs in a %s stream, not a %s stream", spec.Type, spec.Aggregate, agg)
	}
	return ""
}

func (r *Report) add(f Finding) {
	if len(r.Findings) < MaxFindings {
		r.Findings = append(r.Findings, f)
	}
}
