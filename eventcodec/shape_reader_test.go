package eventcodec

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// stringTokenByBytes is stringToken one byte at a time, as it was written before it read eight at
// once: the oracle the faster one must agree with.
func stringTokenByBytes(b []byte) (body []byte, plain, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, false, false
	}
	plain, ascii := true, true
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			body = b[1:i]
			return body, plain && (ascii || utf8.Valid(body)), true
		case c == '\\':
			plain = false
			i++
		case c < 0x20:
			plain = false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false, false
}

func requireStringTokenByBytes(t *testing.T, in []byte) {
	t.Helper()
	r := shapeReader{b: in}
	body, plain, ok := r.stringToken()
	wantBody, wantPlain, wantOK := stringTokenByBytes(in)
	require.Equal(t, wantOK, ok, "%q", in)
	require.Equal(t, wantPlain, plain, "%q", in)
	require.Equal(t, string(wantBody), string(body), "%q", in)
}

func TestNeedsLookIsAnyByteNeedingALook(t *testing.T) {
	look := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	check := func(x uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		want := false
		for _, c := range b {
			want = want || look(c)
		}
		require.Equal(t, want, needsLook(x), "%q", b)
	}
	// Every byte value in every position, among bytes that need no look (borrows between bytes
	// are what such tricks get wrong), and random words.
	for pos := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			check(binary.LittleEndian.Uint64(b))
			b = []byte("        ")
			b[pos] = byte(c)
			check(binary.LittleEndian.Uint64(b))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(r.Uint64())
	}
}

func TestStringTokenIsByBytes(t *testing.T) {
	for _, s := range []string{`"`, `""`, `"a"`, `"abcdefgh"`, `"abcdefghi"`, `"abcdefgh\"ijklmnop"`, `"0123456789abcdef0123456789abcdef"`,
		`"caf` + "\xc3\xa9" + ` au lait, le caf` + "\xc3\xa9" + ` noir"`, `"bad ` + "\xff" + ` byte in a long enough string"`,
		`"tab	in it, long enough to be read by eights"`, `"ends with a backslash quote \"`, `"abcdefg\\"`, `abc`, `"no end at all, and long"`} {
		requireStringTokenByBytes(t, []byte(s+`,"next":1`))
		requireStringTokenByBytes(t, []byte(s))
	}
}

func FuzzStringTokenIsByBytes(f *testing.F) {
	f.Add([]byte(`"abcdefgh\"ijklmnop",`))
	f.Add([]byte("\"caf\xc3\xa9\x01\\\\\"x"))
	f.Fuzz(func(t *testing.T, in []byte) {
		requireStringTokenByBytes(t, append([]byte(`"`), in...))
		requireStringTokenByBytes(t, in)
	})
}
