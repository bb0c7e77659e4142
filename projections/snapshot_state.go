package projections

import (
	"fmt"
	"math"
	"slices"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// What the snapshot's body holds, in order: the timeline, every plan view in submission order (its
// fields, its plan's state, its history of summaries and its conditions), the plans each
// organisation has signed, in first-signature order, and how many events of the SHAs' returns were
// applied. The rest is rebuilt on restore, exactly as the events built it: the registry, its log
// and when each SHA was registered are refolded from the registry stream (a few thousand small
// events), and the returns from the streams of each SHA's returns for each round the registry
// published then (a few events each); each plan's contribution to the report's sums is its latest
// summary, its conditions and its plan's state (the current version's digest and when it was
// recorded, its delivery reports), and the sums are added up again from those; the organisations
// that have signed a plan follow from the signature lists.

// snapState is the state a snapshot holds, taken under the read lock and encoded after it is let
// go. What it shares with the projector is never changed once written: the timeline, each plan's
// history and each organisation's list of signed plans only grow (the slices here stop at their
// length then), and a plan's record stays as it was taken (domain.Plan.Record).
type snapState struct {
	positions []eventstore.Position
	stamps    []int64
	plans     []snapPlan
	signers   map[string][]int // ods code -> indices into plans, in first-signature order
	returns   int              // events of the SHAs' returns applied
}

type snapPlan struct {
	id, sha, lead                       string
	revision, position, contentRevision uint64
	record                              domain.PlanRecord
	history                             []summary
	conds                               []condMark
}

// captureLocked takes the state; p.mu is held. Copying the plans' records is most of its work.
func (p *Projector) captureLocked() snapState {
	n := len(p.timeline.positions)
	s := snapState{positions: p.timeline.positions[:n:n], stamps: p.timeline.maxStamp[:n:n],
		plans: make([]snapPlan, len(p.order)), signers: make(map[string][]int, len(p.signers)), returns: len(p.returnLog)}
	for i, v := range p.order {
		// A plan's conditions change in place (closeConditions), so they are copied: few plans have any.
		s.plans[i] = snapPlan{id: v.id, sha: v.sha, lead: v.lead, revision: v.revision, position: v.position,
			contentRevision: v.contentRevision, record: v.plan.Record(), history: v.history[:len(v.history):len(v.history)],
			conds: slices.Clone(v.conds)}
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
		snapPlanRecord(e, &v.record)
		encodeHistory(e, v.history)
		encodeConds(e, v.conds)
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
	e.len(s.returns)
}

// decodeState reads what snapState.encode wrote into p, a fresh projector, and rebuilds from it
// what the snapshot leaves out but the registry and the returns, whose events it counts. It checks
// what it can of the state's consistency.
func (p *Projector) decodeState(d *snapDecoder) (returns int, err error) {
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
		var rec domain.PlanRecord
		unsnapPlanRecord(d, &rec)
		v.history = decodeHistory(d)
		v.conds = decodeConds(d, v.position)
		if d.err != nil {
			return 0, d.err
		}
		plan, err := domain.RestorePlan(rec)
		if err != nil {
			return 0, fmt.Errorf("%w: plan %s: %v", ErrSnapshotDamaged, v.id, err)
		}
		v.plan = plan
		switch {
		case p.plans[v.id] != nil:
			return 0, fmt.Errorf("%w: plan %s appears twice", ErrSnapshotDamaged, v.id)
		case len(v.history) == 0 || v.history[len(v.history)-1].position != v.position:
			return 0, fmt.Errorf("%w: plan %s: its history does not end at its last event, position %d", ErrSnapshotDamaged, v.id, v.position)
		}
		p.plans[v.id] = v
		p.order = append(p.order, v)
		// What applyLocked leaves counted after a plan's last event.
		now := contribution{counted: true, key: aggKey{v.sha, v.plan.Round()}, summary: v.history[len(v.history)-1],
			ind: indicatorsOf(v.plan, indicatorDigest{})}
		p.aggs.replace(contribution{}, now)
		p.aggs.moveIndicators(v, now) // sets v.counted
		for _, m := range v.conds {
			p.aggs.restoreCondition(v.counted.key, m)
		}
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
	returns = int(d.uint())
	if d.err == nil && len(d.buf) > 0 {
		d.fail("%d bytes after the state", len(d.buf))
	}
	return returns, d.err
}

func encodeConds(e *snapEncoder, conds []condMark) {
	e.len(len(conds))
	for _, m := range conds {
		e.len(m.version)
		e.text(m.id)
		e.date(m.due)
		e.uint(m.opened)
		e.uint(m.closed)
		e.buf = append(e.buf, byte(m.state))
		e.time(m.assured.time())
		e.float(m.days)
	}
}

// decodeConds reads what encodeConds wrote, for a plan whose last event is at last.
func decodeConds(d *snapDecoder, last eventstore.Position) []condMark {
	n := d.count(6)
	if n == 0 {
		return nil
	}
	out := make([]condMark, 0, n)
	for range n {
		m := condMark{version: int(d.uint()), id: d.text(), due: d.date(), opened: d.uint(), closed: d.uint()}
		if b := d.bytes(1); b != nil {
			m.state = condState(b[0])
		}
		m.assured = instantOf(d.time())
		m.days = d.float()
		switch {
		case d.err != nil:
		case m.state > condSuperseded || (m.state == condOpen) != (m.closed == 0):
			d.fail("condition %q of version %d is in state %d, closed at %d", m.id, m.version, m.state, m.closed)
		case m.opened == 0 || m.opened > last || m.closed > last || (m.closed != 0 && m.closed < m.opened):
			d.fail("condition %q of version %d opened at %d, closed at %d, the plan's last event at %d", m.id, m.version, m.opened, m.closed, last)
		}
		out = append(out, m)
	}
	return out
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
