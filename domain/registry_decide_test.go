package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type registryCase struct {
	name  string
	actor Actor // zero: admin
	cmd   RegistryCommand
	want  *Error
	field string
	setup func(w *world) // changes the world before the command; nil: none
	check func(t *testing.T, w *world, d EventData)
}

func runRegistryCases(t *testing.T, setup func(testing.TB) *world, cases []registryCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := setup(t)
			if c.setup != nil {
				c.setup(w)
			}
			a := c.actor
			if a == (Actor{}) {
				a = admin
			}
			orgs, lhcs := w.reg.Organisations(), w.reg.LHCs()
			d, err := w.reg.Decide(a, w.now, c.cmd)
			assert.Equal(t, orgs, w.reg.Organisations(), "Decide must not change the registry")
			assert.Equal(t, lhcs, w.reg.LHCs(), "Decide must not change the registry")
			if c.want != nil {
				e := assertRefused(t, err, c.want)
				if c.field != "" {
					assert.True(t, hasField(e, c.field), "refusal %v should name field %q", err, c.field)
				}
				return
			}
			require.NoError(t, err)
			require.NoError(t, w.reg.Apply(event(d, w.meta(a))), "a decided event must fold")
			if c.check != nil {
				c.check(t, w, d)
			}
		})
	}
}

// bareRegistry is a registry holding one SHA and one PCT, for registration tests.
func bareRegistry(tb testing.TB) *world {
	w := &world{tb: tb, reg: NewRegistry(), plan: NewPlan(), now: t0}
	w.registry(RegisterOrganisation{ODSCode: sha, Name: "Northshire SHA", Kind: KindSHA})
	w.registry(RegisterOrganisation{ODSCode: leadPCT, Name: "Northtown PCT", Kind: KindPCT, SHACode: sha})
	return w
}

func TestDecideRegisterOrganisation(t *testing.T) {
	runRegistryCases(t, bareRegistry, []registryCase{
		{name: "SHA", cmd: RegisterOrganisation{ODSCode: "Q30", Name: "Eastshire SHA", Kind: KindSHA},
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, OrganisationRegistered{ODSCode: "Q30", Name: "Eastshire SHA", Kind: KindSHA}, d)
				o, ok := w.reg.Organisation("Q30")
				require.True(t, ok)
				assert.Equal(t, KindSHA, o.Kind)
			}},
		{name: "PCT", cmd: RegisterOrganisation{ODSCode: "Z1B", Name: "Southtown PCT", Kind: KindPCT, SHACode: sha}},
		{name: "provider", cmd: RegisterOrganisation{ODSCode: "ZRJ", Name: "Trust", Kind: KindProvider, SHACode: sha}},
		{name: "non-NHS provider", cmd: RegisterOrganisation{ODSCode: "ZNV01", Name: "Hospice", Kind: KindNonNHSProvider, SHACode: sha}},
		{name: "CfH", cmd: RegisterOrganisation{ODSCode: "X09", Name: "NHS CfH", Kind: KindCfH},
			check: func(t *testing.T, w *world, _ EventData) {
				o, ok := w.reg.CfH()
				require.True(t, ok)
				assert.Equal(t, "X09", o.ODSCode)
			}},
		{name: "pointer command", cmd: &RegisterOrganisation{ODSCode: "Q31", Name: "SHA", Kind: KindSHA}},
		{name: "wrong role", actor: commissionr, cmd: RegisterOrganisation{ODSCode: "Q30", Name: "n", Kind: KindSHA}, want: ErrRoleNotAllowed},
		{name: "already registered", cmd: RegisterOrganisation{ODSCode: leadPCT, Name: "again", Kind: KindPCT, SHACode: sha}, want: ErrOrganisationExists, field: "ods_code"},
		{name: "lower-case code", cmd: RegisterOrganisation{ODSCode: "q30", Name: "n", Kind: KindSHA}, want: ErrInvalidCommand, field: "ods_code"},
		{name: "code too short", cmd: RegisterOrganisation{ODSCode: "Q3", Name: "n", Kind: KindSHA}, want: ErrInvalidCommand, field: "ods_code"},
		{name: "code too long", cmd: RegisterOrganisation{ODSCode: "Q30000", Name: "n", Kind: KindSHA}, want: ErrInvalidCommand, field: "ods_code"},
		{name: "no code", cmd: RegisterOrganisation{Name: "n", Kind: KindSHA}, want: ErrInvalidCommand, field: "ods_code"},
		{name: "no name", cmd: RegisterOrganisation{ODSCode: "Q30", Kind: KindSHA}, want: ErrInvalidCommand, field: "name"},
		{name: "padded name", cmd: RegisterOrganisation{ODSCode: "Q30", Name: " SHA", Kind: KindSHA}, want: ErrInvalidCommand, field: "name"},
		{name: "name with a line break", cmd: RegisterOrganisation{ODSCode: "Q30", Name: "North\nSHA", Kind: KindSHA}, want: ErrInvalidCommand, field: "name"},
		{name: "no kind", cmd: RegisterOrganisation{ODSCode: "Q30", Name: "n"}, want: ErrInvalidCommand, field: "kind"},
		{name: "unknown kind", cmd: RegisterOrganisation{ODSCode: "Q30", Name: "n", Kind: "hospital"}, want: ErrInvalidCommand, field: "kind"},
		{name: "PCT without SHA", cmd: RegisterOrganisation{ODSCode: "Z1B", Name: "n", Kind: KindPCT}, want: ErrInvalidCommand, field: "sha_code"},
		{name: "PCT under unknown SHA", cmd: RegisterOrganisation{ODSCode: "Z1B", Name: "n", Kind: KindPCT, SHACode: "ZQ9"}, want: ErrUnknownSHA, field: "sha_code"},
		{name: "PCT under a PCT", cmd: RegisterOrganisation{ODSCode: "Z1B", Name: "n", Kind: KindPCT, SHACode: leadPCT}, want: ErrWrongOrganisationKind, field: "sha_code"},
		{name: "SHA with a parent", cmd: RegisterOrganisation{ODSCode: "Q30", Name: "n", Kind: KindSHA, SHACode: sha}, want: ErrInvalidCommand, field: "sha_code"},
		{name: "CfH with a parent", cmd: RegisterOrganisation{ODSCode: "X09", Name: "n", Kind: KindCfH, SHACode: sha}, want: ErrInvalidCommand, field: "sha_code"},
	})
	runRegistryCases(t, newWorld, []registryCase{
		{name: "second CfH", cmd: RegisterOrganisation{ODSCode: "X10", Name: "Another CfH", Kind: KindCfH}, want: ErrCfHExists},
	})
}

