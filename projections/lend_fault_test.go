//go:build unix

package projections_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// faultingLender lends the records of the store beneath with their metadata in memory that faults
// when read, as a store file truncated or damaged under a catch-up would.
type faultingLender struct {
	*lender
	bad []byte
}

func (f faultingLender) LendAll(ctx context.Context, after eventstore.Position, limit int, fn func([]eventstore.RecordedEvent) error) (int, error) {
	return f.inner.LendAll(ctx, after, limit, func(recs []eventstore.RecordedEvent) error {
		recs[len(recs)/2].Metadata = f.bad
		return fn(recs)
	})
}

// A fault while the catch-up's workers decode lent records stops the catch-up with ErrCorrupt, as a
// damaged record does, instead of ending the process.
func TestCatchUpReportsAFaultInLentRecordsAsCorrupt(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "mapped"))
	require.NoError(t, err)
	defer file.Close()
	require.NoError(t, file.Truncate(1<<16))
	m, err := syscall.Mmap(int(file.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	require.NoError(t, err)
	defer syscall.Munmap(m)
	require.NoError(t, file.Truncate(0))

	p := projections.New(faultingLender{lender: newLender(t, demoStore(t)), bad: m[8192:9000]}, nil)
	err = p.CatchUp(context.Background())
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.Contains(t, err.Error(), "faulted")
}
