package command

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// Request carries what every command needs besides its own fields.
type Request struct {
	Actor domain.Actor
	// CommandID makes the command idempotent: a repeat gets the first result. Empty: a fresh one
	// is made. A client's idempotency key is never used as it is, but through KeyedCommandID,
	// which scopes it to the person and the request; such a derived id is unique ledger-wide (the
	// same key with another request, on any stream, is ErrKeyReused), any other only in its stream.
	CommandID string
	// CorrelationID ties the event to the request that caused it. Empty: the command id is used.
	CorrelationID string
	// ExpectedRevision, when set (HTTP If-Match), must equal the stream's revision or the command
	// is refused with a conflict. Submissions ignore it: their stream does not exist yet.
	ExpectedRevision *uint64
}

// Result tells where a command's event landed.
type Result struct {
	PlanID   string              `json:"plan_id,omitempty"`
	EventID  string              `json:"event_id"`
	Stream   string              `json:"stream"`
	Revision uint64              `json:"revision"`
	Position eventstore.Position `json:"position"`
	Hash     string              `json:"hash"`
	// Replayed is true when the command id had been recorded before and nothing was appended.
	Replayed bool `json:"-"`
}

// Options tune a Handler. The zero value is usable.
type Options struct {
	// Clock gives the time commands are decided and recorded at. Default: the wall clock to the
	// millisecond, the precision every answer prints times at, so that a recorded time printed is
	// the time recorded, and an as_of taken from it includes its event.
	Clock func() time.Time
	// PlanCacheSize bounds how many folded plans stay in memory. Default 10,000.
	PlanCacheSize int
}

// Handler decides and records commands. It is safe for concurrent use.
type Handler struct {
	store eventstore.Store
	clock func() time.Time

	// locks serialise commands per stream; striped so that cache eviction cannot let two
	// goroutines decide on the same stream at once.
	locks [256]sync.Mutex
	seed  maphash.Seed

	registryMu sync.Mutex
	registry   *stream[*domain.Registry]
	acts       *acts // the sign-offs appointments are decided against; read under registryMu

	plans *lru.Cache[string, *stream[*domain.Plan]] // guarded by the stream's stripe lock

	keys *keyIndex // every idempotency key recorded in the log, ledger-wide

	returns returnStreams // the SHAs' returns (returns.go)
}

// NewHandler returns a Handler over store.
func NewHandler(store eventstore.Store, opts Options) *Handler {
	if opts.Clock == nil {
		opts.Clock = func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	}
	if opts.PlanCacheSize <= 0 {
		opts.PlanCacheSize = 10_000
	}
	plans, err := lru.New[string, *stream[*domain.Plan]](opts.PlanCacheSize)
	if err != nil {
		panic(err) // only for a non-positive size, excluded above
	}
	return &Handler{
		store:    store,
		clock:    opts.Clock,
		seed:     maphash.MakeSeed(),
		registry: newStream(domain.RegistryStream, domain.NewRegistry()),
		acts:     newActs(),
		plans:    plans,
		keys:     newKeyIndex(),
	}
}

// Registry decides a registry command (organisations, chief executives, LHCs) and records its event.
func (h *Handler) Registry(ctx context.Context, req Request, cmd domain.RegistryCommand) (Result, error) {
	req = h.normalise(req)
	reused, release, err := h.keys.claim(ctx, h.store, req.CommandID)
	if err != nil {
		return Result{}, err
	}
	defer release()
	h.registryMu.Lock()
	defer h.registryMu.Unlock()
	reg := h.registry
	if err := reg.catchUp(ctx, h.store); err != nil {
		return Result{}, err
	}
	if r, ok, err := reg.prior(req, reused); ok {
		// Authorisation comes first: a repeat is answered only to whom the command is allowed.
		if _, derr := reg.state.Decide(req.Actor, h.clock(), cmd); forbidden(derr) != nil {
			return Result{}, derr
		}
		return r, err
	}
	if err := reg.checkExpected(req.ExpectedRevision); err != nil {
		return Result{}, err
	}
	// An appointment is decided knowing the sign-offs recorded, which it may not take effect before;
	// the registry lock, held from here to the append, keeps sign-offs from being decided meanwhile.
	var known domain.Acts
	if isAppointment(cmd) {
		if err := h.acts.catchUp(ctx, h.store); err != nil {
			return Result{}, err
		}
		known = h.acts
	}
	data, err := reg.state.DecideKnowing(req.Actor, h.clock(), cmd, known)
	if err != nil {
		return Result{}, err
	}
	return h.record(ctx, reg, req, data, "")
}

