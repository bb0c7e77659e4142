package eventcodec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
)

var addGolden = flag.Bool("add-golden", false,
	"append to testdata/chainhash-golden.json up to three events, as a demo ledger stores them, of every registered type the file lacks; existing entries are never changed")

const goldenFile = "testdata/chainhash-golden.json"

// The golden file pins the chain hashes of stored events, so it is written from a demo ledger once
// per new event type and never rewritten: with -add-golden this appends events of the types it
// lacks and leaves every existing entry byte for byte as it was. The other golden tests then check
// the new entries like the old.
func TestAddGoldenEventsOfNewTypes(t *testing.T) {
	if !*addGolden {
		t.Skip("run with -add-golden to append events of the registered types the golden file lacks")
	}
	raw, err := os.ReadFile(goldenFile)
	require.NoError(t, err)
	var entries []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &entries))
	require.Equal(t, string(raw), string(indent(t, entries)), "the golden file is not in the layout this writes: it would change entries that exist")

	have := map[string]bool{}
	for _, e := range entries {
		var c struct {
			Type string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(e, &c))
		have[c.Type] = true
	}
	store := demotest.Store(t, 0)
	t.Cleanup(demotest.Cleanup)
	events, err := store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	added := map[string]int{}
	for _, rec := range events {
		if have[rec.Type] || added[rec.Type] == 3 {
			continue
		}
		if _, ok := domain.Spec(rec.Type); !ok {
			continue
		}
		var m struct {
			Hash string `json:"hash"`
		}
		require.NoError(t, json.Unmarshal(rec.Metadata, &m))
		require.NotEmpty(t, m.Hash, "a stored %s has no hash in its metadata", rec.Type)
		var e bytes.Buffer
		enc := json.NewEncoder(&e)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(map[string]any{"type": rec.Type, "data": json.RawMessage(rec.Data),
			"metadata": json.RawMessage(rec.Metadata), "hash": m.Hash}))
		entries = append(entries, bytes.TrimSpace(e.Bytes()))
		added[rec.Type]++
	}
	for _, s := range domain.Events {
		require.True(t, have[s.Type] || added[s.Type] > 0, "the demo ledger has no %s to add: add one to the demo (demo/)", s.Type)
	}
	out := indent(t, entries)
	if bytes.Equal(out, raw) {
		t.Log("every registered type is in the golden file already")
		return
	}
	require.NoError(t, os.WriteFile(goldenFile, out, 0o644))
	t.Logf("added %v to %s", added, goldenFile)
}

// indent writes entries as the golden file holds them: one space a level, text as it is (no HTML
// escapes), a newline at the end.
func indent(t *testing.T, entries []json.RawMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	require.NoError(t, enc.Encode(entries))
	return b.Bytes()
}
