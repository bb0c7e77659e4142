package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PlanCommand is a command on a plan. The set is closed: only this package defines them.
type PlanCommand interface {
	planCommand()
}

// SubmitPlan submits version 1 of a plan. PlanID is chosen by the caller (the stream's owner).
type SubmitPlan struct {
	PlanID  string  `json:"plan_id"`
	LHCID   string  `json:"lhc_id"`
	Round   string  `json:"round"`
	Period  Period  `json:"period"`
	Content Content `json:"content"`
}

// RevisePlan replaces the content with a new version.
type RevisePlan struct {
	Content Content `json:"content"`
	Reason  string  `json:"reason"`
	// ContentHash is Content's hash (the SHA-256 of its canonical JSON, what a sign-off names),
	// which the caller computes: computing it is the wire format's business, and the rules only
	// compare it with the current version's, refusing a revision that changes nothing.
	ContentHash string `json:"-"`
}

// RecordContribution records a provider's contribution to the current version. The contributor is
// the actor's organisation.
type RecordContribution struct {
	Section        string `json:"section"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256"`
}

// SignOffPlan is a chief executive's sign-off of a version, for the actor's organisation. Version and
// ContentHash say exactly what is being signed; both must be the current version's.
type SignOffPlan struct {
	Version     int    `json:"version"`
	Statement   string `json:"statement"`
	ContentHash string `json:"content_hash"`
}

// RecordAssurance records the SHA's assurance of a version: a rating of every criterion of the
// round's catalogue, the outcome they allow, and the conditions attached.
type RecordAssurance struct {
	Version             int         `json:"version"`
	Outcome             Outcome     `json:"outcome"`
	Criteria            []Criterion `json:"criteria"`
	Conditions          []Condition `json:"conditions"`
	ReflectedInPfITPlan bool        `json:"reflected_in_pfit_plan"`
	PfIT                string      `json:"pfit"`
}

// AcknowledgeAssurance is CfH's acknowledgement of the assurance of a version.
type AcknowledgeAssurance struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

// WithdrawPlan withdraws the plan; its LHC may then submit a new one for the round.
type WithdrawPlan struct {
	Reason string `json:"reason"`
}

func (SubmitPlan) planCommand()           {}
func (RevisePlan) planCommand()           {}
func (RecordContribution) planCommand()   {}
func (SignOffPlan) planCommand()          {}
func (RecordAssurance) planCommand()      {}
func (AcknowledgeAssurance) planCommand() {}
func (WithdrawPlan) planCommand()         {}

// roundPattern is a planning round, e.g. 2009-10.
var roundPattern = regexp.MustCompile(`^(20\d\d)-(\d\d)$`)

// Decide decides a plan command for actor a at instant at, against the registry as it stands. It
// returns the event to record, or a *Error saying why not. It does not change p (nor reg): the
// caller applies the event once it is stored.
//
// Checks run in a fixed order, so the refusal is predictable: the actor's role; that the plan exists
// (and is not withdrawn); the actor's organisation; the command's fields, all reported together;
// the version named; then the rules that depend on what has been recorded. An assurance's own
// consistency (outcome, criteria, conditions) is checked last, after its sign-off preconditions.
func (p *Plan) Decide(reg *Registry, a Actor, at time.Time, cmd PlanCommand) (EventData, error) {
	if reg == nil {
		reg = NewRegistry()
	}
	switch c := planCommandValue(cmd).(type) {
	case SubmitPlan:
		return p.decideSubmit(reg, a, at, c)
	case RevisePlan:
		return p.decideRevise(reg, a, c)
	case RecordContribution:
		return p.decideContribute(reg, a, c)
	case SignOffPlan:
		return p.decideSignOff(reg, a, at, c)
	case RecordAssurance:
		return p.decideAssure(reg, a, at, c)
	case AcknowledgeAssurance:
		return p.decideAcknowledge(reg, a, c)
	case WithdrawPlan:
		return p.decideWithdraw(reg, a, c)
	case DeclineContribution:
		return p.decideDecline(reg, a, c)
	case ExcuseMember:
		return p.decideExcuse(reg, a, c)
	case SubmitConditionEvidence:
		return p.decideConditionEvidence(reg, a, c)
	case DischargeCondition:
		return p.decideDischarge(reg, a, c)
	case LapseCondition:
		return p.decideLapse(reg, a, at, c)
	case NoteAssurance:
		return p.decideNote(reg, a, c)
	case ReportMilestone:
		return p.decideReport(reg, a, at, c)
	case RecordBoardApproval:
		return p.decideBoardApproval(reg, a, at, c)
	}
	return nil, ErrInvalidCommand.with("unknown plan command %T", cmd)
}