func isAppointment(cmd domain.RegistryCommand) bool {
	switch cmd.(type) {
	case domain.AppointChiefExecutive, *domain.AppointChiefExecutive:
		return true
	}
	return false
}

// Plan decides a command on an existing plan and records its event.
func (h *Handler) Plan(ctx context.Context, req Request, planID string, cmd domain.PlanCommand) (Result, error) {
	if _, ok := cmd.(domain.SubmitPlan); ok {
		return Result{}, errors.New("command: use Submit to submit a plan")
	}
	if _, err := uuid.Parse(planID); err != nil {
		return Result{}, fmt.Errorf("%w: plan id %q is not a UUID", domain.ErrPlanNotFound, planID)
	}
	req = h.normalise(req)
	reused, release, err := h.keys.claim(ctx, h.store, req.CommandID)
	if err != nil {
		return Result{}, err
	}
	defer release()
	name := domain.PlanStream(planID)
	unlock := h.lock(name)
	defer unlock()
	plan, err := h.loadPlan(ctx, name)
	if err != nil {
		return Result{}, err
	}
	if r, ok, err := plan.prior(req, reused); ok {
		if aerr := h.authorisePlan(ctx, plan, req, cmd); aerr != nil {
			return Result{}, aerr
		}
		return r, err
	}
	if err := plan.checkExpected(req.ExpectedRevision); err != nil {
		return Result{}, err
	}
	return h.decidePlan(ctx, plan, req, cmd, planID)
}

// Submit submits a new plan for an LHC and round.
//
// The plan's id is derived from (LHC, round, n): the n-th plan ever submitted for that LHC and round.
// Every earlier one must be withdrawn, and the new plan is appended with "no stream" expected, so two
// concurrent submissions cannot both create a live plan: the store's concurrency check enforces the
// one-live-plan rule without a second stream to keep consistent.
func (h *Handler) Submit(ctx context.Context, req Request, cmd domain.SubmitPlan) (Result, error) {
	req = h.normalise(req)
	req.ExpectedRevision = nil
	reused, release, err := h.keys.claim(ctx, h.store, req.CommandID)
	if err != nil {
		return Result{}, err
	}
	defer release()
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		planID := PlanID(cmd.LHCID, cmd.Round, n)
		name := domain.PlanStream(planID)
		res, next, err := func() (Result, bool, error) {
			unlock := h.lock(name)
			defer unlock()
			plan, err := h.loadPlan(ctx, name)
			if err != nil {
				return Result{}, false, err
			}
			c := cmd
			c.PlanID = planID
			if r, ok, err := plan.prior(req, reused); ok {
				if aerr := h.authorisePlan(ctx, plan, req, c); aerr != nil {
					return Result{}, false, aerr
				}
				return r, false, err
			}
			if plan.exists && plan.state.Withdrawn() {
				return Result{}, true, nil
			}
			r, err := h.decidePlan(ctx, plan, req, c, planID)
			return r, false, err
		}()
		if !next {
			return res, err
		}
	}
}

// planNamespace scopes derived plan ids to this ledger's naming scheme.
var planNamespace = uuid.MustParse("6f1c3a52-2d0e-4a7e-9a51-0c1d5e0b7a10")

// PlanID is the id of the n-th plan (n >= 1) submitted for an LHC and round.
func PlanID(lhcID, round string, n int) string {
	return uuid.NewSHA1(planNamespace, fmt.Appendf(nil, "%s\x00%s\x00%d", lhcID, round, n)).String()
}

