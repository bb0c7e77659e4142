package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
)

// sampleContent is an example of a plan's content (docs/design.md §4); every plan's content is a seeded variation.
//
//go:embed plan-content.json
var sampleContent []byte

// Organisation is an organisation of the data set.
type Organisation struct {
	ODSCode string
	Name    string
	Kind    domain.OrgKind
	SHACode string // parent SHA; empty for SHAs and CfH
	// Illustrative is true for invented organisations and codes (see orgs.go), false for real ones.
	Illustrative bool
	// ChiefExecutives are the organisation's appointments, in order of effect. SHAs and CfH have none.
	ChiefExecutives []Appointment
}

// Appointment is a chief executive's appointment: in office from From until the next one's From.
type Appointment struct {
	Person     domain.Actor // role chief_executive, org the organisation
	From       time.Time    // effective_from
	RecordedAt time.Time    // when the registry records it (before or after From)
}

// LHC is a local health community of the data set.
type LHC struct {
	ID        string
	Name      string
	LeadPCT   string
	SHACode   string
	Providers []string // member providers when the LHC is formed, the lead PCT not included
	// Partners are the PCTs other than the lead that are members when the LHC is formed: they
	// contribute and sign like providers.
	Partners  []string
	Synthetic bool // added by Options.Scale
}

// Path is where a plan's history goes.
type Path struct {
	Status domain.Status // the plan's final status
	// Revisions is how many times the plan is judged not assured and revised before it goes on to
	// Status. With Status signed_off and Revisions 1 the plan was re-signed after a revision.
	Revisions int
	// Conditions, with Status acknowledged: the acknowledged assurance had conditions.
	Conditions bool
	// PartlySigned, with Status submitted: the lead PCT has signed off, a contributor has not.
	PartlySigned bool
	// Noted, with Status not_assured or assured_with_conditions: CfH notes the assurance, which it
	// cannot acknowledge (an assurance with conditions noted is one not reflected in the PfIT plan).
	Noted bool
}

// PlanSpec describes one plan to drive through its lifecycle.
type PlanSpec struct {
	LHC    string
	Round  string // e.g. "2009-10"
	Period domain.Period
	// N is which submission for the LHC and round this is (1, or 2 after a withdrawal); 0 means 1.
	N     int
	Path  Path
	Start time.Time // when the plan is submitted; later steps follow at seeded gaps
	// NoLapse leaves conditions open rather than let them lapse: a lapse is decided after the
	// condition's due date, which steps run on the real clock (a benchmark's) never reach. For the
	// same reason it leaves out delivery reports, whose actual dates that clock has not reached, and
	// dates every board's approval the day of Start.
	NoLapse bool
}

// PlanID is the id the command handler gives the plan.
func (p PlanSpec) PlanID() string { return command.PlanID(p.LHC, p.Round, max(p.N, 1)) }

// Dataset is a generated data set: reference data, people, plans to drive, and the registry's
// history. Generate makes one; its methods give the steps that record it.
type Dataset struct {
	Start         time.Time
	Admin         domain.Actor // runs the registry
	CfH           domain.Actor // acknowledges assurances
	Organisations []Organisation
	LHCs          []LHC
	Plans         []PlanSpec // in the order they were allocated, not in time order

	seed          uint64
	sample        domain.Content
	orgs          map[string]int // ODS code -> index in Organisations
	lhcs          map[string]int // LHC id -> index in LHCs
	places        map[string]string
	registry      []Step
	changes       []memberChange
	commissioners map[string]domain.Actor // by PCT
	informatics   map[string]domain.Actor // by provider: who records its contributions
	assurers      map[string]domain.Actor // by SHA
}

type memberChange struct {
	at             time.Time
	lhc            string
	added, removed []string
}

