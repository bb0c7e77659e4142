//go:build unix

package boltstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
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

// A fault while other goroutines read lent records through Spread stops the work with ErrCorrupt
// naming the record, as a damaged record does, instead of ending the process: the store's faults
// are the store's to handle, whoever reads its bytes.
func TestSpreadReportsAFaultInLentRecordsAsCorrupt(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	for i := range 200 {
		_, err = s.Append(t.Context(), "a", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "A", Data: []byte(`{"n":` + fmt.Sprint(i) + `}`)})
		require.NoError(t, err)
	}
	m := truncatedMapping(t)
	var read atomic.Int64
	_, err = s.LendAll(t.Context(), 0, 0, func(recs []eventstore.RecordedEvent) error {
		bad := len(recs) / 2
		return s.Spread(recs, 4, func(i int) {
			if i == bad {
				faultSink += m[8192]
			}
			read.Add(int64(len(recs[i].Data)))
		})
	})
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.ErrorContains(t, err, "faulted")
	require.ErrorContains(t, err, "position 101")

	_, err = s.LendAll(t.Context(), 0, 0, func(recs []eventstore.RecordedEvent) error {
		return s.Spread(recs, 4, func(i int) { read.Add(1) })
	})
	require.NoError(t, err, "without a fault, every record is read")
}
