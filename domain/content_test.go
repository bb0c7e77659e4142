package domain

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func nan() float64 { return math.NaN() }

// sampleHash pins the content hash of testdata/plan-content.json (also what Python's
// json.dumps(sort_keys=True, separators=(",", ":")) gives for it). If it changes, every recorded
// sign-off of that content stops matching: the canonical form is public interface.
const sampleHash = "dada5208aabe84dab279b1c0494797d019c29f9d60ec0bf4cd03557001afd7cf"

func TestSampleContentIsValid(t *testing.T) {
	c := sampleContent(t)
	assert.Empty(t, c.Validate(period2009))
	assert.Len(t, c.Clinical5, 5)
	assert.Equal(t, date("2011-09-30"), c.Clinical5[0].StrategicDate)
	assert.Equal(t, 91.5, c.NHSNumberAdoption.CurrentPct)
	assert.Equal(t, int64(4200000), c.CapacityAndFunding.Capital)

	// The same content over a later period has dates outside it.
	fields := c.Validate(Period{FirstYear: 2010, LastYear: 2012})
	require.NotEmpty(t, fields)
	assert.Contains(t, fields, FieldError{Field: "content.clinical5[0].interim_date", Message: "2009-12-31 is outside the period 2010-04-01 to 2013-03-31"})

	// An invalid period leaves dates unchecked; Period.Validate reports it.
	assert.Empty(t, c.Validate(Period{FirstYear: 2011, LastYear: 2009}))
}

func TestContentValidateNaN(t *testing.T) {
	c := sampleContent(t)
	c.NHSNumberAdoption.TargetPct = nan()
	fields := c.Validate(period2009)
	require.Len(t, fields, 1)
	assert.Equal(t, "content.nhs_number_adoption.target_pct", fields[0].Field)
}
