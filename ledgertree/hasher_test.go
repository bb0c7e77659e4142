package ledgertree

import (
	"bytes"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
)

// The tree's hashing is RFC 6962's, as the rfc6962 package computes it, for the 32-byte inputs it
// takes on the stack and for any other length it hands on.
func TestHasherIsRFC6962(t *testing.T) {
	for _, n := range []int{0, 1, 31, HashSize, 33, 64, 100} {
		l, r := bytes.Repeat([]byte{byte(n)}, n), bytes.Repeat([]byte{byte(n + 1)}, n)
		if got, want := Hasher.HashLeaf(l), rfc6962.DefaultHasher.HashLeaf(l); !bytes.Equal(got, want) {
			t.Errorf("HashLeaf of %d bytes: %x, want %x", n, got, want)
		}
		if got, want := Hasher.HashChildren(l, r), rfc6962.DefaultHasher.HashChildren(l, r); !bytes.Equal(got, want) {
			t.Errorf("HashChildren of %d bytes: %x, want %x", n, got, want)
		}
	}
	a, b := bytes.Repeat([]byte{1}, HashSize), bytes.Repeat([]byte{2}, HashSize)
	if bytes.Equal(Hasher.HashChildren(a, b), Hasher.HashChildren(b, a)) {
		t.Error("the children's order is part of the hash")
	}
}
