package esdbstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

func TestNamesOwnsStream(t *testing.T) {
	tests := []struct {
		prefix, server string
		want           bool
	}{
		{"", "registry", true},
		{"", "plan-7", true},
		{"", "plan-b.registry", false},
		{"", "ledger-a.plan-7", false},
		{"", "", false},
		{"l.", "l.registry", true},
		{"l.", "l.plan.registry", false},
		{"l.", "l.", false},
		{"l.", "registry", false},
		{"l.plan.", "l.plan.registry", true},
		{"l.plan.", "l.registry", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, names{tt.prefix}.ownsStream(tt.server), "prefix %q, stream %q", tt.prefix, tt.server)
	}
}

// TestStubLedgersOnOneServerStayApart: two ledgers on one server, one with a prefix that starts
// like a ledger stream name or with one nested in the other's, each read only their own streams
// (and so only their own events go into their trees and signed heads).
func TestStubLedgersOnOneServerStayApart(t *testing.T) {
	tests := []struct{ a, b string }{
		{"", "plan-b."},
		{"", "ledger-b."},
		{"l.", "l.plan-."},
		{"l.", "l.plan."},
		{"l.plan.", "l."},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			node := startStub(t, newStubLog())
			a := node.open(t, Options{StreamPrefix: tt.a})
			b := node.open(t, Options{StreamPrefix: tt.b})
			ctx := t.Context()
			own, err := a.Append(ctx, domain.RegistryStream, eventstore.NoStream, ev(10))
			require.NoError(t, err)
			for _, stream := range []string{domain.RegistryStream, domain.PlanStream("7")} {
				_, err := b.Append(ctx, stream, eventstore.NoStream, ev(10))
				require.NoError(t, err)
			}

			all, err := a.ReadAll(ctx, 0, 0)
			require.NoError(t, err)
			require.Len(t, all, 1, "ledger %q reads only its own event", tt.a)
			assert.Equal(t, domain.RegistryStream, all[0].Stream)
			assert.Equal(t, own.Position, all[0].Position)
			head, err := a.Head(ctx)
			require.NoError(t, err)
			assert.Equal(t, own.Position, head, "b's newer events are not a's head")
			reg, err := a.ReadStream(ctx, domain.RegistryStream, 0, 0)
			require.NoError(t, err)
			assert.Len(t, reg, 1)

			all, err = b.ReadAll(ctx, 0, 0)
			require.NoError(t, err)
			assert.Len(t, all, 2, "ledger %q reads only its own events", tt.b)
		})
	}
}

// TestStubStreamNameWithTheSeparator: a name with the separator would be read back as another
// ledger's stream (or none), so it is refused before anything is sent.
func TestStubStreamNameWithTheSeparator(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{})
	_, err := s.Append(t.Context(), "plan-b.registry", eventstore.NoStream, ev(10))
	require.ErrorIs(t, err, eventstore.ErrInvalidAppend)
	assert.Zero(t, node.count("append"), "nothing was sent")
	got, err := s.ReadStream(t.Context(), "plan-b.registry", 0, 0)
	require.NoError(t, err)
	assert.Empty(t, got)
}