// Generate builds the data set for opts. It records nothing.
func Generate(opts Options) (*Dataset, error) {
	switch {
	case opts.Scale < 0 || opts.Scale > MaxScale:
		return nil, fmt.Errorf("demo: scale %d is not between 1 and %d", opts.Scale, MaxScale)
	case opts.Scale == 0:
		opts.Scale = 1
	}
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	d := &Dataset{
		Start: opts.Start.UTC(), seed: uint64(opts.Seed),
		orgs: map[string]int{}, lhcs: map[string]int{}, places: map[string]string{},
		commissioners: map[string]domain.Actor{}, informatics: map[string]domain.Actor{}, assurers: map[string]domain.Actor{},
	}
	if err := json.Unmarshal(sampleContent, &d.sample); err != nil {
		return nil, fmt.Errorf("demo: sample content: %w", err)
	}
	rng := rand.New(rand.NewPCG(d.seed, 0x2009_10))
	d.Admin = d.person(rng, cfhCode, domain.RoleAdmin, "admin")
	d.CfH = d.person(rng, cfhCode, domain.RoleCfH, "cfh")
	d.reference(rng, opts.Scale)
	d.jointLHC()
	d.initialRegistry(rng)
	loaded := d.registry[len(d.registry)-1].At
	d.registry = append(d.registry, d.roundSteps(loaded.Add(time.Hour))...)
	d.registry = append(d.registry, d.governanceSteps(loaded.Add(2*time.Hour))...)
	// Membership changes come before plans are allocated: a plan's timeline depends on who
	// contributes. Chief executive changes come after: they are timed by plans' timelines, which
	// do not depend on who is in office.
	if err := d.memberChanges(rng); err != nil {
		return nil, err
	}
	d.allocatePlans(rng)
	if err := d.chiefExecutiveChanges(rng); err != nil {
		return nil, err
	}
	slices.SortStableFunc(d.registry, func(a, b Step) int { return a.At.Compare(b.At) })
	return d, nil
}

// reference fills in the organisations, people and LHCs, real ones first, then synthetic ones.
func (d *Dataset) reference(rng *rand.Rand, scale int) {
	for _, s := range shaRefs {
		d.addOrg(Organisation{ODSCode: s.code, Name: s.name, Kind: domain.KindSHA})
		d.assurers[s.code] = d.person(rng, s.code, domain.RoleSHAAssurer, "sa")
	}
	d.addOrg(Organisation{ODSCode: cfhCode, Name: cfhName, Kind: domain.KindCfH, Illustrative: true})

	pctSince := day(d.Start.AddDate(0, -30, 0)) // PCTs as reconfigured on 1 October 2006
	addPCT := func(ref orgRef, sha string, illustrative bool) {
		d.addOrg(Organisation{ODSCode: ref.code, Name: ref.name, Kind: domain.KindPCT, SHACode: sha, Illustrative: illustrative,
			ChiefExecutives: []Appointment{{Person: d.person(rng, ref.code, domain.RoleChiefExecutive, "ce1"), From: pctSince}}})
		d.commissioners[ref.code] = d.person(rng, ref.code, domain.RolePCTCommissioner, "pc")
	}
	addProvider := func(ref orgRef, sha string, illustrative bool) {
		if _, seen := d.orgs[ref.code]; seen {
			return // a trust serving two LHCs
		}
		kind := domain.KindProvider
		if ref.nonNHS {
			kind = domain.KindNonNHSProvider
		}
		from := firstOfMonth(d.Start.AddDate(0, -1-rng.IntN(84), 0))
		d.addOrg(Organisation{ODSCode: ref.code, Name: ref.name, Kind: kind, SHACode: sha, Illustrative: illustrative || ref.nonNHS,
			ChiefExecutives: []Appointment{{Person: d.person(rng, ref.code, domain.RoleChiefExecutive, "ce1"), From: from}}})
		d.informatics[ref.code] = d.person(rng, ref.code, domain.RoleProvider, "im")
	}
	addLHC := func(place string, pct, sha string, providers []orgRef, synthetic bool) {
		l := LHC{ID: "lhc-" + slug(place), Name: place + " Local Health Community", LeadPCT: pct, SHACode: sha, Synthetic: synthetic}
		for _, p := range providers {
			l.Providers = append(l.Providers, p.code)
		}
		d.lhcs[l.ID] = len(d.LHCs)
		d.places[l.ID] = place
		d.LHCs = append(d.LHCs, l)
	}
	for _, c := range communityRefs {
		addPCT(c.pct, c.sha, false)
		for _, p := range c.providers {
			addProvider(p, c.sha, false)
		}
		addLHC(c.place, c.pct.code, c.sha, c.providers, false)
	}
	trusts, others := 0, 0
	for i := range (scale - 1) * len(communityRefs) {
		sha := shaRefs[i%len(shaRefs)].code
		place := fmt.Sprintf("Synthetic %04d", i+1)
		pct := orgRef{"ZP" + base36(i), place + " PCT", false}
		addPCT(pct, sha, true)
		var providers []orgRef
		for range 1 + rng.IntN(3) {
			p := orgRef{"ZT" + base36(trusts), fmt.Sprintf("Synthetic Hospitals %04d NHS Trust", trusts+1), false}
			if rng.IntN(8) == 0 {
				p = orgRef{"ZX" + base36(others), fmt.Sprintf("Synthetic Independent Provider %04d Ltd", others+1), true}
				others++
			} else {
				trusts++
			}
			addProvider(p, sha, true)
			providers = append(providers, p)
		}
		addLHC(place, pct.code, sha, providers, true)
	}
}

