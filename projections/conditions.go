package projections

import (
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// Conditions as the transparency report counts them. Each condition an assurance attaches is kept
// beside its plan (planView.conds) with the positions it was attached and closed at, so that the
// report as of any position counts what was open then without refolding the plan; the current
// report's sums (open conditions' due dates, days to discharge) are kept per cell as they change.

// condState is where a condition stands in the report's eyes.
type condState uint8

const (
	condOpen condState = iota
	condDischarged
	condLapsed
	condSuperseded // its version was revised, or its plan withdrawn, while it was open
)

// condMark is one condition of one of a plan's assurances.
type condMark struct {
	version        int
	id             string
	due            domain.Date
	opened, closed eventstore.Position // closed is 0 while the condition is open
	state          condState
	assured        instant // when the assurance attaching it was recorded
	days           float64 // once discharged: days from the assurance to the discharge
}

// openAt reports whether the condition was open once the event at pos had been recorded.
func (m condMark) openAt(pos eventstore.Position) bool {
	return m.opened <= pos && (m.closed == 0 || m.closed > pos)
}

// dischargedBy reports whether the condition had been discharged by pos.
func (m condMark) dischargedBy(pos eventstore.Position) bool {
	return m.state == condDischarged && m.closed <= pos
}

// dueDay is a date as the report's sums hold it: days since 1970.
func dueDay(d domain.Date) float64 { return float64(d.Time().Unix() / 86400) }

// openConditions keeps the conditions an assurance attaches.
func openConditions(p *Projector, v *planView, rec eventstore.RecordedEvent, e domain.Event) {
	a := e.Data.(domain.AssuranceRecorded)
	if len(a.Conditions) == 0 {
		return
	}
	key := aggKey{v.sha, v.plan.Round()}
	for _, c := range a.Conditions {
		m := condMark{version: a.Version, id: c.ID, due: c.Due, opened: rec.Position, assured: instantOf(e.Meta.RecordedAt)}
		v.conds = append(v.conds, m)
		p.aggs.conditionOpened(key, m)
	}
}

// closeConditions supersedes every condition still open when the plan is revised or withdrawn:
// it is no longer followed up.
func closeConditions(p *Projector, v *planView, rec eventstore.RecordedEvent, _ domain.Event) {
	for i := range v.conds {
		if m := &v.conds[i]; m.closed == 0 {
			m.closed, m.state = rec.Position, condSuperseded
			p.aggs.conditionClosed(aggKey{v.sha, v.plan.Round()}, *m)
		}
	}
}

// closeCondition records a condition's discharge or lapse.
func closeCondition(p *Projector, v *planView, rec eventstore.RecordedEvent, e domain.Event) {
	version, id, state := 0, "", condLapsed
	switch d := e.Data.(type) {
	case domain.ConditionDischarged:
		version, id, state = d.Version, d.ConditionID, condDischarged
	case domain.ConditionLapsed:
		version, id = d.Version, d.ConditionID
	}
	for i := range v.conds {
		m := &v.conds[i]
		if m.version != version || m.id != id || m.closed != 0 {
			continue
		}
		m.closed, m.state = rec.Position, state
		if state == condDischarged {
			m.days = e.Meta.RecordedAt.Sub(m.assured.time()).Hours() / 24
		}
		p.aggs.conditionClosed(aggKey{v.sha, v.plan.Round()}, *m)
		return
	}
}

// conditionCounts is what the report says of conditions for some plans.
type conditionCounts struct {
	open, overdue, superseded int
	days                      []float64 // days to discharge, collected by a scan
}

// countConditions adds to c the conditions of v as they stood at pos, overdue on day.
func (c *conditionCounts) add(v *planView, pos eventstore.Position, day domain.Date) {
	for _, m := range v.conds {
		switch {
		case m.openAt(pos):
			c.open++
			if !m.due.IsZero() && day.After(m.due) {
				c.overdue++
			}
		case m.dischargedBy(pos):
			c.days = append(c.days, m.days)
		case m.state == condSuperseded && m.closed <= pos:
			c.superseded++
		}
	}
}

// daysOverdue is how many whole days after due day falls; 0 when it does not.
func daysOverdue(due domain.Date, at time.Time) int { return domain.DaysLate(due, at) }
