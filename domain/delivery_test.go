package domain

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pasInterim = "clinical5.pas_reporting.interim"

// later is t0 plus days: reports are made once things have happened.
func later(days int) time.Time { return t0.AddDate(0, 0, days) }

// reported: the lead PCT has reported PAS's interim solution live on 2009-12-20.
func reported(tb testing.TB) *world {
	w := submitted(tb)
	w.now = later(200)
	w.must(commissionr, ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-12-20")})
	return w
}

func TestDecideReportMilestone(t *testing.T) {
	live := fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-12-20")})
	at := later(200) // 2010-01-17
	runPlanCases(t, []planCase{
		{name: "the lead PCT reports an item live", setup: submitted, at: at, actor: commissionr, cmd: live,
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, MilestoneReported{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-12-20")}, d)
				assert.Equal(t, 1, w.plan.Version(), "a report starts no version")
				s := w.plan.Delivery()[0]
				assert.Equal(t, ProgrammeLive, s.Status)
				assert.Equal(t, ProgrammePlanned, s.DeclaredStatus)
				assert.Equal(t, date("2009-12-20"), s.ActualDate)
				assert.Equal(t, date("2009-12-31"), s.PlannedDate)
				assert.Equal(t, 1, s.Reports)
				require.Len(t, w.plan.DeliveryReports(), 1)
				assert.Equal(t, leadPCT, w.plan.DeliveryReports()[0].ODSCode)
			}},
		{name: "a member trust reports one under way", setup: submitted, at: at, actor: provRJ1,
			cmd: fixed(ReportMilestone{Item: "clinical5.order_comms.strategic", Status: ProgrammeInProgress, ActualDate: date("2010-01-04")})},
		{name: "a non-NHS member reports, without a date", setup: submitted, at: at, actor: provNNP,
			cmd: fixed(ReportMilestone{Item: "clinical5.e_prescribing.interim", Status: ProgrammeInProgress})},
		{name: "a national programme", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: "national_programmes.scr", Status: ProgrammeLive, ActualDate: date("2010-01-10")})},
		{name: "after the plan was assured and acknowledged", setup: acknowledged, at: at, actor: commissionr, cmd: live},
		{name: "a provider outside the LHC", setup: submitted, at: at, actor: Actor{PersonID: "pr-rbb", Role: RoleProvider, Org: outsider}, cmd: live,
			want: ErrNotLHCMember},
		{name: "another PCT's commissioner", setup: submitted, at: at, actor: otherCommissioner, cmd: live, want: ErrOrganisationNotAllowed},
		{name: "the SHA", setup: submitted, at: at, actor: assurer, cmd: live, want: ErrRoleNotAllowed},
		{name: "a chief executive", setup: submitted, at: at, actor: ceLead, cmd: live, want: ErrRoleNotAllowed},
		{name: "a withdrawn plan", setup: withdrawn, at: at, actor: commissionr, cmd: live, want: ErrPlanWithdrawn},
		{name: "no plan", setup: newWorld, at: at, actor: commissionr, cmd: live, want: ErrPlanNotFound},
		{name: "no item", setup: submitted, at: at, actor: commissionr, cmd: fixed(ReportMilestone{Status: ProgrammeLive, ActualDate: date("2009-12-20")}),
			want: ErrInvalidCommand, field: "item"},
		{name: "an unknown item", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: "clinical5.pas_reporting", Status: ProgrammeLive, ActualDate: date("2009-12-20")}), want: ErrInvalidCommand, field: "item"},
		{name: "no status", setup: submitted, at: at, actor: commissionr, cmd: fixed(ReportMilestone{Item: pasInterim}), want: ErrInvalidCommand, field: "status"},
		{name: "an unknown status", setup: submitted, at: at, actor: commissionr, cmd: fixed(ReportMilestone{Item: pasInterim, Status: "done"}),
			want: ErrInvalidCommand, field: "status"},
		{name: "live without a date", setup: submitted, at: at, actor: commissionr, cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeLive}),
			want: ErrInvalidCommand, field: "actual_date"},
		{name: "planned with a date", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammePlanned, ActualDate: date("2009-12-20")}), want: ErrInvalidCommand, field: "actual_date"},
		{name: "a date to come", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2010-01-18")}), want: ErrInvalidCommand, field: "actual_date"},
		{name: "a date before 2000", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeInProgress, ActualDate: date("1999-12-31")}), want: ErrInvalidCommand, field: "actual_date"},
		{name: "a note too long", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeInProgress, Note: strings.Repeat("x", 20_001)}), want: ErrInvalidCommand, field: "note"},
		{name: "back from live without a reason", setup: reported, actor: commissionr, cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeInProgress}),
			want: ErrReasonRequired, field: "note", msg: []string{"2009-12-20"}},
		{name: "back from live with a reason", setup: reported, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeInProgress, Note: "Taken out of service after an incident."}),
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, ProgrammeInProgress, w.plan.Delivery()[0].Status)
				assert.Equal(t, 2, w.plan.Delivery()[0].Reports)
			}},
		{name: "live again on a later day", setup: reported, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-12-21"), Note: "Corrected go-live date."})},
		{name: "live on another day without a reason", setup: reported, actor: commissionr,
			cmd:  fixed(ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-10-01")}),
			want: ErrReasonRequired, field: "note", msg: []string{"2009-12-20", "2009-10-01"}},
		{name: "the same again", setup: reported, actor: commissionr, cmd: live, want: ErrNoChange, field: "status"},
		// The plan's period starts on 2009-04-01, before its submission on 2009-07-01.
		{name: "a date before the plan's period without a reason", setup: submitted, at: at, actor: commissionr,
			cmd:  fixed(ReportMilestone{Item: "national_programmes.eps_r2", Status: ProgrammeLive, ActualDate: date("2000-01-01")}),
			want: ErrReasonRequired, field: "note", msg: []string{"2009-04-01"}},
		{name: "a date before the plan's period with a reason", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: "national_programmes.eps_r2", Status: ProgrammeLive, ActualDate: date("2009-03-31"), Note: "Live at two practices before the plan; not stated in it."})},
		{name: "the first day of the plan's period", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: "national_programmes.eps_r2", Status: ProgrammeInProgress, ActualDate: date("2009-04-01")})},
		{name: "a member's reports on one item at the limit", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.now = at
			for i := range MaxReportsPerOrgItem {
				st := []string{ProgrammeInProgress, ProgrammePlanned}[i%2]
				w.must(provRJ1, ReportMilestone{Item: "clinical5.order_comms.strategic", Status: st})
			}
			return w
		}, at: at, actor: provRJ1, cmd: fixed(ReportMilestone{Item: "clinical5.order_comms.strategic", Status: ProgrammeLive, ActualDate: date("2010-01-10")}),
			want: ErrTooManyReports, field: "item", msg: []string{trust}},
		{name: "another item, or another member, past one member's limit", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.now = at
			for i := range MaxReportsPerOrgItem {
				st := []string{ProgrammeInProgress, ProgrammePlanned}[i%2]
				w.must(provRJ1, ReportMilestone{Item: "clinical5.order_comms.strategic", Status: st})
			}
			w.must(provRJ1, ReportMilestone{Item: "clinical5.order_comms.interim", Status: ProgrammeInProgress})
			return w
		}, at: at, actor: commissionr, cmd: fixed(ReportMilestone{Item: "clinical5.order_comms.strategic", Status: ProgrammeInProgress})},
		{name: "what the version already states", setup: submitted, at: at, actor: commissionr,
			cmd: fixed(ReportMilestone{Item: "national_programmes.gp2gp", Status: ProgrammeInProgress}), want: ErrNoChange},
	})
}

