package projections

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshotDue(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	last := snapshotMark{read: 1000, pos: 1000, at: t0}
	every := SnapshotEvery{Events: 100, Interval: time.Minute}
	for _, c := range []struct {
		name  string
		every SnapshotEvery
		cur   snapshotMark
		want  bool
	}{
		{"nothing new, long after", every, snapshotMark{read: 1000, pos: 1000, at: t0.Add(time.Hour)}, false},
		{"a few events, soon after", every, snapshotMark{read: 1099, pos: 1099, at: t0.Add(time.Second)}, false},
		{"enough events", every, snapshotMark{read: 1100, pos: 1100, at: t0.Add(time.Second)}, true},
		{"enough events, most of them foreign", every, snapshotMark{read: 1100, pos: 1150, at: t0.Add(time.Second)}, true},
		{"a few events, the interval passed", every, snapshotMark{read: 1001, pos: 1001, at: t0.Add(time.Minute)}, true},
		{"events only", SnapshotEvery{Events: 100}, snapshotMark{read: 1001, pos: 1001, at: t0.Add(time.Hour)}, false},
		{"interval only", SnapshotEvery{Interval: time.Minute}, snapshotMark{read: 9000, pos: 9000, at: t0.Add(time.Second)}, false},
		{"neither", SnapshotEvery{}, snapshotMark{read: 9000, pos: 9000, at: t0.Add(time.Hour)}, false},
		{"enough events, within the minimum gap", SnapshotEvery{Events: 100, MinGap: time.Minute}, snapshotMark{read: 9000, pos: 9000, at: t0.Add(59 * time.Second)}, false},
		{"enough events, the minimum gap passed", SnapshotEvery{Events: 100, MinGap: time.Minute}, snapshotMark{read: 9000, pos: 9000, at: t0.Add(time.Minute)}, true},
		{"the interval passed, within a longer minimum gap", SnapshotEvery{Interval: time.Second, MinGap: time.Minute}, snapshotMark{read: 1001, pos: 1001, at: t0.Add(time.Second)}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, c.every.due(last, c.cur))
		})
	}
}

// KeepSnapshots saves once the projections have caught up, and what it saves restores them there.
func TestKeepSnapshotsSavesCaughtUpProjections(t *testing.T) {
	ctx := context.Background()
	store := seededStore(t, 0)
	path := filepath.Join(t.TempDir(), SnapshotFile)

	p := New(store, nil)
	keepCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.KeepSnapshots(keepCtx, path, SnapshotEvery{Events: 1, Interval: time.Millisecond})
	}()
	require.NoError(t, p.CatchUp(ctx))
	require.Eventually(t, func() bool { _, err := os.Stat(path); return err == nil }, 30*time.Second, time.Millisecond)
	stop()
	<-done

	restored, err := RestoreOrNew(ctx, store, path, nil)
	require.NoError(t, err)
	assert.Equal(t, p.Applied(), restored.Applied())
}
