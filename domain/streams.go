package domain

import "strings"

// Aggregate is a kind of stream: every event of one registry or one plan is in that aggregate's
// stream, and a stream's name says which aggregate it holds. The names are stored in every log,
// so they never change.
type Aggregate int

const (
	// AggregateRegistry is the one organisation registry: organisations, chief executives, LHCs.
	AggregateRegistry Aggregate = iota + 1
	// AggregatePlan is one LHC's plan for one planning round.
	AggregatePlan
)

// RegistryStream is the name of the registry's stream.
const RegistryStream = "registry"

const planStreamPrefix = "plan-"

// PlanStream is the name of the stream of the plan with that id.
func PlanStream(planID string) string { return planStreamPrefix + planID }

// ParseStream says which aggregate the stream name holds and, for a plan, its id. ok is false for
// a name that is not one of the ledger's (another application's stream in a shared database).
func ParseStream(name string) (a Aggregate, id string, ok bool) {
	switch {
	case name == RegistryStream:
		return AggregateRegistry, "", true
	case strings.HasPrefix(name, planStreamPrefix) && len(name) > len(planStreamPrefix):
		return AggregatePlan, name[len(planStreamPrefix):], true
	}
	return 0, "", false
}

// IsLedgerStream reports whether name is one of the ledger's streams.
func IsLedgerStream(name string) bool {
	_, _, ok := ParseStream(name)
	return ok
}

func (a Aggregate) String() string {
	switch a {
	case AggregateRegistry:
		return "registry"
	case AggregatePlan:
		return "plan"
	}
	return "unknown"
}