// Where each item stands: planned dates and statuses from the current version, the latest report
// of each, and dates already past when the version was submitted flagged, not refused.
func TestDeliveryState(t *testing.T) {
	w := submitted(t)
	states := w.plan.Delivery()
	require.Len(t, states, len(DeliveryItems))
	scr, _ := ItemIndex(ProgrammeItem(ProgrammeSCR))
	choices, _ := ItemIndex(ProgrammeItem(ProgrammeNHSChoices))
	gp2gp, _ := ItemIndex(ProgrammeItem(ProgrammeGP2GP))
	assert.Equal(t, date("2010-06-30"), states[scr].PlannedDate)
	assert.Equal(t, ProgrammeLive, states[choices].Status, "declared live")
	assert.Equal(t, ProgrammeInProgress, states[gp2gp].DeclaredStatus)
	assert.Equal(t, SourceNPfIT, states[1].Source, "the strategic solution's source")
	for _, s := range states {
		assert.False(t, s.PastAtSubmission, "%s: nothing past on 2009-07-01", s.Item)
	}

	// A revision recorded in 2010 that still plans PAS's interim solution for 2009-12-31 promised
	// what had already been missed; NHS Choices, live, and GP2GP under way since 2009, are past
	// too, but only what is not live is flagged.
	w.now = ts("2010-02-01T10:00:00Z")
	w.must(commissionr, ReportMilestone{Item: ProgrammeItem(ProgrammeSCR), Status: ProgrammeInProgress, ActualDate: date("2010-01-15")})
	w.must(commissionr, RevisePlan{Content: revisedContent(t), Reason: "r"})
	states = w.plan.Delivery()
	assert.True(t, states[0].PastAtSubmission, "PAS interim 2009-12-31, planned, submitted 2010-02-01")
	assert.False(t, states[1].PastAtSubmission, "PAS strategic 2011-09-30")
	assert.True(t, states[gp2gp].PastAtSubmission)
	assert.False(t, states[choices].PastAtSubmission, "live")
	assert.Equal(t, ProgrammeInProgress, states[scr].Status, "a revision does not undo a report")
	assert.Equal(t, 1, states[scr].Reports)
}

