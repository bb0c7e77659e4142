package domain

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Registry commands of the assurance process: planning rounds and programmes for IT. They are
// decided, like every registry command, for the admin role (Registry.Decide).

// PublishRound publishes a planning round with its timetable and catalogue of criteria.
type PublishRound struct {
	Round              string               `json:"round"`
	Title              string               `json:"title"`
	GuidanceRef        string               `json:"guidance_ref"`
	PublishedOn        Date                 `json:"published_on"`
	FirstFinancialYear int                  `json:"first_financial_year"`
	MinYears           int                  `json:"min_years"`
	Milestones         []Milestone          `json:"milestones"`
	Criteria           []CatalogueCriterion `json:"criteria"`
	// BoardApprovalRequired asks for a governance body's approval of a version before each sign-off.
	BoardApprovalRequired bool `json:"board_approval_required"`
}

// ChangeMilestone moves one deadline of a published round.
type ChangeMilestone struct {
	Round     string `json:"round"`
	Milestone string `json:"milestone"`
	Due       Date   `json:"due"`
	Reason    string `json:"reason"`
}

// RegisterPfIT registers a programme for IT.
type RegisterPfIT struct {
	PfITID string `json:"pfit_id"`
	Name   string `json:"name"`
}

// AssignSHAToPfIT assigns an SHA to a programme for IT.
type AssignSHAToPfIT struct {
	SHACode string `json:"sha_code"`
	PfITID  string `json:"pfit_id"`
}

func (PublishRound) registryCommand()    {}
func (ChangeMilestone) registryCommand() {}
func (RegisterPfIT) registryCommand()    {}
func (AssignSHAToPfIT) registryCommand() {}

// idPattern is an id chosen by a client within the ledger's data: a criterion, a condition, a
// programme for IT.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Bounds of a round's rules: MinPlanYears is the guidance's own floor.
const (
	maxRoundYears     = 10
	maxRoundCriteria  = 50
	criterionIDMaxLen = 64
)

// decideRound decides the round and PfIT commands; ok is false for any other command.
func (r *Registry) decideRound(cmd RegistryCommand, at time.Time) (d EventData, ok bool, err error) {
	switch c := cmd.(type) {
	case PublishRound:
		d, err = r.decidePublishRound(c)
	case *PublishRound:
		if c == nil {
			return nil, false, nil
		}
		d, err = r.decidePublishRound(*c)
	case ChangeMilestone:
		d, err = r.decideChangeMilestone(c, DateOf(at.UTC()))
	case *ChangeMilestone:
		if c == nil {
			return nil, false, nil
		}
		d, err = r.decideChangeMilestone(*c, DateOf(at.UTC()))
	case RegisterPfIT:
		d, err = r.decideRegisterPfIT(c)
	case *RegisterPfIT:
		if c == nil {
			return nil, false, nil
		}
		d, err = r.decideRegisterPfIT(*c)
	case AssignSHAToPfIT:
		d, err = r.decideAssignPfIT(c)
	case *AssignSHAToPfIT:
		if c == nil {
			return nil, false, nil
		}
		d, err = r.decideAssignPfIT(*c)
	default:
		return nil, false, nil
	}
	return d, true, err
}

func (r *Registry) decidePublishRound(c PublishRound) (EventData, error) {
	var ps problems
	checkRound(&ps, c.Round)
	if len(ps) == 0 && r.rounds[c.Round] != nil {
		return nil, ErrRoundExists.at("round", "round %s was published on %s", c.Round, r.rounds[c.Round].PublishedOn)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "title", c.Title)
	requiredShort.check(&ps, ErrInvalidCommand, "guidance_ref", c.GuidanceRef)
	if c.PublishedOn.IsZero() {
		ps.add(ErrInvalidCommand, "published_on", "is required")
	}
	if first, ok := roundFirstYear(c.Round); ok && c.FirstFinancialYear != first && c.FirstFinancialYear != first+1 {
		ps.add(ErrInvalidCommand, "first_financial_year", "%d is neither %d nor %d: a round's plans start in its own financial year or the next", c.FirstFinancialYear, first, first+1)
	}
	if c.MinYears < MinPlanYears || c.MinYears > maxRoundYears {
		ps.add(ErrInvalidCommand, "min_years", "%d is not between %d and %d", c.MinYears, MinPlanYears, maxRoundYears)
	}
	checkTimetable(&ps, c.Milestones, c.PublishedOn)
	checkCatalogue(&ps, c.Criteria)
	if err := ps.err(); err != nil {
		return nil, err
	}
	c.Milestones = slices.Clone(c.Milestones)
	slices.SortStableFunc(c.Milestones, func(a, b Milestone) int {
		return slices.Index(Milestones, a.ID) - slices.Index(Milestones, b.ID)
	})
	return PlanningRoundPublished{Round: c.Round, Title: c.Title, GuidanceRef: c.GuidanceRef, PublishedOn: c.PublishedOn,
		FirstFinancialYear: c.FirstFinancialYear, MinYears: c.MinYears, Milestones: c.Milestones, Criteria: slices.Clone(c.Criteria),
		BoardApprovalRequired: c.BoardApprovalRequired}, nil
}

