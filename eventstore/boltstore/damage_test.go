package boltstore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

// TestDamagedFilesFailCleanly cuts a store file short and overwrites parts of it, as a partial copy
// or a failing disk would. Opening and reading it must then either work or fail with ErrCorrupt or
// ErrNotStore: never fault (bbolt maps the file into memory) or panic, which would end the process.
func TestDamagedFilesFailCleanly(t *testing.T) {
	src := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(src, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	for i := range 40 {
		events := make([]eventstore.Event, 50)
		for j := range events {
			events[j] = newEvent("E", fmt.Sprintf("%d-%d %s", i, j, strings.Repeat("x", 200)))
		}
		_, err := s.Append(t.Context(), fmt.Sprintf("s-%d", i%7), eventstore.Any, events...)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	good, err := os.ReadFile(src)
	require.NoError(t, err)
	require.Greater(t, len(good), 256<<10)

	type damage struct {
		name  string
		apply func([]byte) []byte
	}
	cases := []damage{
		{"cut after the meta pages", func(b []byte) []byte { return b[:16<<10] }},
		{"cut in half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"last page cut off", func(b []byte) []byte { return b[:len(b)-4096] }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		off, n := 16<<10+rng.IntN(len(good)-32<<10), []int{1, 8, 64, 4096}[rng.IntN(4)]
		cases = append(cases, damage{fmt.Sprintf("%d bytes overwritten at %d", n, off), func(b []byte) []byte {
			for k := range n {
				b[off+k] = byte(rng.Uint32())
			}
			return b
		}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			require.NoError(t, os.WriteFile(path, tc.apply(append([]byte(nil), good...)), 0o600))
			clean := func(err error) bool {
				return err == nil || errors.Is(err, eventstore.ErrCorrupt) || errors.Is(err, boltstore.ErrNotStore)
			}
			s, err := boltstore.Open(path, boltstore.Options{})
			if err != nil {
				require.True(t, clean(err), "Open: %v", err)
				require.ErrorContains(t, err, path)
				return
			}
			defer s.Close()
			_, err = s.ReadAll(t.Context(), 0, 0)
			require.True(t, clean(err), "ReadAll: %v", err)
			for i := range 7 {
				_, err = s.ReadStream(t.Context(), fmt.Sprintf("s-%d", i), 0, 0)
				require.True(t, clean(err), "ReadStream: %v", err)
			}
		})
	}
}
