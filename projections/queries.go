package projections

import (
	"context"
	"fmt"
	"sort"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// PositionAt resolves an "as of" time to the last position of the log recorded by then; false when
// the log holds nothing that early.
func (p *Projector) PositionAt(t time.Time) (eventstore.Position, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.timeline.positionAt(t)
}

// Plan returns a plan's current state. The projections keep no content (it is most of a plan's
// size), so the current version's content is read from the event that carries it, or from a cache
// of recently read versions.
func (p *Projector) Plan(ctx context.Context, id string) (PlanState, bool, error) {
	p.mu.RLock()
	v := p.plans[id]
	if v == nil || !v.plan.Exists() {
		p.mu.RUnlock()
		return PlanState{}, false, nil
	}
	st := planState(v.id, v.sha, v.lead, v.plan, v.revision, v.position)
	st.Cut = p.cutLocked(Latest)
	at := v.contentRevision
	p.mu.RUnlock()
	// A version's content never changes, so reading it outside the lock is safe.
	c, err := p.content(ctx, id, st.Version, at, st.ContentHash)
	if err != nil {
		return PlanState{}, false, err
	}
	st.Content = c
	return st, true, nil
}

// LendPlan calls fn with plan id's state as Plan returns it, except that the content is lent:
// where the store lends its bytes (eventstore.Lender), the content is read in place and neither
// copied nor cached, and a cached content is not cloned. The content is valid only until fn
// returns and must not be kept or changed. fn may run while the store holds a read snapshot, so it
// must be quick and do no I/O: encode the answer in fn, send it after. found is false, and fn is
// not called, if there is no such plan.
//
// A GET of a plan outside the content cache (nearly every one, in a ledger of many plans) thus
// allocates nothing for its content: Plan's copy of the record, decoded strings and two copies of
// the content were most of what such a GET allocated, and so of how often the collector ran.
func (p *Projector) LendPlan(ctx context.Context, id string, fn func(PlanState) error) (found bool, err error) {
	p.mu.RLock()
	v := p.plans[id]
	if v == nil || !v.plan.Exists() {
		p.mu.RUnlock()
		return false, nil
	}
	st := planState(v.id, v.sha, v.lead, v.plan, v.revision, v.position)
	st.Cut = p.cutLocked(Latest)
	at := v.contentRevision
	p.mu.RUnlock()
	if c, ok := p.contents.Get(contentKey{id, st.Version}); ok {
		st.Content = c
		return true, fn(st)
	}
	l, ok := p.store.(eventstore.Lender)
	if !ok {
		c, err := p.content(ctx, id, st.Version, at, st.ContentHash)
		if err != nil {
			return false, err
		}
		st.Content = c
		return true, fn(st)
	}
	var fnErr error
	found, err = l.LendStreamEvent(ctx, domain.PlanStream(id), at, func(rec eventstore.RecordedEvent) error {
		return eventcodec.LendContent(rec.Type, rec.Data, rec.Metadata, func(version int, c domain.Content, hash string) error {
			if err := contentAgrees(at, st.Version, st.ContentHash, version, hash); err != nil {
				return err
			}
			st.Content = c
			fnErr = fn(st)
			return fnErr
		})
	})
	switch {
	case fnErr != nil:
		return true, fnErr
	case err != nil:
		return false, fmt.Errorf("projections: plan %s revision %d, where version %d's content was: %w", id, at, st.Version, err)
	case !found:
		return false, fmt.Errorf("projections: plan %s has no event at revision %d, where version %d's content was", id, at, st.Version)
	}
	return true, nil
}

// PlanAsOf returns a plan as it stood once the event at pos had been recorded, refolding its stream
// from the store up to that point. false: the plan did not exist then.
func (p *Projector) PlanAsOf(ctx context.Context, id string, pos eventstore.Position) (PlanState, bool, error) {
	p.mu.RLock()
	// Never past what the projections have applied, so that the answer is of the cut it names.
	cut := p.cutLocked(pos)
	pos = cut.AsOfPosition
	v := p.plans[id]
	var sha, lead string
	if v != nil {
		sha, lead = v.sha, v.lead
	}
	p.mu.RUnlock()
	if v == nil {
		return PlanState{}, false, nil
	}
	plan := domain.NewPlan()
	var revision uint64
	var last eventstore.Position
	err := p.foldStream(ctx, domain.PlanStream(id), pos, func(rec eventstore.RecordedEvent, e domain.Event) error {
		revision, last = rec.Revision, rec.Position
		if _, ok := e.Data.(domain.VersionEvent); ok {
			plan.ForgetContent() // only the last version's content is shown
		}
		return plan.Apply(e)
	})
	if err != nil {
		return PlanState{}, false, err
	}
	if !plan.Exists() {
		return PlanState{}, false, nil
	}
	st := planState(id, sha, lead, plan, revision, last)
	st.Cut = cut
	return st, true, nil
}

// PlanFilter selects plans; empty fields match everything.
type PlanFilter struct {
	SHA, LHC, Round string
	Status          domain.Status
}

// PlanSummary is a plan in a list.
type PlanSummary struct {
	PlanID      string        `json:"plan_id"`
	LHCID       string        `json:"lhc_id"`
	SHACode     string        `json:"sha_code"`
	Round       string        `json:"round"`
	Status      domain.Status `json:"status"`
	Version     int           `json:"version"`
	ContentHash string        `json:"content_hash"`
	Revision    uint64        `json:"revision"`
	Position    uint64        `json:"position"`
}

// Plans lists the plans matching f, in submission order.
func (p *Projector) Plans(f PlanFilter) []PlanSummary {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := []PlanSummary{}
	for _, v := range p.order {
		if f.placed(v) && f.matches(v) {
			out = append(out, summaryOf(v))
		}
	}
	return out
}

// placed reports whether v is where f looks: its SHA, LHC and round, which never change once it
// is submitted.
func (f PlanFilter) placed(v *planView) bool {
	pl := v.plan
	return pl.Exists() && (f.SHA == "" || v.sha == f.SHA) && (f.LHC == "" || pl.LHCID() == f.LHC) &&
		(f.Round == "" || pl.Round() == f.Round)
}

// matches reports whether v has the status f asks for.
func (f PlanFilter) matches(v *planView) bool { return f.Status == "" || v.plan.Status() == f.Status }

func summaryOf(v *planView) PlanSummary {
	pl := v.plan
	return PlanSummary{PlanID: v.id, LHCID: pl.LHCID(), SHACode: v.sha, Round: pl.Round(), Status: pl.Status(),
		Version: pl.Version(), ContentHash: pl.CurrentContentHash(), Revision: v.revision, Position: v.position}
}

// Organisations returns the registered organisations, by ODS code.
func (p *Projector) Organisations() []domain.Organisation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Organisations()
}

