package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

type overviewPage struct {
	base
	Report   projections.Report
	Chart    chart
	Statuses []domain.Status
}

func (d *dashboard) overview(c echo.Context) error {
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	// Lateness as of a time typed is measured on that time's day, as the API's as_of does.
	f := projections.ReportFilter{Round: p.Round, AsOf: p.Position, At: p.At}
	var rep projections.Report
	if p.AsOf && p.Position == 0 {
		// Before the first event: an empty ledger, as the API answers, not "now".
		rep = projections.Report{Round: f.Round, BySHA: []projections.SHARow{}}
	} else {
		rep = d.Projections.Report(f)
	}
	b := d.base(c, "Transparency report", p)
	b.Rounds = d.Projections.Rounds()
	return d.render(c, http.StatusOK, "overview", overviewPage{base: b, Report: rep, Chart: newChart(rep), Statuses: domain.Statuses})
}