func TestDecideAppointChiefExecutive(t *testing.T) {
	runRegistryCases(t, newWorld, []registryCase{
		{name: "first appointment", cmd: AppointChiefExecutive{ODSCode: otherPCT, PersonID: "ce-5nt", Name: "Eve Chief", EffectiveFrom: ts("2009-04-01T00:00:00+01:00")},
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(ChiefExecutiveAppointed)
				assert.Equal(t, time.UTC, e.EffectiveFrom.Location(), "recorded in UTC")
				assert.True(t, e.EffectiveFrom.Equal(ts("2009-03-31T23:00:00Z")))
				a, ok := w.reg.ChiefExecutiveAt(otherPCT, ts("2009-04-01T00:00:00Z"))
				require.True(t, ok)
				assert.Equal(t, "ce-5nt", a.PersonID)
			}},
		{name: "successor", cmd: AppointChiefExecutive{ODSCode: leadPCT, PersonID: "ce-z1a-c", Name: "Fay Chief", EffectiveFrom: ce2From.AddDate(1, 0, 0)}},
		{name: "pointer command", cmd: &AppointChiefExecutive{ODSCode: leadPCT, PersonID: "ce-z1a-c", Name: "Fay Chief", EffectiveFrom: ce2From.AddDate(1, 0, 0)}},
		{name: "wrong role", actor: ceLead, cmd: AppointChiefExecutive{ODSCode: leadPCT, PersonID: "p", Name: "n", EffectiveFrom: t0}, want: ErrRoleNotAllowed},
		{name: "unregistered organisation", cmd: AppointChiefExecutive{ODSCode: "ZZZ", PersonID: "p", Name: "n", EffectiveFrom: t0}, want: ErrOrganisationNotFound},
		{name: "malformed code", cmd: AppointChiefExecutive{ODSCode: "z", PersonID: "p", Name: "n", EffectiveFrom: t0}, want: ErrInvalidCommand, field: "ods_code"},
		{name: "no person", cmd: AppointChiefExecutive{ODSCode: otherPCT, Name: "n", EffectiveFrom: t0}, want: ErrInvalidCommand, field: "person_id"},
		{name: "no name", cmd: AppointChiefExecutive{ODSCode: otherPCT, PersonID: "p", EffectiveFrom: t0}, want: ErrInvalidCommand, field: "name"},
		{name: "no effective time", cmd: AppointChiefExecutive{ODSCode: otherPCT, PersonID: "p", Name: "n"}, want: ErrInvalidCommand, field: "effective_from"},
		{name: "same time as the latest", cmd: AppointChiefExecutive{ODSCode: leadPCT, PersonID: "p", Name: "n", EffectiveFrom: ce2From}, want: ErrAppointmentOutOfOrder, field: "effective_from"},
		{name: "before the latest", cmd: AppointChiefExecutive{ODSCode: leadPCT, PersonID: "p", Name: "n", EffectiveFrom: ce1From.Add(time.Hour)}, want: ErrAppointmentOutOfOrder, field: "effective_from"},
	})
}

