package eventcodec

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// Every submission and revision lends the content, version and hash DecodeEnvelope's event gives,
// whether the shape reader or the general decoder reads it.
func TestLendContentIsDecodeEnvelopes(t *testing.T) {
	meta := digestTestMeta(t)
	lent := 0
	for _, d := range sampleEvents(t) {
		typ, raw, err := EncodeEvent(d)
		require.NoError(t, err)
		if _, ok := d.(domain.VersionEvent); !ok {
			require.ErrorContains(t, LendContent(typ, raw, meta, func(int, domain.Content, string) error {
				t.Fatal("fn called for an event without content")
				return nil
			}), "carries no plan content")
			continue
		}
		for _, data := range [][]byte{raw, append([]byte(" "), raw...)} {
			full, err := DecodeEnvelope(typ, data, meta)
			require.NoError(t, err)
			wantVersion, want := full.Data.(domain.VersionEvent).VersionContent()
			wantHash, err := ContentHash(want)
			require.NoError(t, err)
			calls := 0
			require.NoError(t, LendContent(typ, data, meta, func(version int, c domain.Content, hash string) error {
				calls++
				require.Equal(t, wantVersion, version)
				require.Equal(t, want, c, "%s", data)
				require.Equal(t, wantHash, hash)
				return nil
			}))
			require.Equal(t, 1, calls)
			lent++
		}
	}
	require.NotZero(t, lent)
	_, data, err := EncodeEvent(sampleEvents(t)[4])
	require.NoError(t, err)
	mine := errors.New("the reader's own failure")
	require.ErrorIs(t, LendContent(domain.TypePlanSubmitted, data, meta, func(int, domain.Content, string) error { return mine }), mine)
	require.Error(t, LendContent(domain.TypePlanSubmitted, []byte(`{"content":{"clinical5":{}}}`), meta, func(int, domain.Content, string) error {
		t.Fatal("fn called for data DecodeEnvelope refuses")
		return nil
	}))
}
