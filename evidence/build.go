package evidence

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
)

// ErrUnknownOrganisation is returned by Build for an organisation the ledger (up to the head) never
// registered.
var ErrUnknownOrganisation = errors.New("evidence: no such organisation in the ledger")

// Source is what a bundle is built from: the log, the tree following it, and a signed head of that
// tree. Events after the cut (Size leaves) are left out.
type Source struct {
	Store     eventstore.Store
	Tree      *ledgertree.Tree
	Head      ledgertree.TreeHead
	PublicKey ed25519.PublicKey
	Now       func() time.Time
	// Size is the cut of the bundle in tree leaves, at most Head's size: the events are those of the
	// tree of Size leaves, each proved against Head. 0: Head's size. A ledger signs a head only
	// while its tree has that size, so a bundle as of an earlier cut is proved against a later head.
	Size uint64
	// AsOf and AsOfPosition name the cut of the log (projections.Cut): when its last ledger event
	// was recorded, and the last position it covers. A zero AsOfPosition is taken as the position
	// of the cut's last leaf.
	AsOf         time.Time
	AsOfPosition eventstore.Position
}

// Build returns the bundle of organisation ods. planIDs are the plans it signed (from the
// projections); nil means "find them": the whole log is read.
func Build(ctx context.Context, src Source, ods string, planIDs []string) (*Bundle, error) {
	size, cut := src.Head.TreeSize, src.Size
	if size > src.Tree.Size() {
		return nil, fmt.Errorf("evidence: head of %d leaves, tree of %d", size, src.Tree.Size())
	}
	if cut == 0 {
		cut = size
	}
	if cut > size {
		return nil, fmt.Errorf("evidence: a cut of %d leaves is past the head's %d", cut, size)
	}
	if planIDs == nil {
		var err error
		if planIDs, err = plansSignedBy(ctx, src.Store, ods); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	b := &Bundle{
		Format: Format, ODSCode: ods, CreatedAt: now().UTC().Truncate(time.Second).Format(time.RFC3339),
		PublicKey: PublicKey{Algorithm: "Ed25519", KeyID: ledgertree.KeyID(src.PublicKey), PublicKey: base64.StdEncoding.EncodeToString(src.PublicKey)},
		TreeHead:  src.Head, Events: []Event{}, SignOffs: []SignOff{},
		AsOf: src.AsOf.UTC(), AsOfPosition: src.AsOfPosition, TreeSize: cut,
	}
	if b.AsOfPosition == 0 && cut > 0 {
		if _, last, err := src.Tree.Leaf(cut - 1); err == nil {
			b.AsOfPosition = last
		}
	}
	// inHead keeps the events that are leaves of the cut's tree, with their leaf index, and proves
	// each in the head's.
	inHead := func(recs []eventstore.RecordedEvent, keep func(eventstore.RecordedEvent) bool) error {
		for _, rec := range recs {
			if err := ctx.Err(); err != nil {
				return err // the request that asked is over
			}
			index, err := src.Tree.IndexAt(rec.Position)
			if errors.Is(err, ledgertree.ErrUnknownEvent) || index >= cut {
				continue // recorded after the cut
			}
			if err != nil {
				return err
			}
			if !keep(rec) {
				continue
			}
			path, _, err := src.Tree.InclusionProof(index, size)
			if err != nil {
				return err
			}
			proof := make([]string, len(path))
			for i, p := range path {
				proof[i] = hex.EncodeToString(p)
			}
			b.Events = append(b.Events, Event{LeafIndex: index, Position: rec.Position, Stream: rec.Stream, Revision: rec.Revision,
				EventID: rec.ID.String(), Type: rec.Type, Data: json.RawMessage(rec.Data), Metadata: json.RawMessage(rec.Metadata), InclusionProof: proof})
		}
		return nil
	}

	// The plans first: the bodies whose approvals they hold, and their rounds, are the registry
	// events the bundle needs besides the organisation's own.
	bodies, rounds := map[string]bool{}, map[string]bool{}
	for _, id := range planIDs {
		recs, err := src.Store.ReadStream(ctx, domain.PlanStream(id), 0, 0)
		if err != nil {
			return nil, err
		}
		// The whole stream up to the head, so that its chain can be followed from the submission.
		err = inHead(recs, func(rec eventstore.RecordedEvent) bool {
			var d struct {
				ODSCode string `json:"ods_code"`
				BodyID  string `json:"body_id"`
				Round   string `json:"round"`
			}
			switch rec.Type {
			case domain.TypeBoardApprovalRecorded:
				if json.Unmarshal(rec.Data, &d) == nil && d.ODSCode == ods {
					bodies[d.BodyID] = true
				}
			case domain.TypePlanSubmitted:
				if json.Unmarshal(rec.Data, &d) == nil {
					rounds[d.Round] = true
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	registry, err := src.Store.ReadStream(ctx, domain.RegistryStream, 0, 0)
	if err != nil {
		return nil, err
	}
	registered := false
	err = inHead(registry, func(rec eventstore.RecordedEvent) bool {
		var d struct {
			ODSCode string `json:"ods_code"`
			BodyID  string `json:"body_id"`
			Round   string `json:"round"`
		}
		if json.Unmarshal(rec.Data, &d) != nil {
			return false
		}
		switch rec.Type {
		case domain.TypeOrganisationRegistered, domain.TypeChiefExecutiveAppointed:
			registered = registered || (rec.Type == domain.TypeOrganisationRegistered && d.ODSCode == ods)
			return d.ODSCode == ods
		case domain.TypeGovernanceBodyRecorded:
			return d.ODSCode == ods || bodies[d.BodyID]
		case domain.TypePlanningRoundPublished:
			return rounds[d.Round]
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if !registered {
		return nil, fmt.Errorf("%w: %s", ErrUnknownOrganisation, ods)
	}
	slices.SortFunc(b.Events, func(x, y Event) int { return cmp.Compare(x.LeafIndex, y.LeafIndex) })
	// The summaries are what checking the events finds; a bundle that would not verify is not made.
	b.SignOffs, err = deriveSignOffs(b)
	if err != nil {
		return nil, fmt.Errorf("evidence: the ledger's own events do not make a sound bundle: %w", err)
	}
	return b, nil
}

// plansSignedBy reads the whole log for the plans with a sign-off for ods.
func plansSignedBy(ctx context.Context, store eventstore.Store, ods string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	var after eventstore.Position
	for {
		events, err := store.ReadAll(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(events) == 0 {
			return ids, nil
		}
		for _, rec := range events {
			agg, id, _ := domain.ParseStream(rec.Stream)
			if rec.Type != domain.TypeSROSignedOff || agg != domain.AggregatePlan {
				continue
			}
			var d struct {
				ODSCode string `json:"ods_code"`
			}
			if json.Unmarshal(rec.Data, &d) == nil && d.ODSCode == ods && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		after = events[len(events)-1].Position
	}
}
