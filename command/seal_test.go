package command

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// TestSealedMetadataIsMarshalled: seal appends the hash to the unsealed encoding instead of
// marshalling twice; the stored bytes must still be exactly json.Marshal of the sealed metadata,
// whatever the actor's text needs escaped.
func TestSealedMetadataIsMarshalled(t *testing.T) {
	for _, actor := range []domain.Actor{
		{PersonID: "p-1", Name: "Pat", Role: domain.RolePCTCommissioner, Org: "5K5"},
		{PersonID: "p-\"2\"", Name: "Zoë <O'Brien> & \u2028", Role: domain.RoleProvider, Org: "RJ1"},
	} {
		ev, folded, err := seal(eventcodec.GenesisHash, Request{Actor: actor, CommandID: "c", CorrelationID: "r"},
			domain.PlanWithdrawn{Reason: "merged"}, time.Date(2009, 7, 1, 10, 0, 0, 5, time.FixedZone("BST", 3600)))
		require.NoError(t, err)
		meta := folded.Meta
		want, err := json.Marshal(meta)
		require.NoError(t, err)
		require.Equal(t, string(want), string(ev.Metadata))
		h, err := eventcodec.ChainHash(eventcodec.GenesisHash, ev.Type, ev.Data, ev.Metadata)
		require.NoError(t, err)
		require.Equal(t, meta.Hash, h)
	}
}

// A sealed version carries its content's hash, as a reader of the log would give it, so that the
// handler's cached plan folds it.
func TestSealedVersionCarriesItsContentHash(t *testing.T) {
	c := domain.Content{DataQuality: "Monthly SUS dashboard", Clinical5: []domain.Capability{{Capability: "pas_reporting"}}}
	_, folded, err := seal(eventcodec.GenesisHash, Request{Actor: domain.Actor{PersonID: "p", Org: "5K5"}, CommandID: "c"},
		domain.PlanRevised{Version: 2, Content: c, Reason: "r"}, time.Date(2009, 7, 1, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	want, err := eventcodec.ContentHash(c)
	require.NoError(t, err)
	require.Equal(t, want, folded.ContentHash)
	_, folded, err = seal(eventcodec.GenesisHash, Request{CommandID: "c"}, domain.PlanWithdrawn{Reason: "r"}, time.Now())
	require.NoError(t, err)
	require.Empty(t, folded.ContentHash)
}