func TestDecideFormLHC(t *testing.T) {
	runRegistryCases(t, newWorld, []registryCase{
		{name: "lead PCT added", cmd: FormLHC{LHCID: "south-lhc", Name: "Southtown LHC", LeadPCT: otherPCT, SHACode: sha, Members: []string{trust2, trust}},
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, []string{trust2, trust, otherPCT}, d.(LocalHealthCommunityFormed).Members, "order kept, lead PCT appended")
				l, ok := w.reg.LHC("south-lhc")
				require.True(t, ok)
				assert.Equal(t, []string{otherPCT, trust, trust2}, l.Members, "sorted in the registry")
				assert.Equal(t, sha, l.SHACode)
			}},
		{name: "lead PCT listed", cmd: FormLHC{LHCID: "south-lhc", Name: "S", LeadPCT: otherPCT, SHACode: sha, Members: []string{otherPCT}},
			check: func(t *testing.T, _ *world, d EventData) {
				assert.Equal(t, []string{otherPCT}, d.(LocalHealthCommunityFormed).Members)
			}},
		{name: "no members", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha},
			check: func(t *testing.T, _ *world, d EventData) {
				assert.Equal(t, []string{otherPCT}, d.(LocalHealthCommunityFormed).Members)
			}},
		{name: "pointer command", cmd: &FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha}},
		{name: "wrong role", actor: commissionr, cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha}, want: ErrRoleNotAllowed},
		{name: "exists", cmd: FormLHC{LHCID: lhcID, Name: "S", LeadPCT: otherPCT, SHACode: sha}, want: ErrLHCExists},
		{name: "malformed id", cmd: FormLHC{LHCID: "South_LHC", Name: "S", LeadPCT: otherPCT, SHACode: sha}, want: ErrInvalidCommand, field: "lhc_id"},
		{name: "id ending in a hyphen", cmd: FormLHC{LHCID: "south-", Name: "S", LeadPCT: otherPCT, SHACode: sha}, want: ErrInvalidCommand, field: "lhc_id"},
		{name: "no id", cmd: FormLHC{Name: "S", LeadPCT: otherPCT, SHACode: sha}, want: ErrInvalidCommand, field: "lhc_id"},
		{name: "no name", cmd: FormLHC{LHCID: "s", LeadPCT: otherPCT, SHACode: sha}, want: ErrInvalidCommand, field: "name"},
		{name: "unknown SHA", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: "ZQ9"}, want: ErrUnknownSHA, field: "sha_code"},
		{name: "SHA that is not an SHA", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: cfhODS}, want: ErrWrongOrganisationKind, field: "sha_code"},
		{name: "no SHA", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT}, want: ErrInvalidCommand, field: "sha_code"},
		{name: "unknown lead PCT", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: "Z1Z", SHACode: sha}, want: ErrUnknownOrganisation, field: "lead_pct"},
		{name: "lead that is not a PCT", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: trust, SHACode: sha}, want: ErrWrongOrganisationKind, field: "lead_pct"},
		{name: "lead PCT in another SHA", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: farPCT, SHACode: sha}, want: ErrLeadPCTNotInSHA, field: "lead_pct"},
		{name: "no lead PCT", cmd: FormLHC{LHCID: "s", Name: "S", SHACode: sha}, want: ErrInvalidCommand, field: "lead_pct"},
		{name: "unknown member", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha, Members: []string{trust, "RZZ"}}, want: ErrUnknownOrganisation, field: "members[1]"},
		{name: "SHA as member", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha, Members: []string{sha}}, want: ErrWrongOrganisationKind, field: "members[0]"},
		{name: "member twice", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha, Members: []string{trust, trust}}, want: ErrInvalidCommand, field: "members[1]"},
		{name: "malformed member", cmd: FormLHC{LHCID: "s", Name: "S", LeadPCT: otherPCT, SHACode: sha, Members: []string{"rj1"}}, want: ErrInvalidCommand, field: "members[0]"},
	})
}

