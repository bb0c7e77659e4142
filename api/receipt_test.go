package api_test

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/ledgertree"
)

// Every command answer carries a receipt whose leaf index and hash are the ones the inclusion route
// proves, against the ledger's current signed head (a size the ledger signed no head at, such as
// the receipt's own tree size once the tree has grown, is refused: TestProofsAreOnlyOfSignedSizes);
// a replayed command gets the receipt of the event first recorded.
func TestCommandReceiptsLeadToInclusionProofs(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	before := s.waitForTree()
	key := uuid.NewString()
	tests := []struct {
		name    string
		replay  bool
		request func() map[string]any
	}{
		{"registry command", false, func() map[string]any {
			return s.must(201, "POST", "/v1/organisations", &admin, map[string]any{"ods_code": "RRV", "name": "UCLH", "kind": "provider", "sha_code": "Q36"})
		}},
		{"plan submission", false, func() map[string]any {
			return s.must(201, "POST", "/v1/plans", &pct, submitBody(t), "Idempotency-Key", key)
		}},
		{"replayed submission", true, func() map[string]any {
			return s.must(201, "POST", "/v1/plans", &pct, submitBody(t), "Idempotency-Key", key)
		}},
	}
	next := before
	var last api.CommandResult
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeAs[api.CommandResult](t, tc.request())
			rc := r.Receipt
			require.NotNil(t, rc.LeafIndex, "the tree takes the event in within the read wait")
			require.NotNil(t, rc.TreeSize)
			if tc.replay {
				assert.Equal(t, last, r, "a replay answers the first result and its receipt")
				return
			}
			assert.Equal(t, next, *rc.LeafIndex, "the leaf index counts the ledger's events before it")
			assert.Greater(t, *rc.TreeSize, *rc.LeafIndex)
			chain, err := hex.DecodeString(r.Hash)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(ledgertree.Hasher.HashLeaf(chain)), rc.LeafHash)

			p := decodeAs[api.InclusionProof](t, s.must(200, "GET", fmt.Sprintf("/v1/ledger/proofs/inclusion/%s", r.EventID), &auditor, nil))
			assert.Equal(t, *rc.LeafIndex, p.LeafIndex)
			assert.Equal(t, rc.LeafHash, p.LeafHash)
			assert.GreaterOrEqual(t, p.TreeHead.TreeSize, *rc.TreeSize)
			require.NoError(t, ledgertree.VerifyTreeHead(s.key.PublicKey(), p.TreeHead))
			root, _ := hex.DecodeString(p.TreeHead.RootHash)
			require.NoError(t, ledgertree.VerifyInclusion(chain, *rc.LeafIndex, p.TreeHead.TreeSize, unhex(t, p.AuditPath), root))
			next++
			last = r
		})
	}
}