func (d *Dataset) addOrg(o Organisation) {
	for i := range o.ChiefExecutives {
		o.ChiefExecutives[i].Person.Org = o.ODSCode
	}
	d.orgs[o.ODSCode] = len(d.Organisations)
	d.Organisations = append(d.Organisations, o)
}

// person makes a synthetic person acting for org in role. Ids are stable (org and tag); names are
// seeded.
func (d *Dataset) person(rng *rand.Rand, org string, role domain.Role, tag string) domain.Actor {
	name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
	return domain.Actor{PersonID: strings.ToLower("p-" + org + "-" + tag), Name: name, Role: role, Org: org}
}

// initialRegistry records the reference data as an administrator loads it at the start of the round:
// organisations with their chief executives, then each LHC once its members are registered. The
// load takes at most about 25 simulated days, however large the data set.
func (d *Dataset) initialRegistry(rng *rand.Rand) {
	n := len(d.Organisations)*2 + len(d.LHCs)
	avg := min(2*time.Minute, 25*24*time.Hour/time.Duration(n))
	t := d.Start
	emit := func(cmd domain.RegistryCommand) {
		d.registry = append(d.registry, Step{At: t, Actor: d.Admin, Cmd: cmd})
		t = t.Add(randDuration(rng, max(avg/2, time.Second), max(3*avg/2, 2*time.Second)))
	}
	register := func(code string) {
		o := &d.Organisations[d.orgs[code]]
		emit(domain.RegisterOrganisation{ODSCode: o.ODSCode, Name: o.Name, Kind: o.Kind, SHACode: o.SHACode})
		for i := range o.ChiefExecutives {
			a := &o.ChiefExecutives[i]
			a.RecordedAt = t
			emit(domain.AppointChiefExecutive{ODSCode: o.ODSCode, PersonID: a.Person.PersonID, Name: a.Person.Name, EffectiveFrom: a.From})
		}
	}
	for _, s := range shaRefs {
		register(s.code)
	}
	register(cfhCode)
	done := map[string]bool{}
	for _, l := range d.LHCs {
		members := slices.Concat(l.Providers, l.Partners)
		for _, code := range append([]string{l.LeadPCT}, members...) {
			if !done[code] {
				done[code] = true
				register(code)
			}
		}
		emit(domain.FormLHC{LHCID: l.ID, Name: l.Name, LeadPCT: l.LeadPCT, SHACode: l.SHACode, Members: members})
	}
}

