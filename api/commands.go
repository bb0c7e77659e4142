package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"assurance-ledger/command"
	"assurance-ledger/domain"
)

// commandRequest reads what every command carries in its headers. It is called once the body has
// been read (decodeBody): an idempotency key is scoped to the person and to the request's
// fingerprint, its method, path and body (command.KeyedCommandID), and names one request across
// the ledger.
func (s *server) commandRequest(c echo.Context) (command.Request, error) {
	req := command.Request{Actor: actorOf(c), CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID)}
	// Two keys on one request name two requests: which one it is, is the client's to say.
	if keys := c.Request().Header.Values("Idempotency-Key"); len(keys) > 1 && slices.ContainsFunc(keys[1:], func(k string) bool { return k != keys[0] }) {
		return req, badRequest("the request has two different Idempotency-Key headers; send one", field("Idempotency-Key", "given twice with different values"))
	}
	if key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key")); key != "" {
		id, err := uuid.Parse(key)
		if err != nil {
			return req, badRequest("Idempotency-Key must be a UUID", field("Idempotency-Key", "must be a UUID"))
		}
		body, _ := c.Get(bodyKey).([]byte)
		fingerprint := command.Fingerprint(c.Request().Method, c.Request().URL.EscapedPath(), body)
		req.CommandID = command.KeyedCommandID(req.Actor.PersonID, id.String(), fingerprint)
	}
	// If-Match names one revision; as a list (two headers, which RFC 9110 reads as one list, or
	// commas) it would need a rule for "any of these", and the first of two headers silently won.
	if len(c.Request().Header.Values("If-Match")) > 1 {
		return req, badRequest(`If-Match takes one quoted stream revision, e.g. "3"; the request has more than one If-Match header`,
			field("If-Match", "given more than once"))
	}
	if m := strings.TrimSpace(c.Request().Header.Get("If-Match")); m != "" {
		rev, err := strconv.ParseUint(strings.TrimPrefix(strings.Trim(m, `"`), "W/"), 10, 64)
		if err != nil || !strings.HasPrefix(m, `"`) || !strings.HasSuffix(m, `"`) {
			return req, badRequest(`If-Match must be a quoted stream revision, e.g. "3"`, field("If-Match", `must be a quoted revision such as "3"`))
		}
		req.ExpectedRevision = &rev
	}
	return req, nil
}

// created writes a command's result: 201 with the stream revision as ETag, so the next command can
// send it back as If-Match, and the event's receipt in the ledger tree.
func (s *server) created(c echo.Context, r command.Result) error {
	h := c.Response().Header()
	h.Set("ETag", strconv.Quote(strconv.FormatUint(r.Revision, 10)))
	if r.Replayed {
		h.Set("Idempotent-Replayed", "true")
	}
	if r.PlanID != "" {
		h.Set(echo.HeaderLocation, "/v1/plans/"+r.PlanID)
	}
	return c.JSON(http.StatusCreated, CommandResult{Result: r, Receipt: s.receipt(c.Request().Context(), r)})
}

func (s *server) registry(c echo.Context, cmd domain.RegistryCommand) error {
	req, err := s.commandRequest(c)
	if err != nil {
		return err
	}
	r, err := s.Commands.Registry(c.Request().Context(), req, cmd)
	if err != nil {
		return err
	}
	return s.created(c, r)
}

func (s *server) plan(c echo.Context, cmd domain.PlanCommand) error {
	req, err := s.commandRequest(c)
	if err != nil {
		return err
	}
	id, err := planIDParam(c)
	if err != nil {
		return err
	}
	r, err := s.Commands.Plan(c.Request().Context(), req, id, cmd)
	if err != nil {
		return err
	}
	return s.created(c, r)
}

func planIDParam(c echo.Context) (string, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return "", newProblem(http.StatusNotFound, "plan_not_found", "no plan "+c.Param("id")+": plan ids are UUIDs", field("id", "must be a UUID"))
	}
	return id.String(), nil
}

