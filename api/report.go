package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/projections"
)

func (s *server) transparencyReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, asOf, err := s.asOf(c)
	if err != nil {
		return err
	}
	f := projections.ReportFilter{SHA: c.QueryParam("sha"), Round: c.QueryParam("round"), At: asOfTime(c)}
	if asOf {
		if pos == 0 {
			// Before the first event: an empty ledger, not "now".
			return s.writeReport(c, projections.Report{Round: roundLabel(f.Round), BySHA: []projections.SHARow{}})
		}
		f.AsOf = pos
	}
	rep, err := s.Projections.ReportWithIndicators(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return s.writeReport(c, rep)
}

func roundLabel(r string) string {
	if r == "" {
		return "all"
	}
	return r
}

func (s *server) writeReport(c echo.Context, rep projections.Report) error {
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="transparency-report.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	// The lateness columns come last, after the columns the report has always had.
	_ = w.Write([]string{"round", "as_of", "as_of_position", "sha_code", "name", "plans", "submitted", "signed_off", "assured",
		"assured_with_conditions", "not_assured", "acknowledged", "withdrawn", "sro_signoff_rate", "median_days_submit_to_assurance",
		"lateness_on", "on_time_submission_rate", "overdue_submissions", "overdue_assurances", "open_conditions", "overdue_conditions",
		"median_days_to_discharge", "nhs_number_current_avg", "nhs_number_target_avg", "organisations_below_ig_level_2",
		"plans_with_scr_live", "plans_with_eps_r2_in_period", "capital", "revenue", "organisations_with_governance_body"})
	asOf := ""
	if !rep.AsOf.IsZero() {
		asOf = rep.AsOf.Format(time.RFC3339Nano)
	}
	row := func(code, name string, n projections.Counts, rate, days *float64, late []string) {
		cells := append([]string{rep.Round, asOf, strconv.FormatUint(rep.AsOfPosition, 10), code, name,
			itoa(n.Plans), itoa(n.Submitted), itoa(n.SignedOff), itoa(n.Assured), itoa(n.AssuredWithConditions),
			itoa(n.NotAssured), itoa(n.Acknowledged), itoa(n.Withdrawn), ftoa(rate), ftoa(days), rep.LatenessOn.String()}, late...)
		for i, c := range cells {
			cells[i] = csvCell(c)
		}
		_ = w.Write(cells)
	}
	var total [4]int
	for _, r := range rep.BySHA {
		row(r.SHACode, r.Name, r.Counts, r.SROSignOffRate, r.MedianDaysSubmitToAssurance, []string{ftoa(r.OnTimeSubmissionRate),
			itoa(r.OverdueSubmissions), itoa(r.OverdueAssurances), itoa(r.OpenConditions), itoa(r.OverdueConditions), ftoa(r.MedianDaysToDischarge),
			ftoa(r.NHSNumberCurrentAvg), ftoa(r.NHSNumberTargetAvg), itoa(r.OrganisationsBelowIGLevel2), itoa(r.PlansWithSCRLive),
			itoa(r.PlansWithEPSR2InPeriod), i64toa(r.Capital), i64toa(r.Revenue), itoa(r.OrganisationsWithGovernanceBody)})
		for i, n := range []int{r.OverdueSubmissions, r.OverdueAssurances, r.OpenConditions, r.OverdueConditions} {
			total[i] += n
		}
	}
	row("TOTAL", "All SHAs", rep.Totals, nil, nil, append([]string{"", itoa(total[0]), itoa(total[1]), itoa(total[2]), itoa(total[3]), ""},
		make([]string, 8)...))
	w.Flush()
	return w.Error()
}

// wantsCSV honours an Accept header that prefers text/csv; JSON stays the default.
func wantsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		switch mt {
		case "text/csv":
			return true
		case "application/json", "*/*":
			return false
		}
	}
	return false
}

// csvCell keeps a spreadsheet from reading a cell as a formula (OWASP, "CSV Injection"): a cell
// that begins with '=', '+', '-', '@', a tab or a carriage return gets a leading apostrophe, which
// spreadsheets show as text and do not evaluate. The report's own figures are never negative, so
// only text a person entered (an SHA's registered name) is ever changed.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