// jointLHC makes Southwark PCT a member of the Lambeth LHC, which shares its acute trusts: a PCT
// that is a member of an LHC it does not lead contributes to that LHC's plan and signs it.
// Illustrative, like every LHC's membership.
func (d *Dataset) jointLHC() {
	for i := range d.LHCs {
		if d.places[d.LHCs[i].ID] == partnerLHC {
			d.LHCs[i].Partners = []string{partnerPCT}
		}
	}
}

// allocation is a path a plan of round 2009-10 takes, and, for a withdrawn plan, the path of the plan
// submitted in its place.
type allocation struct {
	path     Path
	resubmit *Path
}

var (
	// mustPaths go to the first real LHCs (in seeded order) so that every status, and every way of
	// getting there, is in the demo.
	mustPaths = []allocation{
		{path: Path{Status: domain.StatusAcknowledged}},
		{path: Path{Status: domain.StatusAcknowledged, Conditions: true}},
		{path: Path{Status: domain.StatusAssured}},
		{path: Path{Status: domain.StatusAssuredWithConditions}},
		{path: Path{Status: domain.StatusNotAssured, Noted: true}},
		{path: Path{Status: domain.StatusAssuredWithConditions, Noted: true}},
		{path: Path{Status: domain.StatusSignedOff}},
		{path: Path{Status: domain.StatusSubmitted, PartlySigned: true}},
		{path: Path{Status: domain.StatusSubmitted}},
		{path: Path{Status: domain.StatusWithdrawn}},
		{path: Path{Status: domain.StatusWithdrawn}, resubmit: &Path{Status: domain.StatusAcknowledged}},
		{path: Path{Status: domain.StatusSignedOff, Revisions: 1}},
		{path: Path{Status: domain.StatusAcknowledged, Revisions: 1}},
	}
	// Weighted paths for the other plans of 2009-10: most were assured and acknowledged by the end.
	round1Paths = []weighted{
		{34, Path{Status: domain.StatusAcknowledged}},
		{14, Path{Status: domain.StatusAcknowledged, Conditions: true}},
		{8, Path{Status: domain.StatusAcknowledged, Revisions: 1}},
		{9, Path{Status: domain.StatusAssured}},
		{5, Path{Status: domain.StatusAssuredWithConditions}},
		{3, Path{Status: domain.StatusAssuredWithConditions, Noted: true}},
		{3, Path{Status: domain.StatusNotAssured, Noted: true}},
		{2, Path{Status: domain.StatusNotAssured}},
		{7, Path{Status: domain.StatusSignedOff}},
		{3, Path{Status: domain.StatusSignedOff, Revisions: 1}},
		{6, Path{Status: domain.StatusSubmitted, PartlySigned: true}},
		{3, Path{Status: domain.StatusSubmitted}},
		{3, Path{Status: domain.StatusWithdrawn}},
	}
	// Round 2010-11 has only begun when the history ends.
	round2Paths = []weighted{
		{25, Path{Status: domain.StatusSubmitted}},
		{10, Path{Status: domain.StatusSubmitted, PartlySigned: true}},
		{25, Path{Status: domain.StatusSignedOff}},
		{15, Path{Status: domain.StatusAssured}},
		{10, Path{Status: domain.StatusAssuredWithConditions}},
		{15, Path{Status: domain.StatusAcknowledged}},
	}
)

type weighted struct {
	weight int
	path   Path
}

func pick(rng *rand.Rand, ws []weighted) Path {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	n := rng.IntN(total)
	for _, w := range ws {
		if n < w.weight {
			return w.path
		}
		n -= w.weight
	}
	panic("unreachable")
}

// Rounds of the data set.
const (
	Round2009 = "2009-10"
	Round2010 = "2010-11"
)