func (s *server) registerOrganisation(c echo.Context) error {
	var b registerOrganisationBody
	if err := decodeBody(c, &b, "ods_code", "name", "kind"); err != nil {
		return err
	}
	return s.registry(c, domain.RegisterOrganisation{ODSCode: b.ODSCode, Name: b.Name, Kind: b.Kind, SHACode: b.SHACode})
}

func (s *server) appointChiefExecutive(c echo.Context) error {
	var b appointChiefExecutiveBody
	if err := decodeBody(c, &b, "person_id", "name", "effective_from"); err != nil {
		return err
	}
	return s.registry(c, domain.AppointChiefExecutive{ODSCode: c.Param("ods"), PersonID: b.PersonID, Name: b.Name, EffectiveFrom: b.EffectiveFrom.Time})
}

func (s *server) formLHC(c echo.Context) error {
	var b formLHCBody
	if err := decodeBody(c, &b, "lhc_id", "name", "lead_pct", "sha_code", "members"); err != nil {
		return err
	}
	return s.registry(c, domain.FormLHC{LHCID: b.LHCID, Name: b.Name, LeadPCT: b.LeadPCT, SHACode: b.SHACode, Members: b.Members})
}

func (s *server) changeMembers(c echo.Context) error {
	var b changeMembersBody
	if err := decodeBody(c, &b); err != nil {
		return err
	}
	return s.registry(c, domain.ChangeLHCMembers{LHCID: c.Param("id"), Added: b.Added, Removed: b.Removed})
}

func (s *server) submitPlan(c echo.Context) error {
	var b submitPlanBody
	if err := decodeBody(c, &b, "lhc_id", "round", "period", "content"); err != nil {
		return err
	}
	req, err := s.commandRequest(c)
	if err != nil {
		return err
	}
	r, err := s.Commands.Submit(c.Request().Context(), req, domain.SubmitPlan{LHCID: b.LHCID, Round: b.Round, Period: b.Period, Content: b.Content})
	if err != nil {
		return err
	}
	return s.created(c, r)
}

func (s *server) revisePlan(c echo.Context) error {
	var b revisePlanBody
	if err := decodeBody(c, &b, "content", "reason"); err != nil {
		return err
	}
	return s.plan(c, domain.RevisePlan{Content: b.Content, Reason: b.Reason})
}

func (s *server) contribute(c echo.Context) error {
	var b contributionBody
	if err := decodeBody(c, &b, "section", "summary"); err != nil {
		return err
	}
	return s.plan(c, domain.RecordContribution{Section: b.Section, Summary: b.Summary, DocumentSHA256: b.DocumentSHA256})
}

func (s *server) signOff(c echo.Context) error {
	var b signOffBody
	if err := decodeBody(c, &b, "version", "statement", "content_hash"); err != nil {
		return err
	}
	return s.plan(c, domain.SignOffPlan{Version: b.Version, Statement: b.Statement, ContentHash: b.ContentHash})
}

func (s *server) assure(c echo.Context) error {
	var b assuranceBody
	if err := decodeBody(c, &b, "version", "outcome", "criteria", "reflected_in_pfit_plan", "pfit"); err != nil {
		return err
	}
	return s.plan(c, domain.RecordAssurance{Version: b.Version, Outcome: b.Outcome, Criteria: b.Criteria,
		Conditions: b.Conditions, ReflectedInPfITPlan: *b.ReflectedInPfITPlan, PfIT: b.PfIT})
}

func (s *server) acknowledge(c echo.Context) error {
	var b acknowledgementBody
	if err := decodeBody(c, &b, "version"); err != nil {
		return err
	}
	return s.plan(c, domain.AcknowledgeAssurance{Version: b.Version, Note: b.Note})
}

func (s *server) withdraw(c echo.Context) error {
	var b withdrawalBody
	if err := decodeBody(c, &b, "reason"); err != nil {
		return err
	}
	return s.plan(c, domain.WithdrawPlan{Reason: b.Reason})
}
