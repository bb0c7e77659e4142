package settle_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/settle"
	"assurance-ledger/projections"
)

// forcedCollections is how many collections the process has been made to run (runtime.GC,
// debug.FreeOSMemory).
func forcedCollections() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// releaseRecorder is a store that notes, on ReleaseMapped, how far the projections had got.
type releaseRecorder struct {
	eventstore.Store
	proj    *projections.Projector
	calls   atomic.Int32
	applied atomic.Uint64
	err     error
}

func (r *releaseRecorder) ReleaseMapped() error {
	r.calls.Add(1)
	r.applied.Store(uint64(r.proj.Applied()))
	return r.err
}

func TestAfterCatchUp(t *testing.T) {
	path := demotest.Path(t, 0)
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	head, err := s.Head(t.Context())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	tests := []struct {
		name      string
		run       bool  // the projections run
		treeStuck bool  // a second reader (the tree) never gets there
		err       error // what ReleaseMapped returns
		calls     int32
		warning   bool
		settled   bool // and collected
	}{
		{"released and collected once the head at start is applied", true, false, nil, 1, false, true},
		{"a failed release is logged and the garbage still collected", true, false, errors.New("madvise: no"), 1, true, true},
		{"projections that never catch up: nothing done", false, false, nil, 0, false, false},
		{"a tree that never catches up: nothing done", true, true, nil, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
			require.NoError(t, err)
			defer s.Close()
			proj := projections.New(s, nil)
			rec := &releaseRecorder{Store: s, proj: proj, err: tt.err}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if tt.run {
				go func() { _ = proj.Run(ctx) }()
			}
			readers := []settle.Follower{proj}
			if tt.treeStuck {
				readers = append(readers, stuck{})
			}
			if !tt.run || tt.treeStuck {
				time.AfterFunc(200*time.Millisecond, cancel)
			}
			var logs bytes.Buffer
			forced := forcedCollections()
			settled, release := settle.AfterCatchUp(ctx, rec, slog.New(slog.NewTextHandler(&logs, nil)), readers...)
			assert.Equal(t, tt.settled, settled)
			assert.Equal(t, tt.err, release, "the release's failure is returned")
			assert.Equal(t, tt.settled, forcedCollections() > forced, "a collection forced")
			assert.Equal(t, tt.calls, rec.calls.Load())
			if tt.calls > 0 {
				assert.Equal(t, uint64(head), rec.applied.Load(), "after the whole log is applied")
			}
			assert.Equal(t, tt.warning, strings.Contains(logs.String(), "could not release the store's mapped pages"))
		})
	}
}

// stuck is a reader of the log that never reaches anything.
type stuck struct{}

func (stuck) WaitFor(ctx context.Context, _ eventstore.Position) error {
	<-ctx.Done()
	return ctx.Err()
}