// allocatePlans gives every LHC a plan for 2009-10 (submitted May to September 2009), and every
// fourth LHC and the one that gains a member a plan for 2010-11 (submitted from April 2010). Real LHCs
// come first, in seeded order, so that the demo itself has every path.
func (d *Dataset) allocatePlans(rng *rand.Rand) {
	nReal := len(communityRefs)
	order := rng.Perm(nReal)
	for i := nReal; i < len(d.LHCs); i++ {
		order = append(order, i)
	}
	for k, i := range order {
		l := d.LHCs[i]
		a := allocation{path: pick(rng, round1Paths)}
		if k < len(mustPaths) {
			a = mustPaths[k]
		}
		p := PlanSpec{LHC: l.ID, Round: Round2009, Period: period(rng, 2009), Path: a.path,
			Start: officeHours(d.Start.Add(30*24*time.Hour + randDuration(rng, 0, 150*24*time.Hour)))}
		d.Plans = append(d.Plans, p)
		if a.resubmit != nil {
			steps, err := d.PlanSteps(p)
			if err != nil {
				panic(err) // the paths above are valid
			}
			again := PlanSpec{LHC: l.ID, Round: Round2009, Period: p.Period, N: 2, Path: *a.resubmit,
				Start: officeHours(steps[len(steps)-1].At.Add(randDuration(rng, 14*24*time.Hour, 40*24*time.Hour)))}
			d.Plans = append(d.Plans, again)
		}
	}
	for k, i := range order {
		l := d.LHCs[i]
		if k%4 != 1 && d.places[l.ID] != joinerLHC {
			continue
		}
		d.Plans = append(d.Plans, PlanSpec{LHC: l.ID, Round: Round2010, Period: period(rng, 2010), Path: pick(rng, round2Paths),
			Start: officeHours(d.Start.AddDate(1, 0, 7).Add(randDuration(rng, 0, 60*24*time.Hour)))})
	}
}

// period is a plan period from first: three financial years, sometimes four.
func period(rng *rand.Rand, first int) domain.Period {
	if rng.IntN(4) == 0 {
		return domain.Period{FirstYear: first, LastYear: first + 3}
	}
	return domain.Period{FirstYear: first, LastYear: first + 2}
}

// chiefExecutiveChanges records the chief executives replaced during the round:
//   - the lead PCTs of up to two plans revised after "not assured" get a new chief executive between
//     the two versions, so that the versions were signed off by different people;
//   - one London PCT has an interim chief executive from July 2009, then a permanent one from
//     November;
//   - one trust changes chief executive in October 2009.
func (d *Dataset) chiefExecutiveChanges(rng *rand.Rand) error {
	changed := map[string]bool{}
	appoint := func(org string, from, recorded time.Time, tag string) {
		o := &d.Organisations[d.orgs[org]]
		a := Appointment{Person: d.person(rng, org, domain.RoleChiefExecutive, tag), From: from, RecordedAt: recorded}
		o.ChiefExecutives = append(o.ChiefExecutives, a)
		d.registry = append(d.registry, Step{At: recorded, Actor: d.Admin,
			Cmd: domain.AppointChiefExecutive{ODSCode: org, PersonID: a.Person.PersonID, Name: a.Person.Name, EffectiveFrom: from}})
		changed[org] = true
	}

	revised := 0
	for _, p := range d.Plans {
		if revised == 2 || p.Round != Round2009 || p.Path.Revisions == 0 || d.lhc(p.LHC).Synthetic {
			continue
		}
		steps, err := d.PlanSteps(p)
		if err != nil {
			return err
		}
		for _, s := range steps {
			if _, ok := s.Cmd.(domain.RecordAssurance); ok {
				// Announced the day the SHA's judgement lands; in office within the week, before the
				// revised version is signed off.
				lead := d.lhc(p.LHC).LeadPCT
				appoint(lead, day(s.At).AddDate(0, 0, 1+rng.IntN(5)), s.At.Add(randDuration(rng, time.Hour, 3*time.Hour)), "ce2")
				revised++
				break
			}
		}
	}

	var interim, trust string
	for _, l := range d.LHCs {
		if l.Synthetic {
			continue
		}
		if interim == "" && !changed[l.LeadPCT] && l.SHACode == "Q36" {
			interim = l.LeadPCT
		}
		for _, p := range l.Providers {
			if trust == "" && d.Organisations[d.orgs[p]].Kind == domain.KindProvider && l.SHACode != "Q36" {
				trust = p
			}
		}
	}
	if interim != "" {
		from := day(d.Start.AddDate(0, 3, 0))
		appoint(interim, from, from.AddDate(0, 0, -7).Add(10*time.Hour), "ce2")
		from2 := day(d.Start.AddDate(0, 7, 0))
		appoint(interim, from2, from2.AddDate(0, 0, -21).Add(11*time.Hour), "ce3")
	}
	if trust != "" {
		from := day(d.Start.AddDate(0, 6, 0))
		appoint(trust, from, from.AddDate(0, 0, -24).Add(14*time.Hour), "ce2")
	}
	return nil
}