// Organisation returns one registered organisation.
func (p *Projector) Organisation(ods string) (domain.Organisation, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Organisation(ods)
}

// LHCs returns the Local Health Communities, by id.
func (p *Projector) LHCs() []domain.LHC {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.LHCs()
}

// SHAStatus is an SHA's view of assurance across its LHCs.
type SHAStatus struct {
	SHACode string         `json:"sha_code"`
	Name    string         `json:"name"`
	Round   string         `json:"round,omitempty"`
	LHCs    []LHCAssurance `json:"lhcs"`
	Cut
}

// LHCAssurance is where one LHC's plans stand.
type LHCAssurance struct {
	LHCID   string         `json:"lhc_id"`
	Name    string         `json:"name"`
	LeadPCT string         `json:"lead_pct"`
	Plans   []PlanProgress `json:"plans"`
	// Outstanding is set when the LHC has no live plan for the requested round.
	Outstanding []Outstanding `json:"outstanding"`
}

// PlanProgress is one plan's status and what it is waiting for.
type PlanProgress struct {
	PlanID      string        `json:"plan_id"`
	Round       string        `json:"round"`
	Status      domain.Status `json:"status"`
	Version     int           `json:"version"`
	Outstanding []Outstanding `json:"outstanding"`
}

// Outstanding is an action a plan waits for, and from whom.
type Outstanding struct {
	Action string `json:"action"` // plan_submission, sro_signoff, sha_assurance, revision, cfh_acknowledgement
	From   string `json:"from"`   // ODS code
	Name   string `json:"name,omitempty"`
}

// SHAStatus returns the assurance status of every LHC in an SHA; round "" covers every round.
// Withdrawn plans are left out: they wait for nothing.
func (p *Projector) SHAStatus(code, round string) (SHAStatus, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	sha, ok := p.registry.Organisation(code)
	if !ok || sha.Kind != domain.KindSHA {
		return SHAStatus{}, false
	}
	cfh := p.cfhCode()
	out := SHAStatus{SHACode: code, Name: sha.Name, Round: round, LHCs: []LHCAssurance{}, Cut: p.cutLocked(Latest)}
	byLHC := map[string][]*planView{}
	for _, v := range p.order {
		if v.sha == code && !v.plan.Withdrawn() && (round == "" || v.plan.Round() == round) {
			byLHC[v.plan.LHCID()] = append(byLHC[v.plan.LHCID()], v)
		}
	}
	for _, lhc := range p.registry.LHCs() {
		if lhc.SHACode != code {
			continue
		}
		la := LHCAssurance{LHCID: lhc.ID, Name: lhc.Name, LeadPCT: lhc.LeadPCT, Plans: []PlanProgress{}, Outstanding: []Outstanding{}}
		for _, v := range byLHC[lhc.ID] {
			la.Plans = append(la.Plans, PlanProgress{PlanID: v.id, Round: v.plan.Round(), Status: v.plan.Status(),
				Version: v.plan.Version(), Outstanding: p.waitingFor(v, code, cfh)})
		}
		if round != "" && len(la.Plans) == 0 {
			la.Outstanding = append(la.Outstanding, p.named(Outstanding{Action: "plan_submission", From: lhc.LeadPCT}))
		}
		out.LHCs = append(out.LHCs, la)
	}
	return out, true
}

