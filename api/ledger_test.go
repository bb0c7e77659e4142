package api_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/domain"
	"assurance-ledger/ledgertree"
)

func decodeAs[T any](t *testing.T, r map[string]any) T {
	t.Helper()
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	var v T
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

// waitForTree waits until the tree holds every event now in the log.
func (s *ledgerServer) waitForTree() uint64 {
	s.t.Helper()
	head := s.head()
	require.Eventually(s.t, func() bool { return s.tree.Tree().LastPosition() >= head }, 5*time.Second, 5*time.Millisecond)
	return s.tree.Tree().Size()
}

// A client holding only the public key checks heads, inclusion of every event and consistency
// between heads through the API.
func TestLedgerProofsOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	early := s.waitForTree()
	s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	size := s.waitForTree()
	require.Greater(t, size, early)

	key := decodeAs[api.PublicKey](t, s.must(200, "GET", "/v1/ledger/public-key", &auditor, nil))
	raw, err := base64.StdEncoding.DecodeString(key.PublicKey)
	require.NoError(t, err)
	pub := ed25519.PublicKey(raw)
	assert.Equal(t, "Ed25519", key.Algorithm)
	assert.Equal(t, ledgertree.KeyID(pub), key.KeyID)

	head := decodeAs[ledgertree.TreeHead](t, s.must(200, "GET", "/v1/ledger/tree-head", &provider, nil))
	require.NoError(t, ledgertree.VerifyTreeHead(pub, head))
	assert.Equal(t, size, head.TreeSize)
	root, _ := hex.DecodeString(head.RootHash)

	events, err := s.store.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	require.Len(t, events, int(size))
	for i, rec := range events {
		var meta domain.Metadata
		require.NoError(t, json.Unmarshal(rec.Metadata, &meta))
		chain, _ := hex.DecodeString(meta.Hash)
		// At the current size, asked or by default: a size the ledger signed a head at (a proof at
		// a size without one is refused: TestProofsAreOnlyOfSignedSizes).
		for _, q := range []string{"", fmt.Sprintf("?tree_size=%d", size)} {
			p := decodeAs[api.InclusionProof](t, s.must(200, "GET", "/v1/ledger/proofs/inclusion/"+rec.ID.String()+q, &cfh, nil))
			require.NoError(t, ledgertree.VerifyTreeHead(pub, p.TreeHead))
			assert.Equal(t, uint64(i), p.LeafIndex)
			assert.Equal(t, rec.Position, p.Position)
			proofRoot, _ := hex.DecodeString(p.TreeHead.RootHash)
			require.NoError(t, ledgertree.VerifyInclusion(chain, p.LeafIndex, p.TreeHead.TreeSize, unhex(t, p.AuditPath), proofRoot), "event %d%s", i, q)
			if q == "" {
				assert.Equal(t, root, proofRoot, "the default size is the current head")
			}
		}
	}

	// A proof's heads are the ones signed when the tree had those sizes: the current head at the
	// current size, and none at a size no head was signed for (never one signed now for an old
	// size, which would carry a time the tree no longer had that size).
	for _, from := range []uint64{1, early, size} {
		p := decodeAs[api.ConsistencyProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", from, size), &auditor, nil))
		require.NotNil(t, p.ToHead)
		assert.Equal(t, head, *p.ToHead, "the head signed at that size")
		toRoot, _ := hex.DecodeString(p.ToHead.RootHash)
		assert.Equal(t, root, toRoot)
		fromRoot, err := s.tree.Tree().Root(from)
		require.NoError(t, err)
		if from == size {
			require.NotNil(t, p.FromHead)
			assert.Equal(t, head, *p.FromHead)
		} else {
			assert.Nil(t, p.FromHead, "no head was signed at %d leaves", from)
		}
		require.NoError(t, ledgertree.VerifyConsistency(from, size, unhex(t, p.Proof), fromRoot, toRoot), "from %d", from)
	}

	// The heads survive a restart: the tree resumes from its checkpoint, the key and the heads
	// served are kept in the data dir.
	s = s.restart()
	assert.Zero(t, s.tree.Read(), "no event is read again after the checkpoint")
	stored, err := ledgertree.ReadHeads(filepath.Join(s.dir, ledgertree.HeadsFile))
	require.NoError(t, err)
	assert.Equal(t, []ledgertree.TreeHead{head}, stored, "the head served is on record")
	again := decodeAs[ledgertree.TreeHead](t, s.must(200, "GET", "/v1/ledger/tree-head", &auditor, nil))
	require.NoError(t, ledgertree.VerifyTreeHead(pub, again))
	assert.Equal(t, head, again, "the same size: the stored head")
}

func TestLedgerRouteRefusals(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	size := s.waitForTree()
	first, err := s.store.ReadAll(t.Context(), 0, 1)
	require.NoError(t, err)
	last, err := s.store.ReadAll(t.Context(), s.head()-1, 1)
	require.NoError(t, err)
	tests := []struct {
		name   string
		target string
		status int
		code   string
		field  string
	}{
		{"unknown event", "/v1/ledger/proofs/inclusion/0191d0c4-7c1e-7000-8000-000000000001", 404, "event_not_found", ""},
		{"not an event id", "/v1/ledger/proofs/inclusion/nope", 404, "event_not_found", ""},
		{"tree_size beyond the log", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", first[0].ID, size+1), 400, "malformed_request", "tree_size"},
		{"tree_size before the event", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=%d", last[0].ID, size-1), 400, "malformed_request", "tree_size"},
		{"tree_size 0", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=0", first[0].ID), 400, "malformed_request", "tree_size"},
		{"tree_size not a number", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s?tree_size=x", first[0].ID), 400, "malformed_request", "tree_size"},
		{"from 0", "/v1/ledger/proofs/consistency?from=0&to=2", 400, "malformed_request", "from"},
		{"from after to", "/v1/ledger/proofs/consistency?from=3&to=2", 400, "malformed_request", "from"},
		{"to beyond the log", fmt.Sprintf("/v1/ledger/proofs/consistency?from=1&to=%d", size+1), 400, "malformed_request", "to"},
		{"to missing", "/v1/ledger/proofs/consistency?from=1", 400, "malformed_request", "to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("GET", tc.target, &auditor, nil)
			require.Equal(t, tc.status, r.status, string(r.body))
			assert.Equal(t, api.ProblemContentType, r.header.Get("Content-Type"))
			var p api.Problem
			require.NoError(t, json.Unmarshal(r.body, &p))
			assert.Equal(t, tc.code, p.Code)
			if tc.field != "" {
				require.NotEmpty(t, p.Errors)
				assert.Equal(t, tc.field, p.Errors[0].Field)
			}
		})
	}
	assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/v1/ledger/tree-head", nil, nil).status)
}

func unhex(t *testing.T, hs []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(hs))
	for i, h := range hs {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		out[i] = b
	}
	return out
}
