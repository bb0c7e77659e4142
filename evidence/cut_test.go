package evidence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// A bundle as of an earlier cut is proved against a head of a later tree (the ledger signs a size
// only while its tree has it): it holds the cut's events alone, each proved in the head's tree, and
// verifies; one that claims a cut past its head, or holds an event past its cut, does not. A
// consistency proof from its head checks with or without the head the ledger gives with it, and one
// without a newer signed head says what to ask for.
func TestABundleOfAnEarlierCutUnderALaterHead(t *testing.T) {
	w := demoWorld(t)
	whole := w.bundle(t, w.tree(t))
	cut := whole.TreeHead.TreeSize
	h := command.NewHandler(w.store, command.Options{})
	admin := domain.Actor{PersonID: "adm", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
	for i := range 20 {
		_, err := h.Registry(context.Background(), command.Request{Actor: admin},
			domain.AppointChiefExecutive{ODSCode: w.ods, PersonID: fmt.Sprintf("ce-late-%d", i), Name: fmt.Sprintf("Late %d", i), EffectiveFrom: time.Date(2011, time.April, 1+i, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
	}
	tree := w.tree(t)
	require.Greater(t, tree.Size(), cut)
	root, err := tree.Root(tree.Size())
	require.NoError(t, err)
	later := w.signer.Sign(tree.Size(), root, time.Now())
	b, err := evidence.Build(context.Background(), evidence.Source{Store: w.store, Tree: tree, Head: later, Size: cut, PublicKey: w.signer.PublicKey()}, w.ods, nil)
	require.NoError(t, err)
	b = roundTrip(t, b)

	assert.Equal(t, cut, b.TreeSize)
	assert.Equal(t, later, b.TreeHead)
	assert.Equal(t, whole.AsOfPosition, b.AsOfPosition, "the cut's last position")
	require.Len(t, b.Events, len(whole.Events), "the cut's events, not the appointments after it")
	for i, e := range b.Events {
		assert.Equal(t, whole.Events[i].EventID, e.EventID)
		assert.Less(t, e.LeafIndex, cut)
	}
	assert.Equal(t, whole.SignOffs, b.SignOffs)
	res := evidence.Verify(b, w.signer.PublicKey())
	require.True(t, res.OK(), "%v", res.Findings)

	_, err = evidence.Build(context.Background(), evidence.Source{Store: w.store, Tree: tree, Head: whole.TreeHead, Size: tree.Size(), PublicKey: w.signer.PublicKey()}, w.ods, nil)
	assert.ErrorContains(t, err, "past the head", "a cut past the head is not built")

	past := roundTrip(t, b)
	past.TreeSize = later.TreeSize + 1
	assert.Contains(t, findings(evidence.Verify(past, w.signer.PublicKey())), "past its head's")

	beyond := w.bundle(t, tree) // every appointment, under the same tree
	beyond.TreeSize = cut
	res = evidence.Verify(beyond, w.signer.PublicKey())
	require.False(t, res.OK(), "an event past the cut it claims")
	assert.Contains(t, findings(res), "past the bundle's cut")

	// Consistency from the whole bundle's head to the later one: with the head the ledger gives, or
	// without it (it signed none at that size), the proof is checked against the bundle's own head.
	proof, err := evidence.ProveConsistency(whole, tree, func(size uint64, root []byte) ledgertree.TreeHead { return later })
	require.NoError(t, err)
	for _, p := range []evidence.ConsistencyProof{proof, {Proof: proof.Proof, ToHead: proof.ToHead}} {
		to, err := evidence.CheckConsistency(whole, p, w.signer.PublicKey())
		require.NoError(t, err)
		assert.Equal(t, later, to)
	}
	_, err = evidence.CheckConsistency(whole, evidence.ConsistencyProof{Proof: proof.Proof}, w.signer.PublicKey())
	assert.ErrorContains(t, err, "no newer signed head")
	wrongFrom := evidence.ConsistencyProof{Proof: proof.Proof[1:], ToHead: later}
	_, err = evidence.CheckConsistency(whole, wrongFrom, w.signer.PublicKey())
	assert.ErrorContains(t, err, fmt.Sprintf("ask with from=%d", cut))
}

func findings(r evidence.Result) string {
	s := ""
	for _, f := range r.Findings {
		s += f.Error() + "\n"
	}
	return s
}
