package domain

// EventSpec describes one event type: what the ledger needs to know of it besides its struct. Every
// part of the ledger that handles events one type at a time (the wire format, upcasting, the
// projections, the API's schema) works from Events, and a test of each fails, naming the type,
// when a registered type is missing from it.
type EventSpec struct {
	// Type is the name the type is stored under.
	Type string
	// Aggregate is the kind of stream the type's events belong to.
	Aggregate Aggregate

	zero           EventData
	newPtr         func() any
	value          func(any) EventData
	carriesVersion bool
}

// Zero is the type's zero value.
func (s EventSpec) Zero() EventData { return s.zero }

// New returns a pointer to a new zero value of the type, for a decoder to fill.
func (s EventSpec) New() any { return s.newPtr() }

// Value is the event a pointer from New points at.
func (s EventSpec) Value(p any) EventData { return s.value(p) }

// CarriesVersion reports whether the type starts a version of a plan (VersionEvent).
func (s EventSpec) CarriesVersion() bool { return s.carriesVersion }

func register[T EventData](a Aggregate) EventSpec {
	var zero T
	_, carries := any(zero).(VersionEvent)
	return EventSpec{
		Type:           zero.EventType(),
		Aggregate:      a,
		zero:           zero,
		newPtr:         func() any { return new(T) },
		value:          func(p any) EventData { return *p.(*T) },
		carriesVersion: carries,
	}
}

// Events is every event type the ledger records, registry first, then plans, then SHA returns, in
// the order docs/design.md lists them.
var Events = []EventSpec{
	register[OrganisationRegistered](AggregateRegistry),
	register[ChiefExecutiveAppointed](AggregateRegistry),
	register[LocalHealthCommunityFormed](AggregateRegistry),
	register[LocalHealthCommunityMembersChanged](AggregateRegistry),
	register[PlanningRoundPublished](AggregateRegistry),
	register[RoundMilestoneChanged](AggregateRegistry),
	register[PfITRegistered](AggregateRegistry),
	register[SHAAssignedToPfIT](AggregateRegistry),
	register[GovernanceBodyRecorded](AggregateRegistry),
	register[PlanSubmitted](AggregatePlan),
	register[PlanRevised](AggregatePlan),
	register[ContributionRecorded](AggregatePlan),
	register[SROSignedOff](AggregatePlan),
	register[AssuranceRecorded](AggregatePlan),
	register[CfHAcknowledged](AggregatePlan),
	register[PlanWithdrawn](AggregatePlan),
	register[ContributionDeclined](AggregatePlan),
	register[MemberExcused](AggregatePlan),
	register[ConditionEvidenceSubmitted](AggregatePlan),
	register[ConditionDischarged](AggregatePlan),
	register[ConditionLapsed](AggregatePlan),
	register[CfHNoted](AggregatePlan),
	register[MilestoneReported](AggregatePlan),
	register[BoardApprovalRecorded](AggregatePlan),
	register[SHAReturnSubmitted](AggregateReturn),
	register[CfHReturnAcknowledged](AggregateReturn),
}

// EventTypes lists every event type name, in the order of Events.
var EventTypes = func() []string {
	names := make([]string, len(Events))
	for i, s := range Events {
		names[i] = s.Type
	}
	return names
}()

var specs = func() map[string]EventSpec {
	m := make(map[string]EventSpec, len(Events))
	for _, s := range Events {
		if _, dup := m[s.Type]; dup {
			panic("domain: event type " + s.Type + " is registered twice")
		}
		m[s.Type] = s
	}
	return m
}()

// Spec returns the registration of the named event type.
func Spec(eventType string) (EventSpec, bool) {
	s, ok := specs[eventType]
	return s, ok
}
