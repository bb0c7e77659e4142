package ledgertree_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/ledgertree"
)

func testSigner(t *testing.T, b byte) *ledgertree.Signer {
	t.Helper()
	s, err := ledgertree.NewSigner([]byte(strings.Repeat(string(rune(b)), ed25519.SeedSize)))
	require.NoError(t, err)
	return s
}

func TestTreeHeadSignsTheDocumentedBytes(t *testing.T) {
	s := testSigner(t, 'k')
	root := make([]byte, 32)
	root[0] = 0xab
	at := time.Date(2009, 10, 1, 12, 30, 45, 999, time.FixedZone("BST", 3600))
	h := s.Sign(42, root, at)
	assert.Equal(t, uint64(42), h.TreeSize)
	assert.Equal(t, "2009-10-01T11:30:45Z", h.Timestamp, "UTC, whole seconds")
	assert.Equal(t, "assurance-ledger tree head v1\n42\nab"+strings.Repeat("00", 31)+"\n2009-10-01T11:30:45Z", string(h.SignedBytes()))
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(s.PublicKey(), h.SignedBytes(), sig), "a plain Ed25519 verifier accepts it")
	assert.Len(t, h.KeyID, 32)
	assert.Equal(t, ledgertree.KeyID(s.PublicKey()), h.KeyID)
	assert.NoError(t, ledgertree.VerifyTreeHead(s.PublicKey(), h))
}

func TestForgedTreeHeadsAreRefused(t *testing.T) {
	s := testSigner(t, 'k')
	other := testSigner(t, 'o')
	root := make([]byte, 32)
	root[31] = 0xcd
	good := s.Sign(10, root, time.Now())
	tests := []struct {
		name   string
		forge  func(h ledgertree.TreeHead) ledgertree.TreeHead
		pub    ed25519.PublicKey
		reason string
	}{
		{"larger size", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.TreeSize++; return h }, s.PublicKey(), "bad signature"},
		{"other root", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.RootHash = "01" + h.RootHash[2:]; return h }, s.PublicKey(), "bad signature"},
		{"other time", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.Timestamp = "2030-01-01T00:00:00Z"; return h }, s.PublicKey(), "bad signature"},
		{"flipped signature bit", func(h ledgertree.TreeHead) ledgertree.TreeHead {
			sig, _ := base64.StdEncoding.DecodeString(h.Signature)
			sig[5] ^= 1
			h.Signature = base64.StdEncoding.EncodeToString(sig)
			return h
		}, s.PublicKey(), "bad signature"},
		{"signature not base64", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.Signature = "!!"; return h }, s.PublicKey(), "bad signature"},
		{"signed by another key", func(ledgertree.TreeHead) ledgertree.TreeHead {
			f := other.Sign(10, make([]byte, 32), time.Now())
			f.KeyID = s.KeyID() // claiming to be the ledger's key does not help
			return f
		}, s.PublicKey(), "bad signature"},
		{"verified with another key", func(h ledgertree.TreeHead) ledgertree.TreeHead { return h }, other.PublicKey(), "signed by key"},
		{"upper-case root", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.RootHash = strings.ToUpper(h.RootHash); return h }, s.PublicKey(), "root_hash"},
		{"short root", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.RootHash = "00"; return h }, s.PublicKey(), "root_hash"},
		{"bad timestamp", func(h ledgertree.TreeHead) ledgertree.TreeHead { h.Timestamp = "yesterday"; return h }, s.PublicKey(), "timestamp"},
		{"short key", func(h ledgertree.TreeHead) ledgertree.TreeHead { return h }, s.PublicKey()[:5], "public key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ledgertree.VerifyTreeHead(tc.pub, tc.forge(good))
			assert.ErrorIs(t, err, ledgertree.ErrBadTreeHead)
			assert.ErrorContains(t, err, tc.reason)
		})
	}
}

func TestLoadSigner(t *testing.T) {
	seed := []byte(strings.Repeat("s", ed25519.SeedSize))
	want := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	tests := []struct {
		name string
		env  string
		ok   bool
	}{
		{"hex", hex.EncodeToString(seed), true},
		{"base64", base64.StdEncoding.EncodeToString(seed), true},
		{"hex with newline", hex.EncodeToString(seed) + "\n", true},
		{"too short", hex.EncodeToString(seed[:16]), false},
		{"garbage", "not a key", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(ledgertree.SigningKeyEnv, tc.env)
			dir := t.TempDir()
			s, err := ledgertree.LoadSigner(dir)
			if !tc.ok {
				assert.ErrorContains(t, err, ledgertree.SigningKeyEnv)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, s.PublicKey())
			_, err = os.Stat(filepath.Join(dir, ledgertree.KeyFile))
			assert.ErrorIs(t, err, os.ErrNotExist, "a key from the environment is not written to disk")
		})
	}
}

func TestLoadSignerGeneratesAndKeepsAKey(t *testing.T) {
	if v, ok := os.LookupEnv(ledgertree.SigningKeyEnv); ok {
		t.Setenv(ledgertree.SigningKeyEnv, v) // restored after the test
		os.Unsetenv(ledgertree.SigningKeyEnv)
	}
	dir := filepath.Join(t.TempDir(), "data")
	first, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, ledgertree.KeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	again, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	assert.Equal(t, first.PublicKey(), again.PublicKey(), "restarts sign with the same key")

	require.NoError(t, os.WriteFile(filepath.Join(dir, ledgertree.KeyFile), []byte("short\n"), 0o600))
	_, err = ledgertree.LoadSigner(dir)
	assert.ErrorContains(t, err, ledgertree.KeyFile)
}
