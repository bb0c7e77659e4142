package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/history"
	"assurance-ledger/projections"
)

// awaitProjections makes a query read its own writes: with min_position=N it waits, at most
// ReadWait, until the projections have applied position N, then answers 503 with Retry-After.
func (s *server) awaitProjections(c echo.Context) error {
	raw := c.QueryParam("min_position")
	if raw == "" {
		return nil
	}
	pos, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return badRequest("min_position must be a non-negative integer", field("min_position", "must be a non-negative integer"))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.ReadWait)
	defer cancel()
	if err := s.Projections.WaitFor(ctx, pos); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			p := newProblem(http.StatusServiceUnavailable, "projection_lagging",
				fmt.Sprintf("projections have applied position %d, not yet %d; retry shortly", s.Projections.Applied(), pos),
				field("min_position", "not yet applied"))
			p.retryAfter = 1
			return p
		}
		return err
	}
	return nil
}

func (s *server) getPlan(c echo.Context) error {
	id, err := planIDParam(c)
	if err != nil {
		return err
	}
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, asOf, err := s.asOf(c)
	if err != nil {
		return err
	}
	// Indented as c.JSON would indent it (?pretty, or Echo in debug mode): only c.JSON writes that.
	_, pretty := c.QueryParams()["pretty"]
	indented := pretty || c.Echo().Debug
	if !asOf && !indented {
		return s.lendPlan(c, id)
	}
	var (
		st    projections.PlanState
		found bool
	)
	if asOf {
		release, busy := s.enterExpensive(c, "a plan as of a past time")
		if busy != nil {
			return busy
		}
		defer release()
		st, found, err = s.Projections.PlanAsOfAt(c.Request().Context(), id, pos, asOfTime(c))
	} else {
		st, found, err = s.Projections.Plan(c.Request().Context(), id)
	}
	if err != nil {
		return err
	}
	if !found {
		return planNotFound(id, asOf, pos)
	}
	if indented {
		c.Response().Header().Set("ETag", planETag(st.Revision))
		return c.JSON(http.StatusOK, planAnswer(st))
	}
	return writePlan(c, func(b []byte) ([]byte, uint64, error) {
		b, err := encodePlan(b, st)
		return b, st.Revision, err
	})
}

// lendPlan answers GET /v1/plans/{id} for the plan as it stands now: the answer is written while
// the projections lend the plan (Projector.LendPlan), into a pooled buffer, and sent once the lend
// is over.
func (s *server) lendPlan(c echo.Context, id string) error {
	var found bool
	err := writePlan(c, func(b []byte) ([]byte, uint64, error) {
		var (
			revision uint64
			err      error
		)
		found, err = s.Projections.LendPlan(c.Request().Context(), id, func(st projections.PlanState) error {
			revision = st.Revision
			b, err = encodePlan(b, st)
			return err
		})
		return b, revision, err
	})
	if err == nil && !found {
		return planNotFound(id, false, 0)
	}
	return err
}

func planNotFound(id string, asOf bool, pos uint64) error {
	detail := "no plan " + id
	if asOf {
		detail += fmt.Sprintf(" existed as of position %d", pos)
	}
	return newProblem(http.StatusNotFound, "plan_not_found", detail)
}

func planETag(revision uint64) string { return strconv.Quote(strconv.FormatUint(revision, 10)) }

// encodePlan appends st's answer to b: what c.JSON(http.StatusOK, planAnswer(st)) writes, byte for
// byte, by appendPlanJSON, or by writeAnswer for what appendPlanJSON declines.
func encodePlan(b []byte, st projections.PlanState) ([]byte, error) {
	if out, ok := appendPlanJSON(b, st); ok {
		return out, nil
	}
	w := bytes.NewBuffer(b)
	err := writeAnswer(w, planAnswer(st))
	return w.Bytes(), err
}

