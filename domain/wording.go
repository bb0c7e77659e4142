package domain

import "time"

// TimestampLayout is how the ledger prints a time, in its answers and in its refusals alike: RFC
// 3339 in UTC with exactly three fractional digits (truncated), whatever precision recorded it.
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

// stamp prints t in TimestampLayout.
func stamp(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(TimestampLayout) }

// Phrase is the outcome in words, for messages a person reads: "assured with conditions" rather
// than the wire value assured_with_conditions.
func (o Outcome) Phrase() string {
	switch o {
	case OutcomeAssured:
		return "assured"
	case OutcomeAssuredWithConditions:
		return "assured with conditions"
	case OutcomeNotAssured:
		return "not assured"
	}
	return string(o)
}

// Phrase is the kind with its article, for messages: "a PCT", "an SHA", "a non-NHS provider".
func (k OrgKind) Phrase() string {
	switch k {
	case KindSHA:
		return "an SHA"
	case KindPCT:
		return "a PCT"
	case KindProvider:
		return "an NHS provider"
	case KindNonNHSProvider:
		return "a non-NHS provider"
	case KindCfH:
		return "NHS Connecting for Health"
	}
	return "a " + string(k)
}

// accountedPhrase says what a member has already done towards a version: "has already declined to
// contribute to".
func accountedPhrase(st MemberState) string {
	switch st {
	case MemberStateContributed:
		return "has already contributed to"
	case MemberStateDeclined:
		return "has already declined to contribute to"
	case MemberStateExcused:
		return "has already been excused from contributing to"
	}
	return "is already " + string(st) + " for"
}
