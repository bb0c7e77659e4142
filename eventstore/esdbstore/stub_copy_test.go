package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/migrate"
)

// TestStubCopyBetweenPrefixesOnOneServer: ledger copy between two ledgers of one server, moving a
// ledger under a prefix or out of one, copies the source's events once and ends: the source never
// reads what the copy writes as its own. Run again, it finds everything there and writes nothing.
func TestStubCopyBetweenPrefixesOnOneServer(t *testing.T) {
	tests := []struct{ from, to string }{
		{"", "ledger-a."},
		{"ledger-a.", ""},
		{"l.", "l.plan."},
		{"l.plan.", "l."},
	}
	for _, tt := range tests {
		t.Run(tt.from+"|"+tt.to, func(t *testing.T) {
			log := newStubLog()
			node := startStub(t, log)
			src := node.open(t, Options{StreamPrefix: tt.from})
			dst := node.open(t, Options{StreamPrefix: tt.to})
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			_, err := src.Append(ctx, "plan-1", eventstore.NoStream, ev(10), ev(10))
			require.NoError(t, err)
			_, err = src.Append(ctx, "registry", eventstore.NoStream, ev(10))
			require.NoError(t, err)
			records := func() int {
				log.mu.Lock()
				defer log.mu.Unlock()
				return len(log.all)
			}
			before := records()

			rep, err := migrate.Copy(ctx, src, dst, migrate.Options{PageSize: 2})
			require.NoError(t, err)
			assert.EqualValues(t, 3, rep.Read)
			assert.EqualValues(t, 3, rep.Copied)
			assert.Equal(t, before+3, records(), "three events written, once")
			want, err := src.ReadAll(ctx, 0, 0)
			require.NoError(t, err)
			got, err := dst.ReadAll(ctx, 0, 0)
			require.NoError(t, err)
			require.Len(t, got, 3)
			for i := range got {
				assert.Equal(t, want[i].ID, got[i].ID)
				assert.Equal(t, want[i].Stream, got[i].Stream)
			}

			rep, err = migrate.Copy(ctx, src, dst, migrate.Options{PageSize: 2})
			require.NoError(t, err)
			assert.EqualValues(t, 3, rep.Present)
			assert.Zero(t, rep.Copied)
			assert.Equal(t, before+3, records())
		})
	}
}

// TestStubCopyIntoItself: a copy between two names of one ledger that SameLedger cannot tell apart
// (a host and its address) finds every event already there and writes nothing.
func TestStubCopyIntoItself(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	src := node.open(t, Options{StreamPrefix: "l."})
	dst := node.open(t, Options{StreamPrefix: "l."})
	ctx := t.Context()
	_, err := src.Append(ctx, "plan-1", eventstore.NoStream, ev(10), ev(10))
	require.NoError(t, err)
	appends := node.count("append")
	rep, err := migrate.Copy(ctx, src, dst, migrate.Options{PageSize: 1})
	require.NoError(t, err)
	assert.EqualValues(t, 2, rep.Present)
	assert.Zero(t, rep.Copied)
	assert.Equal(t, appends, node.count("append"), "nothing was written")
}
