package demo

// The reference data of the demo: who existed in 2009, with which ODS code, and which LHCs they form.
//
// Provenance, so that nobody mistakes demo data for a reference:
//
//   - SHAs: the ten Strategic Health Authorities of England (2006-2013) with their real codes Q30-Q39
//     and official names.
//   - PCTs: real codes and names, checked against a list of the 152 PCTs of 2006-2013 (as published
//     in NHS drop-down lists of the time).
//   - NHS trusts: real codes, checked against NHS provider code lists (a trust's code survives
//     renaming); names are the 2009 names where the trust has since been renamed or merged (e.g. RAL
//     "Royal Free Hampstead NHS Trust", RJ6 "Mayday Healthcare NHS Trust", RTH "Oxford Radcliffe
//     Hospitals NHS Trust"). RV8 (North West London Hospitals NHS Trust) and RGR's 2009 name are
//     recalled and were not cross-checked, nor were the codes and 2009 names of the mental health,
//     ambulance and Newham trusts (RNH Newham University Hospital NHS Trust, RWK, RV5, RW4, RX6,
//     RX9, RRU).
//   - Illustrative, invented: NHS Connecting for Health's code X09, every non-NHS provider and its
//     code (ZNA01-ZNA05), the community provider registered in 2010 (ZCA01), every synthetic
//     organisation of a scaled-up data set (ZP..., ZT..., ZX...), every person and person id.
//
// Which LHC an organisation belongs to is plausible local geography, not a record of the 2009 LHCs.

type shaRef struct{ code, name, pfit string }

// The National Programme for IT's local programmes (the LSP clusters) an SHA's plans were assured for.
const (
	pfitNME    = "North, Midlands and East Programme for IT"
	pfitLondon = "London Programme for IT"
	pfitSouth  = "Southern Programme for IT"
)

var shaRefs = []shaRef{
	{"Q30", "North East Strategic Health Authority", pfitNME},
	{"Q31", "North West Strategic Health Authority", pfitNME},
	{"Q32", "Yorkshire and the Humber Strategic Health Authority", pfitNME},
	{"Q33", "East Midlands Strategic Health Authority", pfitNME},
	{"Q34", "West Midlands Strategic Health Authority", pfitNME},
	{"Q35", "East of England Strategic Health Authority", pfitNME},
	{"Q36", "NHS London", pfitLondon},
	{"Q37", "South East Coast Strategic Health Authority", pfitSouth},
	{"Q38", "South Central Strategic Health Authority", pfitSouth},
	{"Q39", "South West Strategic Health Authority", pfitSouth},
}

// CfH's code is illustrative: the demo needs one, and X09 is not claimed to be CfH's real code.
const (
	cfhCode = "X09"
	cfhName = "NHS Connecting for Health"
)

type orgRef struct {
	code, name string
	nonNHS     bool // a non-NHS provider (invented)
}

// communityRef is an LHC of the demo: its place name (which gives the LHC its id and name), its
// lead PCT and its providers.
type communityRef struct {
	sha, place string
	pct        orgRef
	providers  []orgRef
}

