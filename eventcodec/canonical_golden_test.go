package eventcodec

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// TestChainHashGolden recomputes hashes taken before the canonicaliser was replaced: three events of
// every type from a seeded demo ledger (as stored, metadata with its hash), and odd inputs hashed by
// the first implementation (unsorted and escaped keys, numbers, a duplicated or invalid metadata key,
// text after the metadata); and, from a demo ledger of schema version 2, up to three events of every
// type that version brought and one of each type it kept; and likewise from a demo ledger of schema
// version 3 (its round the one asking for board approval). A change here would break every
// existing ledger's chains.
func TestChainHashGolden(t *testing.T) {
	cases := chainHashGolden(t)
	require.Greater(t, len(cases), 20)
	for i, c := range cases {
		data, meta := []byte(c.Data), []byte(c.Metadata)
		var asText string
		if json.Unmarshal(c.Data, &asText) == nil { // the odd inputs are kept as JSON strings
			data = []byte(asText)
			require.NoError(t, json.Unmarshal(c.Metadata, &asText))
			meta = []byte(asText)
		}
		var m struct {
			PrevHash string `json:"prev_hash"`
		}
		prev := GenesisHash
		if json.Unmarshal(meta, &m) == nil && m.PrevHash != "" {
			prev = m.PrevHash
		}
		got, err := ChainHash(prev, c.Type, data, meta)
		if c.Hash == "error" {
			require.Error(t, err, "case %d", i)
			continue
		}
		require.NoError(t, err, "case %d", i)
		require.Equal(t, c.Hash, got, "case %d (%s)", i, c.Type)
	}
}

func TestContentHashGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	var c domain.Content
	require.NoError(t, json.Unmarshal(raw, &c))
	h, err := ContentHash(c)
	require.NoError(t, err)
	require.Equal(t, "dada5208aabe84dab279b1c0494797d019c29f9d60ec0bf4cd03557001afd7cf", h)
}

// goldenEvent is one event of testdata/chainhash-golden.json.
type goldenEvent struct {
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
	Hash     string          `json:"hash"`
}

// chainHashGolden reads the golden file: stored events, then odd inputs kept as JSON strings.
// requireEveryTypeInGolden fails naming each registered event type the golden file holds no event
// of (seen: the types a test met there), and how to add some.
func requireEveryTypeInGolden(t *testing.T, seen map[string]bool) {
	t.Helper()
	var missing []string
	for _, typ := range domain.EventTypes {
		if !seen[typ] {
			missing = append(missing, typ)
		}
	}
	require.Empty(t, missing, "testdata/chainhash-golden.json holds no event of these types: once the demo records them, "+
		"go test ./eventcodec -run TestAddGoldenEventsOfNewTypes -add-golden appends some (docs/adding-an-event.md, step 5)")
}

func chainHashGolden(t *testing.T) []goldenEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/chainhash-golden.json")
	require.NoError(t, err)
	var cases []goldenEvent
	require.NoError(t, json.Unmarshal(raw, &cases))
	return cases
}

// currentShape is a golden event's data in today's shape: upcast from the schema version its
// metadata names, as every reader of the log reads it.
func currentShape(t *testing.T, c goldenEvent) []byte {
	t.Helper()
	var m struct {
		SchemaVersion int `json:"schema_version"`
	}
	require.NoError(t, json.Unmarshal(c.Metadata, &m), c.Type)
	data, err := LedgerSchema.Upcast(c.Type, m.SchemaVersion, c.Data)
	require.NoError(t, err, c.Type)
	return data
}
