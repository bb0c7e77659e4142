package progress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/internal/progress"
)

func TestWaitFor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     []uint64 // positions set after the wait begins
		stop    bool     // close stop after them
		cancel  bool     // cancel ctx after them
		wantErr error
	}{
		{name: "reached in steps", set: []uint64{3, 7, 10}},
		{name: "passed at once", set: []uint64{12}},
		{name: "reader stopped short", set: []uint64{4}, stop: true},
		{name: "caller gave up", set: []uint64{9}, cancel: true, wantErr: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := progress.New()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() { done <- tr.WaitFor(ctx, 10, stop) }()
			for _, p := range tc.set {
				select {
				case err := <-done:
					t.Fatalf("returned %v before position %d was set", err, p)
				case <-time.After(5 * time.Millisecond):
				}
				tr.Set(p)
			}
			if tc.stop {
				close(stop)
			}
			if tc.cancel {
				cancel()
			}
			select {
			case err := <-done:
				assert.True(t, errors.Is(err, tc.wantErr) || err == tc.wantErr, "got %v, want %v", err, tc.wantErr)
			case <-time.After(5 * time.Second):
				t.Fatal("WaitFor did not return")
			}
			assert.Equal(t, tc.set[len(tc.set)-1], uint64(tr.Get()))
		})
	}
}

func TestWaitForReachedPositionReturnsAtOnce(t *testing.T) {
	tr := progress.New()
	tr.Set(5)
	require.NoError(t, tr.WaitFor(context.Background(), 5, nil))
	require.NoError(t, tr.WaitFor(context.Background(), 0, nil))
}
