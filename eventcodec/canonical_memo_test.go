package eventcodec

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Objects whose keys come in an order already sorted once are written in the order remembered:
// the same bytes as jcs gives, one after another in one canonicaliser's memory, for keys in the
// order seen before, escaped or not, nested, already sorted, with a member left out (a chain hash's
// metadata) or named twice (refused every time, never remembered), and past the memo's bound.
func TestRememberedOrdersAreTheSortedOrder(t *testing.T) {
	texts := []string{
		`{"b":1,"a":2,"c":{"z":1,"y":[{"q":1,"p":2},{"q":3,"p":4}]}}`,
		`{"b":"x","a":"y","c":{"z":"1","y":[{"q":"1","p":"2"}]}}`,
		`{"\u0062":3,"a":4,"c":{}}`, // b escaped: the same keys, in the same order
		`{"a":1,"b":2}`,             // sorted already
		`{"a":1,"b":2}`,
		`{"b":1,"a":2,"b":3}`, // a duplicate after a prefix remembered
		`{"b":1,"a":2,"b":3}`,
		`{"b":1,"c":2,"a":3}`,
		`{"c":1,"b":2,"a":3}`,
		`{"\ud83d\ude00":1,"\ufb33":2,"a":3}`, // UTF-16 order, not bytes'
		`{"\ud83d\ude00":5,"\ufb33":6,"a":7}`,
	}
	for round := range 2 {
		for _, text := range texts {
			want, werr := jcs.Transform([]byte(text))
			got, gerr := CanonicalJSON([]byte(text))
			if werr != nil {
				assert.Error(t, gerr, "round %d: %s", round, text)
				continue
			}
			require.NoError(t, gerr, "round %d: %s", round, text)
			assert.Equal(t, string(want), string(got), "round %d: %s", round, text)
		}
	}

	// A chain hash leaves the metadata's hash out, whichever order its members were remembered in.
	genesis, err := hex.DecodeString(GenesisHash)
	require.NoError(t, err)
	for i, meta := range []string{
		`{"event_id":"e1","prev_hash":"` + GenesisHash + `","hash":"ff","actor":{"role":"r","name":"n"}}`,
		`{"event_id":"e2","prev_hash":"` + GenesisHash + `","hash":"ee","actor":{"role":"s","name":"m"}}`,
		`{"event_id":"e3","prev_hash":"` + GenesisHash + `","actor":{"role":"s","name":"m"}}`,
	} {
		for range 2 {
			got, err := ChainHash(GenesisHash, "T", []byte(`{"z":1,"a":2}`), []byte(meta))
			require.NoError(t, err)
			want, err := chainHashDecoded(genesis, "T", []byte(`{"z":1,"a":2}`), []byte(meta))
			require.NoError(t, err)
			assert.Equal(t, want, got, "metadata %d", i)
		}
	}

	// Past the memo's bound, objects are still sorted right.
	for i := range maxOrders + 10 {
		text := fmt.Sprintf(`{"k%05d":1,"j%05d":2}`, i, i)
		want, err := jcs.Transform([]byte(text))
		require.NoError(t, err)
		got, err := CanonicalJSON([]byte(text))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
	w := canonWork.Get().(*canonScratch)
	assert.LessOrEqual(t, len(w.orders), maxOrders)
	canonWork.Put(w)
}
