package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type actList []SignedAct

func (l actList) SignedActs(ods string) []SignedAct {
	var out []SignedAct
	for _, a := range l {
		if a.ODSCode == ods {
			out = append(out, a)
		}
	}
	return out
}

// An appointment may not take effect at or before a sign-off another person already made for the
// organisation: it would rewrite who was chief executive when that sign-off was made.
func TestAppointmentBeforeAnotherPersonsSignOffIsRefused(t *testing.T) {
	signed := ts("2009-07-01T10:00:00Z")
	acts := actList{
		{ODSCode: trust, PersonID: personRJ1, RecordedAt: signed, PlanID: planID, Version: 1, EventID: "ev-rj1"},
		{ODSCode: trust, PersonID: personRJ1, RecordedAt: signed.Add(-24 * time.Hour), PlanID: planID, Version: 1, EventID: "ev-earlier"},
		{ODSCode: leadPCT, PersonID: personCE1, RecordedAt: signed.Add(time.Hour), PlanID: planID, Version: 1, EventID: "ev-5k5"},
	}
	appoint := func(person string, from time.Time) AppointChiefExecutive {
		return AppointChiefExecutive{ODSCode: trust, PersonID: person, Name: "Eve Chief", EffectiveFrom: from}
	}
	for _, tc := range []struct {
		name    string
		cmd     AppointChiefExecutive
		refused bool
	}{
		{"back-dated before both sign-offs", appoint("ce-eve", ts("2009-06-01T00:00:00Z")), true},
		{"back-dated between them", appoint("ce-eve", signed.Add(-time.Hour)), true},
		{"effective at the sign-off's instant", appoint("ce-eve", signed), true},
		{"effective just after the last sign-off", appoint("ce-eve", signed.Add(time.Nanosecond)), false},
		{"in the future", appoint("ce-eve", ts("2030-01-01T00:00:00Z")), false},
		{"the signatory again, back-dated", appoint(personRJ1, ts("2009-06-01T00:00:00Z")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			_, err := w.reg.DecideKnowing(admin, w.now, tc.cmd, acts)
			if !tc.refused {
				require.NoError(t, err)
				return
			}
			e := assertRefused(t, err, ErrAppointmentBeforeActs)
			assert.True(t, hasField(e, "effective_from"))
			assert.Contains(t, e.Message, firstEvent(tc.cmd.EffectiveFrom, signed), "names the earliest sign-off it would rewrite")
			assert.Equal(t, 422, e.Kind.HTTPStatus())
		})
	}
	// Another organisation's acts do not count.
	w := newWorld(t)
	_, err := w.reg.DecideKnowing(admin, w.now, AppointChiefExecutive{ODSCode: trust2, PersonID: "ce-x", Name: "X", EffectiveFrom: ts("2009-09-02T00:00:00Z")}, acts)
	require.NoError(t, err)
}

func firstEvent(from, signed time.Time) string {
	if from.Before(signed.Add(-24 * time.Hour)) {
		return "ev-earlier"
	}
	return "ev-rj1"
}
