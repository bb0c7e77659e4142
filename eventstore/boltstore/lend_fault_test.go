//go:build unix

package boltstore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// truncatedMapping is memory mapped from a file that has since been truncated: reading it faults,
// as reading a store file truncated or damaged under the reader would.
func truncatedMapping(t *testing.T) []byte {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "mapped"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(1<<16))
	m, err := syscall.Mmap(int(f.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(m) })
	require.NoError(t, f.Truncate(0))
	return m
}

var faultSink byte

// A fault reading the map inside a lending callback is a damaged file (ErrCorrupt), as in any other
// read, not the callback's panic.
func TestLendReportsAFaultInTheCallbackAsCorrupt(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Append(t.Context(), "a", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "A", Data: []byte(`{}`)})
	require.NoError(t, err)
	m := truncatedMapping(t)
	_, err = s.LendStreamEvent(t.Context(), "a", 0, func(eventstore.RecordedEvent) error {
		faultSink += m[8192]
		return nil
	})
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	_, err = s.LendAll(t.Context(), 0, 0, func([]eventstore.RecordedEvent) error {
		faultSink += m[8192]
		return nil
	})
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
}
