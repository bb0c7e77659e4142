package web

import "assurance-ledger/domain"

// These are the API's rules (api/server.go) for the routes whose data the pages show: a page is
// refused exactly when its API route would refuse the same token. TestPagesFollowTheAPIRules checks
// the two agree.

// canSeeSHA: GET /v1/shas/{code}/assurance-status is for that SHA, CfH, auditors and admins.
func canSeeSHA(a domain.Actor, code string) bool {
	return a.Org == code || a.Role == domain.RoleCfH || a.Role == domain.RoleAuditor || a.Role == domain.RoleAdmin
}

// canSeeSRO: GET /v1/organisations/{ods}/sro-evidence is for that organisation, auditors and admins.
func canSeeSRO(a domain.Actor, ods string) bool {
	return a.Org == ods || a.Role == domain.RoleAuditor || a.Role == domain.RoleAdmin
}
