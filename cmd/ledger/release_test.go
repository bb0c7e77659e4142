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
		name    string
		run     bool  // the projections run
		err     error // what ReleaseMapped returns
		calls   int32
		warning bool
	}{
		{"released once the head at start is applied", true, nil, 1, false},
		{"a failed release is logged, nothing more", true, errors.New("madvise: no"), 1, true},
		{"projections that never catch up: never released", false, nil, 0, false},
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
			} else {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			var logs bytes.Buffer
			releaseAfterCatchUp(ctx, rec, proj, slog.New(slog.NewTextHandler(&logs, nil)))
			assert.Equal(t, tt.calls, rec.calls.Load())
			if tt.calls > 0 {
				assert.Equal(t, uint64(head), rec.applied.Load(), "after the whole log is applied")
			}
			assert.Equal(t, tt.warning, strings.Contains(logs.String(), "could not release the store's mapped pages"))
		})
	}
}
