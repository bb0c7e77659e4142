package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// verify --bundle takes a bundle of an earlier cut under a later head (as the server answers a
// bundle as of a past cut, the ledger signing no head for a size its tree has grown past), offline
// and against the ledger; and a consistency proof from its head without the head the ledger gives
// with it (none signed at that size), refusing one that carries no newer signed head.
func TestVerifyBundleOfAnEarlierCut(t *testing.T) {
	dir := t.TempDir()
	events := demoLedger(t, dir)
	ods := signerOf(t, events)
	s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	registerSHAs(t, s, "Y", 15)
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), s))
	tree := f.Tree()
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	// The head signed when the tree had 10 more events than the cut; 5 more were recorded since.
	cut := uint64(len(events))
	root, err := tree.Root(cut + 10)
	require.NoError(t, err)
	head := signer.Sign(cut+10, root, time.Now())
	b, err := evidence.Build(context.Background(), evidence.Source{Store: s, Tree: tree, Head: head, Size: cut, PublicKey: signer.PublicKey()}, ods, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Equal(t, cut, b.TreeSize)
	require.Greater(t, b.TreeHead.TreeSize, cut)
	write := func(v any) string {
		path := filepath.Join(t.TempDir(), "file.json")
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, raw, 0o600))
		return path
	}
	file := write(b)
	key := b64(mustKey(t, dir))

	code, out, errOut := runCLI(t, "verify", "--bundle", file, "--public-key", key)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "ok: head signature")
	// What the head signs is a larger tree: the report says the moment the bundle shows.
	assert.Contains(t, out, fmt.Sprintf("(log position %d): the first %d of the head's %d leaves; its events are the organisation's up to there, not since", b.AsOfPosition, cut, cut+10))
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", key, "--json")
	require.Equal(t, 0, code, out+errOut)
	var rep struct {
		Cut *struct {
			TreeSize     uint64 `json:"tree_size"`
			AsOfPosition uint64 `json:"as_of_position"`
		} `json:"cut"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.NotNil(t, rep.Cut)
	assert.Equal(t, cut, rep.Cut.TreeSize)
	assert.Equal(t, b.AsOfPosition, rep.Cut.AsOfPosition)
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", key, "--data", dir)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, fmt.Sprintf("the ledger now holds %d leaves and still contains the bundle's head", tree.Size()))

	// The newer head, its proof from the bundle's head without the head of that size.
	proof, err := evidence.ProveConsistency(b, tree, func(size uint64, root []byte) ledgertree.TreeHead { return signer.Sign(size, root, time.Now()) })
	require.NoError(t, err)
	proof.FromHead = ledgertree.TreeHead{}
	code, out, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", key, "--consistency", write(proof))
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, fmt.Sprintf("consistent with the newer head of %d leaves", tree.Size()))

	proof.ToHead = ledgertree.TreeHead{}
	code, _, errOut = runCLI(t, "verify", "--bundle", file, "--public-key", key, "--consistency", write(proof))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no newer signed head")

	// A bundle claiming a cut past its head is refused.
	b.TreeSize = b.TreeHead.TreeSize + 1
	code, _, errOut = runCLI(t, "verify", "--bundle", write(b), "--public-key", key)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "past its head's")
}
