package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// sroBundle answers GET /v1/organisations/{ods}/sro-evidence?format=bundle: the organisation's SRO
// evidence ev as a self-contained bundle (package evidence) that `ledger verify --bundle` checks
// offline. It holds the events up to ev's cut, proved against a head the ledger signed when its
// tree had at least the cut's leaves (bundleHead).
func (s *server) sroBundle(c echo.Context, ev projections.SROEvidence) error {
	tree, err := s.ledgerTree()
	if err != nil {
		return err
	}
	// The tree follows the log on a subscription of its own: let it reach what the projections
	// showed, so that the bundle holds every sign-off the JSON evidence lists.
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.ReadWait)
	err = s.Tree.WaitFor(ctx, ev.AsOfPosition)
	cancel()
	if err != nil {
		p := newProblem(http.StatusServiceUnavailable, "not_ready", "the ledger tree is catching up with the log; retry shortly")
		p.retryAfter = 1
		return p
	}
	head, err := s.bundleHead(tree, ev.TreeSize)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	plans := []string{}
	for _, so := range ev.SignOffs {
		if !seen[so.PlanID] {
			seen[so.PlanID] = true
			plans = append(plans, so.PlanID)
		}
	}
	b, err := evidence.Build(c.Request().Context(), evidence.Source{
		Store: s.Store, Tree: tree, Head: head, Size: ev.TreeSize, PublicKey: s.TreeSigner.PublicKey(), AsOf: ev.AsOf, AsOfPosition: ev.AsOfPosition,
	}, ev.ODSCode, plans)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="sro-evidence-%s-%d.json"`, ev.ODSCode, head.TreeSize))
	return c.JSON(http.StatusOK, b)
}

// bundleHead is the head a bundle cut at size leaves is proved against: the one the ledger signed
// when its tree had that size; else the first it signed after, whose tree holds every leaf of the
// cut; else the current head. Never a head signed now for a size the tree has grown past.
func (s *server) bundleHead(tree *ledgertree.Tree, size uint64) (ledgertree.TreeHead, error) {
	if s.Heads != nil {
		if h, ok := s.Heads.AtOrAfter(size); ok {
			return h, nil
		}
	}
	return s.currentHead(tree)
}
