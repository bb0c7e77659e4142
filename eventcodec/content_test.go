package eventcodec

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// contentDigest pins the content hash of testdata/plan-content.json (also what Python's
// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) gives for the file).
const contentDigest = "dada5208aabe84dab279b1c0494797d019c29f9d60ec0bf4cd03557001afd7cf"

func TestContentHash(t *testing.T) {
	c := sampleContent(t)
	h, err := ContentHash(c)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{64}$`, h)
	again, err := ContentHash(sampleContent(t))
	require.NoError(t, err)
	assert.Equal(t, h, again, "stable")
	assert.Equal(t, contentDigest, h, "the canonical form of content must not change")

	// The same content written with its keys in another order and other spacing.
	reordered := `{
	  "capacity_and_funding": {"currency": "GBP", "revenue": 1350000, "capital": 4200000},
	  "nhs_number_adoption": {"target_date": "2010-03-31", "target_pct": 99.50, "current_pct": 91.5},
	  "data_quality": "Monthly SUS data quality dashboard reviewed by the informatics board.",
	  "information_governance": "IG Toolkit level 2 on all requirements across all member organisations by March 2010.",
	  "infrastructure": "N3 bandwidth upgrade at both acute sites; single sign-on with NHS smartcards; server room consolidation.",
	  "national_programmes": [
	    {"status": "planned", "planned_date": "2010-06-30", "programme": "scr"},
	    {"status": "planned", "planned_date": "2010-10-31", "programme": "eps_r2"},
	    {"status": "in_progress", "planned_date": "2009-12-31", "programme": "gp2gp"},
	    {"status": "live", "planned_date": "2009-09-30", "programme": "nhs_choices"}
	  ],
	  "community_integration": "Community services move to the SystmOne shared record with GP practices in the LHC by 2011.",
	  "clinical5": [
	    {"strategic_date": "2011-09-30", "interim_date": "2009-12-31", "strategic_solution": "Lorenzo Release 1.9", "interim_solution": "Upgrade of existing iSOFT PAS with reporting module", "capability": "pas_reporting"},
	    {"strategic_date": "2011-12-31", "interim_date": "2010-03-31", "strategic_solution": "Lorenzo order communications", "interim_solution": "Pathology order communications via existing ICE system", "capability": "order_comms"},
	    {"strategic_date": "2012-01-31", "interim_date": "2010-06-30", "strategic_solution": "Lorenzo clinical correspondence", "interim_solution": "Coded discharge summaries from local EDM", "capability": "coded_letters"},
	    {"strategic_date": "2011-09-30", "interim_date": "2009-11-30", "strategic_solution": "Lorenzo scheduling", "interim_solution": "Choose and Book integration with outpatient booking", "capability": "scheduling"},
	    {"strategic_date": "2012-03-31", "interim_date": "2010-09-30", "strategic_solution": "Lorenzo e-prescribing", "interim_solution": "Pilot of JAC e-prescribing on two wards", "capability": "e_prescribing"}
	  ]
	}`
	var r domain.Content
	require.NoError(t, json.Unmarshal([]byte(reordered), &r))
	hr, err := ContentHash(r)
	require.NoError(t, err)
	assert.Equal(t, h, hr, "key order and number spelling do not matter")

	// The canonical JSON of the raw file hashes the same: anyone can check a sign-off with any JCS
	// implementation, without this code.
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	canon, err := CanonicalJSON(raw)
	require.NoError(t, err)
	assert.Equal(t, h, SHA256Hex(canon))

	changed := sampleContent(t)
	changed.Clinical5[4].StrategicSolution = "Lorenzo e-prescribing (phase 2)"
	hc, err := ContentHash(changed)
	require.NoError(t, err)
	assert.NotEqual(t, h, hc, "any change gives a different hash")

	reordered5 := sampleContent(t)
	reordered5.Clinical5[0], reordered5.Clinical5[1] = reordered5.Clinical5[1], reordered5.Clinical5[0]
	ho, err := ContentHash(reordered5)
	require.NoError(t, err)
	assert.NotEqual(t, h, ho, "list order is content")

	_, err = ContentHash(domain.Content{NHSNumberAdoption: domain.NHSNumberAdoption{TargetPct: math.Inf(1)}})
	assert.Error(t, err)
}

func TestContentListsAreWrittenAsArrays(t *testing.T) {
	b, err := json.Marshal(contentJSON(domain.Content{}))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"clinical5":[]`)
	assert.Contains(t, string(b), `"national_programmes":[]`)
	assert.Contains(t, string(b), `"target_date":null`)
	h1, err := ContentHash(domain.Content{})
	require.NoError(t, err)
	h2, err := ContentHash(domain.Content{Clinical5: []domain.Capability{}, NationalProgrammes: []domain.NationalProgramme{}})
	require.NoError(t, err)
	assert.Equal(t, h1, h2, "nil and empty lists hash the same")
}
