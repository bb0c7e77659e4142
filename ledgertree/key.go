package ledgertree

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	path := filepath.Join(dataDir, KeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		seed, err := parseSeed(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return NewSigner(seed)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: if two processes start at once, one key wins and the other reads it; a second key
	// would sign heads nobody can check against the first.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadSigner(dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := f.WriteString(hex.EncodeToString(seed) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
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
