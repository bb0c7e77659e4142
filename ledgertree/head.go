package ledgertree

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// TreeHeadContext opens the byte string a tree head signature covers. It names the purpose and the
// version, so that a signature made for a head can never be taken for one over anything else.
const TreeHeadContext = "assurance-ledger tree head v1\n"

// ErrBadTreeHead is returned for a tree head whose signature, key or fields do not verify.
var ErrBadTreeHead = errors.New("ledgertree: tree head does not verify")

// TreeHead is a signed statement of the tree's root at a size.
type TreeHead struct {
	TreeSize  uint64 `json:"tree_size"`
	RootHash  string `json:"root_hash"` // lower-case hex
	Timestamp string `json:"timestamp"` // RFC 3339, UTC, seconds: when the head was signed
	Signature string `json:"signature"` // standard base64 of the Ed25519 signature over SignedBytes
	KeyID     string `json:"key_id"`    // KeyID of the signing key
}

// SignedBytes is the canonical byte string the signature covers:
//
//	"assurance-ledger tree head v1\n" + decimal tree_size + "\n" + root_hash (lower-case hex) + "\n" + timestamp
//
// Plain text rather than JSON, so that any client can rebuild it without a canonicaliser.
func (h TreeHead) SignedBytes() []byte {
	return []byte(TreeHeadContext + strconv.FormatUint(h.TreeSize, 10) + "\n" + h.RootHash + "\n" + h.Timestamp)
}

// KeyID names a public key: the hex of the first 16 bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// Signer signs tree heads with the ledger's Ed25519 key.
type Signer struct {
	priv  ed25519.PrivateKey
	keyID string
}

// NewSigner returns a signer for the Ed25519 private key whose 32-byte seed is seed.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ledgertree: an Ed25519 seed is %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Signer{priv: priv, keyID: KeyID(priv.Public().(ed25519.PublicKey))}, nil
}

// PublicKey is the key that verifies this signer's heads.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }

// KeyID names the public key.
func (s *Signer) KeyID() string { return s.keyID }

// Sign returns the head of the tree of size leaves with root, signed at.
func (s *Signer) Sign(size uint64, root []byte, at time.Time) TreeHead {
	h := TreeHead{
		TreeSize:  size,
		RootHash:  hex.EncodeToString(root),
		Timestamp: at.UTC().Truncate(time.Second).Format(time.RFC3339),
		KeyID:     s.keyID,
	}
	h.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, h.SignedBytes()))
	return h
}

// VerifyTreeHead checks that h was signed by pub and is well formed. It returns ErrBadTreeHead
// (wrapped, saying why) otherwise.
func VerifyTreeHead(pub ed25519.PublicKey, h TreeHead) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key is %d bytes", ErrBadTreeHead, len(pub))
	}
	if h.KeyID != KeyID(pub) {
		return fmt.Errorf("%w: signed by key %s, not %s", ErrBadTreeHead, h.KeyID, KeyID(pub))
	}
	if root, err := hex.DecodeString(h.RootHash); err != nil || len(root) != HashSize || hex.EncodeToString(root) != h.RootHash {
		return fmt.Errorf("%w: root_hash is not 32 lower-case hex-encoded bytes", ErrBadTreeHead)
	}
	if _, err := time.Parse(time.RFC3339, h.Timestamp); err != nil {
		return fmt.Errorf("%w: timestamp is not RFC 3339", ErrBadTreeHead)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	if err != nil || !ed25519.Verify(pub, h.SignedBytes(), sig) {
		return fmt.Errorf("%w: bad signature", ErrBadTreeHead)
	}
	return nil
}
