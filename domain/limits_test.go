package domain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContentTextIsBounded(t *testing.T) {
	wide := strings.Repeat("\U0001D538", maxLongText) // 20,000 characters of four bytes each
	c := sampleContent(t)
	c.CommunityIntegration, c.Infrastructure, c.InformationGovernance = wide, wide, wide
	require.Less(t, c.TextBytes(), MaxContentBytes, "three wide fields still fit")
	w := newWorld(t)
	w.must(commissionr, SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009, Content: c})

	c.DataQuality = wide
	require.Greater(t, c.TextBytes(), MaxContentBytes)
	_, err := w.do(commissionr, RevisePlan{Content: c, Reason: "more"})
	e := assertRefused(t, err, ErrContentTooLarge)
	assert.True(t, hasField(e, "content"))
	w2 := newWorld(t)
	_, err = w2.do(commissionr, SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009, Content: c})
	assertRefused(t, err, ErrContentTooLarge)
}

func TestContributionSummaryIsBounded(t *testing.T) {
	w := submitted(t)
	w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: strings.Repeat("a", MaxContributionSummary)})
	_, err := w.do(provRJ1, RecordContribution{Section: "clinical5", Summary: strings.Repeat("a", MaxContributionSummary+1)})
	e := assertRefused(t, err, ErrInvalidCommand)
	assert.True(t, hasField(e, "summary"))
}

func TestContributionsPerOrganisationPerVersionAreBounded(t *testing.T) {
	w := submitted(t)
	for i := range MaxContributionsPerOrgVersion {
		w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: fmt.Sprintf("note %d", i)})
	}
	_, err := w.do(provRJ1, RecordContribution{Section: "clinical5", Summary: "one more"})
	assertRefused(t, err, ErrTooManyContributions)
	w.must(provRXA, RecordContribution{Section: "clinical5", Summary: "another organisation still may"})
	w.must(commissionr, RevisePlan{Content: revisedContent(t), Reason: "a new version"})
	w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: "and so may ZRJ on the new version"})
}

func TestVersionsAreBounded(t *testing.T) {
	w := submitted(t)
	for v := 2; v <= MaxVersions; v++ {
		c := sampleContent(t)
		c.DataQuality = fmt.Sprintf("Version %d", v)
		w.must(commissionr, RevisePlan{Content: c, Reason: "again"})
	}
	require.Equal(t, MaxVersions, w.plan.Version())
	_, err := w.do(commissionr, RevisePlan{Content: revisedContent(t), Reason: "one too many"})
	assertRefused(t, err, ErrTooManyVersions)
	w.must(commissionr, WithdrawPlan{Reason: "start again"})
}

// Contributions and revisions stop at the stream's limit; what the rules allow once per
// organisation or version goes on, so a member that filled the stream cannot stall the plan.
func TestPlanStreamIsBounded(t *testing.T) {
	w := submitted(t)
	providers := []Actor{provRJ1, provRXA, {PersonID: "pr-nt", Name: "Nat Hospice", Role: RoleProvider, Org: nonNHS}}
	full := false
	for !full {
		for _, p := range providers {
			for range MaxContributionsPerOrgVersion {
				if w.plan.Events() == MaxPlanEvents {
					full = true
					break
				}
				w.must(p, RecordContribution{Section: "clinical5", Summary: "again"})
			}
		}
		if !full {
			c := sampleContent(t)
			c.DataQuality = fmt.Sprintf("Version %d", w.plan.Version()+1)
			w.must(commissionr, RevisePlan{Content: c, Reason: "again"})
		}
	}
	folded := 0
	for _, e := range w.events {
		if e.Meta.Actor.Role != RoleAdmin { // the registry's events are the admin's
			folded++
		}
	}
	assert.Equal(t, folded, w.plan.Events(), "Events counts what was folded")
	_, err := w.do(provRXA, RecordContribution{Section: "clinical5", Summary: "no room"})
	assertRefused(t, err, ErrPlanStreamFull)
	_, err = w.do(commissionr, RevisePlan{Content: revisedContent(t), Reason: "no room"})
	assertRefused(t, err, ErrPlanStreamFull)
	w.now = ce2From.Add(-1) // before Z1A's second chief executive takes office
	w.must(ceLead, w.signOff())
	w.must(ceRJ1, w.signOff())
	assert.Equal(t, MaxPlanEvents+2, w.plan.Events())
}
