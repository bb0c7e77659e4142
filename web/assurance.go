package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The criteria heat map and the SHAs' returns to CfH: the API's criteria and cfh-returns reports,
// as pages.

type criteriaPage struct {
	base
	Report projections.CriteriaReport
	Rows   []heatRow
	Totals heatRow
}

// heatRow is one SHA's line of the heat map, its cells in the order of the report's criteria.
type heatRow struct {
	SHACode, Name string
	Assurances    int
	Cells         []heatCell
}

// heatCell is one SHA's ratings of one criterion, with the shade that draws them: the share of
// its assurances that rated the criterion amber (counted half) or red, in five steps.
type heatCell struct {
	Criterion, Title  string
	Green, Amber, Red int
	Level             string // "none" (not rated), or "0" (all green) to "4" (all red)
	Label             string // for the cell's title and a screen reader
}

func newHeatCell(c domain.CatalogueCriterion, n projections.RatingCounts, sha string) heatCell {
	cell := heatCell{Criterion: c.ID, Title: c.Title, Green: n.Green, Amber: n.Amber, Red: n.Red}
	total := n.Green + n.Amber + n.Red
	if total == 0 {
		cell.Level = "none"
		cell.Label = sha + ", " + c.Title + ": not rated"
		return cell
	}
	score := (float64(n.Amber)/2 + float64(n.Red)) / float64(total)
	cell.Level = fmt.Sprint(min(4, int(score*4+0.5)))
	cell.Label = fmt.Sprintf("%s, %s: %d green, %d amber, %d red", sha, c.Title, n.Green, n.Amber, n.Red)
	return cell
}

func (d *dashboard) criteria(c echo.Context) error {
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var rep projections.CriteriaReport
	switch {
	case p.AsOf && p.Position == 0:
		// Before the first event: nothing was rated.
		rep = projections.CriteriaReport{Round: p.Round, BySHA: []projections.CriteriaRow{}}
	case p.AsOf:
		release, refused := d.expensive(c)
		if release == nil {
			return refused
		}
		defer release()
		rep, err = d.Projections.Criteria(c.Request().Context(), projections.CriteriaFilter{Round: p.Round, AsOf: p.Position})
	default:
		rep, err = d.Projections.Criteria(c.Request().Context(), projections.CriteriaFilter{Round: p.Round})
	}
	if err != nil {
		return err
	}
	page := criteriaPage{base: d.base(c, "Criteria heat map", p), Report: rep}
	page.Rounds = d.Projections.Rounds()
	totals := make([]projections.RatingCounts, len(rep.Criteria))
	for _, r := range rep.BySHA {
		row := heatRow{SHACode: r.SHACode, Name: r.Name, Assurances: r.Assurances}
		for i, crit := range rep.Criteria {
			row.Cells = append(row.Cells, newHeatCell(crit, r.Criteria[i], r.SHACode))
			totals[i].Green += r.Criteria[i].Green
			totals[i].Amber += r.Criteria[i].Amber
			totals[i].Red += r.Criteria[i].Red
		}
		page.Rows = append(page.Rows, row)
		page.Totals.Assurances += r.Assurances
	}
	for i, crit := range rep.Criteria {
		page.Totals.Cells = append(page.Totals.Cells, newHeatCell(crit, totals[i], "All SHAs"))
	}
	return d.render(c, http.StatusOK, "criteria", page)
}

type returnsPage struct {
	base
	Report projections.CfHReturnsReport
	// Totals over the report's rows.
	Due, Submitted, Late, Acknowledged, Overdue int
}

func (d *dashboard) returns(c echo.Context) error {
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var rep projections.CfHReturnsReport
	if p.AsOf && p.Position == 0 {
		rep = projections.CfHReturnsReport{Round: p.Round, Rows: []projections.CfHReturnRow{}, LatenessOn: domain.DateOf(p.At)}
	} else {
		// As of a past time the registry and the returns are refolded from the log: few events.
		rep, err = d.Projections.CfHReturns(c.Request().Context(), projections.CfHReturnsFilter{Round: p.Round, AsOf: p.Position, At: p.At})
		if err != nil {
			return err
		}
	}
	page := returnsPage{base: d.base(c, "SHAs' returns to CfH", p), Report: rep}
	page.Rounds = d.Projections.Rounds()
	for _, r := range rep.Rows {
		page.Due++
		switch {
		case r.Submitted:
			page.Submitted++
			if r.DaysLate > 0 {
				page.Late++
			}
		case r.DaysLate > 0:
			page.Overdue++
		}
		if r.Acknowledged {
			page.Acknowledged++
		}
	}
	return d.render(c, http.StatusOK, "returns", page)
}
