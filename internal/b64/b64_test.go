package b64

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"testing"
)

// Encoding and decoding are the standard library's, byte for byte and error for error, on every
// length around the fast paths' steps and on inputs the fast path must leave to it (padding, line
// breaks, characters outside the alphabet, a short last group, trailing bits).
func TestMatchesTheStandardLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		enc := AppendEncode([]byte("prefix"), src)
		want := base64.StdEncoding.AppendEncode([]byte("prefix"), src)
		if !bytes.Equal(enc, want) {
			t.Fatalf("encoding %d bytes: %q, want %q", n, enc, want)
		}
		text := want[len("prefix"):]
		checkDecode(t, text)
		for _, bad := range []func([]byte) []byte{
			func(b []byte) []byte { return append(b[:len(b):len(b)], '=') },
			func(b []byte) []byte { return b[:max(len(b)-1, 0)] },
			func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("A"), []byte("\n")) },
			func(b []byte) []byte { return append([]byte("\r\n"), b...) },
			func(b []byte) []byte {
				c := bytes.Clone(b)
				if len(c) > 0 {
					c[rng.IntN(len(c))] = "*=-_ \x00\xff"[rng.IntN(7)]
				}
				return c
			},
		} {
			checkDecode(t, bad(text))
		}
	}
	checkDecode(t, []byte("QR=="))                         // trailing bits the standard decoder ignores
	checkDecode(t, []byte("QUJDREVGR0hJSktMTU5PUA==QUI=")) // padding in the middle
}

func FuzzDecodeMatchesTheStandardLibrary(f *testing.F) {
	f.Add([]byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="))
	f.Add([]byte("QUJD\nREVGR0hJSktMTU5PUA=="))
	f.Fuzz(func(t *testing.T, text []byte) { checkDecode(t, text) })
}

func FuzzEncodeMatchesTheStandardLibrary(f *testing.F) {
	f.Add([]byte("hello, world"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if got, want := AppendEncode(nil, src), base64.StdEncoding.AppendEncode(nil, src); !bytes.Equal(got, want) {
			t.Fatalf("%q: %q, want %q", src, got, want)
		}
	})
}

func checkDecode(t *testing.T, text []byte) {
	t.Helper()
	got := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	want := make([]byte, len(got))
	n, err := Decode(got, text)
	wn, werr := base64.StdEncoding.Decode(want, text)
	var ce, wce base64.CorruptInputError
	if errors.As(err, &ce) != errors.As(werr, &wce) || ce != wce || (err == nil) != (werr == nil) {
		t.Fatalf("%q: error %v, want %v", text, err, werr)
	}
	if werr == nil && (n != wn || !bytes.Equal(got[:n], want[:wn])) {
		t.Fatalf("%q: %x, want %x", text, got[:n], want[:wn])
	}
}

func BenchmarkEncode(b *testing.B) {
	src := bytes.Repeat([]byte(`{"version":1,"note":"Assurance of version 1 acknowledged"}`), 20)
	b.SetBytes(int64(len(src)))
	b.Run("b64", func(b *testing.B) {
		var dst []byte
		for b.Loop() {
			dst = AppendEncode(dst[:0], src)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		var dst []byte
		for b.Loop() {
			dst = base64.StdEncoding.AppendEncode(dst[:0], src)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	src := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(`{"version":1,"note":"Assurance of version 1 acknowledged"}`), 20))
	b.SetBytes(int64(len(src)))
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	b.Run("b64", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(dst, []byte(src)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := base64.StdEncoding.Decode(dst, []byte(src)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