// memberChanges records that in February 2010 a community provider is registered and joins an LHC,
// and a non-NHS provider leaves another.
func (d *Dataset) memberChanges(rng *rand.Rand) error {
	at := day(d.Start.AddDate(0, joinerMonths, 0)).Add(9*time.Hour + 30*time.Minute)
	var join, leave *LHC
	for i := range d.LHCs {
		switch d.places[d.LHCs[i].ID] {
		case joinerLHC:
			join = &d.LHCs[i]
		case leaverLHC:
			leave = &d.LHCs[i]
		}
	}
	if join == nil || leave == nil {
		return fmt.Errorf("demo: LHCs %q and %q are missing from the reference data", joinerLHC, leaverLHC)
	}
	ce := Appointment{Person: d.person(rng, joiner.code, domain.RoleChiefExecutive, "ce1"), From: day(at), RecordedAt: at.Add(10 * time.Minute)}
	d.addOrg(Organisation{ODSCode: joiner.code, Name: joiner.name, Kind: domain.KindProvider, SHACode: join.SHACode, Illustrative: true,
		ChiefExecutives: []Appointment{ce}})
	d.informatics[joiner.code] = d.person(rng, joiner.code, domain.RoleProvider, "im")
	d.registry = append(d.registry,
		Step{At: at, Actor: d.Admin, Cmd: domain.RegisterOrganisation{ODSCode: joiner.code, Name: joiner.name, Kind: domain.KindProvider, SHACode: join.SHACode}},
		Step{At: ce.RecordedAt, Actor: d.Admin, Cmd: domain.AppointChiefExecutive{ODSCode: joiner.code, PersonID: ce.Person.PersonID, Name: ce.Person.Name, EffectiveFrom: ce.From}},
		Step{At: at.Add(20 * time.Minute), Actor: d.Admin, Cmd: domain.ChangeLHCMembers{LHCID: join.ID, Added: []string{joiner.code}}},
		Step{At: at.Add(30 * time.Minute), Actor: d.Admin, Cmd: domain.ChangeLHCMembers{LHCID: leave.ID, Removed: []string{leaverCode}}},
	)
	d.changes = append(d.changes,
		memberChange{at: at.Add(20 * time.Minute), lhc: join.ID, added: []string{joiner.code}},
		memberChange{at: at.Add(30 * time.Minute), lhc: leave.ID, removed: []string{leaverCode}})
	return nil
}

// RegistrySteps returns the registry's history in time order, for a run on a clock of its own (a
// benchmark's, the real one): the initial load, then the changes made during the round, but for
// the deadlines moved, which only the day they were moved on allows (a deadline that has passed is
// not moved). Run them in order, before any plan step; Steps has the whole history.
func (d *Dataset) RegistrySteps() []Step {
	return slices.DeleteFunc(slices.Clone(d.registry), func(s Step) bool {
		_, moved := s.Cmd.(domain.ChangeMilestone)
		return moved
	})
}

// Steps returns the whole history, registry and every plan, in time order.
func (d *Dataset) Steps() ([]Step, error) {
	all := slices.Clone(d.registry)
	for _, p := range d.Plans {
		steps, err := d.PlanSteps(p)
		if err != nil {
			return nil, err
		}
		all = append(all, steps...)
	}
	returns, err := d.ReturnSteps()
	if err != nil {
		return nil, err
	}
	all = append(all, returns...)
	slices.SortStableFunc(all, func(a, b Step) int { return a.At.Compare(b.At) })
	return all, nil
}

