package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

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

func TestReleaseAfterCatchUp(t *testing.T) {
	dir := t.TempDir()
	events := demoLedger(t, dir)
	head := events[len(events)-1].Position
	tests := []struct {
		name      string
		run       bool  // the projections run
		treeStuck bool  // a second reader (the tree) never gets there
		err       error // what ReleaseMapped returns
		calls     int32
		warning   bool
	}{
		{"released once the head at start is applied", true, false, nil, 1, false},
		{"a failed release is logged, nothing more", true, false, errors.New("madvise: no"), 1, true},
		{"projections that never catch up: never released", false, false, nil, 0, false},
		{"a tree that never catches up: never released", true, true, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := boltstore.Open(storeFile(dir), boltstore.Options{NoSync: true})
			require.NoError(t, err)
			defer s.Close()
			proj := projections.New(s, nil)
			rec := &releaseRecorder{Store: s, proj: proj, err: tt.err}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if tt.run {
				go func() { _ = proj.Run(ctx) }()
			}
			readers := []follower{proj}
			if tt.treeStuck {
				readers = append(readers, stuck{})
			}
			if !tt.run || tt.treeStuck {
				time.AfterFunc(200*time.Millisecond, cancel)
			}
			var logs bytes.Buffer
			releaseAfterCatchUp(ctx, rec, slog.New(slog.NewTextHandler(&logs, nil)), readers...)
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
