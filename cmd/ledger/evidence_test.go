package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

// An auditor given the bundle, the ledger's public key and a copy of its store, but not its private
// key, can check that the ledger still holds the bundle's head, and is told when it does not.
func TestVerifyBundleAgainstALedgerWithoutItsPrivateKey(t *testing.T) {
	// The key must come from nowhere but --public-key.
	t.Setenv(ledgertree.SigningKeyEnv, "")
	require.NoError(t, os.Unsetenv(ledgertree.SigningKeyEnv))

	dir := t.TempDir()
	events := demoLedger(t, dir)
	file := filepath.Join(t.TempDir(), "bundle.json")
	code, _, errOut := runCLI(t, "evidence", "--data", dir, "--org", signerOf(t, events), "--out", file)
	require.Equal(t, 0, code, errOut)
	pubFile := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(pubFile, fmt.Appendf(nil, `{"algorithm":"Ed25519","public_key":"%s"}`, b64(mustKey(t, dir))), 0o600))

	// The store alone, grown since the bundle was made.
	keyless := t.TempDir()
	raw, err := os.ReadFile(storeFile(dir))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(storeFile(keyless), raw, 0o600))
	s, err := boltstore.Open(storeFile(keyless), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	registerSHAs(t, s, "Z", 20)
	grown, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	code, out, errOut := runCLI(t, "verify", "--bundle", file, "--data", keyless, "--public-key", pubFile)
	require.Equal(t, 0, code, "out: %s\nerr: %s", out, errOut)
	assert.Contains(t, out, fmt.Sprintf("the ledger now holds %d leaves and still contains the bundle's head (consistency proof %d -> %d verifies)",
		len(grown), len(events), len(grown)))
	_, err = os.Stat(filepath.Join(keyless, ledgertree.KeyFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "verify made up no key")

	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--data", keyless, "--public-key", pubFile, "--json")
	require.Equal(t, 0, code, "out: %s\nerr: %s", out, errOut)
	var rep struct {
		Ledger struct {
			TreeSize uint64 `json:"tree_size"`
		} `json:"ledger"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, uint64(len(grown)), rep.Ledger.TreeSize)

	// A rewritten log no longer holds the bundle's head, key or no key.
	reordered := append([]eventstore.RecordedEvent(nil), grown...)
	i := 10
	for reordered[i].Stream == reordered[i+1].Stream {
		i++
	}
	reordered[i], reordered[i+1] = reordered[i+1], reordered[i]
	bad := rewrite(t, dir, reordered)
	require.NoError(t, os.Remove(filepath.Join(bad, ledgertree.KeyFile)))
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--data", bad, "--public-key", pubFile)
	assert.Equal(t, 1, code, "out: %s\nerr: %s", out, errOut)
	assert.Contains(t, errOut, "the log was changed")
}
