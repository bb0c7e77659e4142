package domain

import "strings"

// Aggregate is a kind of stream: every event of one registry, one plan or one SHA's return for a
// round is in that aggregate's stream, and a stream's name says which aggregate it holds. The names
// are stored in every log, so they never change.
type Aggregate int

const (
	// AggregateRegistry is the one organisation registry: organisations, chief executives, LHCs,
	// planning rounds and programmes for IT.
	AggregateRegistry Aggregate = iota + 1
	// AggregatePlan is one LHC's plan for one planning round.
	AggregatePlan
	// AggregateReturn is one SHA's return to CfH for one planning round: every return it submitted
	// and CfH's acknowledgements.
	AggregateReturn
)

// RegistryStream is the name of the registry's stream.
const RegistryStream = "registry"

const (
	planStreamPrefix   = "plan-"
	returnStreamPrefix = "sha-return-"
)

// PlanStream is the name of the stream of the plan with that id.
func PlanStream(planID string) string { return planStreamPrefix + planID }

// ReturnStream is the name of the stream of SHA sha's returns for round: sha-return-Q36-2009-10.
func ReturnStream(sha, round string) string { return returnStreamPrefix + ReturnID(sha, round) }

// ReturnID is the id of SHA sha's returns for round, as ParseStream gives it: Q36-2009-10.
func ReturnID(sha, round string) string { return sha + "-" + round }

// ParseReturnID splits a return stream's id into its SHA's ODS code and its round; ok is false
// for an id that is not an ODS code and a planning round joined by a hyphen.
func ParseReturnID(id string) (sha, round string, ok bool) {
	sha, round, found := strings.Cut(id, "-")
	if !found || !odsCodePattern.MatchString(sha) || !roundPattern.MatchString(round) {
		return "", "", false
	}
	return sha, round, true
}

// ParseStream says which aggregate the stream name holds and its id: a plan's id, or a return's
// (ReturnID). ok is false for a name that is not one of the ledger's (another application's
// stream in a shared database).
func ParseStream(name string) (a Aggregate, id string, ok bool) {
	switch {
	case name == RegistryStream:
		return AggregateRegistry, "", true
	case strings.HasPrefix(name, planStreamPrefix) && len(name) > len(planStreamPrefix):
		return AggregatePlan, name[len(planStreamPrefix):], true
	case strings.HasPrefix(name, returnStreamPrefix):
		id := name[len(returnStreamPrefix):]
		if _, _, ok := ParseReturnID(id); ok {
			return AggregateReturn, id, true
		}
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
	case AggregateReturn:
		return "sha_return"
	}
	return "unknown"
}
