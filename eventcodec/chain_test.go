package eventcodec

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

func TestChainHashVector(t *testing.T) {
	// Computed by hand: 32 zero bytes, then the canonical body with "hash" left out.
	body := `{"data":{"a":2,"b":[1,"x"]},"metadata":{"a":true,"event_id":"e1","z":"1"},"type":"T"}`
	sum := sha256.Sum256(append(make([]byte, 32), body...))
	got, err := ChainHash(GenesisHash, "T", []byte(`{"b":[1.0,"x"], "a":2}`), []byte(`{"z":"1","hash":"abc","event_id":"e1","a":true}`))
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(sum[:]), got)
}

func TestChainHash(t *testing.T) {
	prev := strings.Repeat("ab", 32)
	data := []byte(`{"reason":"merged"}`)
	meta := []byte(`{"event_id":"e1","prev_hash":"` + prev + `","recorded_at":"2009-07-01T10:00:00Z"}`)
	base, err := ChainHash(prev, domain.TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	again, err := ChainHash(prev, domain.TypePlanWithdrawn, data, meta)
	require.NoError(t, err)
	assert.Equal(t, base, again, "deterministic")

	sealed := []byte(`{"hash":"` + base + `","event_id":"e1","prev_hash":"` + prev + `","recorded_at":"2009-07-01T10:00:00Z"}`)
	h, err := ChainHash(prev, domain.TypePlanWithdrawn, data, sealed)
	require.NoError(t, err)
	assert.Equal(t, base, h, "an existing hash member is ignored")

	spaced := []byte("{ \"reason\" : \"merged\" }\n")
	h, err = ChainHash(prev, domain.TypePlanWithdrawn, spaced, meta)
	require.NoError(t, err)
	assert.Equal(t, base, h, "insignificant white space is ignored")

	for name, c := range map[string]struct {
		prev, typ  string
		data, meta []byte
	}{
		"prev":     {GenesisHash, domain.TypePlanWithdrawn, data, meta},
		"type":     {prev, domain.TypeCfHAcknowledged, data, meta},
		"data":     {prev, domain.TypePlanWithdrawn, []byte(`{"reason":"Merged"}`), meta},
		"metadata": {prev, domain.TypePlanWithdrawn, data, []byte(`{"event_id":"e2","prev_hash":"` + prev + `","recorded_at":"2009-07-01T10:00:00Z"}`)},
		"time":     {prev, domain.TypePlanWithdrawn, data, []byte(`{"event_id":"e1","prev_hash":"` + prev + `","recorded_at":"2009-07-01T10:00:01Z"}`)},
	} {
		h, err := ChainHash(c.prev, c.typ, c.data, c.meta)
		require.NoError(t, err, name)
		assert.NotEqual(t, base, h, "changing %s changes the hash", name)
	}
}

func TestChainHashRejects(t *testing.T) {
	meta := []byte(`{"event_id":"e1"}`)
	data := []byte(`{}`)
	for name, c := range map[string]struct {
		prev       string
		data, meta []byte
	}{
		"empty prev":         {"", data, meta},
		"short prev":         {strings.Repeat("ab", 31), data, meta},
		"long prev":          {strings.Repeat("ab", 33), data, meta},
		"non-hex prev":       {strings.Repeat("zz", 32), data, meta},
		"metadata not JSON":  {GenesisHash, data, []byte(`{`)},
		"metadata array":     {GenesisHash, data, []byte(`[]`)},
		"metadata null":      {GenesisHash, data, []byte(`null`)},
		"data not JSON":      {GenesisHash, []byte(`{"a":`), meta},
		"data with NaN-like": {GenesisHash, []byte(`{"a":NaN}`), meta},
		"number too large":   {GenesisHash, []byte(`{"a":1e400}`), meta},
	} {
		_, err := ChainHash(c.prev, domain.TypePlanWithdrawn, c.data, c.meta)
		assert.Error(t, err, name)
	}
	_, err := ChainHash(strings.ToUpper(strings.Repeat("ab", 32)), domain.TypePlanWithdrawn, data, meta)
	assert.NoError(t, err, "hex digits of either case decode")
}

func TestCanonical(t *testing.T) {
	out, err := CanonicalJSON([]byte(`{"b": 1.50, "a": [true, null, "é\u00e9"], "c": 1e2}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":[true,null,"éé"],"b":1.5,"c":100}`, string(out))

	out, err = Canonical(map[string]any{"z": 1, "a": "x"})
	require.NoError(t, err)
	assert.Equal(t, `{"a":"x","z":1}`, string(out))

	_, err = Canonical(make(chan int))
	assert.Error(t, err)
	_, err = CanonicalJSON([]byte(`{"a"}`))
	assert.Error(t, err)

	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SHA256Hex(nil))
}

// Deeply nested data gets the first implementation's answer: within the hashed body the data is one
// level deeper than on its own, so at 10,000 levels jcs refuses the body though it would take the
// data alone. Hashes from before the single-pass canonicaliser must be neither gained nor lost.
func TestChainHashOfDeepDataMatchesTheFirstImplementation(t *testing.T) {
	meta := []byte(`{"event_id":"e1"}`)
	prev := make([]byte, 32)
	for _, depth := range []int{64, 65, 9_999, 10_000} {
		data := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		want, wantErr := chainHashDecoded(prev, "T", data, meta)
		got, err := ChainHash(GenesisHash, "T", data, meta)
		if wantErr != nil {
			assert.Error(t, err, "depth %d: the first implementation refused it", depth)
			continue
		}
		require.NoError(t, err, "depth %d", depth)
		assert.Equal(t, want, got, "depth %d", depth)
	}
}
