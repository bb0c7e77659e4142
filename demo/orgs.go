package demo

// The reference data of the demo. The ten SHAs are England's Strategic Health Authorities of 2009
// with their ODS codes. PCTs and trusts are organisations that existed in 2009 with their ODS codes
// as recalled from the data of the time: right for most, but demo data is not a reference, so treat
// every code as illustrative. Non-NHS providers (codes N...), every person and the CfH code are
// invented.

type sha struct{ code, name, pfit string }

var shas = []sha{
	{"Q30", "North East Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q31", "North West Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q32", "Yorkshire and the Humber Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q33", "East Midlands Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q34", "West Midlands Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q35", "East of England Strategic Health Authority", "North, Midlands and East Programme for IT"},
	{"Q36", "NHS London", "London Programme for IT"},
	{"Q37", "South East Coast Strategic Health Authority", "Southern Programme for IT"},
	{"Q38", "South Central Strategic Health Authority", "Southern Programme for IT"},
	{"Q39", "South West Strategic Health Authority", "Southern Programme for IT"},
}

// cfhCode is illustrative: CfH had no ODS code of this shape in the 2009 data this set follows.
const (
	cfhCode = "X09"
	cfhName = "NHS Connecting for Health"
)

type community struct {
	sha, pct, pctName string
	providers         []provider
}

type provider struct {
	code, name string
	nonNHS     bool
}

var communities = []community{
	{"Q30", "5D7", "Newcastle PCT", []provider{{"RTD", "Newcastle upon Tyne Hospitals NHS Foundation Trust", false}}},
	{"Q30", "5KL", "Sunderland Teaching PCT", []provider{{"RLN", "City Hospitals Sunderland NHS Foundation Trust", false}}},
	{"Q30", "5ND", "County Durham PCT", []provider{{"RXP", "County Durham and Darlington NHS Foundation Trust", false}, {"NDC1", "Durham Community Health Partnership (non-NHS)", true}}},
	{"Q31", "5NT", "Manchester PCT", []provider{{"RW3", "Central Manchester University Hospitals NHS Foundation Trust", false}, {"RM2", "University Hospital of South Manchester NHS Foundation Trust", false}}},
	{"Q31", "5NL", "Liverpool PCT", []provider{{"RQ6", "Royal Liverpool and Broadgreen University Hospitals NHS Trust", false}}},
	{"Q31", "5HQ", "Bolton PCT", []provider{{"RMC", "Royal Bolton Hospital NHS Foundation Trust", false}}},
	{"Q32", "5N1", "Leeds PCT", []provider{{"RR8", "Leeds Teaching Hospitals NHS Trust", false}}},
	{"Q32", "5NY", "Bradford and Airedale Teaching PCT", []provider{{"RAE", "Bradford Teaching Hospitals NHS Foundation Trust", false}}},
	{"Q32", "5N4", "Sheffield PCT", []provider{{"RHQ", "Sheffield Teaching Hospitals NHS Foundation Trust", false}, {"NSC1", "Sheffield Community Care Ltd (non-NHS)", true}}},
	{"Q33", "5EM", "Nottingham City PCT", []provider{{"RX1", "Nottingham University Hospitals NHS Trust", false}}},
	{"Q33", "5PC", "Leicester City PCT", []provider{{"RWE", "University Hospitals of Leicester NHS Trust", false}}},
	{"Q33", "5N7", "Derby City PCT", []provider{{"RTG", "Derby Hospitals NHS Foundation Trust", false}}},
	{"Q34", "5MX", "Heart of Birmingham Teaching PCT", []provider{{"RRK", "University Hospitals Birmingham NHS Foundation Trust", false}}},
	{"Q34", "5MD", "Coventry Teaching PCT", []provider{{"RKB", "University Hospitals Coventry and Warwickshire NHS Trust", false}}},
	{"Q34", "5MV", "Wolverhampton City PCT", []provider{{"RL4", "The Royal Wolverhampton Hospitals NHS Trust", false}}},
	{"Q35", "5PR", "Norfolk PCT", []provider{{"RM1", "Norfolk and Norwich University Hospitals NHS Foundation Trust", false}}},
	{"Q35", "5PT", "Suffolk PCT", []provider{{"RDE", "Ipswich Hospital NHS Trust", false}}},
	{"Q35", "5PP", "Cambridgeshire PCT", []provider{{"RGT", "Cambridge University Hospitals NHS Foundation Trust", false}}},
	{"Q36", "5K5", "Brent Teaching PCT", []provider{{"RV8", "North West London Hospitals NHS Trust", false}}},
	{"Q36", "5K7", "Camden PCT", []provider{{"RRV", "University College London Hospitals NHS Foundation Trust", false}, {"RAL", "Royal Free Hampstead NHS Trust", false}}},
	{"Q36", "5K8", "Islington PCT", []provider{{"RKE", "Whittington Hospital NHS Trust", false}}},
	{"Q37", "5LQ", "Brighton and Hove City PCT", []provider{{"RXH", "Brighton and Sussex University Hospitals NHS Trust", false}}},
	{"Q37", "5P9", "West Kent PCT", []provider{{"RWF", "Maidstone and Tunbridge Wells NHS Trust", false}}},
	{"Q37", "5P5", "Surrey PCT", []provider{{"RA2", "Royal Surrey County Hospital NHS Trust", false}, {"NSY1", "Surrey Community Health (non-NHS)", true}}},
	{"Q38", "5QC", "Oxfordshire PCT", []provider{{"RTH", "Oxford Radcliffe Hospitals NHS Trust", false}}},
	{"Q38", "5QA", "Hampshire PCT", []provider{{"RN5", "Basingstoke and North Hampshire NHS Foundation Trust", false}}},
	{"Q38", "5QG", "Berkshire West PCT", []provider{{"RHW", "Royal Berkshire NHS Foundation Trust", false}}},
	{"Q39", "5QJ", "Bristol PCT", []provider{{"RA7", "University Hospitals Bristol NHS Foundation Trust", false}}},
	{"Q39", "5QN", "Devon PCT", []provider{{"RH8", "Royal Devon and Exeter NHS Foundation Trust", false}}},
	{"Q39", "5QT", "Cornwall and Isles of Scilly PCT", []provider{{"REF", "Royal Cornwall Hospitals NHS Trust", false}}},
}

var (
	firstNames = []string{"Alison", "Brian", "Catherine", "David", "Elaine", "Fiona", "Graham", "Helen", "Ian", "Janet", "Keith", "Linda", "Martin", "Nicola", "Owen", "Patricia", "Richard", "Susan", "Trevor", "Valerie"}
	lastNames  = []string{"Ashworth", "Bennett", "Clarke", "Dawson", "Ellis", "Fletcher", "Gibson", "Harper", "Irving", "Jennings", "Kershaw", "Lawson", "Marsden", "Norris", "Oldham", "Pearson", "Quinn", "Rowley", "Sutton", "Thornton"}
	solutions  = map[string][]string{
		"North, Midlands and East Programme for IT": {"Lorenzo Release 1.9", "iSOFT iPM upgrade"},
		"London Programme for IT":                   {"Cerner Millennium (London configuration)", "RiO for community services"},
		"Southern Programme for IT":                 {"Cerner Millennium (Southern configuration)", "Local PAS retained with interfaces"},
	}
)
