package domain

import (
	"slices"
	"strings"
	"time"
)

// A plan's delivery items: each Clinical 5 capability's interim and strategic solution, and each
// national programme. A delivery report names one by its id.
const (
	ItemInterim   = "interim"
	ItemStrategic = "strategic"
)

// DeliveryItems lists every delivery item's id in a fixed order: each capability of Clinical5 with
// its interim then its strategic solution (clinical5.pas_reporting.interim), then each programme of
// NationalProgrammes (national_programmes.scr). A ContentDigest's Items follow it.
var DeliveryItems = func() []string {
	out := make([]string, 0, 2*len(Clinical5)+len(NationalProgrammes))
	for _, c := range Clinical5 {
		out = append(out, "clinical5."+c+"."+ItemInterim, "clinical5."+c+"."+ItemStrategic)
	}
	for _, p := range NationalProgrammes {
		out = append(out, "national_programmes."+p)
	}
	return out
}()

// ItemIndex is the index of delivery item id in DeliveryItems.
func ItemIndex(id string) (int, bool) {
	i := slices.Index(DeliveryItems, id)
	return i, i >= 0
}

// ProgrammeItem is the delivery item of national programme id.
func ProgrammeItem(id string) string { return "national_programmes." + id }

// CapabilityItem is the delivery item of capability's interim or strategic solution.
func CapabilityItem(capability, solution string) string {
	return "clinical5." + capability + "." + solution
}

// IsStrategic reports whether delivery item i (an index of DeliveryItems) is a capability's
// strategic solution.
func IsStrategic(i int) bool { return i < 2*len(Clinical5) && i%2 == 1 }

// ContentDigest is what the read models keep of a version's content: the delivery items' planned
// dates and stated statuses, each organisation's indicators, and the money, savings and capacity
// the plan states. A holder of many plans keeps it in place of the content (Plan.ForgetContent),
// which is mostly prose. It is never changed once made, so versions and their copies share it.
type ContentDigest struct {
	Items         []ItemDigest             // one per DeliveryItems entry, in its order
	Organisations []OrganisationIndicators // the content's per_organisation
	Capital       int64
	Revenue       int64
	ByYear        []YearFunding
	Savings       []YearSavings
	Capacity      Capacity
}

// ItemDigest is one delivery item as a version states it, in eight bytes: a plan has fourteen and
// the projections hold every plan's.
type ItemDigest struct {
	Day    int32 // the planned date as days since 1 January 1970; 0: none
	Status uint8 // 0: not stated (content written before schema version 3); else 1 + its index in ProgrammeStatuses
	Source uint8 // a Clinical 5 solution's: 0 not stated; else 1 + its index in SolutionSources
}

// PlannedDate is the date the item is due.
func (d ItemDigest) PlannedDate() Date { return dateOfDay(d.Day) }

// DeclaredStatus is the status the version states; content written before statuses were asked for
// states none, and its items count as planned: it gave dates still to come.
func (d ItemDigest) DeclaredStatus() string {
	if d.Status == 0 || int(d.Status) > len(ProgrammeStatuses) {
		return ProgrammePlanned
	}
	return ProgrammeStatuses[d.Status-1]
}

// SourceName is the solution's source, "" when none is stated.
func (d ItemDigest) SourceName() string {
	if d.Source == 0 || int(d.Source) > len(SolutionSources) {
		return ""
	}
	return SolutionSources[d.Source-1]
}

// PastAt reports whether the item was due before day and was not stated live: a version
// submitted on day with such a date promised what had already been missed.
func (d ItemDigest) PastAt(day Date) bool {
	return d.Day != 0 && d.Day < dayOf(day) && d.DeclaredStatus() != ProgrammeLive
}

// Digest is c's digest. keep turns each string kept into one the digest may hold (a caller whose
// content borrows its strings copies or interns them); nil keeps a copy of each. Statuses and
// sources are kept as codes, and funding sources as the package's own strings.
func (c *Content) Digest(keep func(string) string) *ContentDigest {
	if keep == nil {
		keep = strings.Clone
	}
	d := &ContentDigest{Items: make([]ItemDigest, len(DeliveryItems)), Capital: c.CapacityAndFunding.Capital,
		Revenue: c.CapacityAndFunding.Revenue, Capacity: c.CapacityAndFunding.Capacity}
	for _, x := range c.Clinical5 {
		i := slices.Index(Clinical5, x.Capability)
		if i < 0 {
			continue
		}
		// A capability states one status, and every capability has an interim solution, which
		// comes first: the status is the interim solution's. The strategic solution is planned
		// until a report of its own says otherwise, or a capability live on its interim system
		// would count its strategic system, still to come, as live too.
		status := code(ProgrammeStatuses, x.Status)
		strategic := uint8(0)
		if status != 0 {
			strategic = code(ProgrammeStatuses, ProgrammePlanned)
		}
		d.Items[2*i] = ItemDigest{Day: dayOf(x.InterimDate), Status: status, Source: code(SolutionSources, x.InterimSource)}
		d.Items[2*i+1] = ItemDigest{Day: dayOf(x.StrategicDate), Status: strategic, Source: code(SolutionSources, x.StrategicSource)}
	}
	for _, x := range c.NationalProgrammes {
		if i := slices.Index(NationalProgrammes, x.Programme); i >= 0 {
			d.Items[2*len(Clinical5)+i] = ItemDigest{Day: dayOf(x.PlannedDate), Status: code(ProgrammeStatuses, x.Status)}
		}
	}
	if n := len(c.PerOrganisation); n > 0 {
		d.Organisations = make([]OrganisationIndicators, n)
		for i, o := range c.PerOrganisation {
			o.ODSCode = keep(o.ODSCode)
			d.Organisations[i] = o
		}
	}
	if n := len(c.CapacityAndFunding.ByYear); n > 0 {
		d.ByYear = make([]YearFunding, n)
		for i, y := range c.CapacityAndFunding.ByYear {
			if j := code(FundingSources, y.Source); j > 0 {
				y.Source = FundingSources[j-1]
			} else {
				y.Source = keep(y.Source)
			}
			d.ByYear[i] = y
		}
	}
	if len(c.CapacityAndFunding.Savings) > 0 {
		d.Savings = slices.Clone(c.CapacityAndFunding.Savings)
	}
	return d
}

// code is 1 + the index of s in list, 0 when s is not in it.
func code(list []string, s string) uint8 {
	for i, v := range list {
		if v == s {
			return uint8(i + 1)
		}
	}
	return 0
}

// dayOf is d as days since 1 January 1970 (Howard Hinnant's days_from_civil); 0 for the zero Date,
// which no plan's date can be.
func dayOf(d Date) int32 {
	if d.IsZero() {
		return 0
	}
	y, m := d.year, int(d.month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// dateOfDay is dayOf's inverse; the zero Date for 0.
func dateOfDay(n int32) Date {
	if n == 0 {
		return Date{}
	}
	return DateOf(time.Unix(int64(n)*86400, 0).UTC())
}

// DayNumber is d as days since 1 January 1970, as ItemDigest keeps planned dates.
func DayNumber(d Date) int32 { return dayOf(d) }