// A capability states one status: it is the interim solution's, which comes first. The strategic
// solution is planned until a report of its own says otherwise.
func TestCapabilityStatusIsTheInterimSolutions(t *testing.T) {
	for _, status := range ProgrammeStatuses {
		t.Run(status, func(t *testing.T) {
			c := sampleContent(t)
			c.Clinical5[0].Status = status
			i := 2 * slices.Index(Clinical5, c.Clinical5[0].Capability)
			d := c.Digest(nil)
			assert.Equal(t, status, d.Items[i].DeclaredStatus(), "interim")
			assert.Equal(t, ProgrammePlanned, d.Items[i+1].DeclaredStatus(), "strategic")
			// A strategic solution due before the submission is flagged even when the capability is
			// live: what is live is the interim system.
			assert.True(t, d.Items[i+1].PastAt(DateOf(c.Clinical5[0].StrategicDate.Time().AddDate(0, 0, 1))))
		})
	}
	w := submitted(t)
	w.now = later(200)
	strategic := CapabilityItem(Clinical5[0], ItemStrategic)
	w.must(commissionr, ReportMilestone{Item: strategic, Status: ProgrammeLive, ActualDate: date("2010-01-04")})
	i, _ := ItemIndex(strategic)
	assert.Equal(t, ProgrammeLive, w.plan.Delivery()[i].Status, "a report of its own makes the strategic solution live")
}

// Content written before schema version 3 states no status: its items count as planned.
func TestDeliveryOfLegacyContent(t *testing.T) {
	c := legacyContent(t)
	d := c.Digest(nil)
	for i, it := range d.Items {
		if i < 2*len(Clinical5) {
			assert.Equal(t, ProgrammePlanned, it.DeclaredStatus(), DeliveryItems[i])
			assert.Empty(t, it.SourceName())
		}
	}
	assert.Nil(t, d.Organisations)
	assert.Nil(t, d.ByYear)
	assert.Equal(t, int64(4200000), d.Capital)
}

// The digest keeps each item's planned date exactly, as days.
func TestDayNumbers(t *testing.T) {
	for _, tc := range []struct {
		date string
		day  int32
	}{{"1970-01-02", 1}, {"2000-02-29", 11016}, {"2009-04-01", 14335}, {"2012-03-31", 15430}, {"1969-12-31", -1}} {
		d := date(tc.date)
		assert.Equal(t, tc.day, DayNumber(d), tc.date)
		assert.Equal(t, d, dateOfDay(tc.day), tc.date)
	}
	assert.Equal(t, int32(0), DayNumber(Date{}))
	assert.True(t, dateOfDay(0).IsZero())
}

// A plan's record keeps its reports and approvals, and restores them.
func TestRecordKeepsReportsAndApprovals(t *testing.T) {
	w := approved(t)
	w.now = later(200)
	w.must(commissionr, ReportMilestone{Item: pasInterim, Status: ProgrammeLive, ActualDate: date("2009-12-20")})
	r := w.plan.Record()
	require.Len(t, r.Reports, 1)
	p, err := RestorePlan(r)
	require.NoError(t, err)
	assert.Equal(t, w.plan.DeliveryReports(), p.DeliveryReports())
	assert.Equal(t, w.plan.Current().Approvals, p.Current().Approvals)

	bad := w.plan.Record()
	bad.Reports = []DeliveryReport{{Item: "clinical5.nothing.interim", Status: ProgrammeLive}}
	_, err = RestorePlan(bad)
	assert.ErrorIs(t, err, ErrInvalidPlanRecord)
}