func TestDecideChangeLHCMembers(t *testing.T) {
	runRegistryCases(t, newWorld, []registryCase{
		{name: "add and remove", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider, otherPCT}, Removed: []string{trust2}},
			check: func(t *testing.T, w *world, d EventData) {
				l, _ := w.reg.LHC(lhcID)
				assert.Equal(t, []string{leadPCT, otherPCT, nonNHS, outsider, trust}, l.Members)
				assert.True(t, l.HasMember(outsider))
				assert.False(t, l.HasMember(trust2))
			}},
		{name: "only remove", cmd: ChangeLHCMembers{LHCID: lhcID, Removed: []string{nonNHS}},
			check: func(t *testing.T, _ *world, d EventData) {
				assert.Equal(t, []string{}, d.(LocalHealthCommunityMembersChanged).Added, "lists are never nil")
			}},
		{name: "pointer command", cmd: &ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider}}},
		{name: "wrong role", actor: provRJ1, cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider}}, want: ErrRoleNotAllowed},
		{name: "unknown LHC", cmd: ChangeLHCMembers{LHCID: "south-lhc", Added: []string{outsider}}, want: ErrLHCNotFound},
		{name: "malformed LHC id", cmd: ChangeLHCMembers{LHCID: "", Added: []string{outsider}}, want: ErrInvalidCommand, field: "lhc_id"},
		{name: "no change", cmd: ChangeLHCMembers{LHCID: lhcID}, want: ErrInvalidCommand, field: "added"},
		{name: "add a member", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{trust}}, want: ErrAlreadyMember, field: "added[0]"},
		{name: "add unknown", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{"RZZ"}}, want: ErrUnknownOrganisation, field: "added[0]"},
		{name: "add CfH", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{cfhODS}}, want: ErrWrongOrganisationKind, field: "added[0]"},
		{name: "add twice", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider, outsider}}, want: ErrInvalidCommand, field: "added[1]"},
		{name: "add malformed", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{"x"}}, want: ErrInvalidCommand, field: "added[0]"},
		{name: "remove non-member", cmd: ChangeLHCMembers{LHCID: lhcID, Removed: []string{outsider}}, want: ErrUnknownMember, field: "removed[0]"},
		{name: "remove lead PCT", cmd: ChangeLHCMembers{LHCID: lhcID, Removed: []string{leadPCT}}, want: ErrCannotRemoveLeadPCT, field: "removed[0]"},
		{name: "remove twice", cmd: ChangeLHCMembers{LHCID: lhcID, Removed: []string{trust, trust}}, want: ErrInvalidCommand, field: "removed[1]"},
		{name: "remove malformed", cmd: ChangeLHCMembers{LHCID: lhcID, Removed: []string{"x"}}, want: ErrInvalidCommand, field: "removed[0]"},
		{name: "add and remove the same", cmd: ChangeLHCMembers{LHCID: lhcID, Added: []string{outsider}, Removed: []string{outsider}}, want: ErrInvalidCommand, field: "removed[0]"},
	})
}

func TestDecideUnknownRegistryCommand(t *testing.T) {
	r := NewRegistry()
	_, err := r.Decide(admin, t0, nil)
	assertRefused(t, err, ErrInvalidCommand)
	var nilCmd *FormLHC
	_, err = r.Decide(admin, t0, nilCmd)
	assertRefused(t, err, ErrInvalidCommand)
}
