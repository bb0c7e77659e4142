package demo

import (
	"fmt"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// IT governance in the demo: every LHC has a programme board, every real PCT and NHS trust an
// informatics board chaired by its chief executive, and each organisation's board approves a
// version before its chief executive signs it off (which round 2010-11 requires, and the boards of
// 2009-10 did anyway).

// bodyID is the id of organisation org's informatics board, or of LHC lhc's programme board.
func orgBodyID(org string) string { return "ib-" + slug(org) }
func lhcBodyID(lhc string) string { return "pb-" + lhc[len("lhc-"):] }

// governanceSteps records the boards, from six months before the demo starts, as the registry's
// last step before at.
func (d *Dataset) governanceSteps(at time.Time) []Step {
	from := domain.DateOf(day(d.Start.AddDate(0, -6, 0)))
	var steps []Step
	emit := func(cmd domain.RecordGovernanceBody) {
		steps = append(steps, Step{At: at.Add(time.Duration(len(steps)) * time.Second), Actor: d.Admin, Cmd: cmd})
	}
	for _, o := range d.Organisations {
		if !o.Kind.IsNHS() || o.Illustrative || len(o.ChiefExecutives) == 0 {
			continue
		}
		emit(domain.RecordGovernanceBody{BodyID: orgBodyID(o.ODSCode), Name: o.Name + " Informatics Board", ODSCode: o.ODSCode,
			Kind: domain.BodyOrganisationBoard, ChairPersonID: o.ChiefExecutives[0].Person.PersonID,
			TermsOfReferenceSHA256: eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/informatics-board/terms-of-reference.pdf", o.ODSCode)), EffectiveFrom: from})
	}
	for _, l := range d.LHCs {
		emit(domain.RecordGovernanceBody{BodyID: lhcBodyID(l.ID), Name: l.Name + " Informatics Programme Board", LHCID: l.ID,
			Kind: domain.BodyLHCBoard, ChairPersonID: d.commissioners[l.LeadPCT].PersonID,
			TermsOfReferenceSHA256: eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/programme-board/terms-of-reference.pdf", l.ID)), EffectiveFrom: from})
	}
	return steps
}

// approve records, an hour before org's chief executive signs the current version off at t, its
// board's approval of that version at a meeting that day: its own board's, or the LHC's, whose
// one meeting every member relying on it cites.
func (b *planBuilder) approve(org string, ce domain.Actor, t time.Time) {
	body := lhcBodyID(b.lhc.ID)
	if o, ok := b.d.Organisation(org); ok && o.Kind.IsNHS() && !o.Illustrative {
		body = orgBodyID(org)
	}
	at := t.Add(-time.Hour)
	meeting := domain.DateOf(at.UTC())
	if b.spec.NoLapse {
		meeting = domain.DateOf(b.spec.Start.UTC())
	}
	cmd := domain.RecordBoardApproval{Version: b.version, BodyID: body,
		MeetingDate: meeting, MinuteRef: fmt.Sprintf("%s/%s/%d", body, at.Format("06-01"), b.version),
		DocumentSHA256: eventcodec.SHA256Hex(fmt.Appendf(nil, "%s/%s/minutes-v%d.pdf", b.id, org, b.version))}
	if body == lhcBodyID(b.lhc.ID) {
		if first, ok := b.lhcMeeting[b.version]; ok {
			cmd = first
		} else {
			if b.lhcMeeting == nil {
				b.lhcMeeting = map[int]domain.RecordBoardApproval{}
			}
			b.lhcMeeting[b.version] = cmd
		}
	}
	b.steps = append(b.steps, Step{At: at, Actor: ce, Plan: b.id, Cmd: cmd})
}
