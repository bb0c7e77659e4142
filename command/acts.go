package command

import (
	"bytes"
	"context"
	"sync"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// acts are the SRO sign-offs recorded for each organisation, which a chief executive appointment is
// decided against (domain.Acts): they live in the plans' streams, which the registry's decisions
// do not otherwise read. The index reads the global log from where it last stopped, so the first
// appointment after a start reads the log once and later ones only what was recorded since; it
// also holds the sign-offs this handler has decided and not yet seen appended, so that an
// appointment decided meanwhile sees them too.
type acts struct {
	mu      sync.Mutex
	after   eventstore.Position // the log is read up to here
	byOrg   map[string][]domain.SignedAct
	pending map[*domain.SignedAct]struct{}
}

func newActs() *acts {
	return &acts{byOrg: map[string][]domain.SignedAct{}, pending: map[*domain.SignedAct]struct{}{}}
}

// SignedActs is domain.Acts: the sign-offs recorded for ods, and those being recorded.
func (a *acts) SignedActs(ods string) []domain.SignedAct {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := append([]domain.SignedAct(nil), a.byOrg[ods]...)
	for p := range a.pending {
		if p.ODSCode == ods {
			out = append(out, *p)
		}
	}
	return out
}

// pend holds a sign-off that has been decided and is being appended; done lets it go once the
// append has returned, after which a read of the log finds it if it was recorded.
func (a *acts) pend(act domain.SignedAct) (done func()) {
	p := &act
	a.mu.Lock()
	a.pending[p] = struct{}{}
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.pending, p)
		a.mu.Unlock()
	}
}

// catchUp reads the sign-offs recorded since the last read. The caller holds the handler's registry
// lock, so no two catch-ups run at once.
func (a *acts) catchUp(ctx context.Context, store eventstore.Store) error {
	const page = 4096
	for {
		var (
			found []domain.SignedAct
			last  eventstore.Position
			n     int
			err   error
		)
		// Only sign-offs are decoded; their bytes are copied first when they are lent.
		collect := func(recs []eventstore.RecordedEvent, lent bool) error {
			for _, rec := range recs {
				last = rec.Position
				if rec.Type != domain.TypeSROSignedOff {
					continue
				}
				data, meta := rec.Data, rec.Metadata
				if lent {
					data, meta = bytes.Clone(data), bytes.Clone(meta)
				}
				act, ok, err := signedAct(rec, data, meta)
				if err != nil {
					return err
				}
				if ok {
					found = append(found, act)
				}
			}
			return nil
		}
		n, err = readLog(ctx, store, a.after, page, collect)
		if err != nil {
			return err
		}
		a.mu.Lock()
		for _, act := range found {
			a.byOrg[act.ODSCode] = append(a.byOrg[act.ODSCode], act)
		}
		if n > 0 {
			a.after = last
		}
		a.mu.Unlock()
		if n < page {
			return nil
		}
	}
}

// signedAct is the sign-off a stored SROSignedOff records; false for one outside a plan's stream
// (another application's, in a shared store).
func signedAct(rec eventstore.RecordedEvent, data, meta []byte) (domain.SignedAct, bool, error) {
	agg, planID, _ := domain.ParseStream(rec.Stream)
	if agg != domain.AggregatePlan {
		return domain.SignedAct{}, false, nil
	}
	e, err := eventcodec.DecodeEnvelope(rec.Type, data, meta)
	if err != nil {
		return domain.SignedAct{}, false, err
	}
	s, ok := e.Data.(domain.SROSignedOff)
	if !ok {
		return domain.SignedAct{}, false, nil
	}
	return domain.SignedAct{ODSCode: s.ODSCode, PersonID: s.PersonID, RecordedAt: e.Meta.RecordedAt, PlanID: planID,
		Version: s.Version, EventID: e.Meta.EventID}, true, nil
}
