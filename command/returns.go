package command

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/google/uuid"

	"assurance-ledger/domain"
)

// returnStreams caches the folded streams of SHAs' returns: a few per SHA and round, so kept for
// the handler's life. The map is guarded by mu; each stream by its stripe lock.
type returnStreams struct {
	mu      sync.Mutex
	streams map[string]*stream[*domain.SHAReturn]
}

func (h *Handler) loadReturn(ctx context.Context, name string) (*stream[*domain.SHAReturn], error) {
	h.returns.mu.Lock()
	if h.returns.streams == nil {
		h.returns.streams = map[string]*stream[*domain.SHAReturn]{}
	}
	s, ok := h.returns.streams[name]
	if !ok {
		s = newStream(name, domain.NewSHAReturn())
		h.returns.streams[name] = s
	}
	h.returns.mu.Unlock()
	if err := s.catchUp(ctx, h.store); err != nil {
		h.returns.mu.Lock()
		delete(h.returns.streams, name)
		h.returns.mu.Unlock()
		return nil, err
	}
	return s, nil
}

// SubmitReturn decides an SHA's return for a round, checked against the plans it names, and records
// it in the stream of the SHA's returns for the round. The return's stream and every plan it names
// are locked while it is decided, and the return's as_of_position is the log's head read then: in
// this instance, no plan named can change between the check and that position.
func (h *Handler) SubmitReturn(ctx context.Context, req Request, cmd domain.SubmitReturn) (Result, error) {
	req = h.normalise(req)
	if _, _, ok := domain.ParseReturnID(domain.ReturnID(cmd.SHACode, cmd.Round)); !ok {
		// No stream can be named: the rules say what is wrong, and nothing is recorded.
		_, err := domain.NewSHAReturn().Decide(nil, nil, nil, req.Actor, h.clock(), cmd)
		return Result{}, err
	}
	reused, release, err := h.keys.claim(ctx, h.store, req.CommandID)
	if err != nil {
		return Result{}, err
	}
	defer release()
	name := domain.ReturnStream(cmd.SHACode, cmd.Round)
	planStreams := make([]string, 0, len(cmd.Plans))
	for _, p := range cmd.Plans {
		if _, err := uuid.Parse(p.PlanID); err == nil {
			planStreams = append(planStreams, domain.PlanStream(p.PlanID))
		}
	}
	unlock := h.lockAll(append([]string{name}, planStreams...))
	defer unlock()
	ret, err := h.loadReturn(ctx, name)
	if err != nil {
		return Result{}, err
	}
	if r, ok, err := ret.prior(req, reused); ok {
		// Authorisation comes first: a repeat is answered only to whom the command is allowed.
		if aerr := h.authoriseReturn(ctx, ret, req, cmd); aerr != nil {
			return Result{}, aerr
		}
		return r, err
	}
	if err := ret.checkExpected(req.ExpectedRevision); err != nil {
		return Result{}, err
	}
	plans := map[string]*domain.Plan{}
	for _, s := range planStreams {
		p, err := h.loadPlan(ctx, s)
		if err != nil {
			return Result{}, err
		}
		_, id, _ := domain.ParseStream(s)
		plans[id] = p.state
	}
	live := map[string]*domain.Plan{}
	for _, x := range cmd.Exceptions {
		if _, seen := live[x.LHCID]; seen || x.LHCID == "" {
			continue
		}
		p, err := h.livePlan(ctx, x.LHCID, cmd.Round)
		if err != nil {
			return Result{}, err
		}
		live[x.LHCID] = p
	}
	head, err := h.store.Head(ctx)
	if err != nil {
		return Result{}, err
	}
	cmd.AsOfPosition = head
	at := h.clock()
	h.registryMu.Lock()
	err = h.registry.catchUp(ctx, h.store)
	var data domain.EventData
	if err == nil {
		data, err = ret.state.Decide(h.registry.state, func(id string) (*domain.Plan, bool) {
			p, ok := plans[id]
			return p, ok && p.Exists()
		}, func(lhc string) (*domain.Plan, bool) {
			p := live[lhc]
			return p, p != nil
		}, req.Actor, at, cmd)
	}
	h.registryMu.Unlock()
	if err != nil {
		return Result{}, err
	}
	return h.recordAt(ctx, ret, req, data, "", at)
}

