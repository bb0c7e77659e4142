package projections

import (
	"fmt"
	"math"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// What the snapshot's body holds, in order: the timeline, every plan view in submission order (its
// fields, its plan's state and its history of summaries), and the plans each organisation has
// signed, in first-signature order. The rest is rebuilt on restore, exactly as the events built it:
// the registry, its log and when each SHA was registered are refolded from the registry stream
// (a few thousand small events); each plan's contribution to the report's sums is its latest
// summary, and the sums are added up again from those; the organisations that have signed a plan
// follow from the signature lists.

// snapState is the state a snapshot holds, taken under the read lock and encoded after it is let
// go. What it shares with the projector is never changed once written: the timeline, each plan's
// history and each organisation's list of signed plans only grow (the slices here stop at their
// length then), and a plan's record stays as it was taken (domain.Plan.Record).
type snapState struct {
	positions []eventstore.Position
	stamps    []int64
	plans     []snapPlan
	signers   map[string][]int // ods code -> indices into plans, in first-signature order
}

type snapPlan struct {
	id, sha, lead                       string
	revision, position, contentRevision uint64
	record                              domain.PlanRecord
	history                             []summary
}

// captureLocked takes the state; p.mu is held. Copying the plans' records is most of its work.
func (p *Projector) captureLocked() snapState {
	n := len(p.timeline.positions)
	s := snapState{positions: p.timeline.positions[:n:n], stamps: p.timeline.maxStamp[:n:n],
		plans: make([]snapPlan, len(p.order)), signers: make(map[string][]int, len(p.signers))}
	for i, v := range p.order {
		s.plans[i] = snapPlan{id: v.id, sha: v.sha, lead: v.lead, revision: v.revision, position: v.position,
			contentRevision: v.contentRevision, record: v.plan.Record(), history: v.history[:len(v.history):len(v.history)]}
	}
	for ods, views := range p.signers {
		seqs := make([]int, len(views))
		for i, v := range views {
			seqs[i] = v.seq
		}
		s.signers[ods] = seqs
	}
	return s
}

// checkNoContent refuses a state in which a plan holds content: a snapshot does not save it (the
// projector reads it from the log), so a plan holding some means a path that forgot
// domain.Plan.ForgetContent, and a restore would lose what that path relies on.
func (s snapState) checkNoContent() error {
	for _, sp := range s.plans {
		for _, v := range sp.record.Versions {
			if !v.Content.IsZero() {
				return fmt.Errorf("projections: no snapshot: plan %s version %d holds content, which a snapshot does not keep", sp.id, v.Number)
			}
		}
	}
	return nil
}

// encode writes the state.
func (s snapState) encode(e *snapEncoder) {
	e.len(len(s.positions))
	var lastPos eventstore.Position
	var lastStamp int64
	for i, pos := range s.positions {
		// Both only grow, so the differences are small numbers.
		e.uint(pos - lastPos)
		e.uint(uint64(s.stamps[i] - lastStamp))
		lastPos, lastStamp = pos, s.stamps[i]
	}

	e.len(len(s.plans))
	for _, v := range s.plans {
		e.raw(v.id)
		e.str(v.sha)
		e.str(v.lead)
		e.uint(v.revision)
		e.uint(v.position)
		e.uint(v.contentRevision)
		encodePlan(e, v.record)
		encodeHistory(e, v.history)
	}

	codes := sortedKeys(s.signers)
	e.len(len(codes))
	for _, ods := range codes {
		e.str(ods)
		e.len(len(s.signers[ods]))
		for _, i := range s.signers[ods] {
			e.len(i)
		}
	}
}

// decodeState reads what snapState.encode wrote into p, a fresh projector, and rebuilds from it
// what the snapshot leaves out but the registry. It checks what it can of the state's consistency.
func (p *Projector) decodeState(d *snapDecoder) error {
	n := d.count(2)
	p.timeline.positions = make([]eventstore.Position, 0, n)
	p.timeline.maxStamp = make([]int64, 0, n)
	var pos eventstore.Position
	var stamp int64
	for range n {
		step := d.uint()
		if step == 0 && d.err == nil {
			d.fail("the timeline does not move forward at position %d", pos)
		}
		pos += step
		stamp += int64(d.uint())
		p.timeline.positions = append(p.timeline.positions, pos)
		p.timeline.maxStamp = append(p.timeline.maxStamp, stamp)
	}

	n = d.count(8)
	p.order = make([]*planView, 0, n)
	for range n {
		v := &planView{seq: len(p.order), id: d.raw(), sha: d.str(), lead: d.str(), revision: d.uint(), position: d.uint(), contentRevision: d.uint()}
		rec := decodePlan(d)
		v.history = decodeHistory(d)
		if d.err != nil {
			return d.err
		}
		plan, err := domain.RestorePlan(rec)
		if err != nil {
			return fmt.Errorf("%w: plan %s: %v", ErrSnapshotDamaged, v.id, err)
		}
		v.plan = plan
		switch {
		case p.plans[v.id] != nil:
			return fmt.Errorf("%w: plan %s appears twice", ErrSnapshotDamaged, v.id)
		case len(v.history) == 0 || v.history[len(v.history)-1].position != v.position:
			return fmt.Errorf("%w: plan %s: its history does not end at its last event, position %d", ErrSnapshotDamaged, v.id, v.position)
		}
		p.plans[v.id] = v
		p.order = append(p.order, v)
		// What applyLocked leaves counted after a plan's last event.
		v.counted = contribution{counted: true, key: aggKey{v.sha, v.plan.Round()}, summary: v.history[len(v.history)-1]}
		p.aggs.replace(contribution{}, v.counted)
	}

	n = d.count(2)
	for range n {
		ods := d.str()
		m := d.count(1)
		for range m {
			i := d.uint()
			if i >= uint64(len(p.order)) {
				d.fail("organisation %s signed plan %d of %d", ods, i, len(p.order))
				break
			}
			v := p.order[i]
			if v.signedBy(ods) {
				d.fail("organisation %s signed plan %s twice", ods, v.id)
				break
			}
			p.signers[ods] = append(p.signers[ods], v)
		}
	}
	if d.err == nil && len(d.buf) > 0 {
		d.fail("%d bytes after the state", len(d.buf))
	}
	return d.err
}

func encodeHistory(e *snapEncoder, history []summary) {
	e.len(len(history))
	var prev summary
	for _, s := range history {
		e.uint(s.position - prev.position)
		e.str(string(s.status()))
		e.len(int(s.required))
		e.len(int(s.signed))
		// The submission and assurance times are set once and then repeated by every later summary.
		var same byte
		if s.submitted == prev.submitted {
			same |= 1
		}
		if s.assured == prev.assured {
			same |= 2
		}
		e.buf = append(e.buf, same)
		if same&1 == 0 {
			e.time(s.submittedAt())
		}
		if same&2 == 0 {
			e.time(s.assuredAt())
		}
		prev = s
	}
}

func decodeHistory(d *snapDecoder) []summary {
	n := d.count(5)
	history := make([]summary, 0, n)
	var prev summary
	for range n {
		s := summary{position: prev.position + d.uint()}
		status := domain.Status(d.str())
		required, signed := d.uint(), d.uint()
		if (required > math.MaxInt32 || signed > required) && d.err == nil {
			d.fail("%d of %d sign-offs at position %d", signed, required, s.position)
		}
		s.required, s.signed = int32(min(required, math.MaxInt32)), int32(min(signed, math.MaxInt32))
		if s.position <= prev.position && d.err == nil {
			d.fail("a plan's history does not move forward at position %d", s.position)
		}
		state, ok := codeOf(status)
		if !ok && d.err == nil {
			d.fail("unknown plan status %q at position %d", status, s.position)
		}
		s.state = state
		same := d.bytes(1)
		if same == nil {
			return nil
		}
		s.submitted, s.assured = prev.submitted, prev.assured
		if same[0]&1 == 0 {
			s.submitted = instantOf(d.time())
		}
		if same[0]&2 == 0 {
			s.assured = instantOf(d.time())
		}
		history = append(history, s)
		prev = s
	}
	return history
}

// encodePlan writes a plan's state without content, which the projector does not keep
// (domain.Plan.ForgetContent): Plan reads it from the log.
func encodePlan(e *snapEncoder, r domain.PlanRecord) {
	e.bool(r.Exists)
	if !r.Exists {
		return
	}
	e.raw(r.ID)
	e.str(r.LHCID)
	e.str(r.Round)
	e.int(int64(r.Period.FirstYear))
	e.int(int64(r.Period.LastYear))
	e.str(r.LeadPCT)
	e.len(len(r.Versions))
	for _, v := range r.Versions {
		encodeVersion(e, v)
	}
	e.bool(r.Withdrawal != nil)
	if w := r.Withdrawal; w != nil {
		e.str(w.Reason)
		e.time(w.RecordedAt)
		e.id(w.EventID)
	}
}

func decodePlan(d *snapDecoder) domain.PlanRecord {
	if !d.bool() {
		return domain.PlanRecord{}
	}
	r := domain.PlanRecord{Exists: true, ID: d.raw(), LHCID: d.str(), Round: d.str(),
		Period: domain.Period{FirstYear: int(d.int()), LastYear: int(d.int())}, LeadPCT: d.str()}
	n := d.count(11)
	r.Versions = make([]domain.Version, 0, n)
	for range n {
		r.Versions = append(r.Versions, decodeVersion(d))
	}
	if d.bool() {
		r.Withdrawal = &domain.Withdrawal{Reason: d.str(), RecordedAt: d.time(), EventID: d.id()}
	}
	return r
}

func encodeVersion(e *snapEncoder, v domain.Version) {
	e.len(v.Number)
	e.str(v.ContentHash)
	e.time(v.SubmittedAt)
	e.id(v.EventID)
	e.str(v.Reason)
	e.len(len(v.Contributors))
	for _, c := range v.Contributors {
		e.str(c)
	}
	e.len(len(v.Contributions))
	for _, c := range v.Contributions {
		e.len(c.Version)
		e.str(c.ContributorODS)
		e.str(c.Section)
		e.str(c.Summary)
		e.raw(c.DocumentSHA256)
		e.time(c.RecordedAt)
		e.id(c.EventID)
	}
	e.len(len(v.SignOffs))
	for _, s := range v.SignOffs {
		e.len(s.Version)
		e.str(s.ODSCode)
		e.str(s.PersonID)
		e.str(s.Statement)
		e.str(s.ContentHash)
		e.time(s.RecordedAt)
		e.id(s.EventID)
	}
	e.bool(v.Assurance != nil)
	if a := v.Assurance; a != nil {
		e.len(a.Version)
		e.str(a.SHACode)
		e.str(string(a.Outcome))
		e.len(len(a.Criteria))
		for _, c := range a.Criteria {
			e.str(c.ID)
			e.bool(c.Met)
			e.str(c.Note)
		}
		e.len(len(a.Conditions))
		for _, c := range a.Conditions {
			e.str(c)
		}
		e.bool(a.ReflectedInPfITPlan)
		e.str(a.PfIT)
		e.time(a.RecordedAt)
		e.id(a.EventID)
	}
	e.bool(v.Acknowledgement != nil)
	if a := v.Acknowledgement; a != nil {
		e.len(a.Version)
		e.id(a.AssuranceEventID)
		e.str(a.Note)
		e.str(a.ODSCode)
		e.time(a.RecordedAt)
		e.id(a.EventID)
	}
}

func decodeVersion(d *snapDecoder) domain.Version {
	v := domain.Version{Number: int(d.uint()), ContentHash: d.str(), SubmittedAt: d.time(), EventID: d.id(), Reason: d.str()}
	n := d.count(1)
	v.Contributors = make([]string, 0, n)
	for range n {
		v.Contributors = append(v.Contributors, d.str())
	}
	n = d.count(7)
	v.Contributions = make([]domain.Contribution, 0, n)
	for range n {
		v.Contributions = append(v.Contributions, domain.Contribution{Version: int(d.uint()), ContributorODS: d.str(),
			Section: d.str(), Summary: d.str(), DocumentSHA256: d.raw(), RecordedAt: d.time(), EventID: d.id()})
	}
	n = d.count(7)
	v.SignOffs = make([]domain.SignOff, 0, n)
	for range n {
		v.SignOffs = append(v.SignOffs, domain.SignOff{Version: int(d.uint()), ODSCode: d.str(), PersonID: d.str(),
			Statement: d.str(), ContentHash: d.str(), RecordedAt: d.time(), EventID: d.id()})
	}
	if d.bool() {
		a := &domain.Assurance{Version: int(d.uint()), SHACode: d.str(), Outcome: domain.Outcome(d.str())}
		n = d.count(3)
		a.Criteria = make([]domain.Criterion, 0, n)
		for range n {
			a.Criteria = append(a.Criteria, domain.Criterion{ID: d.str(), Met: d.bool(), Note: d.str()})
		}
		n = d.count(1)
		a.Conditions = make([]string, 0, n)
		for range n {
			a.Conditions = append(a.Conditions, d.str())
		}
		a.ReflectedInPfITPlan, a.PfIT, a.RecordedAt, a.EventID = d.bool(), d.str(), d.time(), d.id()
		v.Assurance = a
	}
	if d.bool() {
		v.Acknowledgement = &domain.Acknowledgement{Version: int(d.uint()), AssuranceEventID: d.id(), Note: d.str(),
			ODSCode: d.str(), RecordedAt: d.time(), EventID: d.id()}
	}
	return v
}