func (p *Plan) decideSubmit(reg *Registry, a Actor, at time.Time, c SubmitPlan) (EventData, error) {
	if err := requireRole(a, RolePCTCommissioner); err != nil {
		return nil, err
	}
	var ps problems
	if !checkLHCID(&ps, "lhc_id", c.LHCID) {
		return nil, ps.err()
	}
	lhc, ok := reg.lhcs[c.LHCID]
	if !ok {
		return nil, ErrUnknownLHC.at("lhc_id", "LHC %q does not exist", c.LHCID)
	}
	if a.Org != lhc.LeadPCT {
		return nil, ErrOrganisationNotAllowed.with("%q is not the lead PCT of LHC %q; only its lead PCT, %s, may submit its plan", a.Org, lhc.ID, lhc.LeadPCT)
	}
	if p.exists {
		if p.withdrawal != nil {
			return nil, ErrPlanWithdrawn.with("plan %s was withdrawn; a new submission starts a new plan", p.id)
		}
		return nil, ErrLivePlanExists.with("plan %s is live for LHC %q, round %s; revise it or withdraw it first", p.id, p.lhcID, p.round)
	}
	switch {
	case c.PlanID == "":
		ps.add(ErrInvalidCommand, "plan_id", "is required")
	case !planIDPattern.MatchString(c.PlanID):
		ps.add(ErrInvalidCommand, "plan_id", "%q is not a plan id (1 to 64 letters, digits and hyphens)", c.PlanID)
	}
	var rd *Round
	if checkRound(&ps, c.Round) {
		switch rd = reg.rounds[c.Round]; {
		case rd == nil:
			ps.add(ErrRoundNotPublished, "round", "round %s has not been published; plans are submitted to a published round", c.Round)
		case rd.PublishedOn.After(DateOf(at.UTC())):
			ps.add(ErrRoundNotPublished, "round", "round %s is published on %s, after today (%s); plans are submitted once its guidance is out", c.Round, rd.PublishedOn, DateOf(at.UTC()))
			rd = nil
		}
	}
	periodOK := c.Period.check(&ps, "period")
	if rd != nil && periodOK {
		checkRoundPeriod(&ps, rd, c.Period)
	}
	c.Content.check(&ps, c.Period, periodOK)
	c.Content.checkCoverage(&ps, reg, lhc)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return PlanSubmitted{PlanID: c.PlanID, LHCID: c.LHCID, Round: c.Round, Version: 1, Period: c.Period, Content: c.Content.Clone()}, nil
}

// checkRound records what is wrong with a round's name; it reports whether the name is well formed.
func checkRound(ps *problems, round string) bool {
	if round == "" {
		ps.add(ErrInvalidCommand, "round", "is required")
		return false
	}
	if err := RoundError(round); err != nil {
		ps.add(ErrInvalidCommand, "round", "%s", err.Error())
		return false
	}
	return true
}

