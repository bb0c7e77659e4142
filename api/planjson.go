package api

import (
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// planJSON is projections.PlanState as GET /v1/plans/{id} encodes it, field for field and tag for
// tag, except that the content is a contentJSON. domain.Content's MarshalJSON (which turns absent
// lists into []) makes encoding/json marshal the content on its own and then re-scan and compact
// the result: about a third of the cost of answering. contentJSON has no methods, so the content is
// encoded in the same pass, to the same bytes. TestPlanJSONMirrorsPlanState keeps the fields in
// step with PlanState.
type planJSON struct {
	PlanID          string                     `json:"plan_id"`
	LHCID           string                     `json:"lhc_id"`
	SHACode         string                     `json:"sha_code"`
	Round           string                     `json:"round"`
	Status          domain.Status              `json:"status"`
	Version         int                        `json:"version"`
	Period          domain.Period              `json:"period"`
	ContentHash     string                     `json:"content_hash"`
	Content         contentJSON                `json:"content"`
	SignOffs        []projections.SignOffView  `json:"signoffs"`
	Contributors    []string                   `json:"contributors"`
	Outstanding     []string                   `json:"outstanding_signoffs"`
	Assurance       *projections.AssuranceView `json:"assurance"`
	Acknowledged    bool                       `json:"acknowledged"`
	Withdrawn       bool                       `json:"withdrawn"`
	SubmittedAt     time.Time                  `json:"submitted_at"`
	Revision        uint64                     `json:"revision"`
	Position        uint64                     `json:"position"`
	AsOfPosition    uint64                     `json:"as_of_position,omitempty"`
	VersionsHistory []projections.VersionView  `json:"versions"`
}

// contentJSON is domain.Content without its MarshalJSON; toPlanJSON does what that method does.
type contentJSON domain.Content

func toPlanJSON(st projections.PlanState) planJSON {
	c := contentJSON(st.Content)
	if c.Clinical5 == nil {
		c.Clinical5 = []domain.Capability{}
	}
	if c.NationalProgrammes == nil {
		c.NationalProgrammes = []domain.NationalProgramme{}
	}
	return planJSON{
		PlanID: st.PlanID, LHCID: st.LHCID, SHACode: st.SHACode, Round: st.Round, Status: st.Status,
		Version: st.Version, Period: st.Period, ContentHash: st.ContentHash, Content: c,
		SignOffs: st.SignOffs, Contributors: st.Contributors, Outstanding: st.Outstanding,
		Assurance: st.Assurance, Acknowledged: st.Acknowledged, Withdrawn: st.Withdrawn,
		SubmittedAt: st.SubmittedAt, Revision: st.Revision, Position: st.Position,
		AsOfPosition: st.AsOfPosition, VersionsHistory: st.VersionsHistory,
	}
}
