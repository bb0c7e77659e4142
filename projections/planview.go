package projections

import (
	"slices"
	"sort"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// planView is one plan's folded state plus what the reports need to answer "as of" without refolding:
// a summary after each of the plan's events.
type planView struct {
	seq      int // its index in the projector's order, by which a snapshot refers to it
	id       string
	plan     *domain.Plan
	sha      string // of the LHC; fixed when the LHC is formed
	lead     string // the LHC's lead PCT; fixed likewise
	revision uint64
	position eventstore.Position
	// contentRevision is the stream revision of the event that carries the current version's
	// content: the plan holds no content (domain.Plan.ForgetContent), Projector.Plan reads it there.
	contentRevision uint64
	signers         []string // organisations that have ever signed this plan: a handful, so a list
	history         []summary
	counted         contribution // what the report's aggregates hold for this plan
	conds           []condMark   // the conditions of its assurances, for the report (conditions.go)
}

// summary is what the transparency report needs of a plan at one point of the log. There is one
// for every plan event, so it holds no pointer (no string, no time.Time): the collector never
// scans the histories, which at a million events are a million summaries.
type summary struct {
	position  eventstore.Position
	submitted instant    // first submission
	assured   instant    // first assured or assured-with-conditions outcome; unset if none yet
	required  int32      // sign-offs the current version needs (lead PCT + contributors)
	signed    int32      // of those, given
	state     statusCode // the plan's status
}

func (s summary) status() domain.Status  { return s.state.status() }
func (s summary) submittedAt() time.Time { return s.submitted.time() }
func (s summary) assuredAt() time.Time   { return s.assured.time() }

// days is how long the plan took from submission to its first positive assurance; false if it has
// had none.
func (s summary) days() (float64, bool) {
	if !s.assured.set {
		return 0, false
	}
	return s.assuredAt().Sub(s.submittedAt()).Hours() / 24, true
}

// instant is a time.Time without its location: seconds and nanoseconds since 1970 UTC, exact for
// any year, and set false for the zero time.
type instant struct {
	sec  int64
	nsec int32
	set  bool
}

func instantOf(t time.Time) instant {
	if t.IsZero() {
		return instant{}
	}
	return instant{sec: t.Unix(), nsec: int32(t.Nanosecond()), set: true}
}

func (i instant) time() time.Time {
	if !i.set {
		return time.Time{}
	}
	return time.Unix(i.sec, int64(i.nsec)).UTC()
}

// statusCode is a domain.Status as a small number: 0 for none (a plan not submitted), i+1 for
// domain.Statuses[i].
type statusCode uint8

// codeOf is the code of s; false for a status the domain does not list.
func codeOf(s domain.Status) (statusCode, bool) {
	if s == "" {
		return 0, true
	}
	for i, known := range domain.Statuses {
		if known == s {
			return statusCode(i + 1), true
		}
	}
	return 0, false
}

func (c statusCode) status() domain.Status {
	if c == 0 || int(c) > len(domain.Statuses) {
		return ""
	}
	return domain.Statuses[c-1]
}

// signedBy reports whether ods had signed the plan before, and notes that it has.
func (v *planView) signedBy(ods string) bool {
	if slices.Contains(v.signers, ods) {
		return true
	}
	v.signers = append(v.signers, ods)
	return false
}

func (v *planView) record(pos eventstore.Position, e domain.Event) {
	state, _ := codeOf(v.plan.Status()) // the plan's own statuses are all known
	s := summary{position: pos, state: state}
	if n := len(v.history); n > 0 {
		prev := v.history[n-1]
		s.submitted, s.assured = prev.submitted, prev.assured
	} else {
		s.submitted = instantOf(e.Meta.RecordedAt)
	}
	if a, ok := e.Data.(domain.AssuranceRecorded); ok && !s.assured.set && a.Outcome != domain.OutcomeNotAssured {
		s.assured = instantOf(e.Meta.RecordedAt)
	}
	required, signed := v.plan.SignOffTally(v.lead)
	s.required, s.signed = int32(required), int32(signed)
	if v.history == nil {
		v.history = make([]summary, 0, historyRoom)
	}
	v.history = append(v.history, s)
}

// historyRoom is the room a plan's history starts with: most plans of a round take about this many
// events (submission, contributions, sign-offs, assurance, acknowledgement), and growing from one
// by doubling allocated twice what the histories held.
const historyRoom = 8

// at returns the plan's summary as of pos, and false if the plan did not exist yet.
func (v *planView) at(pos eventstore.Position) (summary, bool) {
	i := sort.Search(len(v.history), func(i int) bool { return v.history[i].position > pos })
	if i == 0 {
		return summary{}, false
	}
	return v.history[i-1], true
}
