package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

type shaPage struct {
	base
	Status   projections.SHAStatus
	Counts   projections.SHARow
	Waiting  []waiting
	Statuses []domain.Status
}

// waiting is what one organisation still owes, across the SHA's plans.
type waiting struct {
	From, Name string
	Items      []waitingItem
}

type waitingItem struct {
	Action, PlanID, LHC string
}

func (d *dashboard) sha(c echo.Context) error {
	code := c.Param("code")
	if !canSeeSHA(actorOf(c), code) {
		return d.forbidden(c, "the SHA "+code+", NHS Connecting for Health, auditors and administrators")
	}
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var (
		st    projections.SHAStatus
		found bool
	)
	if p.AsOf {
		st, found, err = d.Projections.SHAStatusAsOf(c.Request().Context(), code, p.Round, p.Position)
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
		rep := d.Projections.Report(projections.ReportFilter{SHA: code, Round: p.Round, AsOf: p.Position})
		if len(rep.BySHA) == 1 {
			page.Counts = rep.BySHA[0]
		}
	}
	page.Waiting = waitingByOrganisation(st)
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
			add(o, waitingItem{Action: o.Action, LHC: l.Name})
		}
		for _, pl := range l.Plans {
			for _, o := range pl.Outstanding {
				add(o, waitingItem{Action: o.Action, PlanID: pl.PlanID, LHC: l.Name})
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
