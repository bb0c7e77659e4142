package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// base is what the layout needs on every page.
type base struct {
	Title  string
	Actor  domain.Actor
	Params params
	// Path is the page's own path, the action of its "as of" form.
	Path string
	// Rounds are offered in the round selector; nil hides it.
	Rounds []string
}

func (d *dashboard) base(c echo.Context, title string, p params) base {
	return base{Title: title, Actor: actorOf(c), Params: p, Path: c.Request().URL.Path}
}

// OwnSHA is the SHA page of a reader acting for an SHA, for the navigation.
func (b base) OwnSHA() bool { return b.Actor.Role == domain.RoleSHAAssurer }

// OwnSRO is the SRO evidence page of a reader acting for a PCT or provider, for the navigation.
func (b base) OwnSRO() bool {
	switch b.Actor.Role {
	case domain.RoleChiefExecutive, domain.RolePCTCommissioner, domain.RoleProvider:
		return true
	}
	return false
}

type errorPage struct {
	base
	Heading, Message string
}

// errorPage answers with a readable page instead of the API's problem+json.
func (d *dashboard) errorPage(c echo.Context, status int, heading, message string) error {
	b := base{Title: heading, Actor: actorOf(c), Path: c.Request().URL.Path}
	return d.render(c, status, "error", errorPage{base: b, Heading: heading, Message: message})
}

var statusLabels = map[domain.Status]string{
	domain.StatusSubmitted: "Submitted", domain.StatusSignedOff: "Signed off", domain.StatusAssured: "Assured",
	domain.StatusAssuredWithConditions: "Assured with conditions", domain.StatusNotAssured: "Not assured",
	domain.StatusAcknowledged: "Acknowledged", domain.StatusWithdrawn: "Withdrawn",
}

// actionLabels name what a plan or an SHA waits for (projections.Outstanding) and the round's
// milestones (domain.Milestones).
var actionLabels = map[string]string{
	"plan_submission": "Plan submission", "sro_signoff": "SRO sign-off", "sha_assurance": "SHA assurance",
	"revision": "Revision", "cfh_acknowledgement": "CfH acknowledgement", "member_response": "Contribution or decline",
	"cfh_note": "CfH acknowledgement or note", "condition_evidence": "Evidence for a condition",
	"condition_review": "Review of a condition's evidence", "sha_return": "SHA return to CfH",
	"cfh_return_acknowledgement": "CfH acknowledgement of the return",
}

// milestoneStatusLabels say how a plan stands against a deadline (projections.MilestoneView).
var milestoneStatusLabels = map[string]string{
	projections.MilestoneMet: "Met", projections.MilestoneLate: "Late", projections.MilestoneOverdue: "Overdue",
	projections.MilestonePending: "Not yet due", projections.MilestoneNoDeadline: "No deadline", projections.MilestoneWithdrawn: "Withdrawn",
}

// dateLabel is a calendar date as the pages write it; "–" for none.
func dateLabel(d domain.Date) string {
	if d.IsZero() {
		return "–"
	}
	return d.Time().Format("2 Jan 2006")
}

func roleLabel(r domain.Role) string { return strings.ReplaceAll(string(r), "_", " ") }

var funcs = template.FuncMap{
	"statusLabel":  func(s domain.Status) string { return statusLabels[s] },
	"outcomeLabel": func(o domain.Outcome) string { return statusLabels[domain.Status(o)] },
	"actionLabel": func(a string) string {
		if l, ok := actionLabels[a]; ok {
			return l
		}
		return a
	},
	"role":            roleLabel,
	"date":            dateLabel,
	"milestoneStatus": func(s string) string { return milestoneStatusLabels[s] },
	"capital":         func(s string) string { return strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):] },
	"fy":              func(y int) string { return fmt.Sprintf("%d/%02d", y, (y+1)%100) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"day": func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"orgRef": func(names map[string]string, query, code string) orgRef {
		return orgRef{Code: code, Name: names[code], Query: query}
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct": func(f *float64) string {
		return optional(f, func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) })
	},
	"days": func(f *float64) string { return optional(f, func(v float64) string { return fmt.Sprintf("%.1f", v) }) },
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	},
}

func optional(f *float64, format func(float64) string) string {
	if f == nil {
		return "–"
	}
	return format(*f)
}

// orgRef is what the "org" template links: an organisation's code, its name when the registry holds
// it, and the page's query to carry over.
type orgRef struct{ Code, Name, Query string }