// RoundError says why round is not a planning round, YYYY-YY naming two consecutive years (2009-10),
// or nil: what a plan's round must be, and so what a query for plans of a round may ask.
func RoundError(round string) error {
	m := roundPattern.FindStringSubmatch(round)
	if m == nil {
		return fmt.Errorf("%.32q is not a planning round of the form YYYY-YY, e.g. 2009-10", round)
	}
	first, _ := strconv.Atoi(m[1])
	second, _ := strconv.Atoi(m[2])
	if second != (first+1)%100 {
		return fmt.Errorf("%q does not name consecutive years; did you mean %d-%02d?", round, first, (first+1)%100)
	}
	return nil
}

// checkRoundPeriod records a problem unless a valid period fits round rd: starting in the round's
// first financial year and covering at least the years the round asks for.
func checkRoundPeriod(ps *problems, rd *Round, period Period) {
	if period.FirstYear != rd.FirstFinancialYear {
		ps.add(ErrPeriodOutsideRound, "period.first_year", "%d is not %d: plans of round %s cover financial years from %d/%02d",
			period.FirstYear, rd.FirstFinancialYear, rd.Round, rd.FirstFinancialYear, (rd.FirstFinancialYear+1)%100)
	}
	if n := period.Years(); n >= MinPlanYears && n < rd.MinYears {
		ps.add(ErrPeriodTooShort, "period", "covers %d financial years; round %s asks for at least %d", n, rd.Round, rd.MinYears)
	}
}

func (p *Plan) decideRevise(reg *Registry, a Actor, c RevisePlan) (EventData, error) {
	if err := p.requireLive(a, RolePCTCommissioner); err != nil {
		return nil, err
	}
	if err := p.requireLeadPCT(reg, a, "revise"); err != nil {
		return nil, err
	}
	var ps problems
	c.Content.check(&ps, p.period, true)
	if lhc, ok := reg.lhcs[p.lhcID]; ok {
		c.Content.checkCoverage(&ps, reg, lhc)
	}
	requiredLong.check(&ps, ErrInvalidCommand, "reason", c.Reason)
	if err := ps.err(); err != nil {
		return nil, err
	}
	cur := p.current()
	if cur.Number >= MaxVersions {
		return nil, ErrTooManyVersions.with("plan %s has %d versions, the most a plan may; withdraw it and submit a new one", p.id, cur.Number)
	}
	if err := p.checkStreamRoom("revision"); err != nil {
		return nil, err
	}
	if !isSHA256Hex(c.ContentHash) {
		return nil, ErrInvalidCommand.with("the revision's content hash %q is not a SHA-256: the caller must compute it", c.ContentHash)
	}
	if c.ContentHash == cur.ContentHash {
		return nil, ErrNoChange.at("content", "is identical to version %d (content hash %s)", cur.Number, c.ContentHash)
	}
	return PlanRevised{Version: cur.Number + 1, Content: c.Content.Clone(), Reason: c.Reason}, nil
}

