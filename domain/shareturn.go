package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SHAReturn is one SHA's returns to NHS Connecting for Health for one planning round, the fold of
// its stream: "NHS Connecting for Health will be assured by SHAs that this has been done". Each
// return accounts for every LHC of the SHA, by a plan it assured or by an exception; a later return
// supersedes the earlier ones, which stay in history with whatever CfH said of them.
type SHAReturn struct {
	exists     bool
	sha, round string
	returns    []ReturnRecord
}

// ReturnRecord is one return and CfH's acknowledgement of it, if any.
type ReturnRecord struct {
	EventID         string                 `json:"event_id"`
	RecordedAt      time.Time              `json:"recorded_at"`
	SubmittedBy     Actor                  `json:"submitted_by"`
	AsOfPosition    uint64                 `json:"as_of_position"`
	Plans           []ReturnedPlan         `json:"plans"`
	Exceptions      []ReturnException      `json:"exceptions"`
	PfITPlanRef     PfITPlanRef            `json:"pfit_plan_ref"`
	Acknowledgement *ReturnAcknowledgement `json:"acknowledgement"`
}

// ReturnAcknowledgement is CfH's acknowledgement of a return.
type ReturnAcknowledgement struct {
	Note       string    `json:"note"`
	Queries    []string  `json:"queries"`
	ODSCode    string    `json:"ods_code"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// ReturnCommand is a command on an SHA's returns. The set is closed: only this package defines them.
type ReturnCommand interface {
	returnCommand()
}

// SubmitReturn is an SHA's return for a round.
type SubmitReturn struct {
	SHACode string `json:"sha_code"`
	Round   string `json:"round"`
	// AsOfPosition is the log's head when the return was checked against the plans it names, which
	// the caller (the command handler) reads: the domain knows nothing of positions.
	AsOfPosition uint64            `json:"-"`
	Plans        []ReturnedPlan    `json:"plans"`
	Exceptions   []ReturnException `json:"exceptions"`
	PfITPlanRef  PfITPlanRef       `json:"pfit_plan_ref"`
}

// AcknowledgeReturn is CfH's acknowledgement of an SHA's return.
type AcknowledgeReturn struct {
	ReturnEventID string   `json:"return_event_id"`
	Note          string   `json:"note"`
	Queries       []string `json:"queries"`
}

func (SubmitReturn) returnCommand()      {}
func (AcknowledgeReturn) returnCommand() {}

// maxReturnQueries bounds CfH's queries on one return.
const maxReturnQueries = 50

// NewSHAReturn returns the returns of an SHA and round that has submitted none.
func NewSHAReturn() *SHAReturn { return &SHAReturn{} }

// Exists reports whether the SHA has submitted a return for the round.
func (r *SHAReturn) Exists() bool  { return r.exists }
func (r *SHAReturn) SHA() string   { return r.sha }
func (r *SHAReturn) Round() string { return r.round }

// Returns lists every return, oldest first.
func (r *SHAReturn) Returns() []ReturnRecord {
	out := make([]ReturnRecord, len(r.returns))
	for i, x := range r.returns {
		out[i] = x.clone()
	}
	return out
}

// Latest is the return in force: the last one submitted.
func (r *SHAReturn) Latest() (ReturnRecord, bool) {
	if len(r.returns) == 0 {
		return ReturnRecord{}, false
	}
	return r.returns[len(r.returns)-1].clone(), true
}

func (x ReturnRecord) clone() ReturnRecord {
	x.Plans, x.Exceptions = slices.Clone(x.Plans), slices.Clone(x.Exceptions)
	if x.Acknowledgement != nil {
		a := *x.Acknowledgement
		a.Queries = slices.Clone(a.Queries)
		x.Acknowledgement = &a
	}
	return x
}

// PlanLookup gives the state of a plan by id, for deciding a return: false for a plan never
// submitted.
type PlanLookup func(id string) (*Plan, bool)

// LivePlanLookup gives the live (not withdrawn) plan of an LHC in the return's round: false when it
// has none.
type LivePlanLookup func(lhcID string) (*Plan, bool)

// Decide decides a command on the SHA's returns for actor a at instant at, against the registry,
// the plans the return names (plans) and the live plans of the LHCs it accounts for by an
// exception (live). It returns the event to record or a *Error; it changes nothing.
func (r *SHAReturn) Decide(reg *Registry, plans PlanLookup, live LivePlanLookup, a Actor, at time.Time, cmd ReturnCommand) (EventData, error) {
	if reg == nil {
		reg = NewRegistry()
	}
	if plans == nil {
		plans = func(string) (*Plan, bool) { return nil, false }
	}
	if live == nil {
		live = func(string) (*Plan, bool) { return nil, false }
	}
	switch c := cmd.(type) {
	case SubmitReturn:
		return r.decideSubmit(reg, plans, live, a, c)
	case *SubmitReturn:
		if c != nil {
			return r.decideSubmit(reg, plans, live, a, *c)
		}
	case AcknowledgeReturn:
		return r.decideAcknowledge(reg, plans, a, c)
	case *AcknowledgeReturn:
		if c != nil {
			return r.decideAcknowledge(reg, plans, a, *c)
		}
	}
	return nil, ErrInvalidCommand.with("unknown return command %T", cmd)
}

func (r *SHAReturn) decideSubmit(reg *Registry, plans PlanLookup, live LivePlanLookup, a Actor, c SubmitReturn) (EventData, error) {
	if err := requireRole(a, RoleSHAAssurer); err != nil {
		return nil, err
	}
	if a.Org != c.SHACode {
		return nil, ErrWrongSHA.with("%q may not submit %s's return", a.Org, c.SHACode)
	}
	var ps problems
	if checkODS(&ps, "sha_code", c.SHACode, true) {
		reg.checkKind(&ps, ErrUnknownSHA, "sha_code", c.SHACode, KindSHA)
	}
	if checkRound(&ps, c.Round) && reg.rounds[c.Round] == nil {
		ps.add(ErrRoundNotPublished, "round", "round %s has not been published", c.Round)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if r.exists && (r.sha != c.SHACode || r.round != c.Round) {
		return nil, ErrInvalidCommand.with("this stream holds %s's returns for %s, not %s's for %s", r.sha, r.round, c.SHACode, c.Round)
	}
	if len(r.returns) >= MaxReturnsPerRound {
		return nil, ErrInvalidCommand.with("%s has submitted %d returns for %s, the most it may", c.SHACode, len(r.returns), c.Round)
	}
	if _, ok := reg.shaPfIT[c.SHACode]; !ok {
		return nil, ErrWrongPfIT.at("pfit_plan_ref", "%s is assigned to no programme for IT, so has no PfIT plan to return against", c.SHACode)
	}
	if c.AsOfPosition == 0 {
		return nil, ErrInvalidCommand.with("the return's as_of_position is not set: its caller reads the log's head")
	}
	requiredShort.check(&ps, ErrInvalidCommand, "pfit_plan_ref.title", c.PfITPlanRef.Title)
	requiredShort.check(&ps, ErrInvalidCommand, "pfit_plan_ref.version", c.PfITPlanRef.Version)
	if !isSHA256Hex(c.PfITPlanRef.DocumentSHA256) {
		ps.add(ErrInvalidCommand, "pfit_plan_ref.document_sha256", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	ours := map[string]bool{}
	for _, l := range reg.lhcs {
		if l.SHACode == c.SHACode {
			ours[l.ID] = true
		}
	}
	covered := map[string]string{} // LHC id -> where the return accounts for it
	cover := func(field, lhc string) {
		if where, dup := covered[lhc]; dup {
			ps.add(ErrInvalidCommand, field, "LHC %q is already accounted for at %s", lhc, where)
			return
		}
		covered[lhc] = field
	}
	seenPlans := map[string]int{}
	for i, e := range c.Plans {
		field := fmt.Sprintf("plans[%d]", i)
		if j, dup := seenPlans[e.PlanID]; dup {
			ps.add(ErrInvalidCommand, field+".plan_id", "plan %s is also at plans[%d]", e.PlanID, j)
			continue
		}
		seenPlans[e.PlanID] = i
		if e.PlanID == "" {
			ps.add(ErrInvalidCommand, field+".plan_id", "is required")
			continue
		}
		p, ok := plans(e.PlanID)
		if !ok || !p.exists {
			ps.add(ErrReturnMismatch, field+".plan_id", "no plan %s has been submitted", e.PlanID)
			continue
		}
		if msg := p.mismatch(e, c.SHACode, c.Round, ours); msg != "" {
			ps.add(ErrReturnMismatch, field, "%s", msg)
			continue
		}
		if msg := reasonFault(e); msg != "" {
			ps.add(ErrInvalidCommand, field+".reason", "%s", msg)
		}
		cover(field, p.lhcID)
	}
	for i, x := range c.Exceptions {
		field := fmt.Sprintf("exceptions[%d]", i)
		requiredLong.check(&ps, ErrInvalidCommand, field+".reason", x.Reason)
		switch {
		case x.LHCID == "":
			ps.add(ErrInvalidCommand, field+".lhc_id", "is required")
		case !ours[x.LHCID]:
			ps.add(ErrReturnMismatch, field+".lhc_id", "%q is not an LHC of %s", x.LHCID, c.SHACode)
		default:
			if p, ok := live(x.LHCID); ok && p.exists && p.withdrawal == nil && p.round == c.Round {
				if a := p.current().Assurance; a != nil && a.Outcome.Positive() {
					ps.add(ErrReturnMismatch, field+".lhc_id", "LHC %q has plan %s, version %d %s by event %s: return the plan rather than an exception",
						x.LHCID, p.id, p.current().Number, a.Outcome, a.EventID)
					continue
				}
			}
			cover(field+".lhc_id", x.LHCID)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	var missing []string
	for id := range ours {
		if _, ok := covered[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		e := ErrReturnIncomplete.with("%s's return for %s does not account for %s: give each an assured plan or an exception", c.SHACode, c.Round, strings.Join(missing, ", "))
		for _, m := range missing {
			e.Fields = append(e.Fields, FieldError{Field: "exceptions", Message: "no plan or exception for LHC " + m})
		}
		return nil, e
	}
	return SHAReturnSubmitted{SHACode: c.SHACode, Round: c.Round, AsOfPosition: c.AsOfPosition,
		Plans: slices.Clone(nonNil(c.Plans)), Exceptions: slices.Clone(nonNil(c.Exceptions)), PfITPlanRef: c.PfITPlanRef}, nil
}

// mismatch says how a return's entry e differs from plan p as it stands, or "" if it does not: the
// plan is live, of an LHC of sha (ours), of round, at the version e names, positively assured by
// the assurance e names with the outcome and reflection e gives.
func (p *Plan) mismatch(e ReturnedPlan, sha, round string, ours map[string]bool) string {
	cur := p.current()
	a := cur.Assurance
	switch {
	case p.withdrawal != nil:
		return fmt.Sprintf("plan %s was withdrawn", p.id)
	case !ours[p.lhcID]:
		return fmt.Sprintf("plan %s is LHC %q's, not an LHC of %s", p.id, p.lhcID, sha)
	case p.round != round:
		return fmt.Sprintf("plan %s is for round %s, not %s", p.id, p.round, round)
	case e.Version != cur.Number:
		return fmt.Sprintf("plan %s is at version %d, not %d", p.id, cur.Number, e.Version)
	case a == nil:
		return fmt.Sprintf("version %d of plan %s has not been assured: account for LHC %q with an exception", cur.Number, p.id, p.lhcID)
	case !a.Outcome.Positive():
		return fmt.Sprintf("version %d of plan %s was judged %s: account for LHC %q with an exception", cur.Number, p.id, a.Outcome, p.lhcID)
	case e.AssuranceEventID != a.EventID:
		return fmt.Sprintf("version %d of plan %s was assured by event %s, not %q", cur.Number, p.id, a.EventID, e.AssuranceEventID)
	case e.Outcome != a.Outcome:
		return fmt.Sprintf("version %d of plan %s was judged %s, not %q", cur.Number, p.id, a.Outcome, e.Outcome)
	case e.ReflectedInPfITPlan != a.ReflectedInPfITPlan:
		return fmt.Sprintf("the assurance of plan %s says reflected_in_pfit_plan %t", p.id, a.ReflectedInPfITPlan)
	}
	return ""
}

// reasonFault says what is wrong with entry e's reason, or "": a plan the PfIT plan does not
// reflect is returned only with a reason, and only such a plan has one.
func reasonFault(e ReturnedPlan) string {
	switch {
	case !e.ReflectedInPfITPlan && e.Reason == "":
		return fmt.Sprintf("is required: plan %s is not reflected in the PfIT plan, so the return says why it is returned as assured", e.PlanID)
	case e.ReflectedInPfITPlan && e.Reason != "":
		return fmt.Sprintf("must be empty: plan %s is reflected in the PfIT plan", e.PlanID)
	}
	var ps problems
	optionalLong.check(&ps, ErrInvalidCommand, "reason", e.Reason)
	if len(ps) > 0 {
		return ps[0].msg
	}
	return ""
}

// Stale says how return x of SHA sha for round no longer holds against the registry and the plans as
// they stand, one field error per plan or LHC that moved on: a plan it names is no longer its LHC's
// live plan at the version named with that positive assurance, a plan not reflected in the PfIT plan
// has no reason, or an LHC of the SHA is accounted for neither by a plan nor by an exception. Empty:
// the return holds. CfH acknowledges only a return that holds; reports mark one that does not.
func Stale(reg *Registry, plans PlanLookup, sha, round string, x ReturnRecord) []FieldError {
	ours := map[string]bool{}
	for _, l := range reg.lhcs {
		if l.SHACode == sha {
			ours[l.ID] = true
		}
	}
	var out []FieldError
	covered := map[string]bool{}
	for i, e := range x.Plans {
		field := fmt.Sprintf("plans[%d]", i)
		p, ok := plans(e.PlanID)
		if !ok || !p.exists {
			out = append(out, FieldError{Field: field + ".plan_id", Message: fmt.Sprintf("plan %s is not in the ledger", e.PlanID)})
			continue
		}
		covered[p.lhcID] = true
		if msg := p.mismatch(e, sha, round, ours); msg != "" {
			out = append(out, FieldError{Field: field, Message: fmt.Sprintf("LHC %q: %s", p.lhcID, msg)})
		} else if msg := reasonFault(e); msg != "" {
			out = append(out, FieldError{Field: field + ".reason", Message: msg})
		}
	}
	for _, x := range x.Exceptions {
		covered[x.LHCID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ours)) {
		if !covered[id] {
			out = append(out, FieldError{Field: "exceptions", Message: fmt.Sprintf("LHC %q of %s is accounted for neither by a plan nor by an exception", id, sha)})
		}
	}
	return out
}

func (r *SHAReturn) decideAcknowledge(reg *Registry, plans PlanLookup, a Actor, c AcknowledgeReturn) (EventData, error) {
	if err := requireRole(a, RoleCfH); err != nil {
		return nil, err
	}
	if err := reg.requireCfH(a); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(r.returns, func(x ReturnRecord) bool { return x.EventID == c.ReturnEventID })
	if i < 0 || c.ReturnEventID == "" {
		return nil, ErrReturnNotFound.at("return_event_id", "%s has no return %q for %s", r.sha, c.ReturnEventID, r.round)
	}
	var ps problems
	optionalLong.check(&ps, ErrInvalidCommand, "note", c.Note)
	if len(c.Queries) > maxReturnQueries {
		ps.add(ErrInvalidCommand, "queries", "%d queries; at most %d", len(c.Queries), maxReturnQueries)
	}
	for j, q := range c.Queries {
		requiredLong.check(&ps, ErrInvalidCommand, fmt.Sprintf("queries[%d]", j), q)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if last := r.returns[len(r.returns)-1]; i != len(r.returns)-1 {
		return nil, ErrReturnSuperseded.at("return_event_id", "return %s was superseded by return %s, submitted at %s", c.ReturnEventID, last.EventID, stamp(last.RecordedAt))
	}
	if k := r.returns[i].Acknowledgement; k != nil {
		return nil, ErrAlreadyAcknowledged.with("return %s was acknowledged at %s", c.ReturnEventID, stamp(k.RecordedAt))
	}
	if stale := Stale(reg, plans, r.sha, r.round, r.returns[i]); len(stale) > 0 {
		msgs := make([]string, len(stale))
		for j, f := range stale {
			msgs[j] = f.Message
		}
		e := ErrReturnStale.with("return %s no longer holds: %s; the SHA submits a new return", c.ReturnEventID, strings.Join(msgs, "; "))
		e.Fields = stale
		return nil, e
	}
	return CfHReturnAcknowledged{ReturnEventID: c.ReturnEventID, Note: c.Note, Queries: slices.Clone(nonNil(c.Queries))}, nil
}

// Apply folds one event of the stream; an event that does not fit is an error and changes nothing.
func (r *SHAReturn) Apply(e Event) error {
	switch d := e.Data.(type) {
	case SHAReturnSubmitted:
		switch {
		case d.SHACode == "" || d.Round == "":
			return fmt.Errorf("apply %s: no sha_code or round", d.EventType())
		case r.exists && (d.SHACode != r.sha || d.Round != r.round):
			return fmt.Errorf("apply %s: a return of %s for %s in the stream of %s's returns for %s", d.EventType(), d.SHACode, d.Round, r.sha, r.round)
		}
		r.exists, r.sha, r.round = true, d.SHACode, d.Round
		r.returns = append(r.returns, ReturnRecord{EventID: e.Meta.EventID, RecordedAt: e.Meta.RecordedAt, SubmittedBy: e.Meta.Actor,
			AsOfPosition: d.AsOfPosition, Plans: slices.Clone(nonNil(d.Plans)), Exceptions: slices.Clone(nonNil(d.Exceptions)), PfITPlanRef: d.PfITPlanRef})
	case CfHReturnAcknowledged:
		n := len(r.returns)
		switch {
		case n == 0:
			return fmt.Errorf("apply %s: no return has been submitted", d.EventType())
		case r.returns[n-1].EventID != d.ReturnEventID:
			return fmt.Errorf("apply %s: acknowledges %q, but the return in force is %s", d.EventType(), d.ReturnEventID, r.returns[n-1].EventID)
		case r.returns[n-1].Acknowledgement != nil:
			return fmt.Errorf("apply %s: return %s is already acknowledged", d.EventType(), d.ReturnEventID)
		}
		r.returns[n-1].Acknowledgement = &ReturnAcknowledgement{Note: d.Note, Queries: slices.Clone(nonNil(d.Queries)), ODSCode: e.Meta.Actor.Org,
			RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID}
	case nil:
		return fmt.Errorf("apply: return event has no data")
	default:
		return fmt.Errorf("apply: %T is not an SHA return event", d)
	}
	return nil
}

// requireCfH refuses an actor who does not act for NHS Connecting for Health as registered.
func (reg *Registry) requireCfH(a Actor) error {
	if reg.cfh == "" || a.Org != reg.cfh {
		return ErrOrganisationNotAllowed.with("%q is not NHS Connecting for Health (registered as %q)", a.Org, reg.cfh)
	}
	return nil
}