func (p *Projector) waitingFor(v *planView, sha, cfh string) []Outstanding {
	out := []Outstanding{}
	switch v.plan.Status() {
	case domain.StatusSubmitted:
		for _, ods := range outstanding(v.lead, v.plan.Current()) {
			out = append(out, p.named(Outstanding{Action: "sro_signoff", From: ods}))
		}
	case domain.StatusSignedOff:
		out = append(out, p.named(Outstanding{Action: "sha_assurance", From: sha}))
	case domain.StatusNotAssured:
		out = append(out, p.named(Outstanding{Action: "revision", From: v.lead}))
	case domain.StatusAssured, domain.StatusAssuredWithConditions:
		out = append(out, p.named(Outstanding{Action: "cfh_acknowledgement", From: cfh}))
	}
	return out
}

func (p *Projector) named(o Outstanding) Outstanding {
	if org, ok := p.registry.Organisation(o.From); ok {
		o.Name = org.Name
	}
	return o
}

func (p *Projector) cfhCode() string {
	cfh, _ := p.registry.CfH() // not a scan of Organisations, which sorts and copies them all
	return cfh.ODSCode
}

// SROEvidence is what an organisation's chief executives have signed as SRO.
type SROEvidence struct {
	ODSCode         string               `json:"ods_code"`
	Name            string               `json:"name"`
	Kind            domain.OrgKind       `json:"kind"`
	ChiefExecutives []domain.Appointment `json:"chief_executives"`
	SignOffs        []SROSignOff         `json:"signoffs"`
	Cut
}

// SROSignOff is one sign-off with what became of it.
type SROSignOff struct {
	PlanID      string    `json:"plan_id"`
	LHCID       string    `json:"lhc_id"`
	Round       string    `json:"round"`
	Version     int       `json:"version"`
	PersonID    string    `json:"person_id"`
	PersonName  string    `json:"person_name"`
	Statement   string    `json:"statement"`
	ContentHash string    `json:"content_hash"`
	RecordedAt  time.Time `json:"recorded_at"`
	EventID     string    `json:"event_id"`
	// SupersededByVersion is the revision that replaced the signed version, 0 while it is current.
	Superseded          bool           `json:"superseded"`
	SupersededByVersion int            `json:"superseded_by_version,omitempty"`
	PlanWithdrawn       bool           `json:"plan_withdrawn"`
	Assurance           *AssuranceView `json:"assurance"`
	Acknowledged        bool           `json:"acknowledged"`
}

// SROEvidence returns every sign-off made for an organisation, oldest first.
func (p *Projector) SROEvidence(ods string) (SROEvidence, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	org, ok := p.registry.Organisation(ods)
	if !ok {
		return SROEvidence{}, false
	}
	ev := SROEvidence{ODSCode: org.ODSCode, Name: org.Name, Kind: org.Kind, ChiefExecutives: nonNil(org.ChiefExecutives), SignOffs: []SROSignOff{},
		Cut: p.cutLocked(Latest)}
	for _, v := range p.signers[ods] {
		ev.SignOffs = append(ev.SignOffs, signOffsOf(org, v.id, v.plan)...)
	}
	sort.SliceStable(ev.SignOffs, func(i, j int) bool { return ev.SignOffs[i].RecordedAt.Before(ev.SignOffs[j].RecordedAt) })
	return ev, true
}

// signOffsOf lists the sign-offs org made on one plan, in every version, with what became of each.
func signOffsOf(org domain.Organisation, id string, plan *domain.Plan) []SROSignOff {
	var out []SROSignOff
	latest := plan.Version()
	for _, ver := range plan.Versions() {
		for _, s := range ver.SignOffs {
			if s.ODSCode != org.ODSCode {
				continue
			}
			so := SROSignOff{PlanID: id, LHCID: plan.LHCID(), Round: plan.Round(), Version: ver.Number,
				PersonID: s.PersonID, PersonName: personName(org, s.PersonID), Statement: s.Statement,
				ContentHash: s.ContentHash, RecordedAt: s.RecordedAt, EventID: s.EventID,
				PlanWithdrawn: plan.Withdrawn(), Assurance: assuranceView(ver.Assurance), Acknowledged: ver.Acknowledgement != nil}
			if ver.Number < latest {
				so.Superseded, so.SupersededByVersion = true, ver.Number+1
			}
			out = append(out, so)
		}
	}
	return out
}

func personName(org domain.Organisation, personID string) string {
	for i := len(org.ChiefExecutives) - 1; i >= 0; i-- {
		if org.ChiefExecutives[i].PersonID == personID {
			return org.ChiefExecutives[i].Name
		}
	}
	return ""
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
