package demo

import (
	"fmt"
	"time"

	"assurance-ledger/domain"
)

// Delivery in the demo: once a plan is assured, its lead PCT (and for the Clinical 5 now and then a
// member provider) reports each item as it starts and goes live, up to two and a half years after
// the demo starts. About half go live within three weeks of their date, a third slip by one to
// eight months, some are still under way when the history ends, a few are never reported; now and
// then a strategic solution that went live is taken back out of service.

// deliveryHorizon is how long after the demo's start reports are made.
const deliveryHorizon = 30 // months

var (
	slipNotes = []string{
		"Go-live deferred: the supplier's release slipped and the trust would not deploy untested.",
		"Data migration took longer than planned; cut-over moved to the next quarter.",
		"Deployment paused while clinical safety issues raised in testing were resolved.",
		"Training of clinical staff could not be released before the winter pressures.",
	}
	startNotes = []string{
		"Project board established and supplier engaged.",
		"Build and configuration under way; go-live date confirmed.",
		"Pilot ward live; roll-out to the rest of the site follows.",
	}
	rollbackNote = "Taken out of service after a serious incident review; the interim solution is back in use until the fix is deployed."
)

// deliver records the reports on the current version's items, after the plan's last step so far.
func (b *planBuilder) deliver() {
	if b.spec.NoLapse {
		return
	}
	rng := b.d.keyedRand(b.id, "delivery")
	horizon := b.d.Start.AddDate(0, deliveryHorizon, 0)
	after := b.t
	for _, s := range b.steps {
		after = maxTime(after, s.At)
	}
	planned := plannedDates(b.content)
	for _, item := range domain.DeliveryItems {
		due, declared := planned[item].date, planned[item].status
		if due.IsZero() || declared == domain.ProgrammeLive {
			continue
		}
		var last time.Time
		report := func(status string, actual domain.Date, note string) bool {
			at := officeHours(actual.Time().Add(randDuration(rng, 26*time.Hour, 20*24*time.Hour)))
			at = maxTime(at, maxTime(after, last).Add(randDuration(rng, 2*time.Hour, 5*24*time.Hour)))
			at = officeHours(at)
			if at.After(horizon) {
				return false
			}
			last = at
			b.steps = append(b.steps, Step{At: at, Actor: b.reporter(rng, item, at), Plan: b.id,
				Cmd: domain.ReportMilestone{Item: item, Status: status, ActualDate: actual, Note: note}})
			return true
		}
		start := domain.DateOf(due.Time().AddDate(0, -2-rng.IntN(4), 0))
		switch n := rng.IntN(100); {
		case n < 50: // on time, or nearly
			if report(domain.ProgrammeInProgress, start, startNotes[rng.IntN(len(startNotes))]) {
				live := domain.DateOf(due.Time().AddDate(0, 0, rng.IntN(21)-7))
				if report(domain.ProgrammeLive, live, "") && domain.IsStrategic(indexOf(item)) && rng.IntN(15) == 0 {
					report(domain.ProgrammeInProgress, domain.DateOf(live.Time().AddDate(0, 1+rng.IntN(3), 0)), rollbackNote)
				}
			}
		case n < 83: // slipped
			if report(domain.ProgrammeInProgress, start, slipNotes[rng.IntN(len(slipNotes))]) {
				report(domain.ProgrammeLive, domain.DateOf(due.Time().AddDate(0, 1+rng.IntN(8), rng.IntN(28))), fmt.Sprintf("Live after slipping from %s.", due))
			}
		case n < 95: // under way, and overdue once its date passes
			report(domain.ProgrammeInProgress, start, slipNotes[rng.IntN(len(slipNotes))])
		}
	}
}

// reporter is who reports item at at: the lead PCT's commissioner, or for a Clinical 5 item now and
// then the informatics lead of a provider member.
func (b *planBuilder) reporter(rng interface{ IntN(int) int }, item string, at time.Time) domain.Actor {
	if indexOf(item) < 2*len(domain.Clinical5) && rng.IntN(3) == 0 {
		var providers []string
		for _, m := range b.d.membersAt(b.lhc.ID, at) {
			if o, ok := b.d.Organisation(m); ok && o.Kind.Contributes() {
				providers = append(providers, m)
			}
		}
		if len(providers) > 0 {
			return b.d.informatics[providers[rng.IntN(len(providers))]]
		}
	}
	return b.d.commissioners[b.lhc.LeadPCT]
}

type plannedItem struct {
	date   domain.Date
	status string
}

// plannedDates are the delivery items' dates and statuses as content c states them.
func plannedDates(c domain.Content) map[string]plannedItem {
	out := map[string]plannedItem{}
	for _, x := range c.Clinical5 {
		out[domain.CapabilityItem(x.Capability, domain.ItemInterim)] = plannedItem{x.InterimDate, x.Status}
		out[domain.CapabilityItem(x.Capability, domain.ItemStrategic)] = plannedItem{x.StrategicDate, x.Status}
	}
	for _, x := range c.NationalProgrammes {
		out[domain.ProgrammeItem(x.Programme)] = plannedItem{x.PlannedDate, x.Status}
	}
	return out
}

func indexOf(item string) int {
	i, _ := domain.ItemIndex(item)
	return i
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
