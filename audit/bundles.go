package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"assurance-ledger/api"
	"assurance-ledger/eventstore"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// An evidence bundle is signed and self-contained, so ledger verify --bundle checks it on its own;
// what it cannot check alone is what the bundle leaves out. Each organisation's bundle as of the
// mirror's position is held to the mirror: it must verify with the pinned key, its head must be the
// mirror's tree at its size (or, for a head the ledger signed after the mirror's last event, a tree
// the server proves extends the mirror's), and it must hold exactly the events a bundle built from
// the mirror at that cut holds (the organisation's registration and appointments, every plan it
// signed, whole), each byte for byte at the same leaf and position.

// bundleCheck is what holding a bundle to the mirror needs.
type bundleCheck struct {
	key   ed25519.PublicKey
	tree  *ledgertree.Tree
	store eventstore.Store // the mirror in its own positions, as the tree has them
	pos   *index
	c     *client
	// extends holds, for each head past the mirror's tree that bundles were proved against, why the
	// server did not prove it extends the mirror ("" when it did): every bundle as of one cut has
	// the same head.
	mu      sync.Mutex
	extends map[ledgertree.TreeHead]string
}

// extension is why the server's head h, of a tree larger than the mirror's, is not shown to extend
// the mirror's tree ("" when it is): by the server's consistency proof from the mirror's size,
// checked against the mirror's root and h's.
func (bc *bundleCheck) extension(ctx context.Context, h ledgertree.TreeHead) (string, error) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if why, ok := bc.extends[h]; ok {
		return why, nil
	}
	size := bc.tree.Size()
	local, err := bc.tree.Root(size)
	if err != nil {
		return "", err
	}
	var p api.ConsistencyProof
	path := fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", size, h.TreeSize)
	why := ""
	if err := bc.c.getJSON(ctx, path, &p); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		why = fmt.Sprintf("the server did not prove that its head of %d leaves extends the mirror's %d (%v)", h.TreeSize, size, err)
	} else {
		proof := make([][]byte, len(p.Proof))
		for i, s := range p.Proof {
			proof[i], _ = hex.DecodeString(s)
		}
		root, _ := hex.DecodeString(h.RootHash)
		if ledgertree.VerifyConsistency(size, h.TreeSize, proof, local, root) != nil {
			why = fmt.Sprintf("the bundle's head of %d leaves is not a tree that extends the mirror's %d", h.TreeSize, size)
		}
	}
	if bc.extends == nil {
		bc.extends = map[ledgertree.TreeHead]string{}
	}
	bc.extends[h] = why
	return why, nil
}

// compareBundle compares the server's bundle for q (a bundle question) with the mirror's.
func (m *mirrorAPI) compareBundle(ctx context.Context, q question, body []byte) ([]Difference, error) {
	name := q.String()
	diff := func(ptr string, server, local any) Difference {
		return Difference{Query: name, Pointer: ptr, Server: mustJSON(server), Local: mustJSON(local)}
	}
	b, err := evidence.Parse(body)
	if err != nil {
		return []Difference{diff("", "not a bundle: "+err.Error(), "a bundle")}, nil
	}
	if res := evidence.Verify(b, m.bundles.key); !res.OK() {
		return []Difference{diff("", "does not verify: "+res.Findings[0].Error(), "a bundle that verifies")}, nil
	}
	size, cut := b.TreeHead.TreeSize, b.TreeSize
	if cut == 0 {
		cut = size
	}
	held := m.bundles.tree.Size()
	switch {
	case cut > held:
		return []Difference{diff("/tree_size", cut, held)}, nil
	case size > held:
		why, err := m.bundles.extension(ctx, b.TreeHead)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return []Difference{diff("/tree_head", why, fmt.Sprintf("a head of a tree that extends the mirror's %d leaves", held))}, nil
		}
	default:
		if root, err := m.bundles.tree.Root(size); err != nil || hex.EncodeToString(root) != b.TreeHead.RootHash {
			return []Difference{diff("/tree_head/root_hash", b.TreeHead.RootHash, hex.EncodeToString(root))}, nil
		}
	}
	// The plans the mirror's own SRO evidence lists at the cut, as the server builds its bundle from.
	evPath := strings.Replace(q.path, "format=bundle&", "", 1)
	status, raw := m.get(ctx, question{path: evPath})
	if status != http.StatusOK {
		return nil, fmt.Errorf("the mirror's own answer to %s: %d", evPath, status)
	}
	var ev struct {
		SignOffs []struct {
			PlanID string `json:"plan_id"`
		} `json:"signoffs"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	plans := []string{}
	for _, so := range ev.SignOffs {
		if !seen[so.PlanID] {
			seen[so.PlanID] = true
			plans = append(plans, so.PlanID)
		}
	}
	// The mirror's own bundle at the same cut, its proofs in the mirror's tree of the cut's size:
	// the events are compared, not the proofs (the server's verified above).
	mine, err := evidence.Build(ctx, evidence.Source{Store: m.bundles.store, Tree: m.bundles.tree, Head: ledgertree.TreeHead{TreeSize: cut}, PublicKey: m.bundles.key}, b.ODSCode, plans)
	if err != nil {
		return []Difference{diff("", "a bundle", "the mirror makes none: "+err.Error())}, nil
	}
	var out []Difference
	for i := range max(len(b.Events), len(mine.Events)) {
		ptr := fmt.Sprintf("/events/%d", i)
		switch {
		case i >= len(b.Events):
			out = append(out, Difference{Query: name, Pointer: ptr, Local: mustJSON(describe(mine.Events[i], m.bundles.pos))})
			continue
		case i >= len(mine.Events):
			out = append(out, Difference{Query: name, Pointer: ptr, Server: mustJSON(describe(b.Events[i], nil))})
			continue
		}
		s, l := b.Events[i], mine.Events[i]
		l.Position = m.bundles.pos.of(l.Position)
		if s.LeafIndex != l.LeafIndex || s.Position != l.Position || s.EventID != l.EventID || s.Stream != l.Stream || s.Revision != l.Revision ||
			s.Type != l.Type || !sameJSON(s.Data, l.Data) || !sameJSON(s.Metadata, l.Metadata) {
			out = append(out, diff(ptr, describe(s, nil), describe(mine.Events[i], m.bundles.pos)))
		}
	}
	return out, nil
}

// describe names a bundle's event for a difference: its leaf, position, stream, revision and id
// (the position mapped to the server's when pos is given).
func describe(e evidence.Event, pos *index) string {
	p := e.Position
	if pos != nil {
		p = pos.of(p)
	}
	return fmt.Sprintf("leaf %d, position %d, %s revision %d, event %s (%s)", e.LeafIndex, p, e.Stream, e.Revision, e.EventID, e.Type)
}

// sameJSON reports whether two JSON texts hold the same value (a bundle may be re-indented).
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	av, err1 := decodeAnswer(a)
	bv, err2 := decodeAnswer(b)
	return err1 == nil && err2 == nil && bytes.Equal(mustJSON(av), mustJSON(bv))
}
