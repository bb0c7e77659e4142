package ledgertree

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/google/uuid"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"assurance-ledger/eventstore"
)

// Hasher is the RFC 6962 SHA-256 tree hasher every root and proof of the ledger uses.
var Hasher = hasher{rfc6962.DefaultHasher}

// HashSize is the size of every node hash, and of the chain hash that is a leaf's data.
const HashSize = sha256.Size

var (
	// ErrUnknownEvent is returned for an event id or position that is not a leaf of the tree.
	ErrUnknownEvent = errors.New("ledgertree: no such event in the tree")
	// ErrBadSize is returned for a tree size the tree cannot answer for (beyond its size, or an
	// impossible pair of sizes).
	ErrBadSize = errors.New("ledgertree: bad tree size")
)

// Leaf is one event as the tree sees it.
type Leaf struct {
	EventID  uuid.UUID
	Position eventstore.Position
	Hash     [HashSize]byte // the event's chain hash: the leaf's data
}

type hash = [HashSize]byte

// Tree is an append-only RFC 6962 Merkle tree over ledger events. It keeps the hash of every
// perfect subtree (about two per leaf, 32 bytes each) so that roots, inclusion proofs and
// consistency proofs can be produced for every size the tree has ever had, not only the current
// one. Safe for concurrent use.
type Tree struct {
	mu     sync.RWMutex
	rf     *compact.RangeFactory
	rng    *compact.Range
	levels [][]hash // levels[l][i]: the perfect subtree of height l over leaves [i<<l, (i+1)<<l)
	// The leaves' event ids and positions, so that a proof can be asked for by event.
	byID      map[uuid.UUID]uint64
	ids       []uuid.UUID           // leaf index -> event id, kept for the checkpoint
	positions []eventstore.Position // leaf index -> position, strictly increasing
}

// NewTree returns an empty tree.
func NewTree() *Tree {
	rf := &compact.RangeFactory{Hash: Hasher.HashChildren}
	return &Tree{rf: rf, rng: rf.NewEmptyRange(0), byID: map[uuid.UUID]uint64{}}
}

// Append adds leaf as the next leaf and returns its index. Positions must strictly increase and
// event ids must be new: the tree follows the global log, which guarantees both, so a violation
// means the tree is being fed wrongly and is refused rather than silently forked.
func (t *Tree) Append(leaf Leaf) (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := uint64(len(t.positions))
	if n > 0 && leaf.Position <= t.positions[n-1] {
		return 0, fmt.Errorf("ledgertree: position %d does not follow %d", leaf.Position, t.positions[n-1])
	}
	if _, dup := t.byID[leaf.EventID]; dup {
		return 0, fmt.Errorf("ledgertree: event %s is already leaf %d", leaf.EventID, t.byID[leaf.EventID])
	}
	err := t.rng.Append(Hasher.HashLeaf(leaf.Hash[:]), func(id compact.NodeID, h []byte) {
		for uint(len(t.levels)) <= id.Level {
			t.levels = append(t.levels, nil)
		}
		// Nodes are reported in index order per level, so appending keeps levels[l][i] at i.
		t.levels[id.Level] = append(t.levels[id.Level], hash(h))
	})
	if err != nil {
		return 0, fmt.Errorf("ledgertree: appending leaf %d: %w", n, err)
	}
	t.byID[leaf.EventID] = n
	t.ids = append(t.ids, leaf.EventID)
	t.positions = append(t.positions, leaf.Position)
	return n, nil
}

// Size is the number of leaves.
func (t *Tree) Size() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return uint64(len(t.positions))
}

// LastPosition is the position of the last leaf, 0 for an empty tree.
func (t *Tree) LastPosition() eventstore.Position {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if len(t.positions) == 0 {
		return 0
	}
	return t.positions[len(t.positions)-1]
}

// IndexOf returns the leaf index and position of the event with id.
func (t *Tree) IndexOf(id uuid.UUID) (index uint64, pos eventstore.Position, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i, ok := t.byID[id]
	if !ok {
		return 0, 0, ErrUnknownEvent
	}
	return i, t.positions[i], nil
}

