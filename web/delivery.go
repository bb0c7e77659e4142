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
	Item               string
	Y, TextY           int
	PlannedX           float64
	HasActual          bool
	ActualX            float64
	Overdue            bool
	OverdueX, OverdueW float64
	Status, Planned    string
	PastAtSubmission   bool
	PlannedISO         string
	// ActualNote and OverdueNote are the marks' tooltips. A live item's slippage is measured from
	// its planned date to its actual one; an overdue item's from its planned date to the day asked
	// about, which has nothing to do with the day it was reported started.
	ActualNote, OverdueNote string
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
	for _, it := range d.Items {
		if it.Overdue {
			// An overdue bar runs from the planned date to the day asked about, so the axis must
			// reach that day, however far past the roadmap: cut at the roadmap's end, an item
			// overdue for years drew as wide as one overdue for a day.
			widen(on)
		}
	}
	if !on.Before(first) && on.Before(last.AddDate(1, 0, 0)) {
		widen(on) // the day asked about, when it is near the roadmap
	}
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	last = time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	span := last.Sub(first).Hours()
	x := func(t time.Time) float64 {
		return float64(tlLabel) + float64(tlWidth-tlLabel-tlMargin)*t.Sub(first).Hours()/span
	}
	ch.Ticks = axisTicks(first, last, x)
	live, overdue := 0, 0
	for i, it := range d.Items {
		y := tlTop + i*tlRow
		r := timelineRow{Item: it.Item, Y: y, TextY: y + tlRow/2 + 4, Status: it.Status, Planned: dateLabel(it.PlannedDate),
			PastAtSubmission: it.PastAtSubmission, PlannedISO: it.PlannedDate.String()}
		if !it.PlannedDate.IsZero() {
			r.PlannedX = x(it.PlannedDate.Time())
		}
		if it.ActualDate != nil {
			r.HasActual, r.ActualX = true, x(it.ActualDate.Time())
			r.ActualNote = it.Item + ": " + it.Status + " since " + dateLabel(*it.ActualDate)
			if it.Status == domain.ProgrammeLive && it.SlippageDays != nil {
				r.ActualNote += ", " + slippageWords(*it.SlippageDays)
			}
		}
		if it.Overdue {
			overdue++
			end := min(x(on), float64(tlWidth-tlMargin))
			r.Overdue, r.OverdueX, r.OverdueW = true, r.PlannedX, max(end-r.PlannedX, 1)
			r.OverdueNote = fmt.Sprintf("%s: due %s, not live on %s", it.Item, r.Planned, dateLabel(d.On))
			if it.SlippageDays != nil {
				r.OverdueNote += fmt.Sprintf(": %s overdue", days(*it.SlippageDays))
			}
		}
		if it.Status == domain.ProgrammeLive {
			live++
		}
		ch.Rows = append(ch.Rows, r)
	}
	ch.Description = fmt.Sprintf("%d delivery items: %d live, %d overdue on %s; the table below gives every date.", len(d.Items), live, overdue, dateLabel(d.On))
	return ch
}

// slippageWords says how a live item's actual date stands to its planned one.
func slippageWords(n int) string {
	switch {
	case n > 0:
		return days(n) + " after its planned date"
	case n < 0:
		return days(-n) + " before its planned date"
	}
	return "on its planned date"
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// axisTicks mark the financial years' halves (April and October) between first and last, or, when
// the axis spans more years than those leave room to label, every year's or every few years' April.
func axisTicks(first, last time.Time, x func(time.Time) float64) []tick {
	const most = 10
	step := 6
	for _, months := range []int{6, 12, 24, 60} {
		step = months
		if int(last.Sub(first).Hours()/24/30.4)/months < most {
			break
		}
	}
	var out []tick
	for t := time.Date(first.Year()-1, time.April, 1, 0, 0, 0, 0, time.UTC); !t.After(last); t = t.AddDate(0, step, 0) {
		if !t.Before(first) {
			out = append(out, tick{X: x(t), Label: t.Format("Jan 06")})
		}
	}
	return out
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
