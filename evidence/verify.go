package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// Finding is something in a bundle that does not verify, naming the event when there is one.
type Finding struct {
	Position  uint64 `json:"position,omitempty"`
	Stream    string `json:"stream,omitempty"`
	EventID   string `json:"event_id,omitempty"`
	LeafIndex uint64 `json:"leaf_index,omitempty"`
	Reason    string `json:"reason"`
}

func (f Finding) Error() string {
	if f.EventID == "" {
		return f.Reason
	}
	return fmt.Sprintf("position %d, stream %s, event %s (leaf %d): %s", f.Position, f.Stream, f.EventID, f.LeafIndex, f.Reason)
}

func findingAt(e Event, format string, args ...any) Finding {
	return Finding{Position: e.Position, Stream: e.Stream, EventID: e.EventID, LeafIndex: e.LeafIndex, Reason: fmt.Sprintf(format, args...)}
}

// Result is the outcome of Verify.
type Result struct {
	ODSCode  string `json:"ods_code"`
	Events   int    `json:"events"`
	SignOffs int    `json:"signoffs"`
	TreeSize uint64 `json:"tree_size"`
	RootHash string `json:"root_hash"`
	KeyID    string `json:"key_id"`
	// KeyPinned is false when the head was checked only with the key the bundle brought itself.
	KeyPinned bool      `json:"key_pinned"`
	Findings  []Finding `json:"findings"` // the first is the first bad event by position
}

// OK reports whether the bundle verified.
func (r Result) OK() bool { return len(r.Findings) == 0 }

// Verify checks a bundle with nothing but its own bytes and, when pinned is not nil, the ledger's
// public key obtained elsewhere: the head's signature; every event's chain hash, recomputed from its
// data and metadata; every inclusion proof against the head; the global order; every plan's chain
// from its submission; each sign-off's content hash, recomputed from the content it names; that
// each signer was the organisation's chief executive when signing; and that each board approval of
// the organisation approved a version the bundle holds, by a body the bundle shows as the
// organisation's or the plan's LHC's and in place at the meeting, before any sign-off that a round
// asking for approval needed it for.
func Verify(b *Bundle, pinned ed25519.PublicKey) Result {
	res := Result{ODSCode: b.ODSCode, Events: len(b.Events), SignOffs: len(b.SignOffs), TreeSize: b.TreeHead.TreeSize,
		RootHash: b.TreeHead.RootHash, KeyPinned: pinned != nil, Findings: []Finding{}}
	add := func(f Finding) { res.Findings = append(res.Findings, f) }

	key, err := b.Key()
	if err != nil {
		add(Finding{Reason: err.Error()})
	}
	if pinned != nil {
		if key != nil && !bytes.Equal(key, pinned) {
			add(Finding{Reason: fmt.Sprintf("the bundle brings key %s, not the ledger's key %s", ledgertree.KeyID(key), ledgertree.KeyID(pinned))})
		}
		key = pinned
	}
	if key != nil {
		res.KeyID = ledgertree.KeyID(key)
		if err := ledgertree.VerifyTreeHead(key, b.TreeHead); err != nil {
			add(Finding{Reason: "tree head: " + err.Error()})
		}
	}
	root, _ := hex.DecodeString(b.TreeHead.RootHash)
	// The cut the bundle names (absent from bundles made before it was added) is within its head's
	// tree, and holds every event it shows.
	cut := b.TreeHead.TreeSize
	if b.TreeSize != 0 {
		cut = b.TreeSize
	}
	if cut > b.TreeHead.TreeSize {
		add(Finding{Reason: fmt.Sprintf("the bundle says it is of %d tree leaves, past its head's %d", b.TreeSize, b.TreeHead.TreeSize)})
	}
	if n := len(b.Events); n > 0 && b.Events[n-1].LeafIndex >= cut {
		add(findingAt(b.Events[n-1], "leaf %d is past the bundle's cut of %d tree leaves", b.Events[n-1].LeafIndex, cut))
	}
	if n := len(b.Events); b.TreeSize != 0 && n > 0 && b.Events[n-1].Position > b.AsOfPosition {
		add(Finding{Reason: fmt.Sprintf("the bundle says it is as of position %d, but holds an event at position %d", b.AsOfPosition, b.Events[n-1].Position)})
	}

	var event []Finding
	for i, e := range b.Events {
		if i > 0 {
			prev := b.Events[i-1]
			if e.LeafIndex <= prev.LeafIndex || e.Position <= prev.Position {
				event = append(event, findingAt(e, "out of order: leaf %d at position %d follows leaf %d at position %d", e.LeafIndex, e.Position, prev.LeafIndex, prev.Position))
				continue
			}
		}
		if f, ok := checkEvent(e, b.TreeHead.TreeSize, root); !ok {
			event = append(event, f)
		}
	}
	if len(event) == 0 {
		event = append(event, checkPlanChains(b.Events)...)
	}
	if len(event) == 0 {
		signOffs, err := deriveSignOffs(b)
		switch {
		case err != nil:
			event = append(event, asFinding(err))
		case !reflect.DeepEqual(signOffs, b.SignOffs):
			add(Finding{Reason: "the signoffs summary does not say what the events show"})
		}
	}
	res.Findings = append(res.Findings, event...)
	return res
}

