package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail, with the field-level errors this API adds.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Code      string              `json:"code"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`

	retryAfter int // seconds; sets Retry-After when > 0
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// problemType is the type URI for a problem code. A URN, because the codes are the stable contract
// and a URL would promise a page.
func problemType(code string) string { return "urn:assurance-ledger:problem:" + code }

func newProblem(status int, code, detail string, fields ...domain.FieldError) *Problem {
	return &Problem{Type: problemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail, Errors: fields}
}

func badRequest(detail string, fields ...domain.FieldError) *Problem {
	return newProblem(http.StatusBadRequest, "malformed_request", detail, fields...)
}

func field(name, message string) domain.FieldError {
	return domain.FieldError{Field: name, Message: message}
}

var domainStatus = map[domain.ErrorKind]int{
	domain.KindRefused:   http.StatusUnprocessableEntity,
	domain.KindForbidden: http.StatusForbidden,
	domain.KindConflict:  http.StatusConflict,
	domain.KindNotFound:  http.StatusNotFound,
}

// toProblem maps any error a handler returns to the problem the client sees. Unknown errors become
// a 500 whose detail says nothing of internals; the error itself goes to the log.
func toProblem(err error) *Problem {
	var (
		p        *Problem
		de       *domain.Error
		conflict *eventstore.ConflictError
		he       *echo.HTTPError
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &de):
		status, ok := domainStatus[de.Kind]
		if !ok {
			status = http.StatusUnprocessableEntity
		}
		fields := de.Fields
		if de.Kind == domain.KindForbidden && len(fields) == 0 {
			// Who may act is refused: a claim of the bearer token, not a member of the body, is at
			// fault, named as the route check names it (role), or org for the organisation.
			claim := "org"
			if de.Code == domain.ErrRoleNotAllowed.Code {
				claim = "role"
			}
			fields = []domain.FieldError{field(claim, de.Message)}
		}
		return newProblem(status, de.Code, de.Message, fields...)
	case errors.As(err, &conflict):
		pr := newProblem(http.StatusConflict, "conflict",
			fmt.Sprintf("%s changed since you read it (%s): read it again and retry", conflict.Stream, conflictDetail(conflict)),
			field("If-Match", "does not match the current revision"))
		return pr
	case errors.Is(err, auth.ErrInvalidToken):
		return newProblem(http.StatusUnauthorized, "invalid_token", err.Error(), field("Authorization", err.Error()))
	case errors.Is(err, eventstore.ErrTooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, "too_large_for_store",
			"the event this request records is larger than the event store takes in one append; nothing was recorded",
			field("body", "too large for the event store"))
	case errors.Is(err, eventstore.ErrInvalidAppend):
		return newProblem(http.StatusUnprocessableEntity, "refused_by_store", "the event store refused to record this request; nothing was recorded")
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, eventstore.ErrClosed):
		pr := newProblem(http.StatusServiceUnavailable, "store_unavailable", "the event store cannot take or serve events right now; nothing was recorded by this request unless a retry with the same Idempotency-Key says so")
		pr.retryAfter = 5
		return pr
	case errors.Is(err, context.DeadlineExceeded):
		pr := newProblem(http.StatusServiceUnavailable, "timeout", "the request took too long; retry with the same Idempotency-Key to learn whether it was recorded")
		pr.retryAfter = 1
		return pr
	case errors.As(err, &he):
		return httpErrorProblem(he)
	default:
		return newProblem(http.StatusInternalServerError, "internal_error", "an unexpected error occurred; it has been logged")
	}
}

func conflictDetail(c *eventstore.ConflictError) string {
	if !c.Exists {
		return "expected " + c.Expected.String() + ", it does not exist"
	}
	return fmt.Sprintf("expected %s, it is at revision %d", c.Expected, c.Actual)
}

// httpErrorProblem maps the errors Echo and the decoder raise. Each status is written out, so that
// every code the server can answer is a constant that TestOpenAPINamesEveryProblemCode finds; an
// HTTPError of any other status is not one this server raises, so it is answered as a fault.
func httpErrorProblem(he *echo.HTTPError) *Problem {
	msg := fmt.Sprint(he.Message)
	switch he.Code {
	case http.StatusNotFound:
		// Echo's message is only "Not Found": the detail says what a reader can do instead.
		return newProblem(http.StatusNotFound, "not_found", "nothing is served at this path; /openapi.json lists the routes")
	case http.StatusMethodNotAllowed:
		return newProblem(http.StatusMethodNotAllowed, "method_not_allowed", "this path does not answer that method; the Allow header lists the ones it does")
	case http.StatusRequestEntityTooLarge:
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body exceeds the limit of %d bytes", maxBodyBytes), field("body", "too large"))
	case http.StatusUnsupportedMediaType:
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type", msg, field("Content-Type", "must be application/json"))
	case http.StatusTooManyRequests:
		return newProblem(http.StatusTooManyRequests, "rate_limited", msg)
	default:
		return newProblem(http.StatusInternalServerError, "internal_error", "an unexpected error occurred; it has been logged")
	}
}

// errorHandler writes every error as problem+json.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if p.Status >= 500 {
			log.Error("request failed", "request_id", p.RequestID, "method", methodLabel(c.Request().Method), "path", loggedPath(p.Instance), "status", p.Status, "error", err.Error())
		}
		if p.retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(p.retryAfter))
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="assurance-ledger"`)
		}
		c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
		c.Response().WriteHeader(p.Status)
		if c.Request().Method == http.MethodHead {
			return
		}
		_ = c.JSON(p.Status, p) // status already written; Echo will not write it twice
	}
}

// statusOf is the status a request ends with: an error returned up the chain is written by the
// error handler only after the middleware has seen it, so its status comes from the problem.
func statusOf(c echo.Context, err error) int {
	if err != nil {
		return toProblem(err).Status
	}
	return c.Response().Status
}
