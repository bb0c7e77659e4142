// Package evidence builds and checks SRO evidence bundles: one self-contained JSON file that proves,
// to someone holding only the file and the ledger's public key, what an organisation's chief
// executives signed as Senior Responsible Owner, that each signer was chief executive at the time,
// and that every event shown is in the ledger a signed tree head describes.
//
// A bundle holds the events in their stored form (type, data, metadata with its chain hash), so
// that each hash is recomputed rather than believed; the whole stream of every plan signed, so that
// the chain from the plan's submission to each sign-off is unbroken and the signed content (in
// PlanSubmitted or PlanRevised data) can be hashed again and compared with the sign-off's
// content_hash; the organisation's registration and chief executive appointments; the governance
// bodies whose approvals its sign-offs rest on, and the rounds of the plans (whether they asked for
// approval first); a signed tree head; an RFC 6962 inclusion proof of every event against that
// head; and the public key.
package evidence

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"assurance-ledger/ledgertree"
)

// Format names the bundle layout; Verify refuses any other.
const Format = "assurance-ledger/sro-evidence-bundle/v1"

// Bundle is the file.
type Bundle struct {
	Format    string `json:"format"`
	ODSCode   string `json:"ods_code"`
	CreatedAt string `json:"created_at"` // RFC 3339 UTC
	// PublicKey is the key the head is signed with, for convenience: a verifier should pin the
	// ledger's key from elsewhere (ledger verify --public-key), or a forger could bring their own.
	PublicKey PublicKey           `json:"public_key"`
	TreeHead  ledgertree.TreeHead `json:"tree_head"`
	// AsOf, AsOfPosition and TreeSize name the cut of the log the bundle is of, as every answer of
	// the API does: TreeSize is how many tree leaves it covers, at most TreeHead's size (a bundle as
	// of an earlier cut is proved against the first head the ledger signed at or after it, never a
	// head signed later for the cut's size), AsOfPosition the last log position it covers and AsOf
	// when its last ledger event was recorded. Bundles made before they were added lack them.
	AsOf         time.Time `json:"as_of"`
	AsOfPosition uint64    `json:"as_of_position"`
	TreeSize     uint64    `json:"tree_size"`
	// Events are in global order (by leaf index), each a leaf of the cut's tree, with its inclusion
	// proof in TreeHead's tree.
	Events []Event `json:"events"`
	// SignOffs summarise what Events prove, one per SROSignedOff event of the organisation. Verify
	// derives each from the events and refuses a summary that says otherwise.
	SignOffs []SignOff `json:"signoffs"`
}

// PublicKey is an Ed25519 key as GET /v1/ledger/public-key gives it.
type PublicKey struct {
	Algorithm string `json:"algorithm"`  // Ed25519
	KeyID     string `json:"key_id"`     // hex of the first 16 bytes of SHA-256 of the key
	PublicKey string `json:"public_key"` // standard base64 of the 32-byte key
}

// Event is one stored event with its place in the tree.
type Event struct {
	LeafIndex uint64 `json:"leaf_index"`
	Position  uint64 `json:"position"`
	Stream    string `json:"stream"`
	Revision  uint64 `json:"revision"`
	EventID   string `json:"event_id"`
	Type      string `json:"type"`
	// Data and Metadata are the stored JSON. Chain hashes are over their RFC 8785 canonical form, so
	// re-indenting the file does not break them; changing a value does.
	Data     json.RawMessage `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
	// InclusionProof is the RFC 6962 audit path (hex, leaf side first) of the leaf
	// SHA-256(0x00 || metadata.hash) at LeafIndex in the tree of the bundle's head.
	InclusionProof []string `json:"inclusion_proof"`
}

// SignOff is one SRO sign-off and the events that make it checkable.
type SignOff struct {
	EventID     string `json:"event_id"` // the SROSignedOff event
	PlanID      string `json:"plan_id"`
	Version     int    `json:"version"`
	PersonID    string `json:"person_id"`
	SignedAt    string `json:"signed_at"` // the event's recorded_at
	ContentHash string `json:"content_hash"`
	// ContentEventID is the PlanSubmitted or PlanRevised event holding the content of Version.
	ContentEventID string `json:"content_event_id"`
	// AppointmentEventID is the ChiefExecutiveAppointed event in force when the sign-off was made.
	AppointmentEventID string `json:"appointment_event_id"`
	// BoardApprovalEventID is the organisation's first BoardApprovalRecorded of the signed version
	// before the sign-off, and BodyEventID the GovernanceBodyRecorded of the body that approved,
	// in force at its meeting; empty when no approval was recorded (which a round asking for
	// approval refuses).
	BoardApprovalEventID string `json:"board_approval_event_id,omitempty"`
	BodyEventID          string `json:"body_event_id,omitempty"`
}

// Key returns the bundle's own copy of the public key.
func (b *Bundle) Key() (ed25519.PublicKey, error) {
	if b.PublicKey.Algorithm != "Ed25519" {
		return nil, fmt.Errorf("public key algorithm %q, want Ed25519", b.PublicKey.Algorithm)
	}
	raw, err := base64.StdEncoding.DecodeString(b.PublicKey.PublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key is not 32 bytes of standard base64")
	}
	if id := ledgertree.KeyID(raw); id != b.PublicKey.KeyID {
		return nil, fmt.Errorf("public key has id %s, the bundle says %s", id, b.PublicKey.KeyID)
	}
	return raw, nil
}

// Parse reads a bundle file's bytes.
func Parse(raw []byte) (*Bundle, error) {
	var b Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("evidence: not a bundle: %w", err)
	}
	if b.Format != Format {
		return nil, fmt.Errorf("evidence: format %q, want %q", b.Format, Format)
	}
	return &b, nil
}