// AcknowledgeReturn records CfH's acknowledgement of SHA sha's return recorded as event
// returnEventID, in whichever of the SHA's return streams (one per published round) holds it.
func (h *Handler) AcknowledgeReturn(ctx context.Context, req Request, sha, returnEventID string, cmd domain.AcknowledgeReturn) (Result, error) {
	req = h.normalise(req)
	cmd.ReturnEventID = returnEventID
	reused, release, err := h.keys.claim(ctx, h.store, req.CommandID)
	if err != nil {
		return Result{}, err
	}
	defer release()
	h.registryMu.Lock()
	err = h.registry.catchUp(ctx, h.store)
	rounds := h.registry.state.Rounds()
	h.registryMu.Unlock()
	if err != nil {
		return Result{}, err
	}
	for _, rd := range rounds {
		if _, _, ok := domain.ParseReturnID(domain.ReturnID(sha, rd.Round)); !ok {
			break // not an ODS code: no stream of its returns
		}
		name := domain.ReturnStream(sha, rd.Round)
		res, found, err := func() (Result, bool, error) {
			unlock := h.lock(name)
			defer unlock()
			ret, err := h.loadReturn(ctx, name)
			if err != nil {
				return Result{}, false, err
			}
			if r, ok, err := ret.prior(req, reused); ok {
				if aerr := h.authoriseReturn(ctx, ret, req, cmd); aerr != nil {
					return Result{}, true, aerr
				}
				return r, true, err
			}
			if !slices.ContainsFunc(ret.state.Returns(), func(x domain.ReturnRecord) bool { return x.EventID == returnEventID }) {
				return Result{}, false, nil
			}
			if err := ret.checkExpected(req.ExpectedRevision); err != nil {
				return Result{}, true, err
			}
			// The plans the return names, as they stand: the acknowledgement holds the return to
			// them. They are read, not locked: a change recorded after this read is one CfH
			// acknowledged before, as it would be had it come a moment later.
			plans := map[string]*domain.Plan{}
			for _, x := range ret.state.Returns() {
				if x.EventID != returnEventID {
					continue
				}
				for _, e := range x.Plans {
					p, err := h.freshPlan(ctx, e.PlanID)
					if err != nil {
						return Result{}, true, err
					}
					plans[e.PlanID] = p
				}
			}
			at := h.clock()
			h.registryMu.Lock()
			err = h.registry.catchUp(ctx, h.store)
			var data domain.EventData
			if err == nil {
				data, err = ret.state.Decide(h.registry.state, func(id string) (*domain.Plan, bool) {
					p := plans[id]
					return p, p != nil && p.Exists()
				}, nil, req.Actor, at, cmd)
			}
			h.registryMu.Unlock()
			if err != nil {
				return Result{}, true, err
			}
			r, err := h.recordAt(ctx, ret, req, data, "", at)
			return r, true, err
		}()
		if found || err != nil {
			return res, err
		}
	}
	// The rules say who may acknowledge before they say what is unknown.
	if req.Actor.Role != domain.RoleCfH {
		_, err := domain.NewSHAReturn().Decide(nil, nil, nil, req.Actor, h.clock(), cmd)
		return Result{}, err
	}
	return Result{}, &domain.Error{Code: domain.ErrReturnNotFound.Code, Kind: domain.ErrReturnNotFound.Kind,
		Message: "SHA " + sha + " has recorded no return " + returnEventID,
		Fields:  []domain.FieldError{{Field: "event_id", Message: "no such return of SHA " + sha}}}
}

// authoriseReturn refuses a repeat of cmd that the actor may not make: what the rules say of it,
// if that is a refusal of who acts.
func (h *Handler) authoriseReturn(ctx context.Context, ret *stream[*domain.SHAReturn], req Request, cmd domain.ReturnCommand) error {
	h.registryMu.Lock()
	defer h.registryMu.Unlock()
	if err := h.registry.catchUp(ctx, h.store); err != nil {
		return err
	}
	_, err := ret.state.Decide(h.registry.state, nil, nil, req.Actor, h.clock(), cmd)
	return forbidden(err)
}

// freshPlan folds plan id from its stream into a state of its own, shared with no cache, so that
// it needs no lock; nil for an id that is not a plan's.
func (h *Handler) freshPlan(ctx context.Context, id string) (*domain.Plan, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil
	}
	s := newStream(domain.PlanStream(id), domain.NewPlan())
	if err := s.catchUp(ctx, h.store); err != nil {
		return nil, err
	}
	return s.state, nil
}

// livePlan is LHC lhc's live plan for round (read as freshPlan reads), or nil when it has none:
// plan ids are derived from (LHC, round, n), and every plan before the live one was withdrawn.
func (h *Handler) livePlan(ctx context.Context, lhc, round string) (*domain.Plan, error) {
	for n := 1; ; n++ {
		p, err := h.freshPlan(ctx, PlanID(lhc, round, n))
		if err != nil || !p.Exists() {
			return nil, err
		}
		if !p.Withdrawn() {
			return p, nil
		}
	}
}

// LatestReturn is the return in force of SHA sha for round, as recorded.
func (h *Handler) LatestReturn(ctx context.Context, sha, round string) (domain.ReturnRecord, bool, error) {
	if _, _, ok := domain.ParseReturnID(domain.ReturnID(sha, round)); !ok {
		return domain.ReturnRecord{}, false, nil
	}
	name := domain.ReturnStream(sha, round)
	unlock := h.lock(name)
	defer unlock()
	ret, err := h.loadReturn(ctx, name)
	if err != nil {
		return domain.ReturnRecord{}, false, err
	}
	r, ok := ret.state.Latest()
	return r, ok, nil
}

// PlanRecord is plan id's state as recorded (without content), for a caller drawing up a command
// that names what a plan holds (an SHA's return). false: no such plan was submitted.
func (h *Handler) PlanRecord(ctx context.Context, id string) (domain.PlanRecord, bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return domain.PlanRecord{}, false, nil
	}
	name := domain.PlanStream(id)
	unlock := h.lock(name)
	defer unlock()
	p, err := h.loadPlan(ctx, name)
	if err != nil {
		return domain.PlanRecord{}, false, err
	}
	rec := p.state.Record()
	return rec, rec.Exists, nil
}

// lockAll locks the stripes of every stream named, each once, in stripe order, so that two callers
// locking several never wait on each other in a circle.
func (h *Handler) lockAll(names []string) func() {
	var stripes []int
	for _, n := range names {
		stripes = append(stripes, int(maphash.String(h.seed, n)%uint64(len(h.locks))))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, i := range stripes {
		h.locks[i].Lock()
	}
	return func() {
		for _, i := range slices.Backward(stripes) {
			h.locks[i].Unlock()
		}
	}
}