// writePlan answers 200 with the plan encode appends to a pooled buffer, and the plan's revision as
// its ETag; nothing is sent if encode fails (or finds no plan: it then appends nothing).
func writePlan(c echo.Context, encode func([]byte) ([]byte, uint64, error)) error {
	buf := planBuffers.Get().(*[]byte)
	b, revision, err := encode((*buf)[:0])
	defer func() {
		if cap(b) <= maxPooledPlanBuffer { // an outsized plan's buffer is not kept for every later one
			*buf = b[:0]
			planBuffers.Put(buf)
		}
	}()
	if err != nil || len(b) == 0 {
		return err
	}
	c.Response().Header().Set("ETag", planETag(revision))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// AuditEntry is one event of a plan's audit trail or of the global feed.
type AuditEntry struct {
	Position   uint64           `json:"position"`
	Stream     string           `json:"stream,omitempty"`
	Revision   uint64           `json:"revision"`
	Type       string           `json:"type"`
	EventID    string           `json:"event_id"`
	RecordedAt time.Time        `json:"recorded_at"`
	Actor      domain.Actor     `json:"actor"`
	CommandID  string           `json:"command_id"`
	PrevHash   string           `json:"prev_hash"`
	Hash       string           `json:"hash"`
	Data       domain.EventData `json:"data"`
}

func auditEntry(h history.Entry, withStream bool) AuditEntry {
	e := h.Event
	a := AuditEntry{Position: h.Position, Revision: h.Revision, Type: h.Type, EventID: e.Meta.EventID,
		RecordedAt: e.Meta.RecordedAt, Actor: e.Meta.Actor, CommandID: e.Meta.CommandID, PrevHash: e.Meta.PrevHash, Hash: e.Meta.Hash, Data: e.Data}
	if withStream {
		a.Stream = h.Stream
	}
	return a
}

// AuditTrailPage is a page of a plan's audit trail.
type AuditTrailPage struct {
	PlanID  string       `json:"plan_id"`
	Entries []AuditEntry `json:"entries"`
	// NextFromRevision and Next say where the next page starts; nil on the last page.
	NextFromRevision *uint64 `json:"next_from_revision"`
	Next             *string `json:"next"`
}

// auditTrail reads the plan's stream from the store itself, a page at a time: the trail is the log,
// not a model of it.
func (s *server) auditTrail(c echo.Context) error {
	id, err := planIDParam(c)
	if err != nil {
		return err
	}
	from, err := uintParam(c, "from_revision", 0)
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	events, more, err := s.history.Plan(ctx, id, from, limit)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		// Past the end of a plan's stream is an empty page; no stream at all is no plan.
		first, _, err := s.history.Plan(ctx, id, 0, 1)
		if err != nil {
			return err
		}
		if len(first) == 0 {
			return newProblem(http.StatusNotFound, "plan_not_found", "no plan "+id)
		}
	}
	page := AuditTrailPage{PlanID: id, Entries: make([]AuditEntry, 0, len(events))}
	for _, h := range events {
		page.Entries = append(page.Entries, auditEntry(h, false))
	}
	if more {
		next := from + uint64(len(events))
		link := fmt.Sprintf("/v1/plans/%s/audit-trail?from_revision=%d&limit=%d", id, next, limit)
		page.NextFromRevision, page.Next = &next, &link
	}
	return c.JSON(http.StatusOK, page)
}

// Page sizes of the audit trail and the audit feed, in events; a page is also bounded in bytes
// (history.MaxPageBytes), so it may hold fewer.
const (
	defaultPage = 100
	maxPage     = 1000
)

func pageLimit(c echo.Context) (int, error) {
	raw := c.QueryParam("limit")
	if raw == "" {
		return defaultPage, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPage {
		return 0, badRequest(fmt.Sprintf("limit must be between 1 and %d", maxPage), field("limit", fmt.Sprintf("must be 1-%d", maxPage)))
	}
	return n, nil
}

func uintParam(c echo.Context, name string, def uint64) (uint64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, badRequest(name+" must be a non-negative integer", field(name, "must be a non-negative integer"))
	}
	return n, nil
}

func (s *server) auditEvents(c echo.Context) error {
	from, err := uintParam(c, "from_position", 1)
	if err != nil {
		return err
	}
	from = max(from, 1)
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	if c.QueryParam("view") == "stored" {
		return s.storedEvents(c, from, limit)
	}
	ctx := c.Request().Context()
	// Events from `from` on: after from-1, which a store with sparse positions (EventStoreDB) reads
	// from the event at `from`. Other applications' events (a shared EventStoreDB) are passed over.
	events, last, err := s.history.Log(ctx, from-1, limit)
	if err != nil {
		return feedError(err, from)
	}
	head, err := s.Store.Head(ctx)
	if err != nil {
		return err
	}
	entries := make([]AuditEntry, 0, len(events))
	for _, h := range events {
		entries = append(entries, auditEntry(h, true))
	}
	body := map[string]any{"events": entries, "head_position": head, "next_from_position": nil, "next": nil}
	if last < head {
		body["next_from_position"] = last + 1
		body["next"] = fmt.Sprintf("/v1/audit/events?from_position=%d&limit=%d", last+1, limit)
	}
	return c.JSON(http.StatusOK, body)
}

func validStatus(s domain.Status) bool {
	for _, k := range domain.Statuses {
		if s == k {
			return true
		}
	}
	return false
}

func statusList() string {
	names := make([]string, len(domain.Statuses))
	for i, s := range domain.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