func (h *Handler) decidePlan(ctx context.Context, plan *stream[*domain.Plan], req Request, cmd domain.PlanCommand, planID string) (Result, error) {
	at := h.clock()
	cmd, err := withContentHash(cmd)
	if err != nil {
		return Result{}, err
	}
	h.registryMu.Lock()
	err = h.registry.catchUp(ctx, h.store)
	var data domain.EventData
	if err == nil {
		data, err = plan.state.Decide(h.registry.state, req.Actor, at, cmd)
	}
	// A sign-off is known to appointments from its decision on, while the registry lock that
	// decided it is held: an appointment decided before it is appended still sees it.
	if s, ok := data.(domain.SROSignedOff); ok && err == nil {
		done := h.acts.pend(domain.SignedAct{ODSCode: s.ODSCode, PersonID: s.PersonID, RecordedAt: at.UTC(), PlanID: planID, Version: s.Version})
		defer done()
	}
	h.registryMu.Unlock()
	if err != nil {
		return Result{}, err
	}
	return h.recordAt(ctx, plan, req, data, planID, at)
}

// authorisePlan decides cmd for req's actor without recording it, and returns the refusal only if
// it says the actor may not issue the command: a repeat is refused what the command would be.
func (h *Handler) authorisePlan(ctx context.Context, plan *stream[*domain.Plan], req Request, cmd domain.PlanCommand) error {
	cmd, err := withContentHash(cmd)
	if err != nil {
		return err
	}
	h.registryMu.Lock()
	defer h.registryMu.Unlock()
	if err := h.registry.catchUp(ctx, h.store); err != nil {
		return err
	}
	_, err = plan.state.Decide(h.registry.state, req.Actor, h.clock(), cmd)
	return forbidden(err)
}

// withContentHash is cmd with the hash of the content it carries, which the rules compare versions
// by (domain.RevisePlan.ContentHash). Content that cannot be hashed (a number JSON cannot hold) is
// left without one: the rules refuse such content, naming the field, before they look at the hash.
func withContentHash(cmd domain.PlanCommand) (domain.PlanCommand, error) {
	switch c := cmd.(type) {
	case domain.RevisePlan:
		c.ContentHash, _ = eventcodec.ContentHash(c.Content)
		return c, nil
	case *domain.RevisePlan:
		if c == nil {
			return cmd, nil
		}
		r := *c
		r.ContentHash, _ = eventcodec.ContentHash(r.Content)
		return r, nil
	}
	return cmd, nil
}

func (h *Handler) record(ctx context.Context, s streamState, req Request, data domain.EventData, planID string) (Result, error) {
	return h.recordAt(ctx, s, req, data, planID, h.clock())
}

// recordAt seals data into the stream's chain, appends it at the revision the decision was made on,
// and only then applies it to the cached state.
func (h *Handler) recordAt(ctx context.Context, s streamState, req Request, data domain.EventData, planID string, at time.Time) (Result, error) {
	ev, folded, err := seal(s.head(), req, data, at)
	if err != nil {
		return Result{}, err
	}
	meta := folded.Meta
	res, err := h.store.Append(ctx, s.name(), s.expected(), ev)
	if err != nil {
		s.appendFailed()
		return Result{}, err
	}
	out := Result{PlanID: planID, EventID: meta.EventID, Stream: s.name(), Revision: res.NextRevision, Position: res.Position, Hash: meta.Hash}
	s.applied(folded, out, req.CommandID)
	h.keys.recorded(req.CommandID)
	return out, nil
}

func (h *Handler) loadPlan(ctx context.Context, name string) (*stream[*domain.Plan], error) {
	plan, ok := h.plans.Get(name)
	if !ok {
		plan = newStream(name, domain.NewPlan())
		h.plans.Add(name, plan)
	}
	if err := plan.catchUp(ctx, h.store); err != nil {
		h.plans.Remove(name)
		return nil, err
	}
	return plan, nil
}

func (h *Handler) lock(name string) func() {
	m := &h.locks[maphash.String(h.seed, name)%uint64(len(h.locks))]
	m.Lock()
	return m.Unlock
}

func (h *Handler) normalise(req Request) Request {
	if req.CommandID == "" {
		req.CommandID = newEventID().String()
	}
	if req.CorrelationID == "" {
		req.CorrelationID = req.CommandID
	}
	return req
}
