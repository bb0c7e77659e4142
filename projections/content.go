package projections

import (
	"context"
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// contentCacheSize is how many versions' content Plan keeps decoded: a few MB, enough for the plans
// being worked on at any one time.
const contentCacheSize = 4096

type contentKey struct {
	plan    string
	version int
}

// content returns version's content of plan id, read from the event at revision of the plan's
// stream. The event must be that version's submission or revision and its content must hash to
// hash: anything else means the log and the projections disagree, which is an error, not an answer.
func (p *Projector) content(ctx context.Context, id string, version int, revision uint64, hash string) (domain.Content, error) {
	key := contentKey{id, version}
	if c, ok := p.contents.Get(key); ok {
		return c.Clone(), nil
	}
	recs, err := p.store.ReadStream(ctx, domain.PlanStream(id), revision, 1)
	if err != nil {
		return domain.Content{}, fmt.Errorf("projections: reading plan %s version %d's content: %w", id, version, err)
	}
	if len(recs) == 0 || recs[0].Revision != revision {
		return domain.Content{}, fmt.Errorf("projections: plan %s has no event at revision %d, where version %d's content was", id, revision, version)
	}
	e, err := eventcodec.DecodeEnvelope(recs[0].Type, recs[0].Data, recs[0].Metadata)
	if err != nil {
		return domain.Content{}, fmt.Errorf("projections: plan %s revision %d: %w", id, revision, err)
	}
	v, ok := e.Data.(domain.VersionEvent)
	if !ok {
		return domain.Content{}, fmt.Errorf("projections: plan %s revision %d is %s, not version %d's content", id, revision, recs[0].Type, version)
	}
	at, c := v.VersionContent()
	if err := contentAgrees(revision, version, hash, at, e.ContentHash); err != nil {
		return domain.Content{}, fmt.Errorf("projections: plan %s: %w", id, err)
	}
	p.contents.Add(key, c)
	return c.Clone(), nil
}

// contentAgrees says whether the event at revision, which holds version gotVersion's content with
// hash gotHash, is version's content as the projections applied it (hash): anything else means the
// log and the projections disagree, which is an error, not an answer.
func contentAgrees(revision uint64, version int, hash string, gotVersion int, gotHash string) error {
	if gotVersion != version {
		return fmt.Errorf("revision %d is version %d, not %d", revision, gotVersion, version)
	}
	if gotHash != hash {
		return fmt.Errorf("version %d's content hashes to %s in the log, but was %s when applied", version, gotHash, hash)
	}
	return nil
}