func (p *Plan) decideContribute(reg *Registry, a Actor, c RecordContribution) (EventData, error) {
	if err := requireContributorRole(a, "contribute to"); err != nil {
		return nil, err
	}
	if err := p.requireLive(a, a.Role); err != nil {
		return nil, err
	}
	if _, err := p.requireContributor(reg, a, "contribute to"); err != nil {
		return nil, err
	}
	var ps problems
	switch {
	case c.Section == "":
		ps.add(ErrInvalidCommand, "section", "is required")
	case !slices.Contains(Sections, c.Section):
		ps.add(ErrInvalidCommand, "section", "unknown section %q; want one of %s", c.Section, strings.Join(Sections, ", "))
	}
	summaryText.check(&ps, ErrInvalidCommand, "summary", c.Summary)
	if c.DocumentSHA256 != "" && !isSHA256Hex(c.DocumentSHA256) {
		ps.add(ErrInvalidCommand, "document_sha256", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	cur := p.current()
	if cur.Assurance != nil {
		return nil, ErrContributionsClosed.with("version %d has been judged %s by %s; revise the plan before contributing", cur.Number, cur.Assurance.Outcome.Phrase(), cur.Assurance.SHACode)
	}
	if st := cur.accounted(a.Org); st == MemberStateDeclined || st == MemberStateExcused {
		return nil, ErrMemberAccounted.with("%s has already %s for version %d: a member is accounted for once a version", a.Org, st, cur.Number)
	}
	made := 0
	for _, x := range cur.Contributions {
		if x.ContributorODS == a.Org {
			made++
		}
	}
	if made >= MaxContributionsPerOrgVersion {
		return nil, ErrTooManyContributions.with("%s has made %d contributions to version %d, the most an organisation may make to one version", a.Org, made, cur.Number)
	}
	if err := p.checkStreamRoom("contribution"); err != nil {
		return nil, err
	}
	return ContributionRecorded{Version: cur.Number, ContributorODS: a.Org, Section: c.Section, Summary: c.Summary, DocumentSHA256: c.DocumentSHA256}, nil
}

func (p *Plan) decideSignOff(reg *Registry, a Actor, at time.Time, c SignOffPlan) (EventData, error) {
	if err := p.requireLive(a, RoleChiefExecutive); err != nil {
		return nil, err
	}
	cur := p.current()
	signatories := cur.signatories(p.leadPCT)
	lhc, known := reg.lhcs[p.lhcID]
	member := known && lhc.HasMember(a.Org)
	if a.Org == "" || (!slices.Contains(signatories, a.Org) && !member) {
		return nil, ErrNotSignatory.with("%q is neither the lead PCT, a contributor to version %d nor a member of LHC %q; the signatories it needs are %s",
			a.Org, cur.Number, p.lhcID, strings.Join(signatories, ", "))
	}
	if err := requireChiefExecutive(reg, a, at); err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	requiredLong.check(&ps, ErrInvalidCommand, "statement", c.Statement)
	switch {
	case c.ContentHash == "":
		ps.add(ErrInvalidCommand, "content_hash", "is required")
	case !isSHA256Hex(c.ContentHash):
		ps.add(ErrInvalidCommand, "content_hash", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	if s, done := cur.signOff(a.Org); done {
		return nil, ErrAlreadySignedOff.with("%s signed off version %d at %s (person %s)", a.Org, cur.Number, stamp(s.RecordedAt), s.PersonID)
	}
	if c.ContentHash != cur.ContentHash {
		return nil, ErrContentHashMismatch.at("content_hash", "%s is not the content hash of version %d, %s", c.ContentHash, cur.Number, cur.ContentHash)
	}
	if err := p.requireBoardApproval(reg, a.Org); err != nil {
		return nil, err
	}
	return SROSignedOff{Version: cur.Number, ODSCode: a.Org, PersonID: a.PersonID, Statement: c.Statement, ContentHash: cur.ContentHash}, nil
}

// requireChiefExecutive refuses unless a is the chief executive appointed for a's organisation at
// instant at. The message says who is, so that a wrong token or a lapsed appointment is obvious.
func requireChiefExecutive(reg *Registry, a Actor, at time.Time) error {
	when := stamp(at)
	org, ok := reg.orgs[a.Org]
	if !ok {
		return ErrNotChiefExecutive.with("%s is not a registered organisation, so has no chief executive", a.Org)
	}
	appt, ok := org.chiefExecutiveAt(at)
	if ok && appt.PersonID == a.PersonID && a.PersonID != "" {
		return nil
	}
	var own string
	for _, x := range org.ChiefExecutives {
		if x.PersonID == a.PersonID && x.EffectiveFrom.After(at) {
			own = fmt.Sprintf(" (%s's appointment takes effect at %s)", a.PersonID, stamp(x.EffectiveFrom))
			break
		}
	}
	if !ok {
		return ErrNotChiefExecutive.with("no chief executive of %s is appointed at %s%s", a.Org, when, own)
	}
	return ErrNotChiefExecutive.with("%q is not the chief executive of %s at %s; %s (%s) is, since %s%s",
		a.PersonID, a.Org, when, appt.Name, appt.PersonID, stamp(appt.EffectiveFrom), own)
}

func (p *Plan) decideAssure(reg *Registry, a Actor, at time.Time, c RecordAssurance) (EventData, error) {
	if err := p.requireLive(a, RoleSHAAssurer); err != nil {
		return nil, err
	}
	lhc, err := p.requireSHA(reg, a)
	if err != nil {
		return nil, err
	}
	var ps problems
	if checkVersion(&ps, c.Version); len(ps) > 0 {
		return nil, ps.err()
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	cur := p.current()
	if x := cur.Assurance; x != nil {
		return nil, ErrAlreadyAssured.with("version %d has already been judged %s by %s at %s; a new assurance needs a new version", cur.Number, x.Outcome.Phrase(), x.SHACode, stamp(x.RecordedAt))
	}
	if missing := cur.unaccounted(p.leadPCT, *lhc); len(missing) > 0 {
		e := ErrMembersUnaccounted.with("version %d: %s of LHC %q %s neither contributed, declined nor been excused",
			cur.Number, strings.Join(missing, ", "), lhc.ID, map[bool]string{true: "has", false: "have"}[len(missing) == 1])
		for _, m := range missing {
			e.Fields = append(e.Fields, FieldError{Field: "members_unaccounted", Message: m})
		}
		return nil, e
	}
	if out := cur.outstanding(p.leadPCT); len(out) > 0 {
		return nil, ErrSignOffsOutstanding.with("version %d still needs sign-off by %s", cur.Number, strings.Join(out, ", "))
	}
	rd, ok := reg.rounds[p.round]
	if !ok {
		return nil, ErrRoundNotPublished.with("round %s has not been published, so it has no catalogue of criteria to assure against; the registry's administrator publishes it", p.round)
	}
	pfit, assigned := reg.shaPfIT[lhc.SHACode]
	switch {
	case !assigned:
		return nil, ErrWrongPfIT.at("pfit", "%s is assigned to no programme for IT; the registry's administrator assigns it", lhc.SHACode)
	case c.PfIT != pfit:
		return nil, ErrWrongPfIT.at("pfit", "%q is not %s's programme for IT, %s (%s)", c.PfIT, lhc.SHACode, pfit, reg.pfits[pfit].Name)
	}
	if err := checkAssurance(c, rd, p.period, DateOf(at.UTC())); err != nil {
		return nil, err
	}
	return AssuranceRecorded{
		Version: cur.Number, SHACode: lhc.SHACode, Outcome: c.Outcome, Criteria: slices.Clone(nonNil(c.Criteria)),
		Conditions: slices.Clone(nonNil(c.Conditions)), ReflectedInPfITPlan: c.ReflectedInPfITPlan, PfIT: c.PfIT,
	}, nil
}

// checkAssurance checks an assurance against the round's catalogue and its own outcome: every
// criterion rated once; any red makes it not assured; any amber (and no red) makes it assured with
// conditions, with a condition naming each amber criterion; assured needs every criterion green
// and the plan reflected in the PfIT plan; not assured needs a red criterion or a plan not
// reflected; the PfIT reflection criterion, where the catalogue has one, is rated as the flag says
// (green only when reflected, amber or red when not). Conditions name an amber criterion and fall
// due from today to the end of the plan's period: a condition is met while the plan runs.
func checkAssurance(c RecordAssurance, rd *Round, period Period, today Date) error {
	var ps problems
	switch {
	case c.Outcome == "":
		ps.add(ErrInvalidAssurance, "outcome", "is required")
	case !c.Outcome.Valid():
		ps.add(ErrInvalidAssurance, "outcome", "unknown outcome %q; want one of %s, %s, %s", c.Outcome, OutcomeAssured, OutcomeAssuredWithConditions, OutcomeNotAssured)
	}
	rated := map[string]Rating{}
	var reds, ambers []string
	hasRed := slices.ContainsFunc(c.Criteria, func(x Criterion) bool { return x.Rating == RatingRed })
	for i, cr := range c.Criteria {
		field := fmt.Sprintf("criteria[%d]", i)
		if _, dup := rated[cr.ID]; dup && cr.ID != "" {
			ps.add(ErrInvalidAssurance, field+".id", "criterion %q is rated twice", cr.ID)
			continue
		}
		switch {
		case cr.ID == "":
			ps.add(ErrInvalidAssurance, field+".id", "is required")
		case !rd.HasCriterion(cr.ID):
			ps.add(ErrInvalidAssurance, field+".id", "%q is not a criterion of round %s; its catalogue is %s", cr.ID, rd.Round, catalogueIDs(rd))
		default:
			rated[cr.ID] = cr.Rating
		}
		switch {
		case cr.Rating == "":
			ps.add(ErrInvalidAssurance, field+".rating", "is required")
		case !cr.Rating.Valid():
			ps.add(ErrInvalidAssurance, field+".rating", "unknown rating %q; want green, amber or red", cr.Rating)
		case cr.Rating == RatingRed:
			reds = append(reds, cr.ID)
			if c.Outcome.Valid() && c.Outcome != OutcomeNotAssured {
				ps.add(ErrInvalidAssurance, field+".rating", "criterion %q is rated red, so the outcome must be %s", cr.ID, OutcomeNotAssured)
			}
		case cr.Rating == RatingAmber:
			ambers = append(ambers, cr.ID)
			if !hasRed && c.Outcome.Valid() && c.Outcome != OutcomeAssuredWithConditions {
				ps.add(ErrInvalidAssurance, field+".rating", "criterion %q is rated amber, so the outcome must be %s", cr.ID, OutcomeAssuredWithConditions)
			}
		}
		optionalLong.check(&ps, ErrInvalidAssurance, field+".note", cr.Note)
	}
	var missing []string
	for _, k := range rd.Criteria {
		if _, ok := rated[k.ID]; !ok {
			missing = append(missing, k.ID)
		}
	}
	if len(missing) > 0 {
		ps.add(ErrInvalidAssurance, "criteria", "round %s's catalogue also has %s: every criterion is rated", rd.Round, strings.Join(missing, ", "))
	}
	switch r, ok := rated[CriterionPfITReflection]; {
	case !ok:
	case c.ReflectedInPfITPlan && r != RatingGreen:
		ps.add(ErrInvalidAssurance, "reflected_in_pfit_plan", "is true, but criterion %s is rated %s: a plan reflected in the PfIT plan rates it green", CriterionPfITReflection, r)
	case !c.ReflectedInPfITPlan && r == RatingGreen:
		ps.add(ErrInvalidAssurance, "reflected_in_pfit_plan", "is false, but criterion %s is rated green: a plan not reflected in the PfIT plan rates it amber or red", CriterionPfITReflection)
	}
	switch c.Outcome {
	case OutcomeAssured:
		if !c.ReflectedInPfITPlan {
			ps.add(ErrInvalidAssurance, "reflected_in_pfit_plan", "must be true for outcome %s: an assured plan is reflected in the PfIT plan", OutcomeAssured)
		}
	case OutcomeNotAssured:
		if len(reds) == 0 && c.ReflectedInPfITPlan {
			ps.add(ErrInvalidAssurance, "outcome", "no criterion is rated red and the plan is reflected in the PfIT plan: nothing says it is %s", OutcomeNotAssured)
		}
	}
	if c.Outcome == OutcomeAssuredWithConditions {
		switch {
		case len(c.Conditions) == 0:
			ps.add(ErrInvalidAssurance, "conditions", "at least one condition is required for outcome %s", OutcomeAssuredWithConditions)
		case len(c.Conditions) > MaxConditions:
			ps.add(ErrInvalidAssurance, "conditions", "%d conditions; an assurance attaches at most %d", len(c.Conditions), MaxConditions)
		}
		ids := map[string]int{}
		named := map[string]bool{}
		for i, cond := range c.Conditions {
			field := fmt.Sprintf("conditions[%d]", i)
			if j, dup := ids[cond.ID]; dup && cond.ID != "" {
				ps.add(ErrInvalidAssurance, field+".id", "condition %q is also at conditions[%d]", cond.ID, j)
			} else if checkSlug(&ps, ErrInvalidAssurance, field+".id", "condition id", cond.ID) {
				ids[cond.ID] = i
			}
			requiredLong.check(&ps, ErrInvalidAssurance, field+".text", cond.Text)
			switch r, ok := rated[cond.Criterion]; {
			case cond.Criterion == "":
				ps.add(ErrInvalidAssurance, field+".criterion", "is required: the criterion the condition answers")
			case !rd.HasCriterion(cond.Criterion):
				ps.add(ErrInvalidAssurance, field+".criterion", "%q is not a criterion of round %s", cond.Criterion, rd.Round)
			case ok && r == RatingRed:
				ps.add(ErrInvalidAssurance, field+".criterion", "criterion %q is rated red: a condition cannot make up for it", cond.Criterion)
			case ok && r != RatingAmber:
				ps.add(ErrInvalidAssurance, field+".criterion", "criterion %q is rated %s: a condition answers a criterion rated amber", cond.Criterion, r)
			default:
				named[cond.Criterion] = true
			}
			switch {
			case cond.Due.IsZero():
				ps.add(ErrInvalidAssurance, field+".due", "is required: the date the condition must be met by")
			case cond.Due.Before(today):
				ps.add(ErrInvalidAssurance, field+".due", "%s has passed (today is %s)", cond.Due, today)
			case cond.Due.After(period.End()):
				ps.add(ErrInvalidAssurance, field+".due", "%s is after the plan's period ends on %s", cond.Due, period.End())
			}
		}
		for _, id := range ambers {
			if !named[id] {
				ps.add(ErrInvalidAssurance, "conditions", "criterion %q is rated amber but no condition names it", id)
			}
		}
	} else if len(c.Conditions) > 0 && c.Outcome.Valid() {
		ps.add(ErrInvalidAssurance, "conditions", "must be empty for outcome %s; conditions belong to %s", c.Outcome, OutcomeAssuredWithConditions)
	}
	requiredShort.check(&ps, ErrInvalidAssurance, "pfit", c.PfIT)
	return ps.err()
}

func catalogueIDs(rd *Round) string {
	ids := make([]string, len(rd.Criteria))
	for i, c := range rd.Criteria {
		ids[i] = c.ID
	}
	return strings.Join(ids, ", ")
}

func (p *Plan) decideAcknowledge(reg *Registry, a Actor, c AcknowledgeAssurance) (EventData, error) {
	if err := p.requireLive(a, RoleCfH); err != nil {
		return nil, err
	}
	if err := reg.requireCfH(a); err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	optionalLong.check(&ps, ErrInvalidCommand, "note", c.Note)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	cur := p.current()
	switch x := cur.Assurance; {
	case x == nil:
		return nil, ErrNotAssured.with("version %d has no assurance yet", cur.Number)
	case !x.Outcome.Positive():
		return nil, ErrNotAssured.with("version %d was judged %s by %s; only an assured plan is acknowledged (CfH may note it instead)", cur.Number, x.Outcome.Phrase(), x.SHACode)
	case cur.Acknowledgement == nil && !x.ReflectedInPfITPlan:
		return nil, ErrNotReflectedInPfITPlan.with("%s's assurance of version %d (event %s) says the plan is not reflected in the PfIT plan %s; CfH may note it, not acknowledge it",
			x.SHACode, cur.Number, x.EventID, x.PfIT)
	case cur.Acknowledgement != nil:
		return nil, ErrAlreadyAcknowledged.with("the assurance of version %d (event %s) was acknowledged at %s", cur.Number, x.EventID, stamp(cur.Acknowledgement.RecordedAt))
	default:
		return CfHAcknowledged{Version: cur.Number, AssuranceEventID: x.EventID, Note: c.Note}, nil
	}
}

func (p *Plan) decideWithdraw(reg *Registry, a Actor, c WithdrawPlan) (EventData, error) {
	if err := p.requireLive(a, RolePCTCommissioner); err != nil {
		return nil, err
	}
	if err := p.requireLeadPCT(reg, a, "withdraw"); err != nil {
		return nil, err
	}
	var ps problems
	requiredLong.check(&ps, ErrInvalidCommand, "reason", c.Reason)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return PlanWithdrawn(c), nil
}

func requireRole(a Actor, r Role) error {
	if a.Role != r {
		return ErrRoleNotAllowed.with("role %q may not do this; it needs role %q", a.Role, r)
	}
	return nil
}

// requireLive checks the actor's role, then that the plan exists and has not been withdrawn.
func (p *Plan) requireLive(a Actor, r Role) error {
	if err := requireRole(a, r); err != nil {
		return err
	}
	if !p.exists {
		return ErrPlanNotFound.with("the plan has not been submitted")
	}
	if w := p.withdrawal; w != nil {
		return ErrPlanWithdrawn.with("plan %s was withdrawn at %s: %s", p.id, stamp(w.RecordedAt), w.Reason)
	}
	return nil
}

// requireLeadPCT checks that a acts for the lead PCT of the plan's LHC.
func (p *Plan) requireLeadPCT(reg *Registry, a Actor, verb string) error {
	lead := p.leadPCT
	if lhc, ok := reg.lhcs[p.lhcID]; ok {
		lead = lhc.LeadPCT
	}
	if a.Org != lead {
		return ErrOrganisationNotAllowed.with("%q is not the lead PCT of LHC %q; only %s may %s its plan", a.Org, p.lhcID, lead, verb)
	}
	return nil
}

func checkVersion(ps *problems, v int) {
	if v <= 0 {
		ps.add(ErrInvalidCommand, "version", "is required: the number of the version acted on")
	}
}

// requireCurrent refuses a command that names a version other than the current one: the actor
// decided on something that has since changed.
func (p *Plan) requireCurrent(v int) error {
	if cur := p.Version(); v != cur {
		return ErrStaleVersion.at("version", "version %d is not the current version, %d", v, cur)
	}
	return nil
}

// planCommandValue turns a pointer to a command into the value.
func planCommandValue(cmd PlanCommand) PlanCommand {
	switch c := cmd.(type) {
	case *SubmitPlan:
		return derefCommand(c)
	case *RevisePlan:
		return derefCommand(c)
	case *RecordContribution:
		return derefCommand(c)
	case *SignOffPlan:
		return derefCommand(c)
	case *RecordAssurance:
		return derefCommand(c)
	case *AcknowledgeAssurance:
		return derefCommand(c)
	case *WithdrawPlan:
		return derefCommand(c)
	case *DeclineContribution:
		return derefCommand(c)
	case *ExcuseMember:
		return derefCommand(c)
	case *SubmitConditionEvidence:
		return derefCommand(c)
	case *DischargeCondition:
		return derefCommand(c)
	case *LapseCondition:
		return derefCommand(c)
	case *NoteAssurance:
		return derefCommand(c)
	case *ReportMilestone:
		return derefCommand(c)
	case *RecordBoardApproval:
		return derefCommand(c)
	}
	return cmd
}

func derefCommand[T PlanCommand](p *T) PlanCommand {
	if p == nil {
		return nil
	}
	return *p
}