// IndexAt returns the leaf index of the event at position pos.
func (t *Tree) IndexAt(pos eventstore.Position) (uint64, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i := sort.Search(len(t.positions), func(i int) bool { return t.positions[i] >= pos })
	if i == len(t.positions) || t.positions[i] != pos {
		return 0, ErrUnknownEvent
	}
	return uint64(i), nil
}

// SizeAt is the size of the tree once every event at or before pos had been appended: what a
// tree head "as of" a log position covers.
func (t *Tree) SizeAt(pos eventstore.Position) uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return uint64(sort.Search(len(t.positions), func(i int) bool { return t.positions[i] > pos }))
}

// LeafHash returns the RFC 6962 leaf hash (not the chain hash) of leaf index.
func (t *Tree) LeafHash(index uint64) ([]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if index >= uint64(len(t.positions)) {
		return nil, fmt.Errorf("%w: leaf %d of a tree of %d", ErrBadSize, index, len(t.positions))
	}
	h := t.levels[0][index]
	return h[:], nil
}

// Root returns the root hash of the tree when it had size leaves.
func (t *Tree) Root(size uint64) ([]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rootLocked(size)
}

func (t *Tree) rootLocked(size uint64) ([]byte, error) {
	if err := t.checkSizeLocked("tree_size", size); err != nil {
		return nil, err
	}
	if size == 0 {
		return Hasher.EmptyRoot(), nil
	}
	// The perfect subtrees covering [0, size) are all stored; folding them is the root.
	rng, err := t.rf.NewRange(0, size, t.hashesLocked(compact.RangeNodes(0, size, nil)))
	if err != nil {
		return nil, err
	}
	return rng.GetRootHash(nil)
}

// InclusionProof returns the audit path of leaf index in the tree of size leaves, and that tree's
// root.
func (t *Tree) InclusionProof(index, size uint64) (path [][]byte, root []byte, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.checkSizeLocked("tree_size", size); err != nil {
		return nil, nil, err
	}
	if index >= size {
		return nil, nil, fmt.Errorf("%w: leaf %d is not in a tree of %d leaves", ErrBadSize, index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, nil, err
	}
	if path, err = nodes.Rehash(t.hashesLocked(nodes.IDs), Hasher.HashChildren); err != nil {
		return nil, nil, err
	}
	root, err = t.rootLocked(size)
	return path, root, err
}

// ConsistencyProof returns the proof that the tree of size from is a prefix of the tree of size
// to, and both roots. from must be at least 1: every tree extends the empty one, so a proof from
// 0 would prove nothing.
func (t *Tree) ConsistencyProof(from, to uint64) (path [][]byte, fromRoot, toRoot []byte, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := t.checkSizeLocked("to", to); err != nil {
		return nil, nil, nil, err
	}
	if from == 0 || from > to {
		return nil, nil, nil, fmt.Errorf("%w: need 1 <= from <= to, got from %d, to %d", ErrBadSize, from, to)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, nil, nil, err
	}
	if path, err = nodes.Rehash(t.hashesLocked(nodes.IDs), Hasher.HashChildren); err != nil {
		return nil, nil, nil, err
	}
	if fromRoot, err = t.rootLocked(from); err != nil {
		return nil, nil, nil, err
	}
	toRoot, err = t.rootLocked(to)
	return path, fromRoot, toRoot, err
}

func (t *Tree) checkSizeLocked(name string, size uint64) error {
	if n := uint64(len(t.positions)); size > n {
		return fmt.Errorf("%w: %s %d is beyond the tree's %d leaves", ErrBadSize, name, size, n)
	}
	return nil
}

// hashesLocked returns copies of the stored hashes of ids, which must all be perfect subtrees
// within the tree: proof.Nodes.Rehash works in place, and the stored hashes must not change.
func (t *Tree) hashesLocked(ids []compact.NodeID) [][]byte {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h := t.levels[id.Level][id.Index]
		out[i] = append([]byte(nil), h[:]...)
	}
	return out
}

// Leaf returns the event id and log position of leaf index.
func (t *Tree) Leaf(index uint64) (uuid.UUID, eventstore.Position, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if index >= uint64(len(t.positions)) {
		return uuid.UUID{}, 0, fmt.Errorf("%w: leaf %d of a tree of %d", ErrBadSize, index, len(t.positions))
	}
	return t.ids[index], t.positions[index], nil
}
