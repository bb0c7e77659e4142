package api_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// A proof comes with the head the ledger signed when its tree had the proof's size, never with one
// signed at the time of asking for a size the tree has grown past (a second, later-dated statement
// of that size, which anyone with a token could have the ledger make for any size of its past):
//   - an inclusion proof at a size with a head on record has that head, the same bytes again;
//   - at the tree's size now, the current head (signed then if none was, and kept);
//   - at a size with no head, 409 no_signed_head naming the nearest sizes that have one, and
//     nothing is signed or stored;
//   - a consistency proof leaves out a head the ledger never signed and still verifies;
//   - an evidence bundle as of a cut without a head of its own is of that cut, proved against the
//     first head signed after it, and verifies.
func TestProofsAreOnlyOfSignedSizes(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	small := s.waitForTree()
	signedSmall := decodeAs[ledgertree.TreeHead](t, s.must(200, "GET", "/v1/ledger/tree-head", &auditor, nil))
	require.Equal(t, small, signedSmall.TreeSize)
	s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-second", "name": "Second LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}})
	middle := s.waitForTree()
	require.Greater(t, middle, small+1)
	first, err := s.store.ReadAll(t.Context(), 0, 1)
	require.NoError(t, err)
	id := first[0].ID.String()
	pub := s.key.PublicKey()
	headsFile := filepath.Join(s.dir, ledgertree.HeadsFile)

	// At the size the ledger signed a head at: that head, byte for byte.
	atSmall := decodeAs[api.InclusionProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", id, small), &auditor, nil))
	assert.Equal(t, signedSmall, atSmall.TreeHead)
	checkInclusion(t, pub, first[0].Metadata, atSmall)

	// At the tree's size now: the current head, signed now and kept; asked again, the same.
	atMiddle := decodeAs[api.InclusionProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", id, middle), &auditor, nil))
	require.Equal(t, middle, atMiddle.TreeHead.TreeSize)
	checkInclusion(t, pub, first[0].Metadata, atMiddle)
	again := decodeAs[api.InclusionProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", id, middle), &auditor, nil))
	assert.Equal(t, atMiddle.TreeHead, again.TreeHead)

	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-late", "name": "Late LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}})
	large := s.waitForTree()
	require.Greater(t, large, middle)
	before, err := ledgertree.ReadHeads(headsFile)
	require.NoError(t, err)

	// At a size the tree has grown past with no head: refused, naming the sizes that have one, and
	// nothing signed.
	unsigned := small + 1
	r := s.do("GET", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", id, unsigned), &auditor, nil)
	require.Equal(t, 409, r.status, string(r.body))
	assert.Equal(t, api.ProblemContentType, r.header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	assert.Equal(t, "no_signed_head", p.Code)
	require.Len(t, p.Errors, 1)
	assert.Equal(t, "tree_size", p.Errors[0].Field)
	for _, near := range []uint64{small, middle} {
		assert.Contains(t, p.Detail, strconv.FormatUint(near, 10))
		assert.Contains(t, p.Errors[0].Message, strconv.FormatUint(near, 10))
	}
	after, err := ledgertree.ReadHeads(headsFile)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused proof signs nothing")

	// Without a size: the current head, of the whole tree.
	now := decodeAs[api.InclusionProof](t, s.must(200, "GET", "/v1/ledger/proofs/inclusion/"+id, &auditor, nil))
	assert.Equal(t, large, now.TreeHead.TreeSize)
	checkInclusion(t, pub, first[0].Metadata, now)

	// Consistency: heads only where the ledger signed them, and the proof holds without them.
	for _, tc := range []struct {
		from, to   uint64
		fromSigned bool
	}{{small, middle, true}, {unsigned, large, false}, {middle, large, true}} {
		cp := decodeAs[api.ConsistencyProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", tc.from, tc.to), &auditor, nil))
		require.NotNil(t, cp.ToHead, "to %d is a signed size", tc.to)
		require.NoError(t, ledgertree.VerifyTreeHead(pub, *cp.ToHead))
		assert.Equal(t, tc.fromSigned, cp.FromHead != nil, "from %d", tc.from)
		fromRoot, err := s.tree.Tree().Root(tc.from)
		require.NoError(t, err)
		toRoot, _ := hex.DecodeString(cp.ToHead.RootHash)
		require.NoError(t, ledgertree.VerifyConsistency(tc.from, tc.to, unhex(t, cp.Proof), fromRoot, toRoot))
	}

	// A bundle as of the unsigned cut: of that cut, proved against the first head signed after it.
	onRecord, err := ledgertree.ReadHeads(headsFile)
	require.NoError(t, err)
	r = s.do("GET", fmt.Sprintf("/v1/organisations/5K5/sro-evidence?format=bundle&as_of=%d", unsigned), &auditor, nil)
	require.Equal(t, 200, r.status, string(r.body))
	b, err := evidence.Parse(r.body)
	require.NoError(t, err)
	assert.Equal(t, unsigned, b.TreeSize)
	assert.Equal(t, atMiddle.TreeHead, b.TreeHead, "the first head signed once the tree held the cut")
	res := evidence.Verify(b, pub)
	require.True(t, res.OK(), "%v", res.Findings)
	require.NotEmpty(t, b.Events)
	for _, e := range b.Events {
		assert.Less(t, e.LeafIndex, unsigned, "only the cut's events")
	}
	last, err := ledgertree.ReadHeads(headsFile)
	require.NoError(t, err)
	assert.Equal(t, onRecord, last, "the bundle signed no head for its cut")
}

// checkInclusion verifies p with the ledger's key and the event's chain hash (from its metadata).
func checkInclusion(t *testing.T, pub ed25519.PublicKey, metadata []byte, p api.InclusionProof) {
	t.Helper()
	require.NoError(t, ledgertree.VerifyTreeHead(pub, p.TreeHead))
	var meta struct {
		Hash string `json:"hash"`
	}
	require.NoError(t, json.Unmarshal(metadata, &meta))
	chain, err := hex.DecodeString(meta.Hash)
	require.NoError(t, err)
	root, _ := hex.DecodeString(p.TreeHead.RootHash)
	require.NoError(t, ledgertree.VerifyInclusion(chain, p.LeafIndex, p.TreeHead.TreeSize, unhex(t, p.AuditPath), root))
}