func asFinding(err error) Finding {
	if f, ok := err.(Finding); ok {
		return f
	}
	return Finding{Reason: err.Error()}
}

// checkEvent recomputes one event's chain hash and checks its inclusion proof.
func checkEvent(e Event, size uint64, root []byte) (Finding, bool) {
	var meta domain.Metadata
	if err := json.Unmarshal(e.Metadata, &meta); err != nil {
		return findingAt(e, "metadata: %v", err), false
	}
	if meta.EventID != e.EventID {
		return findingAt(e, "metadata names event %s", meta.EventID), false
	}
	got, err := eventcodec.ChainHash(meta.PrevHash, e.Type, e.Data, e.Metadata)
	if err != nil {
		return findingAt(e, "%v", err), false
	}
	if got != meta.Hash {
		return findingAt(e, "hash mismatch: stored %s, recomputed %s (the event was altered)", meta.Hash, got), false
	}
	chain, _ := hex.DecodeString(got)
	path := make([][]byte, len(e.InclusionProof))
	for i, h := range e.InclusionProof {
		if path[i], err = hex.DecodeString(h); err != nil {
			return findingAt(e, "inclusion proof is not hex"), false
		}
	}
	if err := ledgertree.VerifyInclusion(chain, e.LeafIndex, size, path, root); err != nil {
		return findingAt(e, "not leaf %d of the head's tree of %d: %v", e.LeafIndex, size, err), false
	}
	return Finding{}, true
}

