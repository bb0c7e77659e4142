package projections

import (
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
	signers         map[string]struct{} // organisations that have ever signed this plan
	history         []summary
	counted         contribution // what the report's aggregates hold for this plan
}

// summary is what the transparency report needs of a plan at one point of the log.
type summary struct {
	position    eventstore.Position
	status      domain.Status
	required    int       // sign-offs the current version needs (lead PCT + contributors)
	signed      int       // of those, given
	submittedAt time.Time // first submission
	assuredAt   time.Time // first assured or assured-with-conditions outcome; zero if none yet
}

func (v *planView) signedBy(ods string) bool {
	if v.signers == nil {
		v.signers = map[string]struct{}{}
	}
	_, seen := v.signers[ods]
	v.signers[ods] = struct{}{}
	return seen
}

func (v *planView) record(pos eventstore.Position, e domain.Event) {
	s := summary{position: pos, status: v.plan.Status()}
	if n := len(v.history); n > 0 {
		prev := v.history[n-1]
		s.submittedAt, s.assuredAt = prev.submittedAt, prev.assuredAt
	} else {
		s.submittedAt = e.Meta.RecordedAt
	}
	if a, ok := e.Data.(domain.AssuranceRecorded); ok && s.assuredAt.IsZero() && a.Outcome != domain.OutcomeNotAssured {
		s.assuredAt = e.Meta.RecordedAt
	}
	s.required, s.signed = v.plan.SignOffTally(v.lead)
	v.history = append(v.history, s)
}

// at returns the plan's summary as of pos, and false if the plan did not exist yet.
func (v *planView) at(pos eventstore.Position) (summary, bool) {
	i := sort.Search(len(v.history), func(i int) bool { return v.history[i].position > pos })
	if i == 0 {
		return summary{}, false
	}
	return v.history[i-1], true
}
