package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The queries of the assurance process: the published rounds and programmes for IT, an SHA's
// returns, and the criteria, SRO coverage and CfH returns reports.

// asOfTime is ?as_of= when it is a time rather than a position: what "as of" answers measure
// lateness at. Zero otherwise (asOf reports a malformed value).
func asOfTime(c echo.Context) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(c.QueryParam("as_of")))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// RoundList is GET /v1/rounds.
type RoundList struct {
	Rounds []domain.Round `json:"rounds"`
	projections.Cut
}

// RoundAnswer is GET /v1/rounds/{round}.
type RoundAnswer struct {
	domain.Round
	projections.Cut
}

// PfITList is GET /v1/pfits.
type PfITList struct {
	PfITs []domain.PfIT `json:"pfits"`
	projections.Cut
}

func (s *server) listRounds(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, _, err := s.cutParam(c)
	if err != nil {
		return err
	}
	rounds, cut, err := s.Projections.PublishedRoundsAsOf(pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, RoundList{Rounds: rounds, Cut: cut})
}

func (s *server) getRound(c echo.Context) error {
	if err := domain.RoundError(c.Param("round")); err != nil {
		return badRequest("the round in the path: "+err.Error(), domain.FieldError{Field: "round", Message: err.Error()})
	}
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, asOf, err := s.cutParam(c)
	if err != nil {
		return err
	}
	r, ok, cut, err := s.Projections.PublishedRoundAsOf(c.Param("round"), pos)
	if err != nil {
		return err
	}
	if !ok {
		detail := "round " + c.Param("round") + " has not been published"
		if asOf {
			detail += fmt.Sprintf(" as of position %d", cut.AsOfPosition)
		}
		return newProblem(http.StatusNotFound, "round_not_found", detail)
	}
	return c.JSON(http.StatusOK, RoundAnswer{Round: r, Cut: cut})
}

// requirePublishedRound refuses a report or list filtered by a round never published (404
// round_not_found): the catalogue and deadlines such an answer is of do not exist, and an empty 200
// would read as "nothing recorded". It asks the ledger as it stands: a round published after an
// as-of position is answered as it stood then, empty.
func (s *server) requirePublishedRound(round string) error {
	if round == "" {
		return nil
	}
	_, ok, _, err := s.Projections.PublishedRoundAsOf(round, projections.Latest)
	if err != nil {
		return err
	}
	if !ok {
		return newProblem(http.StatusNotFound, "round_not_found", "round "+round+" has never been published",
			domain.FieldError{Field: "round", Message: "not a published round"})
	}
	return nil
}

func (s *server) listPfITs(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, _, err := s.cutParam(c)
	if err != nil {
		return err
	}
	pfits, cut, err := s.Projections.PfITsAsOf(pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, PfITList{PfITs: pfits, Cut: cut})
}

func (s *server) shaReturns(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	if err := s.requirePublishedRound(c.QueryParam("round")); err != nil {
		return err
	}
	pos, asOf, err := s.asOf(c)
	if err != nil {
		return err
	}
	code, round := c.Param("code"), c.QueryParam("round")
	var (
		r  projections.SHAReturns
		ok bool
	)
	if asOf {
		r, ok, err = s.Projections.SHAReturnsAsOf(c.Request().Context(), code, round, pos, asOfTime(c))
		if err != nil {
			return err
		}
	} else {
		r, ok = s.Projections.SHAReturns(code, round)
	}
	if !ok {
		return newProblem(http.StatusNotFound, "sha_not_found", "no SHA "+code+" is registered")
	}
	return c.JSON(http.StatusOK, r)
}

// reportAsOf reads a report's as_of: the position (0 for now) and the time lateness is measured
// at; empty says the time asked for is before the first event, when nothing existed.
func (s *server) reportAsOf(c echo.Context) (pos uint64, at time.Time, empty bool, err error) {
	pos, asOf, err := s.asOf(c)
	if err != nil {
		return 0, time.Time{}, false, err
	}
	return pos, asOfTime(c), asOf && pos == 0, nil
}

func (s *server) criteriaReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	if err := s.requirePublishedRound(c.QueryParam("round")); err != nil {
		return err
	}
	pos, _, empty, err := s.reportAsOf(c)
	if err != nil {
		return err
	}
	f := projections.CriteriaFilter{SHA: c.QueryParam("sha"), Round: c.QueryParam("round"), AsOf: pos}
	rep := projections.CriteriaReport{Round: roundLabel(f.Round), Criteria: []domain.CatalogueCriterion{}, BySHA: []projections.CriteriaRow{}}
	if !empty {
		if pos != 0 {
			release, busy := s.enterExpensive(c, "the criteria report as of a past time")
			if busy != nil {
				return busy
			}
			defer release()
		}
		if rep, err = s.Projections.Criteria(c.Request().Context(), f); err != nil {
			return err
		}
	}
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	w := csvAnswer(c, "criteria-report.csv")
	_ = w.Write([]string{"round", "as_of", "as_of_position", "sha_code", "name", "assurances", "criterion", "title", "green", "amber", "red", "tree_size"})
	for _, r := range rep.BySHA {
		for i, n := range r.Criteria {
			writeCSV(w, rep.Round, timeCell(rep.AsOf), strconv.FormatUint(rep.AsOfPosition, 10), r.SHACode, r.Name, itoa(r.Assurances),
				n.ID, rep.Criteria[i].Title, itoa(n.Green), itoa(n.Amber), itoa(n.Red), strconv.FormatUint(rep.TreeSize, 10))
		}
	}
	w.Flush()
	return w.Error()
}

