package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// params are the query parameters every page shares: the planning round and "as of". They travel
// in links and forms so that a view can be bookmarked and works without JavaScript.
type params struct {
	Round string
	// AsOfInput is as_of as typed, echoed into the form; empty means now.
	AsOfInput string
	// AsOf is set when as_of was given: the log position it resolves to (0: before the first event)
	// and when that position was recorded.
	AsOf     bool
	Position eventstore.Position
	At       time.Time
	// Query keeps the round and "as of" on a link ("" when neither is set); NowQuery keeps the
	// round only, for the link back to the present. Computed once: a page has a link per plan.
	Query, NowQuery string
}

// localLayouts are what a datetime-local input sends (with or without seconds); the dashboard reads
// them as UTC, the ledger's clock. A position or an RFC 3339 time is read as the API reads it
// (projections.ParseAsOf).
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

func readParams(c echo.Context, p *projections.Projector) (params, error) {
	out := params{Round: strings.TrimSpace(c.QueryParam("round")), AsOfInput: strings.TrimSpace(c.QueryParam("as_of"))}
	out.Query, out.NowQuery = out.query(), out.nowQuery()
	raw := out.AsOfInput
	if raw == "" {
		return out, nil
	}
	out.AsOf = true
	if v, err := projections.ParseAsOf(raw); err == nil {
		if !v.IsTime {
			out.Position = min(v.Position, p.Applied())
			return out, nil
		}
		out.At = v.Time
		out.Position, _ = p.PositionAt(v.Time)
		return out, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, raw, time.UTC); err == nil {
			out.At = t.UTC()
			out.Position, _ = p.PositionAt(t)
			return out, nil
		}
	}
	return params{}, fmt.Errorf("%.64q is not a date and time (like 2009-07-01T12:00) or a log position (1 to %d)", raw, uint64(projections.MaxAsOfPosition))
}

func (p params) query() string {
	v := url.Values{}
	if p.Round != "" {
		v.Set("round", p.Round)
	}
	if p.AsOfInput != "" {
		v.Set("as_of", p.AsOfInput)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (p params) nowQuery() string {
	if p.Round == "" {
		return "?"
	}
	return "?" + url.Values{"round": {p.Round}}.Encode()
}