var communityRefs = []communityRef{
	// North East
	{"Q30", "Newcastle", orgRef{"5D7", "Newcastle PCT", false}, []orgRef{{"RTD", "The Newcastle upon Tyne Hospitals NHS Foundation Trust", false}, {"RX6", "North East Ambulance Service NHS Trust", false}}},
	{"Q30", "Sunderland", orgRef{"5KL", "Sunderland Teaching PCT", false}, []orgRef{{"RLN", "City Hospitals Sunderland NHS Foundation Trust", false}}},
	{"Q30", "County Durham", orgRef{"5ND", "County Durham PCT", false}, []orgRef{{"RXP", "County Durham and Darlington NHS Foundation Trust", false}, {"ZNA01", "Durham Dales Community Health CIC", true}}},
	// North West
	{"Q31", "Manchester", orgRef{"5NT", "Manchester PCT", false}, []orgRef{{"RW3", "Central Manchester University Hospitals NHS Foundation Trust", false}}},
	{"Q31", "Liverpool", orgRef{"5NL", "Liverpool PCT", false}, []orgRef{{"RQ6", "Royal Liverpool and Broadgreen University Hospitals NHS Trust", false}, {"RW4", "Mersey Care NHS Trust", false}}},
	{"Q31", "Bolton", orgRef{"5HQ", "Bolton PCT", false}, []orgRef{{"RMC", "Royal Bolton Hospital NHS Foundation Trust", false}}},
	{"Q31", "Stockport", orgRef{"5F7", "Stockport PCT", false}, []orgRef{{"RWJ", "Stockport NHS Foundation Trust", false}}},
	// Yorkshire and the Humber
	{"Q32", "Leeds", orgRef{"5N1", "Leeds PCT", false}, []orgRef{{"RR8", "Leeds Teaching Hospitals NHS Trust", false}}},
	{"Q32", "Bradford and Airedale", orgRef{"5NY", "Bradford and Airedale Teaching PCT", false}, []orgRef{{"RAE", "Bradford Teaching Hospitals NHS Foundation Trust", false}}},
	{"Q32", "Sheffield", orgRef{"5N4", "Sheffield PCT", false}, []orgRef{{"RHQ", "Sheffield Teaching Hospitals NHS Foundation Trust", false}, {"ZNA02", "Don Valley Diagnostics Ltd", true}}},
	{"Q32", "Hull", orgRef{"5NX", "Hull Teaching PCT", false}, []orgRef{{"RWA", "Hull and East Yorkshire Hospitals NHS Trust", false}}},
	// East Midlands
	{"Q33", "Nottingham City", orgRef{"5EM", "Nottingham City PCT", false}, []orgRef{{"RX1", "Nottingham University Hospitals NHS Trust", false}, {"RX9", "East Midlands Ambulance Service NHS Trust", false}}},
	{"Q33", "Leicester City", orgRef{"5PC", "Leicester City PCT", false}, []orgRef{{"RWE", "University Hospitals of Leicester NHS Trust", false}}},
	{"Q33", "Derby City", orgRef{"5N7", "Derby City PCT", false}, []orgRef{{"RTG", "Derby Hospitals NHS Foundation Trust", false}}},
	// West Midlands
	{"Q34", "Heart of Birmingham", orgRef{"5MX", "Heart of Birmingham Teaching PCT", false}, []orgRef{{"RRK", "University Hospitals Birmingham NHS Foundation Trust", false}, {"RXK", "Sandwell and West Birmingham Hospitals NHS Trust", false}}},
	{"Q34", "Coventry", orgRef{"5MD", "Coventry Teaching PCT", false}, []orgRef{{"RKB", "University Hospitals Coventry and Warwickshire NHS Trust", false}}},
	{"Q34", "Wolverhampton", orgRef{"5MV", "Wolverhampton City PCT", false}, []orgRef{{"RL4", "The Royal Wolverhampton Hospitals NHS Trust", false}}},
	// East of England
	{"Q35", "Norfolk", orgRef{"5PQ", "Norfolk PCT", false}, []orgRef{{"RM1", "Norfolk and Norwich University Hospitals NHS Foundation Trust", false}}},
	{"Q35", "Suffolk", orgRef{"5PT", "Suffolk PCT", false}, []orgRef{{"RGQ", "The Ipswich Hospital NHS Trust", false}, {"RGR", "West Suffolk Hospitals NHS Trust", false}}},
	{"Q35", "Cambridgeshire", orgRef{"5PP", "Cambridgeshire PCT", false}, []orgRef{{"RGT", "Cambridge University Hospitals NHS Foundation Trust", false}}},
	// London
	{"Q36", "Brent", orgRef{"5K5", "Brent Teaching PCT", false}, []orgRef{{"RV8", "North West London Hospitals NHS Trust", false}}},
	{"Q36", "Camden", orgRef{"5K7", "Camden PCT", false}, []orgRef{{"RRV", "University College London Hospitals NHS Foundation Trust", false}, {"RAL", "Royal Free Hampstead NHS Trust", false}, {"RP4", "Great Ormond Street Hospital for Children NHS Trust", false}}},
	{"Q36", "City and Hackney", orgRef{"5C3", "City and Hackney Teaching PCT", false}, []orgRef{{"RQX", "Homerton University Hospital NHS Foundation Trust", false}}},
	{"Q36", "Islington", orgRef{"5K8", "Islington PCT", false}, []orgRef{{"RKE", "The Whittington Hospital NHS Trust", false}}},
	{"Q36", "Westminster", orgRef{"5LC", "Westminster PCT", false}, []orgRef{{"RYJ", "Imperial College Healthcare NHS Trust", false}, {"RQM", "Chelsea and Westminster Hospital NHS Foundation Trust", false}, {"RRU", "London Ambulance Service NHS Trust", false}}},
	{"Q36", "Tower Hamlets", orgRef{"5C4", "Tower Hamlets PCT", false}, []orgRef{{"RNJ", "Barts and The London NHS Trust", false}}},
	{"Q36", "Newham", orgRef{"5C5", "Newham PCT", false}, []orgRef{{"RNH", "Newham University Hospital NHS Trust", false}, {"RWK", "East London NHS Foundation Trust", false}, {"ZNA04", "East London Independent Treatment Centre Ltd", true}}},
	{"Q36", "Croydon", orgRef{"5K9", "Croydon PCT", false}, []orgRef{{"RJ6", "Mayday Healthcare NHS Trust", false}}},
	{"Q36", "Lambeth", orgRef{"5LD", "Lambeth PCT", false}, []orgRef{{"RJ1", "Guy's and St Thomas' NHS Foundation Trust", false}, {"RJZ", "King's College Hospital NHS Foundation Trust", false}}},
	{"Q36", "Southwark", orgRef{"5LE", "Southwark PCT", false}, []orgRef{{"RJ1", "Guy's and St Thomas' NHS Foundation Trust", false}, {"RJZ", "King's College Hospital NHS Foundation Trust", false}, {"RV5", "South London and Maudsley NHS Foundation Trust", false}}},
	{"Q36", "Wandsworth", orgRef{"5LG", "Wandsworth PCT", false}, []orgRef{{"RJ7", "St George's Healthcare NHS Trust", false}}},
	// South East Coast
	{"Q37", "Brighton and Hove", orgRef{"5LQ", "Brighton and Hove City PCT", false}, []orgRef{{"RXH", "Brighton and Sussex University Hospitals NHS Trust", false}}},
	{"Q37", "West Kent", orgRef{"5P9", "West Kent PCT", false}, []orgRef{{"RWF", "Maidstone and Tunbridge Wells NHS Trust", false}}},
	{"Q37", "Surrey", orgRef{"5P5", "Surrey PCT", false}, []orgRef{{"RA2", "Royal Surrey County Hospital NHS Foundation Trust", false}, {"ZNA03", "Surrey Downs Treatment Centre Ltd", true}}},
	{"Q37", "Eastern and Coastal Kent", orgRef{"5QA", "Eastern and Coastal Kent PCT", false}, []orgRef{{"RVV", "East Kent Hospitals University NHS Foundation Trust", false}}},
	// South Central
	{"Q38", "Oxfordshire", orgRef{"5QE", "Oxfordshire PCT", false}, []orgRef{{"RTH", "Oxford Radcliffe Hospitals NHS Trust", false}}},
	{"Q38", "Hampshire", orgRef{"5QC", "Hampshire PCT", false}, []orgRef{{"RN5", "Basingstoke and North Hampshire NHS Foundation Trust", false}}},
	{"Q38", "Berkshire West", orgRef{"5QF", "Berkshire West PCT", false}, []orgRef{{"RHW", "Royal Berkshire NHS Foundation Trust", false}}},
	{"Q38", "Southampton", orgRef{"5L1", "Southampton City PCT", false}, []orgRef{{"RHM", "Southampton University Hospitals NHS Trust", false}}},
	// South West
	{"Q39", "Bristol", orgRef{"5QJ", "Bristol PCT", false}, []orgRef{{"RA7", "University Hospitals Bristol NHS Foundation Trust", false}, {"RVJ", "North Bristol NHS Trust", false}, {"ZNA05", "Severnside Community Care CIC", true}}},
	{"Q39", "Devon", orgRef{"5QQ", "Devon PCT", false}, []orgRef{{"RH8", "Royal Devon and Exeter NHS Foundation Trust", false}}},
	{"Q39", "Cornwall and Isles of Scilly", orgRef{"5QP", "Cornwall and Isles of Scilly PCT", false}, []orgRef{{"REF", "Royal Cornwall Hospitals NHS Trust", false}}},
	{"Q39", "Plymouth", orgRef{"5F1", "Plymouth Teaching PCT", false}, []orgRef{{"RK9", "Plymouth Hospitals NHS Trust", false}}},
}

