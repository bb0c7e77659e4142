package api

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/ledgertree"
)

// The /v1/ledger routes serve the ledger-wide Merkle tree (docs/design.md §6): signed tree heads,
// the key that checks them, and the inclusion and consistency proofs a client verifies against a
// head with any RFC 6962 library.

// PublicKey is the ledger's tree head signing key.
type PublicKey struct {
	Algorithm string `json:"algorithm"`  // always Ed25519
	KeyID     string `json:"key_id"`     // hex of the first 16 bytes of SHA-256 of the raw key
	PublicKey string `json:"public_key"` // standard base64 of the 32-byte raw key
}

// InclusionProof proves that an event is a leaf of the tree a signed head describes.
type InclusionProof struct {
	EventID   string `json:"event_id"`
	Position  uint64 `json:"position"`
	LeafIndex uint64 `json:"leaf_index"`
	// LeafHash is SHA-256(0x00 || the event's 32-byte chain hash), as RFC 6962 hashes leaves.
	LeafHash  string   `json:"leaf_hash"`
	AuditPath []string `json:"audit_path"` // hex node hashes, leaf side first
	// TreeHead is the head the ledger signed when its tree had the proof's size: the current head
	// at the current size, else the one in its head log. A size it signed no head at is refused (409
	// no_signed_head), never answered with a head signed now.
	TreeHead ledgertree.TreeHead `json:"tree_head"`
}

// ConsistencyProof proves that the tree of size from is a prefix of the tree of size to. Each head
// is the one the ledger signed when its tree had that size (from its head log, or the current head
// at the current size), and absent when it signed none at that size: a head signed now for an old
// size would carry a time the tree did not have that size, and let a server hiding its later
// events look fresh. A proof without heads is still checked against heads the client holds (an
// auditor's own, or a bundle's).
type ConsistencyProof struct {
	Proof    []string             `json:"proof"` // hex node hashes, RFC 6962 order
	FromHead *ledgertree.TreeHead `json:"from_head,omitempty"`
	ToHead   *ledgertree.TreeHead `json:"to_head,omitempty"`
}

// ledgerTree returns the tree once it can answer: 503 when the server has none, or while it is
// still catching up with the log (an event recorded before start would otherwise be unknown).
func (s *server) ledgerTree() (*ledgertree.Tree, error) {
	if s.Tree == nil || s.TreeSigner == nil {
		return nil, newProblem(http.StatusServiceUnavailable, "tree_unavailable", "this server keeps no ledger tree")
	}
	if err := s.Tree.Ready(); err != nil {
		p := newProblem(http.StatusServiceUnavailable, "not_ready", err.Error())
		p.retryAfter = 1
		return nil, p
	}
	return s.Tree.Tree(), nil
}

func (s *server) treeHead(c echo.Context) error {
	tree, err := s.ledgerTree()
	if err != nil {
		return err
	}
	head, err := s.currentHead(tree)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, head)
}

// currentHead signs the tree's head at its present size, storing it when heads are kept, so that
// every head the service gives out is one ledger verify can hold the log to.
func (s *server) currentHead(tree *ledgertree.Tree) (ledgertree.TreeHead, error) {
	if s.Heads != nil {
		return s.Heads.Head(tree)
	}
	size := tree.Size()
	root, err := tree.Root(size)
	if err != nil {
		return ledgertree.TreeHead{}, err
	}
	return s.TreeSigner.Sign(size, root, time.Now()), nil
}

// headOfSize is the head the ledger signed when its tree had size leaves: the stored one, or at
// the tree's current size the current head; nil if it signed none at that size. It never signs a
// size the tree has grown past.
func (s *server) headOfSize(tree *ledgertree.Tree, size uint64) (*ledgertree.TreeHead, error) {
	if s.Heads == nil {
		if size != tree.Size() {
			return nil, nil
		}
		h, err := s.currentHead(tree)
		return &h, err
	}
	h, err := s.Heads.HeadAt(tree, size)
	if errors.Is(err, ledgertree.ErrNoSignedHead) {
		return nil, nil
	}
	return &h, err
}

// noSignedHead is the refusal of a proof at a size the ledger signed no head at, naming the sizes
// nearest it that have one.
func (s *server) noSignedHead(name string, size uint64, tree *ledgertree.Tree) *Problem {
	var below, above uint64
	if s.Heads != nil {
		below, above = s.Heads.Nearest(size)
	}
	var near []string
	if below > 0 {
		near = append(near, fmt.Sprintf("%d", below))
	}
	if above > 0 {
		near = append(near, fmt.Sprintf("%d", above))
	}
	signed := "it signed no head at a size near it"
	if len(near) > 0 {
		signed = "the nearest sizes it signed heads at are " + strings.Join(near, " and ")
	}
	return newProblem(http.StatusConflict, "no_signed_head",
		fmt.Sprintf("the ledger signed no tree head when its tree had %d leaves (it has %d now), and signs none for a size it has grown past; %s: ask at one of those, or without %s for the current signed head", size, tree.Size(), signed, name),
		field(name, fmt.Sprintf("no signed head of %d leaves; %s", size, signed)))
}

