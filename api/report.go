package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

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
	faultReport(&rep)
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
	// Columns are added at the end, after those the report has always had: the lateness and
	// conditions columns, then the cut's tree size.
	_ = w.Write([]string{"round", "as_of", "as_of_position", "sha_code", "name", "plans", "submitted", "signed_off", "assured",
		"assured_with_conditions", "not_assured", "acknowledged", "withdrawn", "sro_signoff_rate", "median_days_submit_to_assurance",
		"lateness_on", "on_time_submission_rate", "overdue_submissions", "overdue_assurances", "open_conditions", "overdue_conditions",
		"median_days_to_discharge", "superseded_open_conditions", "nhs_number_current_avg", "nhs_number_target_avg", "organisations_below_ig_level_2",
		"plans_with_scr_live", "plans_with_eps_r2_in_period", "capital", "revenue", "organisations_with_governance_body", "tree_size"})
	asOf := ""
	if !rep.AsOf.IsZero() {
		asOf = FormatTimestamp(rep.AsOf)
	}
	row := func(code, name string, n projections.Counts, rate, days *float64, late []string) {
		cells := append([]string{rep.Round, asOf, strconv.FormatUint(rep.AsOfPosition, 10), code, name,
			itoa(n.Plans), itoa(n.Submitted), itoa(n.SignedOff), itoa(n.Assured), itoa(n.AssuredWithConditions),
			itoa(n.NotAssured), itoa(n.Acknowledged), itoa(n.Withdrawn), ftoa(rate), ftoa(days), rep.LatenessOn.String()}, late...)
		cells = append(cells, strconv.FormatUint(rep.TreeSize, 10))
		for i, c := range cells {
			cells[i] = csvCell(c)
		}
		_ = w.Write(cells)
	}
	var total [5]int
	for _, r := range rep.BySHA {
		row(r.SHACode, r.Name, r.Counts, r.SROSignOffRate, r.MedianDaysSubmitToAssurance, []string{ftoa(r.OnTimeSubmissionRate),
			itoa(r.OverdueSubmissions), itoa(r.OverdueAssurances), itoa(r.OpenConditions), itoa(r.OverdueConditions), ftoa(r.MedianDaysToDischarge),
			itoa(r.SupersededOpenConditions),
			ftoa(r.NHSNumberCurrentAvg), ftoa(r.NHSNumberTargetAvg), iptoa(r.OrganisationsBelowIGLevel2), itoa(r.PlansWithSCRLive),
			itoa(r.PlansWithEPSR2InPeriod), i64toa(r.Capital), i64toa(r.Revenue), itoa(r.OrganisationsWithGovernanceBody)})
		for i, n := range []int{r.OverdueSubmissions, r.OverdueAssurances, r.OpenConditions, r.OverdueConditions, r.SupersededOpenConditions} {
			total[i] += n
		}
	}
	row("TOTAL", "All SHAs", rep.Totals, nil, nil, append([]string{"", itoa(total[0]), itoa(total[1]), itoa(total[2]), itoa(total[3]), "", itoa(total[4])},
		make([]string, 8)...))
	w.Flush()
	return w.Error()
}

// wantsCSV reads the Accept header's preference between the report's two forms (RFC 9110 section
// 12.5.1): each form takes the quality of the most specific range that matches it (text/csv, then
// text/*, then */*), a quality of 0 meaning "not this". CSV is sent when it is preferred: a higher
// quality than JSON, or the same quality named more specifically (text/csv against */*) or, as
// specific, first. JSON stays the default, for no Accept and for one that accepts neither form.
// "text/csv;q=0, application/json" got CSV: the first type named won, whatever its quality.
func wantsCSV(accept string) bool {
	csv, json := acceptQuality(accept, "text", "csv"), acceptQuality(accept, "application", "json")
	switch {
	case csv.q <= 0 || csv.q < json.q:
		return false
	case csv.q > json.q:
		return true
	case csv.specificity != json.specificity:
		return csv.specificity > json.specificity
	}
	return csv.index < json.index
}

// quality is how an Accept header rates one media type: its q (0 to 1; -1 when no range matches),
// how specific the matching range is (2 type/subtype, 1 type/*, 0 */*), and where that range is.
type quality struct {
	q           float64
	specificity int
	index       int
}

func acceptQuality(accept, typ, sub string) quality {
	best := quality{q: -1, specificity: -1}
	for i, part := range strings.Split(accept, ",") {
		mediaRange, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		t, s, ok := strings.Cut(strings.ToLower(strings.TrimSpace(mediaRange)), "/")
		if !ok {
			continue
		}
		spec := -1
		switch {
		case t == typ && s == sub:
			spec = 2
		case t == typ && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		}
		if spec <= best.specificity {
			continue
		}
		q, ok := rangeQuality(params)
		if !ok {
			continue // a quality that is not one: the range says nothing
		}
		best = quality{q: q, specificity: spec, index: i}
	}
	return best
}

// rangeQuality is the q parameter of a media range's parameters (1 when there is none); ok is false
// for a q that is no number from 0 to 1.
func rangeQuality(params string) (q float64, ok bool) {
	q = 1
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 {
			return 0, false
		}
		q = v
	}
	return q, true
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

// iptoa writes a count that may be unknown: an empty cell for null, as ftoa does.
func iptoa(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
