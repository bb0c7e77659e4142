package ledgertree

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"assurance-ledger/internal/keyfile"
)

// SigningKeyEnv names the environment variable holding the ledger's signing key: the 32-byte
// Ed25519 seed as 64 hex digits or as standard base64 (44 characters).
const SigningKeyEnv = "LEDGER_SIGNING_KEY"

// KeyFile is the file under the data directory holding the generated seed (hex) when SigningKeyEnv
// is unset.
const KeyFile = "ledger-key"

// LoadSigner returns the ledger's signer: from LEDGER_SIGNING_KEY when set, else from
// <dataDir>/ledger-key, generating a random seed there (mode 0600) on first use.
func LoadSigner(dataDir string) (*Signer, error) {
	if s, ok := os.LookupEnv(SigningKeyEnv); ok {
		seed, err := parseSeed(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", SigningKeyEnv, err)
		}
		return NewSigner(seed)
	}
	// One key for the life of the data directory: a second key would sign heads nobody can check
	// against the first.
	stored, err := keyfile.LoadOrCreate(dataDir, KeyFile, func() (string, error) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return "", err
		}
		return hex.EncodeToString(seed), nil
	})
	if err != nil {
		return nil, err
	}
	seed, err := parseSeed(stored)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dataDir, KeyFile), err)
	}
	return NewSigner(seed)
}

// parseSeed reads a 32-byte seed written as 64 hex digits or standard base64.
func parseSeed(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.SeedSize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == ed25519.SeedSize {
		return b, nil
	}
	return nil, errors.New("not a 32-byte Ed25519 seed in hex (64 digits) or base64 (44 characters)")
}

// ErrNoKey is returned by ExistingSigner when there is no signing key to load.
var ErrNoKey = errors.New("ledgertree: no ledger signing key")

// ExistingSigner returns the ledger's signer as LoadSigner does, but never creates a key: a
// verifier must not make up the key it checks against.
func ExistingSigner(dataDir string) (*Signer, error) {
	if _, ok := os.LookupEnv(SigningKeyEnv); ok {
		return LoadSigner(dataDir)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, KeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is unset and there is no %s", ErrNoKey, SigningKeyEnv, filepath.Join(dataDir, KeyFile))
	}
	if err != nil {
		return nil, err
	}
	seed, err := parseSeed(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dataDir, KeyFile), err)
	}
	return NewSigner(seed)
}

// ParsePublicKey reads an Ed25519 public key written as standard base64 or hex of its 32 bytes, or
// as the JSON document GET /v1/ledger/public-key returns.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var doc struct {
			Algorithm string `json:"algorithm"`
			PublicKey string `json:"public_key"`
		}
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			return nil, fmt.Errorf("public key document: %w", err)
		}
		if doc.Algorithm != "Ed25519" {
			return nil, fmt.Errorf("public key document: algorithm %q, want Ed25519", doc.Algorithm)
		}
		s = doc.PublicKey
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	return nil, errors.New("not a 32-byte Ed25519 public key in base64, hex or the /v1/ledger/public-key document")
}