func (s *server) coverageReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, at, empty, err := s.reportAsOf(c)
	if err != nil {
		return err
	}
	f := projections.CoverageFilter{SHA: c.QueryParam("sha"), Round: c.QueryParam("round"), AsOf: pos, At: at}
	rep := projections.SROCoverage{Round: roundLabel(f.Round), Organisations: []projections.OrgCoverage{}}
	if !empty {
		if pos != 0 {
			release, busy := s.enterExpensive(c, "the SRO coverage report as of a past time")
			if busy != nil {
				return busy
			}
			defer release()
		}
		if rep, err = s.Projections.SROCoverage(c.Request().Context(), f); err != nil {
			return err
		}
	}
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	w := csvAnswer(c, "sro-coverage.csv")
	_ = w.Write([]string{"round", "as_of", "as_of_position", "ods_code", "name", "kind", "chief_executive_person_id", "chief_executive_name",
		"plan_id", "lhc_id", "plan_round", "version", "required", "state", "signed_version", "person_id", "signed_at", "tree_size"})
	for _, o := range rep.Organisations {
		ceID, ceName := "", ""
		if o.ChiefExecutive != nil {
			ceID, ceName = o.ChiefExecutive.PersonID, o.ChiefExecutive.Name
		}
		for _, p := range o.Plans {
			signedAt := ""
			if p.SignedAt != nil {
				signedAt = timeCell(*p.SignedAt)
			}
			writeCSV(w, rep.Round, timeCell(rep.AsOf), strconv.FormatUint(rep.AsOfPosition, 10), o.ODSCode, o.Name, string(o.Kind), ceID, ceName,
				p.PlanID, p.LHCID, p.Round, itoa(p.Version), strconv.FormatBool(p.Required), p.State, itoa(p.SignedVersion), p.PersonID, signedAt,
				strconv.FormatUint(rep.TreeSize, 10))
		}
	}
	w.Flush()
	return w.Error()
}

func (s *server) cfhReturnsReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	if err := s.requirePublishedRound(c.QueryParam("round")); err != nil {
		return err
	}
	pos, at, empty, err := s.reportAsOf(c)
	if err != nil {
		return err
	}
	f := projections.CfHReturnsFilter{Round: c.QueryParam("round"), AsOf: pos, At: at}
	rep := projections.CfHReturnsReport{Round: roundLabel(f.Round), Rows: []projections.CfHReturnRow{}}
	if !empty {
		if rep, err = s.Projections.CfHReturns(c.Request().Context(), f); err != nil {
			return err
		}
	}
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	w := csvAnswer(c, "cfh-returns.csv")
	_ = w.Write([]string{"round", "as_of", "as_of_position", "lateness_on", "sha_code", "name", "pfit", "due", "submitted", "first_submitted_at",
		"returns", "days_late", "acknowledged", "acknowledged_at", "queries", "lhcs", "lhcs_covered", "exceptions", "stale", "tree_size"})
	for _, r := range rep.Rows {
		first, acked := "", ""
		if r.FirstSubmitted != nil {
			first = timeCell(*r.FirstSubmitted)
		}
		if r.AcknowledgedAt != nil {
			acked = timeCell(*r.AcknowledgedAt)
		}
		writeCSV(w, r.Round, timeCell(rep.AsOf), strconv.FormatUint(rep.AsOfPosition, 10), rep.LatenessOn.String(), r.SHACode, r.Name, r.PfIT,
			r.Due.String(), strconv.FormatBool(r.Submitted), first, itoa(r.Returns), itoa(r.DaysLate), strconv.FormatBool(r.Acknowledged), acked,
			itoa(len(r.Queries)), itoa(r.LHCs), itoa(r.LHCsCovered), itoa(r.Exceptions), strconv.FormatBool(r.Stale), strconv.FormatUint(rep.TreeSize, 10))
	}
	w.Flush()
	return w.Error()
}

// csvAnswer starts a 200 CSV answer offered as a download named file.
func csvAnswer(c echo.Context, file string) *csv.Writer {
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	c.Response().WriteHeader(http.StatusOK)
	return csv.NewWriter(c.Response())
}

// writeCSV writes one row, each cell kept from being read as a formula (csvCell).
func writeCSV(w *csv.Writer, cells ...string) {
	for i, c := range cells {
		cells[i] = csvCell(c)
	}
	_ = w.Write(cells)
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTimestamp(t)
}
