package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"assurance-ledger/domain"
)

// A token may name an organisation the registry does not hold (an auditor's firm is no NHS body):
// it reads everything, as every role does, and acts on nothing, since every write rule checks the
// organisation against the registry. Only admin, the operator, acts whatever organisation it names.
func TestATokenForAnUnregisteredOrganisationReadsButCannotAct(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	content := sampleContent(t)
	hash := contentHash(t, content)
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	s.must(201, "POST", plan+"/contributions", &provider, map[string]any{"section": "clinical5", "summary": "Order comms"})
	s.must(201, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO I confirm", "content_hash": hash})
	s.must(201, "POST", plan+"/sro-signoffs", &ceRJ1, map[string]any{"version": 1, "statement": "As SRO I confirm", "content_hash": hash})

	const nobody = "Z99" // registered nowhere
	as := func(role domain.Role) *domain.Actor {
		return &domain.Actor{PersonID: "x-1", Name: "Xavier Elsewhere", Role: role, Org: nobody}
	}
	for _, path := range []string{plan, plan + "/audit-trail", "/v1/reports/transparency", "/v1/organisations"} {
		s.must(http.StatusOK, "GET", path, as(domain.RoleAuditor), nil)
	}
	for _, tc := range []struct {
		role       domain.Role
		path       string
		body       map[string]any
		wantStatus int
	}{
		{domain.RolePCTCommissioner, "/v1/plans", submitBody(t), http.StatusForbidden},
		{domain.RoleProvider, plan + "/contributions", map[string]any{"section": "clinical5", "summary": "x"}, http.StatusForbidden},
		{domain.RoleChiefExecutive, plan + "/sro-signoffs", map[string]any{"version": 1, "statement": "x", "content_hash": hash}, http.StatusForbidden},
		{domain.RoleSHAAssurer, plan + "/assurances", map[string]any{"version": 1, "outcome": "assured", "criteria": []map[string]any{{"id": "c5", "rating": "green"}, {"id": "ig", "rating": "green"}},
			"reflected_in_pfit_plan": true, "pfit": "london"}, http.StatusForbidden},
		{domain.RoleCfH, plan + "/acknowledgements", map[string]any{"version": 1, "note": "x"}, http.StatusForbidden},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			r := s.do("POST", tc.path, as(tc.role), tc.body)
			assert.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			assert.Contains(t, r.json(t)["detail"], nobody, "the refusal names the organisation")
		})
	}
	s.must(http.StatusCreated, "POST", "/v1/organisations", as(domain.RoleAdmin), map[string]any{"ods_code": "5C4", "name": "Tower Hamlets PCT", "kind": "pct", "sha_code": "Q36"})
	assert.Equal(t, "signed_off", s.must(200, "GET", plan, &auditor, nil)["status"], "nothing the refused commands asked for was recorded")
}
