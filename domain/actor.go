package domain

// Role is what a person may do, carried in their bearer token.
type Role string

const (
	RoleAdmin           Role = "admin"
	RolePCTCommissioner Role = "pct_commissioner"
	RoleProvider        Role = "provider"
	RoleChiefExecutive  Role = "chief_executive"
	RoleSHAAssurer      Role = "sha_assurer"
	RoleCfH             Role = "cfh"
	RoleAuditor         Role = "auditor" // read-only
)

// Roles lists every role, in a stable order.
var Roles = []Role{RoleAdmin, RolePCTCommissioner, RoleProvider, RoleChiefExecutive, RoleSHAAssurer, RoleCfH, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Actor is the person a command is decided for: who they are, the role they act in and the
// organisation (ODS code) they act for.
type Actor struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Org      string `json:"org"`
}
