package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The delivery page: where each item of a plan's roadmap stands, as a table and as a chart of
// planned against actual dates drawn on the server in SVG.

type deliveryPage struct {
	base
	Delivery projections.PlanDelivery
	LHCName  string
	Chart    timelineChart
}

// The chart's geometry, in viewBox units: a row per item, a time axis across.
const (
	tlWidth   = 720
	tlLabel   = 200
	tlRow     = 18
	tlTop     = 24
	tlMargin  = 8
	tlTickGap = 14
)

type timelineChart struct {
	Width, Height int
	Ticks         []tick
	Rows          []timelineRow
	Description   string
}

type tick struct {
	X     float64
	Label string
}

// timelineRow is one item: its planned date (a diamond), its actual date (a dot) or, for an item
// overdue, how far it has run past its date (a bar to the day asked about).
type timelineRow struct {
	Item                string
	Y, TextY            int
	PlannedX            float64
	HasActual           bool
	ActualX             float64
	Overdue             bool
	OverdueX, OverdueW  float64
	Status, Planned     string
	Actual              string
	Slippage            string
	PastAtSubmission    bool
	PlannedISO, OnLabel string
}

func newTimelineChart(d projections.PlanDelivery) timelineChart {
	var first, last time.Time
	widen := func(t time.Time) {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	for _, it := range d.Items {
		if !it.PlannedDate.IsZero() {
			widen(it.PlannedDate.Time())
		}
		if it.ActualDate != nil {
			widen(it.ActualDate.Time())
		}
	}
	ch := timelineChart{Width: tlWidth, Height: tlTop + len(d.Items)*tlRow + tlMargin}
	if first.IsZero() {
		ch.Description = "No item has a date."
		return ch
	}
	on := d.On.Time()
	if !on.Before(first) && on.Before(last.AddDate(1, 0, 0)) {
		widen(on) // the day asked about, when it is near the roadmap
	}
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	last = time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	span := last.Sub(first).Hours()
	x := func(t time.Time) float64 {
		return float64(tlLabel) + float64(tlWidth-tlLabel-tlMargin)*t.Sub(first).Hours()/span
	}
	for y := first.Year(); y <= last.Year(); y++ {
		for _, m := range []time.Month{time.April, time.October} {
			t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			if !t.Before(first) && !t.After(last) {
				ch.Ticks = append(ch.Ticks, tick{X: x(t), Label: t.Format("Jan 06")})
			}
		}
	}
	live, overdue := 0, 0
	for i, it := range d.Items {
		y := tlTop + i*tlRow
		r := timelineRow{Item: it.Item, Y: y, TextY: y + tlRow/2 + 4, Status: it.Status, Planned: dateLabel(it.PlannedDate),
			PastAtSubmission: it.PastAtSubmission, PlannedISO: it.PlannedDate.String(), OnLabel: dateLabel(d.On)}
		if !it.PlannedDate.IsZero() {
			r.PlannedX = x(it.PlannedDate.Time())
		}
		if it.ActualDate != nil {
			r.HasActual, r.ActualX, r.Actual = true, x(it.ActualDate.Time()), dateLabel(*it.ActualDate)
		}
		if it.SlippageDays != nil {
			r.Slippage = fmt.Sprintf("%+d", *it.SlippageDays)
		}
		if it.Overdue {
			overdue++
			end := min(x(on), float64(tlWidth-tlMargin))
			r.Overdue, r.OverdueX, r.OverdueW = true, r.PlannedX, max(end-r.PlannedX, 1)
		}
		if it.Status == domain.ProgrammeLive {
			live++
		}
		ch.Rows = append(ch.Rows, r)
	}
	ch.Description = fmt.Sprintf("%d delivery items: %d live, %d overdue on %s; the table below gives every date.", len(d.Items), live, overdue, dateLabel(d.On))
	return ch
}

func (d *dashboard) delivery(c echo.Context) error {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		return d.errorPage(c, http.StatusNotFound, "No such plan", "“"+id+"” is not a plan id.")
	}
	p, err := readParams(c, d.Projections)
	if err != nil {
		return d.errorPage(c, http.StatusBadRequest, "Cannot read “as of”", err.Error())
	}
	var pos = p.Position
	if p.AsOf {
		release, refused := d.expensive(c)
		if release == nil {
			return refused
		}
		defer release()
		if pos == 0 {
			return d.errorPage(c, http.StatusNotFound, "No such plan", "No plan "+id+" had been submitted"+asOfWords(p)+".")
		}
	}
	del, found, err := d.Projections.Delivery(c.Request().Context(), id, pos, p.At)
	if err != nil {
		return err
	}
	if !found {
		return d.errorPage(c, http.StatusNotFound, "No such plan", "No plan "+id+" had been submitted"+asOfWords(p)+".")
	}
	page := deliveryPage{base: d.base(c, "Delivery of "+del.LHCID+" "+del.Round, p), Delivery: del, Chart: newTimelineChart(del)}
	for _, l := range d.Projections.LHCs() {
		if l.ID == del.LHCID {
			page.LHCName = l.Name
		}
	}
	return d.render(c, http.StatusOK, "delivery", page)
}