// checkTimetable records the faults of a round's milestones: each of Milestones exactly once, each
// due on or after the round's publication, in the order of Milestones.
func checkTimetable(ps *problems, ms []Milestone, published Date) {
	seen := map[string]int{}
	for i, m := range ms {
		field := fmt.Sprintf("milestones[%d]", i)
		switch j, dup := seen[m.ID]; {
		case !slices.Contains(Milestones, m.ID):
			ps.add(ErrInvalidCommand, field+".id", "unknown milestone %q; want one of %s", m.ID, strings.Join(Milestones, ", "))
		case dup:
			ps.add(ErrInvalidCommand, field+".id", "milestone %s is also at milestones[%d]", m.ID, j)
		default:
			seen[m.ID] = i
		}
		switch {
		case m.Due.IsZero():
			ps.add(ErrInvalidCommand, field+".due", "is required")
		case !published.IsZero() && m.Due.Before(published):
			ps.add(ErrInvalidCommand, field+".due", "%s is before the round's publication on %s", m.Due, published)
		}
	}
	var missing []string
	for _, id := range Milestones {
		if _, ok := seen[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		ps.add(ErrInvalidCommand, "milestones", "missing %s: a round has a deadline for every step", strings.Join(missing, ", "))
		return
	}
	for k := 1; k < len(Milestones); k++ {
		prev, cur := ms[seen[Milestones[k-1]]], ms[seen[Milestones[k]]]
		if !prev.Due.IsZero() && cur.Due.Before(prev.Due) {
			ps.add(ErrInvalidCommand, fmt.Sprintf("milestones[%d].due", seen[cur.ID]), "%s (%s) is before %s (%s): the deadlines follow the process",
				cur.ID, cur.Due, prev.ID, prev.Due)
		}
	}
}

// checkCatalogue records the faults of a round's catalogue of criteria.
func checkCatalogue(ps *problems, cs []CatalogueCriterion) {
	switch {
	case len(cs) == 0:
		ps.add(ErrInvalidCommand, "criteria", "at least one criterion is required")
	case len(cs) > maxRoundCriteria:
		ps.add(ErrInvalidCommand, "criteria", "%d criteria; at most %d", len(cs), maxRoundCriteria)
	}
	seen := map[string]int{}
	for i, c := range cs {
		field := fmt.Sprintf("criteria[%d]", i)
		if j, dup := seen[c.ID]; dup {
			ps.add(ErrInvalidCommand, field+".id", "criterion %q is also at criteria[%d]", c.ID, j)
		} else {
			seen[c.ID] = i
			checkSlug(ps, ErrInvalidCommand, field+".id", "criterion id", c.ID)
		}
		requiredShort.check(ps, ErrInvalidCommand, field+".title", c.Title)
	}
}

// checkSlug records a problem unless v is a slug: lower-case letters, digits, hyphens and
// underscores, 1 to 64, starting with a letter or digit.
func checkSlug(ps *problems, code *Error, field, what, v string) bool {
	switch {
	case v == "":
		ps.add(code, field, "is required")
	case !idPattern.MatchString(v):
		ps.add(code, field, "%q is not a %s (1 to %d lower-case letters, digits, hyphens and underscores)", v, what, criterionIDMaxLen)
	default:
		return true
	}
	return false
}

// decideChangeMilestone decides moving a deadline on day today. A deadline that has passed stays
// where it was (what was done by it, or not, has been measured against it), and none is moved into
// the past: either would re-judge acts already recorded.
func (r *Registry) decideChangeMilestone(c ChangeMilestone, today Date) (EventData, error) {
	rd, ok := r.rounds[c.Round]
	if !ok {
		return nil, ErrRoundNotFound.at("round", "round %q has not been published", c.Round)
	}
	var ps problems
	i := slices.IndexFunc(rd.Milestones, func(m RoundMilestone) bool { return m.ID == c.Milestone })
	if i < 0 {
		ps.add(ErrInvalidCommand, "milestone", "unknown milestone %q; want one of %s", c.Milestone, strings.Join(Milestones, ", "))
	}
	requiredLong.check(&ps, ErrInvalidCommand, "reason", c.Reason)
	switch {
	case c.Due.IsZero():
		ps.add(ErrInvalidCommand, "due", "is required")
	case i < 0:
	case c.Due == rd.Milestones[i].Due:
		ps.add(ErrNoChange, "due", "%s is already due on %s", c.Milestone, c.Due)
	case today.After(rd.Milestones[i].Due):
		ps.add(ErrMilestonePassed, "milestone", "%s was due on %s, which has passed (today is %s): a deadline that has passed is not moved", c.Milestone, rd.Milestones[i].Due, today)
	case c.Due.Before(rd.PublishedOn):
		ps.add(ErrInvalidCommand, "due", "%s is before the round's publication on %s", c.Due, rd.PublishedOn)
	case c.Due.Before(today):
		ps.add(ErrMilestonePassed, "due", "%s has passed (today is %s): a deadline is not moved into the past", c.Due, today)
	case i > 0 && c.Due.Before(rd.Milestones[i-1].Due):
		ps.add(ErrInvalidCommand, "due", "%s is before %s, due %s: the deadlines follow the process", c.Due, rd.Milestones[i-1].ID, rd.Milestones[i-1].Due)
	case i+1 < len(rd.Milestones) && c.Due.After(rd.Milestones[i+1].Due):
		ps.add(ErrInvalidCommand, "due", "%s is after %s, due %s: move that one first", c.Due, rd.Milestones[i+1].ID, rd.Milestones[i+1].Due)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return RoundMilestoneChanged(c), nil
}

func (r *Registry) decideRegisterPfIT(c RegisterPfIT) (EventData, error) {
	var ps problems
	if checkSlug(&ps, ErrInvalidCommand, "pfit_id", "programme id", c.PfITID) && r.pfits[c.PfITID] != nil {
		return nil, ErrPfITExists.at("pfit_id", "%s is already registered as %q", c.PfITID, r.pfits[c.PfITID].Name)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "name", c.Name)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return PfITRegistered(c), nil
}

func (r *Registry) decideAssignPfIT(c AssignSHAToPfIT) (EventData, error) {
	var ps problems
	if checkODS(&ps, "sha_code", c.SHACode, true) {
		r.checkKind(&ps, ErrUnknownSHA, "sha_code", c.SHACode, KindSHA)
	}
	if checkSlug(&ps, ErrInvalidCommand, "pfit_id", "programme id", c.PfITID) && r.pfits[c.PfITID] == nil {
		ps.add(ErrUnknownPfIT, "pfit_id", "%s is not a registered programme for IT", c.PfITID)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if r.shaPfIT[c.SHACode] == c.PfITID {
		return nil, ErrAlreadyAssigned.at("pfit_id", "%s is already assigned to %s", c.SHACode, c.PfITID)
	}
	return SHAAssignedToPfIT(c), nil
}

// applyRound folds the round and PfIT events; ok is false for any other event.
func (r *Registry) applyRound(e Event) (ok bool, err error) {
	switch d := e.Data.(type) {
	case PlanningRoundPublished:
		switch {
		case d.Round == "":
			return true, fmt.Errorf("apply %s: no round", d.EventType())
		case r.rounds[d.Round] != nil:
			return true, fmt.Errorf("apply %s: round %s is already published", d.EventType(), d.Round)
		}
		rd := &Round{Round: d.Round, Title: d.Title, GuidanceRef: d.GuidanceRef, PublishedOn: d.PublishedOn,
			FirstFinancialYear: d.FirstFinancialYear, MinYears: d.MinYears, Criteria: slices.Clone(nonNil(d.Criteria)),
			Milestones: make([]RoundMilestone, 0, len(d.Milestones)), BoardApprovalRequired: d.BoardApprovalRequired,
			RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID}
		for _, m := range d.Milestones {
			rd.Milestones = append(rd.Milestones, RoundMilestone{ID: m.ID, Due: m.Due, PublishedDue: m.Due, Changes: []MilestoneChange{}})
		}
		r.rounds[d.Round] = rd
	case RoundMilestoneChanged:
		rd, found := r.rounds[d.Round]
		if !found {
			return true, fmt.Errorf("apply %s: round %q is not published", d.EventType(), d.Round)
		}
		i := slices.IndexFunc(rd.Milestones, func(m RoundMilestone) bool { return m.ID == d.Milestone })
		if i < 0 {
			return true, fmt.Errorf("apply %s: round %s has no milestone %q", d.EventType(), d.Round, d.Milestone)
		}
		// Replaced, not changed in place: a reader may hold the round it was given.
		next := rd.clone()
		m := &next.Milestones[i]
		m.Changes = append(m.Changes, MilestoneChange{From: m.Due, To: d.Due, Reason: d.Reason, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
		m.Due = d.Due
		r.rounds[d.Round] = &next
	case PfITRegistered:
		switch {
		case d.PfITID == "":
			return true, fmt.Errorf("apply %s: no pfit_id", d.EventType())
		case r.pfits[d.PfITID] != nil:
			return true, fmt.Errorf("apply %s: %s is already registered", d.EventType(), d.PfITID)
		}
		r.pfits[d.PfITID] = &PfIT{PfITID: d.PfITID, Name: d.Name}
	case SHAAssignedToPfIT:
		switch {
		case !r.isKind(d.SHACode, KindSHA):
			return true, fmt.Errorf("apply %s: %q is not a registered SHA", d.EventType(), d.SHACode)
		case r.pfits[d.PfITID] == nil:
			return true, fmt.Errorf("apply %s: %q is not a registered programme for IT", d.EventType(), d.PfITID)
		}
		r.shaPfIT[d.SHACode] = d.PfITID
	default:
		return false, nil
	}
	return true, nil
}

// Round returns the published round with that name.
func (r *Registry) Round(round string) (Round, bool) {
	rd, ok := r.rounds[round]
	if !ok {
		return Round{}, false
	}
	return rd.clone(), true
}

// Rounds returns every published round, by name.
func (r *Registry) Rounds() []Round {
	out := make([]Round, 0, len(r.rounds))
	for _, name := range slices.Sorted(maps.Keys(r.rounds)) {
		out = append(out, r.rounds[name].clone())
	}
	return out
}

// MilestoneDue is round's deadline for milestone; false when the round is not published.
func (r *Registry) MilestoneDue(round, milestone string) (Date, bool) {
	rd, ok := r.rounds[round]
	if !ok {
		return Date{}, false
	}
	return rd.Due(milestone)
}

// PfITs returns every programme for IT, by id, with the SHAs assigned to it.
func (r *Registry) PfITs() []PfIT {
	out := make([]PfIT, 0, len(r.pfits))
	for _, id := range slices.Sorted(maps.Keys(r.pfits)) {
		p := *r.pfits[id]
		p.SHAs = []string{}
		for _, sha := range slices.Sorted(maps.Keys(r.shaPfIT)) {
			if r.shaPfIT[sha] == id {
				p.SHAs = append(p.SHAs, sha)
			}
		}
		out = append(out, p)
	}
	return out
}

// PfITOf returns the programme for IT SHA sha is assigned to.
func (r *Registry) PfITOf(sha string) (PfIT, bool) {
	id, ok := r.shaPfIT[sha]
	if !ok {
		return PfIT{}, false
	}
	p := *r.pfits[id]
	p.SHAs = nil
	return p, true
}

// LHCsPerSHA counts the LHCs of each SHA.
func (r *Registry) LHCsPerSHA() map[string]int {
	out := make(map[string]int, len(r.orgs))
	for _, l := range r.lhcs {
		out[l.SHACode]++
	}
	return out
}