// In February 2010 (ten months into the round) Camden PCT's provider arm becomes an organisation
// of its own and joins the Camden LHC, and Surrey's independent treatment centre contract ends, so
// that LHC membership changes between the 2009-10 and 2010-11 rounds. Both changes are illustrative.
var (
	joiner       = orgRef{"ZCA01", "Camden Provider Services", false}
	partnerLHC   = "Lambeth"
	partnerPCT   = "5LE" // Southwark PCT
	joinerLHC    = "Camden"
	leaverLHC    = "Surrey"
	leaverCode   = "ZNA03"
	joinerMonths = 10
)

var (
	firstNames = []string{
		"Alison", "Andrew", "Angela", "Brian", "Catherine", "Christopher", "David", "Deborah", "Elaine", "Fiona",
		"Gareth", "Graham", "Helen", "Ian", "Janet", "Jonathan", "Karen", "Keith", "Linda", "Margaret",
		"Martin", "Michael", "Nicola", "Owen", "Patricia", "Paul", "Rachel", "Richard", "Ruth", "Simon",
		"Stephen", "Susan", "Trevor", "Valerie", "Yasmin", "Zahid", "Anjali", "Chidi", "Declan", "Siobhan",
	}
	lastNames = []string{
		"Ashworth", "Bennett", "Bhatti", "Clarke", "Dawson", "Ellis", "Fletcher", "Gibson", "Harper", "Hussain",
		"Irving", "Jennings", "Kershaw", "Lawson", "Marsden", "Mensah", "Norris", "O'Brien", "Oldham", "Patel",
		"Pearson", "Quinn", "Rowley", "Shah", "Sutton", "Thornton", "Underwood", "Vaughan", "Whitfield", "Yates",
	}
)
