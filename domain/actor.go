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

// Check says what is wrong with the actor a token names, field by field (person_id, name, role,
// org), or nil. Who acts is recorded into every event they cause, so the same rules hold as for
// the names a command records: a person id and a name are short text (domain/text.go: no hidden,
// blank-looking or bidirectional characters, at most 200 characters), the org is an ODS code.
func (a Actor) Check() []FieldError {
	var ps problems
	requiredShort.check(&ps, ErrInvalidCommand, "person_id", a.PersonID)
	requiredShort.check(&ps, ErrInvalidCommand, "name", a.Name)
	if !a.Role.Valid() {
		ps.add(ErrInvalidCommand, "role", "%.32q is not one of admin, pct_commissioner, provider, chief_executive, sha_assurer, cfh, auditor", string(a.Role))
	}
	checkODS(&ps, "org", a.Org, true)
	return ps.fields()
}