// checkPlanChains checks that each plan stream in the bundle is complete from its first event and
// chained: the sign-offs are then provably in the plan whose submission names it.
func checkPlanChains(events []Event) []Finding {
	type head struct {
		next uint64
		hash string
	}
	heads := map[string]*head{}
	var out []Finding
	for _, e := range events {
		if agg, _, _ := domain.ParseStream(e.Stream); agg != domain.AggregatePlan {
			continue
		}
		h := heads[e.Stream]
		if h == nil {
			h = &head{hash: eventcodec.GenesisHash}
			heads[e.Stream] = h
		}
		var meta domain.Metadata
		_ = json.Unmarshal(e.Metadata, &meta) // checked by checkEvent
		switch {
		case e.Revision != h.next:
			out = append(out, findingAt(e, "revision %d where %d was due: an event of the plan is missing", e.Revision, h.next))
		case meta.PrevHash != h.hash:
			out = append(out, findingAt(e, "prev_hash %s does not match the hash %s before it in the stream", meta.PrevHash, h.hash))
		}
		h.next, h.hash = e.Revision+1, meta.Hash
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// roundsSchema is the schema version from which a plan is submitted only to a published round.
const roundsSchema = 2

// deriveSignOffs reads what the events show: one summary per sign-off of the organisation, or the
// first event that does not bear one out.
func deriveSignOffs(b *Bundle) ([]SignOff, error) {
	type appointment struct {
		event Event
		data  domain.ChiefExecutiveAppointed
	}
	var appointments []appointment
	registered := false
	content := map[string]map[int]versionContent{} // stream -> version -> content
	bodies := map[string][]bodyTerms{}             // body id -> its recordings, in order
	rounds := map[string]bool{}                    // round -> asks for board approval
	plans := map[string]domain.PlanSubmitted{}     // stream -> its submission, contentless
	approvals := map[string]map[int]approvalOf{}   // stream -> version -> the organisation's first approval
	submittedUnder := map[string]int{}             // stream -> the schema version of its submission
	out := []SignOff{}
	for _, e := range b.Events {
		// Read as the service reads its own log, upcast from the schema_version each event was
		// written under: decoding old data in today's shape directly could misread it, and data from
		// a newer ledger must be refused, not guessed at. Chain hashes were checked on the stored bytes.
		env, err := eventcodec.DecodeEnvelope(e.Type, e.Data, e.Metadata)
		if err != nil {
			return nil, findingAt(e, "%v", err)
		}
		meta := env.Meta
		switch d := env.Data.(type) {
		case domain.OrganisationRegistered:
			registered = registered || d.ODSCode == b.ODSCode
		case domain.ChiefExecutiveAppointed:
			if d.ODSCode == b.ODSCode {
				appointments = append(appointments, appointment{e, d})
			}
		case domain.GovernanceBodyRecorded:
			bodies[d.BodyID] = append(bodies[d.BodyID], bodyTerms{e, d})
		case domain.PlanningRoundPublished:
			rounds[d.Round] = d.BoardApprovalRequired
		case domain.BoardApprovalRecorded:
			if d.ODSCode != b.ODSCode {
				continue
			}
			a, err := checkApproval(e, meta, d, content[e.Stream], plans[e.Stream], bodies[d.BodyID])
			if err != nil {
				return nil, err
			}
			if approvals[e.Stream] == nil {
				approvals[e.Stream] = map[int]approvalOf{}
			}
			if _, seen := approvals[e.Stream][d.Version]; !seen {
				approvals[e.Stream][d.Version] = a
			}
		case domain.PlanSubmitted:
			if domain.PlanStream(d.PlanID) != e.Stream {
				return nil, findingAt(e, "submits plan %s but is in stream %s", d.PlanID, e.Stream)
			}
			setContent(content, e, 1, d.Content)
			d.Content = domain.Content{}
			plans[e.Stream] = d
			submittedUnder[e.Stream] = meta.SchemaVersion
		case domain.PlanRevised:
			setContent(content, e, d.Version, d.Content)
		case domain.SROSignedOff:
			if d.ODSCode != b.ODSCode {
				continue
			}
			c, ok := content[e.Stream][d.Version]
			if !ok {
				return nil, findingAt(e, "signs version %d, whose content is not in the bundle", d.Version)
			}
			got, err := eventcodec.ContentHash(c.content)
			if err != nil {
				return nil, findingAt(e, "the content of version %d (event %s) cannot be hashed: %v", d.Version, c.event.EventID, err)
			}
			held := make([]domain.ChiefExecutiveAppointed, len(appointments))
			for i, a := range appointments {
				held[i] = a.data
			}
			// The same authority ledger verify and ledger audit hold every sign-off of a log to.
			reason, i := verify.SignOffRefusal(d, meta.Actor, meta.RecordedAt, got, c.event.EventID, held)
			if reason != "" {
				return nil, findingAt(e, "%s", reason)
			}
			inForce := &appointments[i]
			_, planID, _ := domain.ParseStream(e.Stream)
			so := SignOff{EventID: e.EventID, PlanID: planID, Version: d.Version, PersonID: d.PersonID,
				SignedAt: meta.RecordedAt.UTC().Format(time.RFC3339Nano), ContentHash: d.ContentHash, ContentEventID: c.event.EventID,
				AppointmentEventID: inForce.event.EventID}
			// Whether the round asked for an approval is the round's publication to say: a bundle
			// without it could hide a sign-off the round did not allow. Plans submitted before rounds
			// were published (schema version 1) have none to show.
			round := plans[e.Stream].Round
			asks, published := rounds[round]
			if !published && submittedUnder[e.Stream] >= roundsSchema {
				return nil, findingAt(e, "signs version %d of a plan in round %s, whose publication is not in the bundle before it", d.Version, round)
			}
			if a, ok := approvals[e.Stream][d.Version]; ok {
				so.BoardApprovalEventID, so.BodyEventID = a.event.EventID, a.body.EventID
			} else if asks {
				return nil, findingAt(e, "signed without a board's approval of version %d, which round %s asks for first", d.Version, round)
			}
			out = append(out, so)
		}
	}
	if !registered {
		return nil, Finding{Reason: fmt.Sprintf("the bundle holds no registration of %s", b.ODSCode)}
	}
	return out, nil
}

// versionContent is a plan version's content, decoded once, and the event that holds it.
type versionContent struct {
	event   Event
	content domain.Content
}

func setContent(content map[string]map[int]versionContent, e Event, version int, c domain.Content) {
	if content[e.Stream] == nil {
		content[e.Stream] = map[int]versionContent{}
	}
	content[e.Stream][version] = versionContent{e, c}
}

// bodyTerms is one recording of a governance body.
type bodyTerms struct {
	event Event
	data  domain.GovernanceBodyRecorded
}

// approvalOf is a board approval the bundle bears out, and the recording of the body in force at
// its meeting.
type approvalOf struct {
	event, body Event
}

// checkApproval checks one of the organisation's board approvals against what precedes it in the
// bundle: the version it approves, the plan's submission and the body's recordings.
func checkApproval(e Event, meta domain.Metadata, d domain.BoardApprovalRecorded, versions map[int]versionContent,
	plan domain.PlanSubmitted, recordings []bodyTerms) (approvalOf, error) {
	if _, ok := versions[d.Version]; !ok {
		return approvalOf{}, findingAt(e, "approves version %d, whose content is not in the bundle before it", d.Version)
	}
	if meta.Actor.Org != d.ODSCode {
		return approvalOf{}, findingAt(e, "recorded by %s for %s", meta.Actor.Org, d.ODSCode)
	}
	var inForce *bodyTerms
	for i := range recordings {
		if !recordings[i].data.EffectiveFrom.After(d.MeetingDate) {
			inForce = &recordings[i]
		}
	}
	switch {
	case inForce == nil:
		return approvalOf{}, findingAt(e, "approved by body %s, which the bundle does not show in place on %s", d.BodyID, d.MeetingDate)
	case inForce.data.ODSCode != d.ODSCode && (inForce.data.LHCID == "" || inForce.data.LHCID != plan.LHCID):
		return approvalOf{}, findingAt(e, "approved by body %s, neither %s's own nor LHC %s's", d.BodyID, d.ODSCode, plan.LHCID)
	}
	return approvalOf{event: e, body: inForce.event}, nil
}
