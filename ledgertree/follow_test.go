package ledgertree_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

var admin = domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}

// register records n organisations through the command handler, so every event is sealed exactly
// as the service seals it.
func register(t *testing.T, h *command.Handler, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := h.Registry(context.Background(), command.Request{Actor: admin},
			domain.RegisterOrganisation{ODSCode: fmt.Sprintf("R%04d", i), Name: fmt.Sprintf("Trust %d", i), Kind: domain.KindSHA})
		require.NoError(t, err)
	}
}

// The tree built from a real store proves every event's stored chain hash, skips foreign streams,
// and keeps following the log live.
func TestFollowerOverBoltstore(t *testing.T) {
	t.Parallel() // most of its time is fsync: it overlaps the tests that compute
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	h := command.NewHandler(store, command.Options{})
	register(t, h, 0, 250)
	_, err = store.Append(ctx, "other-app", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "Foreign", Data: []byte(`{}`), Metadata: []byte(`{}`)})
	require.NoError(t, err)
	register(t, h, 250, 50)

	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	assert.ErrorIs(t, f.Ready(), ledgertree.ErrNotReady)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx, store) }()
	require.Eventually(t, func() bool { return f.Ready() == nil }, 10*time.Second, 5*time.Millisecond)
	tree := f.Tree()
	require.Equal(t, uint64(300), tree.Size(), "every ledger event, the foreign one left out")

	register(t, h, 300, 20) // appended while following
	require.Eventually(t, func() bool { return tree.Size() == 320 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)

	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	size := tree.Size()
	var leaves uint64
	for _, rec := range events {
		if rec.Stream != domain.RegistryStream {
			_, _, err := tree.IndexOf(rec.ID)
			assert.ErrorIs(t, err, ledgertree.ErrUnknownEvent, "foreign events are not leaves")
			continue
		}
		var meta domain.Metadata
		require.NoError(t, decodeJSON(rec.Metadata, &meta))
		chain, err := hex.DecodeString(meta.Hash)
		require.NoError(t, err)
		index, pos, err := tree.IndexOf(rec.ID)
		require.NoError(t, err)
		require.Equal(t, leaves, index)
		require.Equal(t, rec.Position, pos)
		path, root, err := tree.InclusionProof(index, size)
		require.NoError(t, err)
		require.NoError(t, ledgertree.VerifyInclusion(chain, index, size, path, root), "event at position %d", rec.Position)
		leaves++
	}
	assert.Equal(t, size, leaves)

	// A one-off catch-up over the same store gives the same root.
	again := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, again.CatchUp(ctx, store))
	want, _ := tree.Root(size)
	got, err := again.Tree().Root(again.Tree().Size())
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestLeafOf(t *testing.T) {
	hash := "ab" + fmt.Sprintf("%062d", 0)
	tests := []struct {
		name   string
		stream string
		meta   string
		leaf   bool
		err    string
	}{
		{"registry", "registry", `{"hash":"` + hash + `"}`, true, ""},
		{"plan", "plan-1", `{"hash":"` + hash + `"}`, true, ""},
		{"foreign", "other", `{}`, false, ""},
		{"bare plan prefix", "plan-", `{}`, false, ""},
		{"no hash", "registry", `{}`, false, "not 32 hex-encoded bytes"},
		{"short hash", "registry", `{"hash":"abcd"}`, false, "not 32 hex-encoded bytes"},
		{"not json", "registry", `nope`, false, "metadata"},
		// encoding/json's semantics, which the v2 engine LeafOf decodes with keeps:
		{"two hashes: the last counts", "registry", `{"hash":"00","hash":"` + hash + `"}`, true, ""},
		{"the key in capitals", "registry", `{"HASH":"` + hash + `"}`, true, ""},
		{"text after the object", "registry", `{"hash":"` + hash + `"} x`, false, "metadata"},
		{"a hash that is not a string", "registry", `{"hash":1}`, false, "metadata"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, ok, err := ledgertree.LeafOf(eventstore.RecordedEvent{Stream: tc.stream, Position: 3, Metadata: []byte(tc.meta)})
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.leaf, ok)
			if ok {
				assert.Equal(t, hash, hex.EncodeToString(l.Hash[:]))
			}
		})
	}
}

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }
