package evidence_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventcodec"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// A bundle is read as the ledger reads its log, through the schema: an event a newer ledger wrote,
// intact and signed for, is reported as unreadable rather than taken in a shape it may not have.
func TestBundleEventsAreReadThroughTheSchema(t *testing.T) {
	w := demoWorld(t)
	b := w.bundle(t, w.tree(t))

	// The bundle's last plan event is the last of its stream there, so no later prev_hash names it.
	i := len(b.Events) - 1
	for !strings.HasPrefix(b.Events[i].Stream, "plan-") {
		i--
	}
	e := &b.Events[i]
	meta := bytes.Replace(e.Metadata, fmt.Appendf(nil, `"schema_version":%d`, eventcodec.SchemaVersion), fmt.Appendf(nil, `"schema_version":%d`, eventcodec.SchemaVersion+1), 1)
	require.NotEqual(t, []byte(e.Metadata), meta)
	old := between(meta, `"hash":"`, `"`)
	fresh, err := eventcodec.ChainHash(between(meta, `"prev_hash":"`, `"`), e.Type, e.Data, meta)
	require.NoError(t, err)
	e.Metadata = bytes.Replace(meta, []byte(old), []byte(fresh), 1)

	// The ledger's tree with that leaf, and a head signed for it.
	events, err := w.store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	tree := ledgertree.NewTree()
	for _, rec := range events {
		leaf, ok, err := ledgertree.LeafOf(rec)
		require.NoError(t, err)
		require.True(t, ok)
		if rec.ID.String() == e.EventID {
			raw, _ := hex.DecodeString(fresh)
			copy(leaf.Hash[:], raw)
		}
		_, err = tree.Append(leaf)
		require.NoError(t, err)
	}
	size := b.TreeHead.TreeSize
	root, err := tree.Root(size)
	require.NoError(t, err)
	b.TreeHead = w.signer.Sign(size, root, time.Now())
	for j := range b.Events {
		path, _, err := tree.InclusionProof(b.Events[j].LeafIndex, size)
		require.NoError(t, err)
		b.Events[j].InclusionProof = make([]string, len(path))
		for k, p := range path {
			b.Events[j].InclusionProof[k] = hex.EncodeToString(p)
		}
	}

	res := evidence.Verify(roundTrip(t, b), w.signer.PublicKey())
	require.False(t, res.OK(), "an event of a later schema version was read as this one")
	assert.Contains(t, res.Findings[0].Error(), e.EventID)
	assert.Contains(t, res.Findings[0].Reason, fmt.Sprintf("schema_version %d", eventcodec.SchemaVersion+1))
}

func between(b []byte, start, end string) string {
	i := bytes.Index(b, []byte(start))
	if i < 0 {
		panic("no " + start)
	}
	rest := b[i+len(start):]
	return string(rest[:bytes.Index(rest, []byte(end))])
}
