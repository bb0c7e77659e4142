package ledgertree_test

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/ledgertree"
)

// A verifier finds the ledger's key but never makes one up.
func TestExistingSignerNeverCreatesAKey(t *testing.T) {
	if v, ok := os.LookupEnv(ledgertree.SigningKeyEnv); ok {
		t.Setenv(ledgertree.SigningKeyEnv, v)
		os.Unsetenv(ledgertree.SigningKeyEnv)
	}
	dir := t.TempDir()
	_, err := ledgertree.ExistingSigner(dir)
	assert.ErrorIs(t, err, ledgertree.ErrNoKey)
	_, err = os.Stat(filepath.Join(dir, ledgertree.KeyFile))
	assert.ErrorIs(t, err, os.ErrNotExist)

	made, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	found, err := ledgertree.ExistingSigner(dir)
	require.NoError(t, err)
	assert.Equal(t, made.PublicKey(), found.PublicKey())

	t.Setenv(ledgertree.SigningKeyEnv, hex.EncodeToString(make([]byte, 32)))
	fromEnv, err := ledgertree.ExistingSigner(t.TempDir())
	require.NoError(t, err)
	assert.NotEqual(t, made.PublicKey(), fromEnv.PublicKey())
}

func TestParsePublicKey(t *testing.T) {
	pub := testSigner(t, 'k').PublicKey()
	b64 := base64.StdEncoding.EncodeToString(pub)
	tests := []struct {
		name, in, err string
	}{
		{"base64", b64, ""},
		{"hex", hex.EncodeToString(pub), ""},
		{"document", `{"algorithm":"Ed25519","key_id":"x","public_key":"` + b64 + `"}` + "\n", ""},
		{"other algorithm", `{"algorithm":"RSA","public_key":"` + b64 + `"}`, "algorithm"},
		{"bad document", `{"algorithm":`, "public key document"},
		{"short", base64.StdEncoding.EncodeToString(pub[:31]), "not a 32-byte"},
		{"empty", "", "not a 32-byte"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ledgertree.ParsePublicKey(tc.in)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, pub, got)
		})
	}
}
