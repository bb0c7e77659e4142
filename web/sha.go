package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

type shaPage struct {
	base
	Status   projections.SHAStatus
	Counts   projections.SHARow
	Waiting  []waiting
	Rows     []lhcRow
	Statuses []domain.Status
	// LHCNames name the LHCs of the overdue actions; OrgNames the organisations the page links.
	LHCNames map[string]string
	OrgNames map[string]string
}

// lhcRow is one line of the LHC table, worked out here rather than in the template: an SHA can have
// a thousand plans, and template function calls per cell are what made the page slow.
type lhcRow struct {
	LHC, LeadPCT string
	Span         int // rows the LHC's cells span; 0 on its later rows
	PlanID, Plan string
	StatusLabel  string
	Waiting      []string
	// Unaccounted are the LHC's members that have neither contributed to the plan's current
	// version, declined nor been excused.
	Unaccounted []string
	// PastAtSubmission are the delivery items whose planned date had already passed when the
	// current version was submitted: recorded as submitted, flagged for the SHA.
	PastAtSubmission []string
}

func lhcRows(st projections.SHAStatus) []lhcRow {
	var rows []lhcRow
	waits := func(os []projections.Outstanding) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = actionLabels[o.Action] + " from " + o.Name + " (" + o.From + ")"
			if o.ConditionID != "" {
				out[i] += ", condition " + o.ConditionID
			}
			if o.DaysOverdue > 0 {
				out[i] += ", " + strconv.Itoa(o.DaysOverdue) + " days overdue"
			}
		}
		return out
	}
	for _, l := range st.LHCs {
		if len(l.Plans) == 0 {
			rows = append(rows, lhcRow{LHC: l.Name, LeadPCT: l.LeadPCT, Span: 1, Waiting: waits(l.Outstanding)})
			continue
		}
		for i, p := range l.Plans {
			r := lhcRow{PlanID: p.PlanID, Plan: p.Round + ", version " + strconv.Itoa(p.Version), StatusLabel: statusLabels[p.Status],
				Waiting: waits(p.Outstanding), Unaccounted: p.MembersUnaccounted, PastAtSubmission: p.PastAtSubmission}
			if i == 0 {
				r.LHC, r.LeadPCT, r.Span = l.Name, l.LeadPCT, len(l.Plans)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// waiting is what one organisation still owes, across the SHA's plans.
type waiting struct {
	From, Name string
	Items      []waitingItem
}

type waitingItem struct {
	// Round is the planning round the item is for: an LHC has a plan for each.
	Action, PlanID, LHC, Round string
	ConditionID                string
	DaysOverdue                int
}

func (d *dashboard) sha(c echo.Context) error {
	code := c.Param("code")
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var (
		st    projections.SHAStatus
		found bool
	)
	if p.AsOf {
		release, refused := d.expensive(c)
		if release == nil {
			return refused
		}
		defer release()
		st, found, err = d.Projections.SHAStatusAsOfAt(c.Request().Context(), code, p.Round, p.Position, p.At)
		if err != nil {
			return err
		}
	} else {
		st, found = d.Projections.SHAStatus(code, p.Round)
	}
	if !found {
		return d.errorPage(c, http.StatusNotFound, "No such SHA", "No SHA "+code+" was registered"+asOfWords(p)+".")
	}
	page := shaPage{base: d.base(c, st.Name, p), Status: st, Statuses: domain.Statuses, Counts: projections.SHARow{SHACode: code, Name: st.Name}}
	page.Rounds = d.Projections.Rounds()
	if !p.AsOf || p.Position > 0 {
		rep := d.Projections.Report(projections.ReportFilter{SHA: code, Round: p.Round, AsOf: p.Position, At: p.At})
		if len(rep.BySHA) == 1 {
			page.Counts = rep.BySHA[0]
		}
	}
	page.LHCNames = map[string]string{}
	for _, l := range st.LHCs {
		page.LHCNames[l.LHCID] = l.Name
	}
	page.OrgNames = map[string]string{}
	for _, o := range d.Projections.Organisations() {
		page.OrgNames[o.ODSCode] = o.Name
	}
	page.Waiting = waitingByOrganisation(st)
	page.Rows = lhcRows(st)
	return d.render(c, http.StatusOK, "sha", page)
}

// waitingByOrganisation turns "each plan waits for" into "each organisation owes", in order of
// first appearance: who to chase is the question an SHA asks.
func waitingByOrganisation(st projections.SHAStatus) []waiting {
	var out []waiting
	index := map[string]int{}
	add := func(o projections.Outstanding, item waitingItem) {
		i, ok := index[o.From]
		if !ok {
			i = len(out)
			index[o.From] = i
			out = append(out, waiting{From: o.From, Name: o.Name})
		}
		out[i].Items = append(out[i].Items, item)
	}
	for _, l := range st.LHCs {
		for _, o := range l.Outstanding {
			add(o, waitingItem{Action: o.Action, LHC: l.Name, Round: st.Round, DaysOverdue: o.DaysOverdue})
		}
		for _, pl := range l.Plans {
			for _, o := range pl.Outstanding {
				add(o, waitingItem{Action: o.Action, PlanID: pl.PlanID, LHC: l.Name, Round: pl.Round, ConditionID: o.ConditionID, DaysOverdue: o.DaysOverdue})
			}
		}
	}
	return out
}

func asOfWords(p params) string {
	if !p.AsOf {
		return ""
	}
	if p.At.IsZero() {
		return " as of that log position"
	}
	return " by " + p.At.Format("2006-01-02 15:04:05 UTC")
}
