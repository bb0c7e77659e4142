package audit

import (
	"encoding/json"
	"fmt"

	"assurance-ledger/ledgertree"
)

// Kinds of finding: what the server did that an honest ledger never does.
const (
	// KindBadEvent: an event of the feed fails the checks ledger verify makes (its stream's
	// revisions, its prev_hash, its recomputed hash, its decoding) or comes out of order.
	KindBadEvent = "bad_event"
	// KindDeparture: the tree the server signs departs from the log the mirror holds at a leaf:
	// that event was changed, removed or reordered, or the server now shows another log (a fork).
	KindDeparture = "departure"
	// KindTruncated: the server signs a smaller tree than one it signed before, its log holding
	// only a prefix of what the mirror has.
	KindTruncated = "truncated"
	// KindBadHead: a head, or the key it should be signed with, does not verify.
	KindBadHead = "bad_head"
	// KindFeedShort: the feed ends before the tree the server signed.
	KindFeedShort = "feed_short"
	// KindBadFeed: the feed's pages do not follow each other as an honest server's do (a next page
	// that does not advance or lies past the head, events out of the page's range).
	KindBadFeed = "bad_feed"
	// KindUnauthorised: an event whose hashes chain but that the ledger's rules would never have
	// recorded (an SRO sign-off by someone who was not the organisation's chief executive): the
	// checks ledger evidence and ledger verify apply (verify.SignOffRefusal).
	KindUnauthorised = "unauthorised"
	// KindAltered: re-read (--recheck), the server gives other bytes for an event already mirrored.
	KindAltered = "altered"
)

// Finding is one piece of evidence that the server's log is not what it was, or not what it signs.
type Finding struct {
	Kind string `json:"kind"`
	// Position is the event's position in the server's log; LocalPosition in the mirror.
	Position      uint64 `json:"position,omitempty"`
	LocalPosition uint64 `json:"local_position,omitempty"`
	// Leaf is the event's index in the ledger tree, when the finding is about the tree.
	Leaf     *uint64 `json:"leaf,omitempty"`
	Stream   string  `json:"stream,omitempty"`
	Revision uint64  `json:"revision"`
	EventID  string  `json:"event_id,omitempty"`
	Type     string  `json:"type,omitempty"`
	// ServerEventID is the event the server now has at that position, when it has another.
	ServerEventID string `json:"server_event_id,omitempty"`
	Reason        string `json:"reason"`
	// Heads are the signed heads that show it, when it is about the tree.
	Heads []ledgertree.TreeHead `json:"heads,omitempty"`
}

func (f Finding) String() string {
	where := ""
	if f.Position != 0 {
		where = fmt.Sprintf("position %d", f.Position)
		if f.Stream != "" {
			where += fmt.Sprintf(", stream %s revision %d", f.Stream, f.Revision)
		}
		if f.EventID != "" {
			where += ", event " + f.EventID
		}
		if f.Type != "" {
			where += " (" + f.Type + ")"
		}
		where += ": "
	}
	if f.Leaf != nil && f.Position == 0 {
		where = fmt.Sprintf("leaf %d: ", *f.Leaf)
	}
	return f.Kind + ": " + where + f.Reason
}

// Difference is one place where an answer the server publishes differs from the same question
// asked of the mirror's own projections at the same position.
type Difference struct {
	// Query is the path and query asked of both, as_of included.
	Query string `json:"query"`
	// Pointer is where in the answer (RFC 6901; "" for the whole answer, e.g. a status).
	Pointer string `json:"pointer"`
	// Server and Local are the values there; absent where one has nothing.
	Server json.RawMessage `json:"server,omitempty"`
	Local  json.RawMessage `json:"local,omitempty"`
}

func (d Difference) String() string {
	show := func(v json.RawMessage) string {
		if v == nil {
			return "(absent)"
		}
		s := string(v)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		return s
	}
	return fmt.Sprintf("%s %s: server %s, mirror %s", d.Query, d.Pointer, show(d.Server), show(d.Local))
}

