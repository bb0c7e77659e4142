package web

import (
	"context"
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
	// Earlier and Later link to the timeline's neighbouring pages; empty at either end.
	Earlier, Later string
	Versions       []versionInfo
	From, To       versionInfo
	Changes        []change
	// OrgNames name the organisations the page mentions by code; CriterionTitles the round's
	// criteria by id; PfITName the programme for IT of the assurance.
	OrgNames        map[string]string
	CriterionTitles map[string]string
	PfITName        string
}

// timelinePage is how many events the plan page's timeline shows at once: a plan's stream may hold
// thousands (domain.MaxPlanEvents), and the page reads only what it shows.
const timelinePage = 100

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
		release, refused := d.expensive(c)
		if release == nil {
			return refused
		}
		defer release()
		st, found, err = d.Projections.PlanAsOfAt(ctx, id, p.Position, p.At)
	} else {
		st, found, err = d.Projections.Plan(ctx, id)
	}
	if err != nil {
		return err
	}
	if !found {
		return d.errorPage(c, http.StatusNotFound, "No such plan", "No plan "+id+" had been submitted"+asOfWords(p)+".")
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
	page.OrgNames = map[string]string{}
	for _, o := range d.Projections.Organisations() {
		page.OrgNames[o.ODSCode] = o.Name
	}
	page.CriterionTitles = map[string]string{}
	if r, ok := d.Projections.PublishedRound(st.Round); ok {
		for _, c := range r.Criteria {
			page.CriterionTitles[c.ID] = c.Title
		}
	}
	if st.Assurance != nil {
		for _, pf := range d.Projections.PfITs() {
			if pf.PfITID == st.Assurance.PfIT {
				page.PfITName = pf.Name
			}
		}
	}
	if err := d.timeline(c, &page); err != nil {
		return err
	}
	for _, vh := range st.VersionsHistory {
		v := versionInfo{Number: vh.Version}
		for _, s := range vh.SignOffs {
			v.Signed = append(v.Signed, s.ODSCode)
		}
		if vh.Assurance != nil {
			v.Assured = vh.Assurance.Outcome
		}
		page.Versions = append(page.Versions, v)
	}
	from, to := defaultComparison(page.Versions)
	from = versionParam(c.QueryParam("from"), len(page.Versions), from)
	to = versionParam(c.QueryParam("to"), len(page.Versions), to)
	if len(page.Versions) > 0 {
		if err := d.versionContents(ctx, id, st, page.Versions, from, to); err != nil {
			return err
		}
		page.From, page.To = page.Versions[from-1], page.Versions[to-1]
		if page.Changes, err = diffContent(page.From.Content, page.To.Content); err != nil {
			return err
		}
	}
	return d.render(c, http.StatusOK, "plan", page)
}

// timeline reads one page of the plan's stream, from the log itself (not a model of it), from
// revision timeline_from, ending where the plan's state does (its as-of position).
func (d *dashboard) timeline(c echo.Context, page *planPage) error {
	st := page.Plan
	from := uint64(0)
	if n, err := strconv.ParseUint(c.QueryParam("timeline_from"), 10, 64); err == nil && n <= st.Revision {
		from = n
	}
	events, more, err := d.history.Plan(c.Request().Context(), st.PlanID, from, timelinePage)
	if err != nil {
		return err
	}
	for _, h := range events {
		if h.Position > st.Position {
			more = false
			break
		}
		e := h.Event
		page.Timeline = append(page.Timeline, timelineEntry{Position: h.Position, Revision: h.Revision, Type: h.Type,
			RecordedAt: e.Meta.RecordedAt, Actor: e.Meta.Actor, PrevHash: e.Meta.PrevHash, Hash: e.Meta.Hash, Summary: summarise(e.Data)})
	}
	link := func(rev uint64) string {
		q := c.Request().URL.Query()
		q.Set("timeline_from", strconv.FormatUint(rev, 10))
		return c.Request().URL.Path + "?" + q.Encode() + "#timeline-h"
	}
	if from > 0 {
		page.Earlier = link(from - min(from, timelinePage))
	}
	if more && len(page.Timeline) > 0 && page.Timeline[len(page.Timeline)-1].Revision < st.Revision {
		page.Later = link(page.Timeline[len(page.Timeline)-1].Revision + 1)
	}
	return nil
}

// versionContents fills in the content of versions from and to (numbers from 1), reading the
// plan's stream a page at a time up to the later of them and keeping only those two: what the
// comparison needs, whatever the number and size of the versions. The state's own version is
// taken from the state.
func (d *dashboard) versionContents(ctx context.Context, id string, st projections.PlanState, vs []versionInfo, from, to int) error {
	want := map[int]bool{from: true, to: true}
	if want[st.Version] {
		vs[st.Version-1].Content = st.Content
		delete(want, st.Version)
	}
	for rev := uint64(0); len(want) > 0; {
		events, more, err := d.history.Plan(ctx, id, rev, 0)
		if err != nil {
			return err
		}
		for _, h := range events {
			if v, ok := h.Event.Data.(domain.VersionEvent); ok {
				if n, c := v.VersionContent(); want[n] {
					vs[n-1].Content = c
					delete(want, n)
				}
			}
			rev = h.Revision + 1
		}
		if !more || len(events) == 0 {
			break
		}
	}
	return nil
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