func (s *server) publicKey(c echo.Context) error {
	if s.TreeSigner == nil {
		return newProblem(http.StatusServiceUnavailable, "tree_unavailable", "this server keeps no ledger signing key")
	}
	return c.JSON(http.StatusOK, PublicKey{
		Algorithm: "Ed25519",
		KeyID:     s.TreeSigner.KeyID(),
		PublicKey: base64.StdEncoding.EncodeToString(s.TreeSigner.PublicKey()),
	})
}

// sizeParam parses an optional tree size query parameter; 0 means it was absent.
func sizeParam(c echo.Context, name string) (uint64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || n == 0 {
		return 0, badRequest(name+" must be a positive integer", field(name, "must be a positive integer"))
	}
	return n, nil
}

func (s *server) inclusionProof(c echo.Context) error {
	raw := c.Param("event_id")
	id, err := uuid.Parse(raw)
	if err != nil {
		return newProblem(http.StatusNotFound, "event_not_found", "no event "+raw+" in the ledger tree")
	}
	size, err := sizeParam(c, "tree_size")
	if err != nil {
		return err
	}
	tree, err := s.ledgerTree()
	if err != nil {
		return err
	}
	// Read once: the tree may grow while the proof is built, and the default size must be one the
	// event is in.
	current := tree.Size()
	index, pos, err := tree.IndexOf(id)
	if errors.Is(err, ledgertree.ErrUnknownEvent) {
		return newProblem(http.StatusNotFound, "event_not_found", "no event "+id.String()+" in the ledger tree")
	}
	if err != nil {
		return err
	}
	var head ledgertree.TreeHead
	switch {
	case size == 0:
		// The current head, whatever the tree has grown to since it was read: the event is in it.
		if head, err = s.currentHead(tree); err != nil {
			return err
		}
		size = head.TreeSize
	case size > current:
		return badRequest(fmt.Sprintf("tree_size %d is beyond the tree's %d leaves", size, current), field("tree_size", fmt.Sprintf("must be at most %d", current)))
	case size <= index:
		return badRequest(fmt.Sprintf("event %s is leaf %d, so it is not in a tree of %d leaves", id, index, size), field("tree_size", fmt.Sprintf("must be more than %d", index)))
	default:
		h, err := s.headOfSize(tree, size)
		if err != nil {
			return err
		}
		if h == nil {
			return s.noSignedHead("tree_size", size, tree)
		}
		head = *h
	}
	path, _, err := tree.InclusionProof(index, size)
	if err != nil {
		return err
	}
	leafHash, err := tree.LeafHash(index)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, InclusionProof{
		EventID: id.String(), Position: pos, LeafIndex: index, LeafHash: hex.EncodeToString(leafHash),
		AuditPath: hexAll(path), TreeHead: head,
	})
}

func (s *server) consistencyProof(c echo.Context) error {
	from, err := sizeParam(c, "from")
	if err != nil {
		return err
	}
	to, err := sizeParam(c, "to")
	if err != nil {
		return err
	}
	var missing []domain.FieldError
	if from == 0 {
		missing = append(missing, field("from", "required"))
	}
	if to == 0 {
		missing = append(missing, field("to", "required"))
	}
	if len(missing) > 0 {
		return badRequest("from and to are both required", missing...)
	}
	if from > to {
		return badRequest(fmt.Sprintf("from %d is after to %d", from, to), field("from", "must be at most to"))
	}
	tree, err := s.ledgerTree()
	if err != nil {
		return err
	}
	if current := tree.Size(); to > current {
		return badRequest(fmt.Sprintf("to %d is beyond the tree's %d leaves", to, current), field("to", fmt.Sprintf("must be at most %d", current)))
	}
	path, _, _, err := tree.ConsistencyProof(from, to)
	if err != nil {
		return err
	}
	fromHead, err := s.headOfSize(tree, from)
	if err != nil {
		return err
	}
	toHead, err := s.headOfSize(tree, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ConsistencyProof{Proof: hexAll(path), FromHead: fromHead, ToHead: toHead})
}

func hexAll(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = hex.EncodeToString(h)
	}
	return out
}
