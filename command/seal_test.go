package command

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// TestSealedMetadataIsMarshalled: seal appends the hash to the unsealed encoding instead of
// marshalling twice; the stored bytes must still be exactly json.Marshal of the sealed metadata,
// whatever the actor's text needs escaped.
func TestSealedMetadataIsMarshalled(t *testing.T) {
	for _, actor := range []domain.Actor{
		{PersonID: "p-1", Name: "Pat", Role: domain.RolePCTCommissioner, Org: "5K5"},
		{PersonID: "p-\"2\"", Name: "Zoë <O'Brien> & \u2028", Role: domain.RoleProvider, Org: "RJ1"},
	} {
		ev, meta, err := seal(domain.GenesisHash, Request{Actor: actor, CommandID: "c", CorrelationID: "r"},
			domain.PlanWithdrawn{Reason: "merged"}, time.Date(2009, 7, 1, 10, 0, 0, 5, time.FixedZone("BST", 3600)))
		require.NoError(t, err)
		want, err := json.Marshal(meta)
		require.NoError(t, err)
		require.Equal(t, string(want), string(ev.Metadata))
		h, err := domain.ChainHash(domain.GenesisHash, ev.Type, ev.Data, ev.Metadata)
		require.NoError(t, err)
		require.Equal(t, meta.Hash, h)
	}
}
