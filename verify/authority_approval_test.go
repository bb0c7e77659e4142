package verify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// A round that asks for board approval refuses a sign-off without the organisation's approval of
// that very version first (board_approval_missing); ledger verify holds the whole log to the same
// rule as ledger evidence holds a bundle.
func TestSignOffWithoutTheBoardApprovalItsRoundAsksFor(t *testing.T) {
	const stream, other = "plan-a", "plan-b"
	at := time.Date(2010, 5, 1, 10, 0, 0, 0, time.UTC)
	ce := domain.Actor{PersonID: "ce-5qe", Role: domain.RoleChiefExecutive, Org: "5QE"}
	ev := func(s string, d domain.EventData, hash string) (eventstore.RecordedEvent, domain.Event) {
		return eventstore.RecordedEvent{Stream: s}, domain.Event{Data: d, Meta: domain.Metadata{Actor: ce, RecordedAt: at}, ContentHash: hash}
	}
	approval := func(s string, version int, ods string) func(*authority) {
		return func(a *authority) {
			a.check(ev(s, domain.BoardApprovalRecorded{Version: version, ODSCode: ods, BodyID: "ib-5qe"}, ""))
		}
	}
	for _, tc := range []struct {
		name   string
		asks   bool
		before []func(*authority)
		want   string // in the reason; "" for none
	}{
		{name: "a round that does not ask", asks: false},
		{name: "no approval", asks: true, want: "without a board's approval of version 1 by 5QE, which round 2010-11 asks for first"},
		{name: "the organisation's approval of the version", asks: true, before: []func(*authority){approval(stream, 1, "5QE")}},
		{name: "another organisation's approval", asks: true, before: []func(*authority){approval(stream, 1, "RTH")}, want: "round 2010-11"},
		{name: "an approval of another version", asks: true, before: []func(*authority){approval(stream, 2, "5QE")}, want: "round 2010-11"},
		{name: "an approval of another plan", asks: true, before: []func(*authority){approval(other, 1, "5QE")}, want: "round 2010-11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAuthority()
			a.check(ev(domain.RegistryStream, domain.ChiefExecutiveAppointed{ODSCode: "5QE", PersonID: "ce-5qe", EffectiveFrom: at.AddDate(-1, 0, 0)}, ""))
			a.check(ev(domain.RegistryStream, domain.PlanningRoundPublished{Round: "2010-11", BoardApprovalRequired: tc.asks}, ""))
			a.check(ev(stream, domain.PlanSubmitted{PlanID: "a", Version: 1, Round: "2010-11"}, "h1"))
			a.check(ev(other, domain.PlanSubmitted{PlanID: "b", Version: 1, Round: "2010-11"}, "h1"))
			for _, f := range tc.before {
				f(a)
			}
			got := a.check(ev(stream, domain.SROSignedOff{Version: 1, ODSCode: "5QE", PersonID: "ce-5qe", ContentHash: "h1"}, ""))
			if tc.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.want)
			}
		})
	}
}