// Report is what an audit found; ledger audit --json prints it.
type Report struct {
	URL   string `json:"url"`
	KeyID string `json:"key_id"`
	// KeyPinned says where the key came from: "state" (pinned by an earlier audit), "flag"
	// (--public-key) or "first_use" (the server's own, pinned now: trust on first use).
	KeyPinned string `json:"key_pinned"`
	// EventsMirrored were read, checked and written by this audit; EventsHeld are in the mirror.
	EventsMirrored uint64 `json:"events_mirrored"`
	EventsHeld     uint64 `json:"events_held"`
	// ServerPosition is the server's position of the last event held.
	ServerPosition uint64 `json:"server_position"`
	// TreeSize and RootHash are the mirror's tree.
	TreeSize uint64 `json:"tree_size"`
	RootHash string `json:"root_hash"`
	// PreviousHead is the head earlier audits matched; Head the one this audit matched (nil when
	// none could be).
	PreviousHead *ledgertree.TreeHead `json:"previous_head"`
	Head         *ledgertree.TreeHead `json:"verified_head"`
	// Rechecked counts events re-read and compared byte for byte (--recheck).
	Rechecked uint64 `json:"events_rechecked"`
	// Status sums the audit up: StatusClean, StatusDifferences, StatusTampering, StatusIncomplete
	// or StatusFailed. Only "clean" certifies the ledger.
	Status string `json:"status"`
	// Error is why the audit could not run or finish (status "failed", or a finding or difference
	// found before it stopped).
	Error string `json:"error,omitempty"`
	// ComparedAsOf is the server position the answers were compared at; AnswersAsked how many
	// questions the audit had for the server, AnswersCompared how many were answered and compared.
	ComparedAsOf    uint64 `json:"compared_as_of"`
	AnswersAsked    int    `json:"answers_asked"`
	AnswersCompared int    `json:"answers_compared"`
	// Unanswered are the questions the server refused or failed to answer (after retrying as it
	// asked): an audit with any cannot certify the ledger.
	Unanswered []Unanswered `json:"unanswered"`
	// Notes say what was not compared and why, when that is no sign of fault (the server's present
	// moved past the mirror while it was asked).
	Notes []string `json:"notes,omitempty"`
	// Findings are signs of tampering; Differences published answers that differ from the log.
	Findings    []Finding    `json:"tampering"`
	Differences []Difference `json:"differences"`
	// DifferencesTotal counts every difference; Differences holds at most MaxDifferences.
	DifferencesTotal int `json:"differences_total"`
	// MirrorSeconds is how long mirroring and checking took; MirrorEventsPerSec its rate.
	MirrorSeconds      float64 `json:"mirror_seconds"`
	MirrorEventsPerSec float64 `json:"mirror_events_per_sec"`
	CompareSeconds     float64 `json:"compare_seconds"`
}

// The statuses of an audit, most serious first where several apply.
const (
	// StatusTampering: the server's log or signed heads are not what it signed or served before.
	StatusTampering = "tampering"
	// StatusDifferences: answers the server publishes differ from its own log.
	StatusDifferences = "differences"
	// StatusFailed: the audit could not run or finish; nothing is certified.
	StatusFailed = "failed"
	// StatusIncomplete: the log checked out and every answer compared agreed, but some questions
	// went unanswered.
	StatusIncomplete = "incomplete"
	// StatusClean: every check was made and passed.
	StatusClean = "clean"
)

// Unanswered is a question the server did not answer.
type Unanswered struct {
	Query  string `json:"query"`
	Reason string `json:"reason"`
}

func (u Unanswered) String() string { return u.Query + ": " + u.Reason }

// Conclude sets the report's status, given the error the audit ended with (nil if none).
func (r *Report) Conclude(err error) {
	if err != nil {
		r.Error = err.Error()
	}
	switch {
	case len(r.Findings) > 0:
		r.Status = StatusTampering
	case r.DifferencesTotal > 0:
		r.Status = StatusDifferences
	case err != nil:
		r.Status = StatusFailed
	case len(r.Unanswered) > 0:
		r.Status = StatusIncomplete
	default:
		r.Status = StatusClean
	}
}

// MaxDifferences bounds the differences a report holds (each is printed as it is found).
const MaxDifferences = 10_000

// OK reports whether the audit was concluded clean: every check made, nothing found.
func (r *Report) OK() bool { return r.Status == StatusClean }
