package domain

import (
	"time"
)

// What follows an assurance: the conditions attached to it are evidenced by the lead PCT and
// discharged, or let lapse, by the SHA; CfH notes an assurance it cannot acknowledge.

// SubmitConditionEvidence is the lead PCT's evidence that a condition of the current version's
// assurance is met.
type SubmitConditionEvidence struct {
	Version        int    `json:"version"`
	ConditionID    string `json:"condition_id"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256"`
}

// DischargeCondition is the SHA's acceptance that a condition is met.
type DischargeCondition struct {
	Version     int    `json:"version"`
	ConditionID string `json:"condition_id"`
	Note        string `json:"note"`
}

// LapseCondition is the SHA's record that a condition was not met by its due date.
type LapseCondition struct {
	Version     int    `json:"version"`
	ConditionID string `json:"condition_id"`
	Note        string `json:"note"`
}

// NoteAssurance is CfH's note of an assurance it cannot acknowledge: not assured, or not reflected
// in the PfIT plan.
type NoteAssurance struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

func (SubmitConditionEvidence) planCommand() {}
func (DischargeCondition) planCommand()      {}
func (LapseCondition) planCommand()          {}
func (NoteAssurance) planCommand()           {}

func (p *Plan) decideConditionEvidence(reg *Registry, a Actor, c SubmitConditionEvidence) (EventData, error) {
	if err := p.requireLive(a, RolePCTCommissioner); err != nil {
		return nil, err
	}
	if err := p.requireLeadPCT(reg, a, "evidence the conditions of"); err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	requiredLong.check(&ps, ErrInvalidCommand, "summary", c.Summary)
	if c.DocumentSHA256 != "" && !isSHA256Hex(c.DocumentSHA256) {
		ps.add(ErrInvalidCommand, "document_sha256", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	cond, err := p.openCondition(c.Version, c.ConditionID)
	if err != nil {
		return nil, err
	}
	if len(cond.Evidence) >= MaxEvidencePerCondition {
		return nil, ErrConditionClosed.at("condition_id", "condition %q has had evidence submitted %d times, the most it may; the SHA discharges it or lets it lapse", cond.ID, len(cond.Evidence))
	}
	if err := p.checkStreamRoom("condition evidence"); err != nil {
		return nil, err
	}
	return ConditionEvidenceSubmitted{Version: c.Version, ConditionID: cond.ID, Summary: c.Summary, DocumentSHA256: c.DocumentSHA256}, nil
}

func (p *Plan) decideDischarge(reg *Registry, a Actor, c DischargeCondition) (EventData, error) {
	cond, err := p.sharesDecision(reg, a, c.Version, c.ConditionID, c.Note)
	if err != nil {
		return nil, err
	}
	if len(cond.Evidence) == 0 {
		return nil, ErrNoConditionEvidence.at("condition_id", "the lead PCT has submitted no evidence for condition %q; discharge follows evidence (or let it lapse once due)", cond.ID)
	}
	return ConditionDischarged{Version: c.Version, ConditionID: cond.ID, Note: c.Note}, nil
}

func (p *Plan) decideLapse(reg *Registry, a Actor, at time.Time, c LapseCondition) (EventData, error) {
	cond, err := p.sharesDecision(reg, a, c.Version, c.ConditionID, c.Note)
	if err != nil {
		return nil, err
	}
	if cond.Due.IsZero() {
		// A condition recorded under schema version 1 had no due date, so none can pass: it stays
		// open, never overdue, until evidence is in and the SHA discharges it.
		return nil, ErrConditionNotDue.at("condition_id", "condition %q has no due date (it was recorded before conditions had one), so it cannot lapse; discharge it once the lead PCT's evidence is in", cond.ID)
	}
	if today := DateOf(at.UTC()); !today.After(cond.Due) {
		return nil, ErrConditionNotDue.at("condition_id", "condition %q is due on %s; it can lapse only after that (today is %s)", cond.ID, cond.Due, today)
	}
	return ConditionLapsed{Version: c.Version, ConditionID: cond.ID, Note: c.Note}, nil
}

// sharesDecision checks what discharging a condition and letting it lapse have in common: the
// LHC's SHA acts, on an open condition of the current version, with a note.
func (p *Plan) sharesDecision(reg *Registry, a Actor, version int, id, note string) (ConditionRecord, error) {
	if err := p.requireLive(a, RoleSHAAssurer); err != nil {
		return ConditionRecord{}, err
	}
	if _, err := p.requireSHA(reg, a); err != nil {
		return ConditionRecord{}, err
	}
	var ps problems
	checkVersion(&ps, version)
	requiredLong.check(&ps, ErrInvalidCommand, "note", note)
	if err := ps.err(); err != nil {
		return ConditionRecord{}, err
	}
	return p.openCondition(version, id)
}

// openCondition returns condition id of the current version's assurance, refusing a version that
// is not the current one, an unknown condition and one already closed.
func (p *Plan) openCondition(version int, id string) (ConditionRecord, error) {
	if err := p.requireCurrent(version); err != nil {
		return ConditionRecord{}, err
	}
	cur := p.current()
	if cur.Assurance == nil {
		return ConditionRecord{}, ErrConditionNotFound.at("condition_id", "version %d has no assurance, so no conditions", cur.Number)
	}
	i := cur.Assurance.condition(id)
	if i < 0 {
		return ConditionRecord{}, ErrConditionNotFound.at("condition_id", "the assurance of version %d has no condition %q", cur.Number, id)
	}
	cond := cur.Assurance.Conditions[i]
	if cond.State != ConditionStateOpen {
		return ConditionRecord{}, ErrConditionClosed.at("condition_id", "condition %q was %s at %s", id, cond.State, stamp(cond.ClosedAt))
	}
	return cond, nil
}

func (p *Plan) decideNote(reg *Registry, a Actor, c NoteAssurance) (EventData, error) {
	if err := p.requireLive(a, RoleCfH); err != nil {
		return nil, err
	}
	if err := reg.requireCfH(a); err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	requiredLong.check(&ps, ErrInvalidCommand, "note", c.Note)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	cur := p.current()
	switch x := cur.Assurance; {
	case x == nil:
		return nil, ErrNotAssured.with("version %d has no assurance yet; there is nothing to note", cur.Number)
	case cur.Acknowledgement != nil:
		return nil, ErrAlreadyAcknowledged.with("the assurance of version %d was acknowledged at %s", cur.Number, stamp(cur.Acknowledgement.RecordedAt))
	case x.Outcome.Positive() && x.ReflectedInPfITPlan:
		return nil, ErrAcknowledgeInstead.with("version %d is %s and reflected in the PfIT plan: acknowledge it rather than note it", cur.Number, x.Outcome.Phrase())
	case cur.CfHNote != nil:
		return nil, ErrAlreadyNoted.with("CfH noted the assurance of version %d at %s", cur.Number, stamp(cur.CfHNote.RecordedAt))
	}
	return CfHNoted{Version: cur.Number, Note: c.Note}, nil
}
