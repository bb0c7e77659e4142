package eventcodec

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// Every registered event type, with every field set (to a different value each round), goes
// through the ledger's stored form and back unchanged: its JSON is encoding/json's, the generated
// reader takes it and gives the same value, the canonical form written from the struct is
// gowebpki/jcs's of that JSON, and the seal over it is the chain hash verify recomputes. A field
// that a generated writer or reader leaves out fails here, naming the type.
func TestEveryFieldOfEveryEventTypeRoundTrips(t *testing.T) {
	for _, spec := range domain.Events {
		t.Run(spec.Type, func(t *testing.T) {
			for round := range 20 {
				rnd := rand.New(rand.NewPCG(uint64(round), 7))
				d := filled(rnd, spec)
				everyFieldSet(t, reflect.ValueOf(d), spec.Type)

				typ, data, err := EncodeEvent(d)
				require.NoError(t, err)
				require.Equal(t, spec.Type, typ)
				want, err := json.Marshal(WithLists(d))
				require.NoError(t, err)
				require.Equal(t, string(want), string(data), "the stored JSON is encoding/json's")

				r := shapeReader{b: data}
				fast, ok := readEventData(&r, typ)
				require.True(t, ok, "the generated reader takes what the generated writer wrote: %s", data)
				require.Equal(t, d, fast, "the generated reader gives back every field")
				decoded, err := DecodeEvent(typ, data)
				require.NoError(t, err)
				require.Equal(t, d, decoded)
				ref := spec.New()
				require.NoError(t, json.Unmarshal(data, ref))
				require.Equal(t, spec.Value(ref), decoded, "encoding/json reads the same")

				w := canonWriter{ok: true}
				require.True(t, appendEventCanonical(&w, d))
				require.True(t, w.ok, "the canonical writer writes valid UTF-8 text itself")
				canon, err := jcs.Transform(data)
				require.NoError(t, err)
				require.Equal(t, string(canon), string(w.b), "the canonical form written from the struct is jcs's")

				m := testMeta(round + 1)
				metadata, err := EncodeMetadata(m)
				require.NoError(t, err)
				sealed, err := SealHash(GenesisHash, d, data, m, metadata)
				require.NoError(t, err)
				chained, err := ChainHash(GenesisHash, typ, data, metadata)
				require.NoError(t, err)
				require.Equal(t, chained, sealed)
			}
		})
	}
}

// Every registered type says how its shape has changed since it was first written, even if it never
// has: a new type, or a changed one, cannot be added without deciding how older logs read.
func TestEveryEventTypeHasAShape(t *testing.T) {
	for _, spec := range domain.Events {
		_, ok := Shapes[spec.Type]
		require.True(t, ok, "event type %s has no entry in eventcodec.Shapes: say since which schema version it is written, and how older shapes are upcast", spec.Type)
	}
	for typ := range Shapes {
		_, ok := domain.Spec(typ)
		require.True(t, ok, "eventcodec.Shapes names %s, which is not a registered event type", typ)
	}
}

// Every registered type has generated code (TestGeneratedCodeIsCurrent keeps it current), and the
// functions that pick it by type reach it.
func TestEveryEventTypeHasGeneratedCode(t *testing.T) {
	for _, spec := range domain.Events {
		require.True(t, appendEventJSON(&jsonWriter{ok: true}, spec.Zero()), "%s has no generated JSON writer", spec.Type)
		require.True(t, appendEventCanonical(&canonWriter{ok: true}, spec.Zero()), "%s has no generated canonical writer", spec.Type)
		_, data, err := EncodeEvent(spec.Zero())
		require.NoError(t, err)
		_, ok := readEventData(&shapeReader{b: data}, spec.Type)
		require.True(t, ok, "%s has no generated reader", spec.Type)
	}
}
