package projections

import (
	"context"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// Delivery: where each item of a plan's roadmap stands, as reported, against the dates its current
// version plans; and per SHA the share of its LHCs with each item live. Read from the plans'
// content digests and delivery reports (domain.Plan.Delivery), as of now or of a position.

// ItemView is one delivery item of a plan on a day.
type ItemView struct {
	Item           string      `json:"item"`
	PlannedDate    domain.Date `json:"planned_date"`
	DeclaredStatus string      `json:"declared_status"` // as the current version states it
	Status         string      `json:"status"`          // the latest report's, else the declared status
	// ActualDate is the latest report's: the day the item went live, or started; null if none.
	ActualDate *domain.Date `json:"actual_date"`
	// SlippageDays is how many days after its planned date the item went live (negative: early),
	// or, for an item not live whose date has passed, how many days it is overdue; null otherwise.
	SlippageDays *int `json:"slippage_days"`
	// Overdue: the planned date had passed on the day asked about and the item was not live.
	Overdue bool `json:"overdue"`
	// PastAtSubmission: the planned date had already passed, the item not stated live, when the
	// current version was recorded. Recorded as it happened; flagged, not refused.
	PastAtSubmission bool   `json:"past_at_submission"`
	Source           string `json:"source,omitempty"` // a Clinical 5 solution's, as stated
	Reports          int    `json:"reports"`
}

// PlanDelivery is where a plan's delivery stands on a day.
type PlanDelivery struct {
	PlanID  string        `json:"plan_id"`
	LHCID   string        `json:"lhc_id"`
	SHACode string        `json:"sha_code"`
	Round   string        `json:"round"`
	Version int           `json:"version"`
	Status  domain.Status `json:"status"`
	On      domain.Date   `json:"on"` // the day overdue items are counted on
	Cut
	Items   []ItemView              `json:"items"`
	Reports []domain.DeliveryReport `json:"reports"` // oldest first
}

// itemViews are the delivery items of p on day on.
func itemViews(p *domain.Plan, on domain.Date) []ItemView {
	states := p.Delivery()
	out := make([]ItemView, 0, len(states))
	for _, s := range states {
		v := ItemView{Item: s.Item, PlannedDate: s.PlannedDate, DeclaredStatus: s.DeclaredStatus, Status: s.Status,
			PastAtSubmission: s.PastAtSubmission, Source: s.Source, Reports: s.Reports}
		if !s.ActualDate.IsZero() {
			d := s.ActualDate
			v.ActualDate = &d
		}
		switch {
		case s.PlannedDate.IsZero():
		case s.Status == domain.ProgrammeLive && !s.ActualDate.IsZero():
			n := daysBetween(s.PlannedDate, s.ActualDate)
			v.SlippageDays = &n
		case s.Status != domain.ProgrammeLive && s.PlannedDate.Before(on):
			n := daysBetween(s.PlannedDate, on)
			v.SlippageDays, v.Overdue = &n, true
		}
		out = append(out, v)
	}
	return out
}

func daysBetween(from, to domain.Date) int {
	return int(domain.DayNumber(to) - domain.DayNumber(from))
}

func planDelivery(id, sha string, p *domain.Plan, on domain.Date, cut Cut) PlanDelivery {
	return PlanDelivery{PlanID: id, LHCID: p.LHCID(), SHACode: sha, Round: p.Round(), Version: p.Version(), Status: p.Status(),
		On: on, Cut: cut, Items: itemViews(p, on), Reports: nonNil(p.DeliveryReports())}
}

// Delivery returns where plan id's delivery stands: now (pos 0), or once the event at pos had been
// recorded, overdue items counted on the day of at (or, if zero, of that event). false: no such
// plan then.
func (p *Projector) Delivery(ctx context.Context, id string, pos eventstore.Position, at time.Time) (PlanDelivery, bool, error) {
	p.mu.RLock()
	v := p.plans[id]
	if pos == 0 || (v != nil && v.position <= pos) {
		defer p.mu.RUnlock()
		if v == nil || !v.plan.Exists() || (pos != 0 && v.history[0].position > pos) {
			return PlanDelivery{}, false, nil
		}
		on := p.today()
		if pos != 0 {
			on = p.dayAt(pos, at)
		} else {
			pos = p.appliedPos
		}
		return planDelivery(v.id, v.sha, v.plan, on, p.cutLocked(pos)), true, nil
	}
	sha := ""
	if v != nil {
		sha = v.sha
	}
	on, cut := p.dayAt(pos, at), p.cutLocked(pos)
	p.mu.RUnlock()
	if v == nil {
		return PlanDelivery{}, false, nil
	}
	plan, err := p.planAt(ctx, id, pos)
	if err != nil || !plan.Exists() {
		return PlanDelivery{}, false, err
	}
	return planDelivery(id, sha, plan, on, cut), true, nil
}

// dayAt is the day of at, or if at is zero of the event at pos; the caller holds p.mu.
func (p *Projector) dayAt(pos eventstore.Position, at time.Time) domain.Date {
	if at.IsZero() {
		at, _ = p.timeline.timeAt(pos)
	}
	return domain.DateOf(at.UTC())
}

// eachPlanAt calls fn, under p.mu's read lock, with each live (not withdrawn) plan f selects as it
// stood at f.AsOf (now when 0), and returns the position answered, the day lateness is counted on
// and the registry then. The plans changed since are refolded from the store. fn, given the day
// too, must not keep the plan it is given.
func (p *Projector) eachPlanAt(ctx context.Context, f ReportFilter, fn func(sha string, plan *domain.Plan, on domain.Date)) (eventstore.Position, domain.Date, *domain.Registry, error) {
	p.mu.RLock()
	pos := f.AsOf
	current := pos == 0 || pos >= p.appliedPos
	if current {
		pos = p.appliedPos
	}
	var on domain.Date
	// As of a position, overdue is counted on the cut's day even when the cut is the head: the
	// same question gets the same answer from a server that has moved on and from an auditor's
	// mirror that stops there.
	switch {
	case !f.At.IsZero():
		on = domain.DateOf(f.At.UTC())
	case f.AsOf == 0:
		on = p.today()
	default:
		on = p.dayAt(pos, time.Time{})
	}
	views := p.viewsOfLocked(f.SHA, f.Round)
	p.mu.RUnlock()
	reg, err := p.registryAt(pos)
	if err != nil {
		return 0, domain.Date{}, nil, err
	}
	past, err := p.viewsAt(ctx, views, pos)
	if err != nil {
		return 0, domain.Date{}, nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if past, err = p.settle(ctx, past, pos); err != nil {
		return 0, domain.Date{}, nil, err
	}
	for _, v := range past {
		if v.plan.Exists() && !v.plan.Withdrawn() {
			fn(v.sha, v.plan, on)
		}
	}
	return pos, on, reg, nil
}

// DeliveryReport is, per SHA, how far its LHCs' live plans have delivered.
type DeliveryReport struct {
	Round string `json:"round"` // "all" when not filtered
	SHA   string `json:"sha,omitempty"`
	Cut
	On    domain.Date   `json:"on"`
	BySHA []DeliveryRow `json:"by_sha"`
}

// DeliveryRow is one SHA's delivery.
type DeliveryRow struct {
	SHACode string `json:"sha_code"`
	Name    string `json:"name"`
	Plans   int    `json:"plans"` // live plans with a roadmap
	// Items has one line per delivery item, in the order of domain.DeliveryItems.
	Items []ItemShare `json:"items"`
	// OverdueItems and PastAtSubmission count, over the plans, items overdue on On and items whose
	// planned date had passed when their version was submitted.
	OverdueItems     int `json:"overdue_items"`
	PastAtSubmission int `json:"past_at_submission"`
}

// ItemShare is how many of an SHA's plans have one delivery item live.
type ItemShare struct {
	Item       string   `json:"item"`
	Live       int      `json:"live"`
	InProgress int      `json:"in_progress"`
	Overdue    int      `json:"overdue"`
	ShareLive  *float64 `json:"share_live"` // of Plans; null when there is none
	// PastAtSubmission counts plans whose date for the item had passed when submitted.
	PastAtSubmission int `json:"past_at_submission"`
}

// DeliveryReport computes the delivery report for f (AsOf 0: now). Every SHA registered then has a
// row.
func (p *Projector) DeliveryReport(ctx context.Context, f ReportFilter) (DeliveryReport, error) {
	kept := newLatestPerLHC[[]ItemView](f.Round)
	pos, on, reg, err := p.eachPlanAt(ctx, f, func(sha string, plan *domain.Plan, on domain.Date) {
		kept.offer(sha, plan, itemViews(plan, on))
	})
	if err != nil {
		return DeliveryReport{}, err
	}
	rows := map[string]*DeliveryRow{}
	kept.each(func(sha string, items []ItemView) {
		r := rows[sha]
		if r == nil {
			r = &DeliveryRow{SHACode: sha}
			rows[sha] = r
		}
		if len(items) == 0 {
			return
		}
		r.Plans++
		if r.Items == nil {
			r.Items = newItemShares()
		}
		for i, it := range items {
			s := &r.Items[i]
			switch it.Status {
			case domain.ProgrammeLive:
				s.Live++
			case domain.ProgrammeInProgress:
				s.InProgress++
			}
			s.Overdue += b2i(it.Overdue)
			s.PastAtSubmission += b2i(it.PastAtSubmission)
			r.OverdueItems += b2i(it.Overdue)
			r.PastAtSubmission += b2i(it.PastAtSubmission)
		}
	})
	rep := DeliveryReport{Round: f.Round, SHA: f.SHA, Cut: p.CutAt(pos), On: on, BySHA: []DeliveryRow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	for _, o := range reg.Organisations() {
		if o.Kind != domain.KindSHA || (f.SHA != "" && o.ODSCode != f.SHA) {
			continue
		}
		r := rows[o.ODSCode]
		if r == nil {
			r = &DeliveryRow{}
			rows[o.ODSCode] = r
		}
		r.SHACode, r.Name = o.ODSCode, o.Name
		if r.Items == nil {
			r.Items = newItemShares()
		}
	}
	for _, code := range sortedKeys(rows) {
		r := rows[code]
		if r.Name == "" {
			continue // an SHA registered after the position asked about
		}
		for i := range r.Items {
			r.Items[i].ShareLive = share(r.Items[i].Live, r.Plans)
		}
		rep.BySHA = append(rep.BySHA, *r)
	}
	return rep, nil
}

func newItemShares() []ItemShare {
	out := make([]ItemShare, len(domain.DeliveryItems))
	for i, id := range domain.DeliveryItems {
		out[i].Item = id
	}
	return out
}

// share is n of total to four places; nil when total is 0.
func share(n, total int) *float64 {
	if total == 0 {
		return nil
	}
	x := round(float64(n)/float64(total), 4)
	return &x
}

// viewsOfLocked are the plans of sha and round (every SHA or round when empty), in the order they
// were submitted; the caller holds p.mu.
func (p *Projector) viewsOfLocked(sha, round string) []*planView {
	var views []*planView
	for _, v := range p.order {
		if (sha == "" || v.sha == sha) && (round == "" || v.plan.Round() == round) {
			views = append(views, v)
		}
	}
	return views
}
