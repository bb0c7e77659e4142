package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

type planPage struct {
	base
	Plan             projections.PlanState
	LHCName, SHAName string
	Timeline         []timelineEntry
	Versions         []versionInfo
	From, To         versionInfo
	Changes          []change
}

// timelineEntry is one event of the plan's stream, read from the log itself.
type timelineEntry struct {
	Position, Revision uint64
	Type               string
	RecordedAt         time.Time
	Actor              domain.Actor
	PrevHash, Hash     string
	Summary            string
}

// versionInfo is one version of the plan's content and who signed and assured it.
type versionInfo struct {
	Number   int
	Content  domain.Content
	Signed   []string // ODS codes of SRO sign-offs
	Assured  domain.Outcome
	Selected bool
}

func (v versionInfo) Describe() string {
	s := fmt.Sprintf("version %d", v.Number)
	if len(v.Signed) > 0 {
		s += ", signed off by " + strings.Join(v.Signed, ", ")
	}
	if v.Assured != "" {
		s += ", " + statusLabels[domain.Status(v.Assured)] + " by the SHA"
	}
	return s
}

func (d *dashboard) plan(c echo.Context) error {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		return d.errorPage(c, http.StatusNotFound, "No such plan", "“"+id+"” is not a plan id.")
	}
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	ctx := c.Request().Context()
	var (
		st    projections.PlanState
		found bool
	)
	if p.AsOf {
		st, found, err = d.Projections.PlanAsOf(ctx, id, p.Position)
	} else {
		st, found, err = d.Projections.Plan(ctx, id)
	}
	if err != nil {
		return err
	}
	if !found {
		return d.errorPage(c, http.StatusNotFound, "No such plan", "No plan "+id+" had been submitted"+asOfWords(p)+".")
	}
	// The timeline is read from the log, not a model of it, and stops where the plan's state does.
	events, _, err := d.history.Plan(ctx, id, 0, 0)
	if err != nil {
		return err
	}
	page := planPage{base: d.base(c, "Plan "+st.LHCID+" "+st.Round, p), Plan: st}
	if o, ok := d.Projections.Organisation(st.SHACode); ok {
		page.SHAName = o.Name
	}
	for _, l := range d.Projections.LHCs() {
		if l.ID == st.LHCID {
			page.LHCName = l.Name
		}
	}
	for _, h := range events {
		if h.Position > st.Position {
			break
		}
		e := h.Event
		page.Timeline = append(page.Timeline, timelineEntry{Position: h.Position, Revision: h.Revision, Type: h.Type,
			RecordedAt: e.Meta.RecordedAt, Actor: e.Meta.Actor, PrevHash: e.Meta.PrevHash, Hash: e.Meta.Hash, Summary: summarise(e.Data)})
		if v, ok := e.Data.(domain.VersionEvent); ok {
			n, c := v.VersionContent()
			page.Versions = append(page.Versions, versionInfo{Number: n, Content: c})
		}
	}
	for _, vh := range st.VersionsHistory {
		if i := vh.Version - 1; i >= 0 && i < len(page.Versions) {
			for _, s := range vh.SignOffs {
				page.Versions[i].Signed = append(page.Versions[i].Signed, s.ODSCode)
			}
			if vh.Assurance != nil {
				page.Versions[i].Assured = vh.Assurance.Outcome
			}
		}
	}
	from, to := defaultComparison(page.Versions)
	from = versionParam(c.QueryParam("from"), len(page.Versions), from)
	to = versionParam(c.QueryParam("to"), len(page.Versions), to)
	if len(page.Versions) > 0 {
		page.From, page.To = page.Versions[from-1], page.Versions[to-1]
		if page.Changes, err = diffContent(page.From.Content, page.To.Content); err != nil {
			return err
		}
	}
	return d.render(c, http.StatusOK, "plan", page)
}

// defaultComparison answers "what changed between what was signed and what was assured": the
// latest version assured with or without conditions (else the current one) against the latest signed version before it
// (else the one before it).
func defaultComparison(vs []versionInfo) (from, to int) {
	if len(vs) == 0 {
		return 0, 0
	}
	to = len(vs)
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Assured == domain.OutcomeAssured || vs[i].Assured == domain.OutcomeAssuredWithConditions {
			to = i + 1
			break
		}
	}
	from = max(to-1, 1)
	for i := to - 2; i >= 0; i-- {
		if len(vs[i].Signed) > 0 {
			from = i + 1
			break
		}
	}
	return from, to
}

func versionParam(raw string, versions, fallback int) int {
	if n, err := strconv.Atoi(raw); err == nil && n >= 1 && n <= versions {
		return n
	}
	return fallback
}

// summarise says in a few words what an event recorded.
func summarise(data domain.EventData) string {
	switch e := data.(type) {
	case domain.PlanSubmitted:
		return fmt.Sprintf("Version 1 submitted for %s, financial years %d/%02d to %d/%02d", e.Round, e.Period.FirstYear, (e.Period.FirstYear+1)%100, e.Period.LastYear, (e.Period.LastYear+1)%100)
	case domain.PlanRevised:
		return fmt.Sprintf("Version %d: %s", e.Version, e.Reason)
	case domain.ContributionRecorded:
		return fmt.Sprintf("%s contributed to %s (version %d): %s", e.ContributorODS, e.Section, e.Version, e.Summary)
	case domain.SROSignedOff:
		return fmt.Sprintf("%s's SRO signed off version %d", e.ODSCode, e.Version)
	case domain.AssuranceRecorded:
		return fmt.Sprintf("%s: %s, version %d", e.SHACode, statusLabels[domain.Status(e.Outcome)], e.Version)
	case domain.CfHAcknowledged:
		return fmt.Sprintf("Acknowledged by CfH, version %d", e.Version)
	case domain.PlanWithdrawn:
		return "Withdrawn: " + e.Reason
	}
	return humanise(data.EventType())
}

// humanise is an event type's name as words ("PlanWithdrawn": "Plan withdrawn"), the summary of an
// event summarise has no words of its own for.
func humanise(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
