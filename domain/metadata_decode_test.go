package domain

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The fast reader must take what the ledger writes, or replay silently loses its speed-up.
func TestReadMetadataTakesWhatMarshalWrites(t *testing.T) {
	for _, m := range []Metadata{
		{EventID: "0190f0c4-0000-7000-8000-000000000001", CommandID: "c", CorrelationID: "r", SchemaVersion: SchemaVersion,
			Actor:      Actor{PersonID: "p-5k5-ce1", Name: "Zoë O'Brien <\"Zo\"> & \n", Role: RoleChiefExecutive, Org: "5K5"},
			RecordedAt: time.Date(2009, 7, 1, 10, 0, 0, 123456789, time.UTC), PrevHash: GenesisHash, Hash: GenesisHash},
		{EventID: "e", RecordedAt: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}, // no hash yet: ChainHash's input
	} {
		raw, err := json.Marshal(m)
		require.NoError(t, err)
		var got Metadata
		require.True(t, readMetadata(nil, raw, &got), "%s", raw)
		require.Equal(t, m, got)
	}
	var got Metadata
	require.False(t, readMetadata(nil, []byte(`{"event_id":"e\u00e9"}`), &got), "an incomplete object goes to encoding/json")
	require.False(t, readMetadata(nil, []byte(` {"event_id":"e"}`), &got), "so does white space")
}
