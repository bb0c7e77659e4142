package domain

// Status is where a plan stands (docs/design.md §5). It is derived from the current version, never
// stored, so that it cannot disagree with the events.
type Status string

const (
	StatusSubmitted             Status = "submitted"
	StatusSignedOff             Status = "signed_off"
	StatusAssured               Status = "assured"
	StatusAssuredWithConditions Status = "assured_with_conditions"
	StatusNotAssured            Status = "not_assured"
	StatusAcknowledged          Status = "acknowledged"
	StatusWithdrawn             Status = "withdrawn"
)

// Statuses lists every status in lifecycle order, for reports that count plans per status.
var Statuses = []Status{StatusSubmitted, StatusSignedOff, StatusAssured, StatusAssuredWithConditions, StatusNotAssured, StatusAcknowledged, StatusWithdrawn}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// Outcome is an SHA's judgement of one version of a plan.
type Outcome string

const (
	OutcomeAssured               Outcome = "assured"
	OutcomeAssuredWithConditions Outcome = "assured_with_conditions"
	OutcomeNotAssured            Outcome = "not_assured"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeAssured, OutcomeAssuredWithConditions, OutcomeNotAssured}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	for _, k := range Outcomes {
		if o == k {
			return true
		}
	}
	return false
}

// Positive reports whether the outcome lets the plan go ahead, and so can be acknowledged.
func (o Outcome) Positive() bool { return o == OutcomeAssured || o == OutcomeAssuredWithConditions }

// status is the plan status an outcome leads to.
func (o Outcome) status() Status { return Status(o) }
