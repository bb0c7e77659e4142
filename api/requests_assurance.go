package api

import "assurance-ledger/domain"

// Request bodies of the assurance process's commands (docs/design.md section 7).

type publishRoundBody struct {
	Round              string                      `json:"round"`
	Title              string                      `json:"title"`
	GuidanceRef        string                      `json:"guidance_ref"`
	PublishedOn        domain.Date                 `json:"published_on"`
	FirstFinancialYear int                         `json:"first_financial_year"`
	MinYears           int                         `json:"min_years"`
	Milestones         []domain.Milestone          `json:"milestones"`
	Criteria           []domain.CatalogueCriterion `json:"criteria"`
	// BoardApprovalRequired asks for a governance body's approval of a version before each sign-off;
	// optional, false when left out, as clients written before it send none.
	BoardApprovalRequired bool `json:"board_approval_required"`
}

type changeMilestoneBody struct {
	Milestone string      `json:"milestone"`
	Due       domain.Date `json:"due"`
	Reason    string      `json:"reason"`
}

type registerPfITBody struct {
	PfITID string `json:"pfit_id"`
	Name   string `json:"name"`
}

type assignPfITBody struct {
	PfITID string `json:"pfit_id"`
}

type declineBody struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

type excusalBody struct {
	Version int    `json:"version"`
	ODSCode string `json:"ods_code"`
	Reason  string `json:"reason"`
}

type cfhNoteBody struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

type conditionEvidenceBody struct {
	Version        int    `json:"version"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256"`
}

type conditionDecisionBody struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

type shaReturnBody struct {
	Round       string                   `json:"round"`
	Plans       []domain.ReturnedPlan    `json:"plans"`
	Exceptions  []domain.ReturnException `json:"exceptions"`
	PfITPlanRef domain.PfITPlanRef       `json:"pfit_plan_ref"`
}

type returnAcknowledgementBody struct {
	Note    string   `json:"note"`
	Queries []string `json:"queries"`
}