// Summary counts what the data set holds; Events, First and Last are left for Seed.
func (d *Dataset) Summary() Summary {
	s := Summary{
		Organisations: len(d.Organisations), LHCs: len(d.LHCs), Plans: len(d.Plans),
		ByKind: map[domain.OrgKind]int{}, ByStatus: map[domain.Status]int{}, ByRound: map[string]int{},
	}
	for _, o := range d.Organisations {
		s.ByKind[o.Kind]++
		s.ChiefExecutiveChanges += max(len(o.ChiefExecutives)-1, 0)
	}
	for _, p := range d.Plans {
		s.ByStatus[p.Path.Status]++
		s.ByRound[p.Round]++
	}
	s.Rounds = len(demoRounds)
	return s
}

// ChiefExecutiveAt is the chief executive of ods in office at instant at, as the registry will say.
func (d *Dataset) ChiefExecutiveAt(ods string, at time.Time) (domain.Actor, bool) {
	i, ok := d.orgs[ods]
	if !ok {
		return domain.Actor{}, false
	}
	var ce domain.Actor
	found := false
	for _, a := range d.Organisations[i].ChiefExecutives {
		if !a.From.After(at) {
			ce, found = a.Person, true
		}
	}
	return ce, found
}

// Organisation returns the organisation with code ods.
func (d *Dataset) Organisation(ods string) (Organisation, bool) {
	i, ok := d.orgs[ods]
	if !ok {
		return Organisation{}, false
	}
	return d.Organisations[i], true
}

func (d *Dataset) lhc(id string) LHC { return d.LHCs[d.lhcs[id]] }

// membersAt are the LHC's members other than its lead PCT at instant at: providers, then partner
// PCTs, then those that joined since it was formed.
func (d *Dataset) membersAt(id string, at time.Time) []string {
	out := slices.Concat(d.lhc(id).Providers, d.lhc(id).Partners)
	for _, c := range d.changes {
		if c.lhc != id || c.at.After(at) {
			continue
		}
		out = slices.DeleteFunc(out, func(m string) bool { return slices.Contains(c.removed, m) })
		out = append(out, c.added...)
	}
	return out
}

func (d *Dataset) pfitID(sha string) string { return pfitID(d.pfit(sha)) }

func (d *Dataset) pfit(sha string) string {
	for _, s := range shaRefs {
		if s.code == sha {
			return s.pfit
		}
	}
	return pfitNME
}

// planRand is the random source of one plan: the same for the same data set seed and plan.
func (d *Dataset) planRand(p PlanSpec) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", p.LHC, p.Round, max(p.N, 1))
	return rand.New(rand.NewPCG(d.seed, h.Sum64()))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// base36 writes n in three upper-case base-36 digits.
func base36(n int) string {
	s := strings.ToUpper(strconv.FormatInt(int64(n), 36))
	return strings.Repeat("0", max(3-len(s), 0)) + s
}

func day(t time.Time) time.Time {
	y, m, dd := t.UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
}

func firstOfMonth(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// randDuration is a duration in [lo, hi), in whole seconds if lo is (recorded times look like
// times people record, not nanosecond noise).
func randDuration(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi-lo < 2*time.Second {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64((hi-lo)/time.Second)))*time.Second
}

// officeHours moves t forward, never back, into a weekday between 08:00 and 18:00 UTC.
func officeHours(t time.Time) time.Time {
	t = t.UTC()
	switch {
	case t.Hour() < 8:
		t = day(t).Add(8*time.Hour + time.Duration(t.Minute())*time.Minute)
	case t.Hour() >= 18:
		t = day(t).AddDate(0, 0, 1).Add(8*time.Hour + time.Duration(t.Minute())*time.Minute)
	}
	switch t.Weekday() {
	case time.Saturday:
		t = t.AddDate(0, 0, 2)
	case time.Sunday:
		t = t.AddDate(0, 0, 1)
	}
	return t
}
