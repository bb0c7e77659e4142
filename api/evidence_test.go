package api_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
)

// The bundle form of the SRO evidence route gives a file that verifies offline with the ledger's
// key, holding the organisation's sign-off, under the same authorisation as the JSON form.
func TestSROEvidenceBundleOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.setUpRegistry()
	content := sampleContent(t)
	hash := contentHash(t, content)
	sub := s.must(201, "POST", "/v1/plans", &pct, submitBody(t))
	plan := "/v1/plans/" + sub["plan_id"].(string)
	signed := s.must(201, "POST", plan+"/sro-signoffs", &cePCT, map[string]any{"version": 1, "statement": "As SRO I confirm this plan", "content_hash": hash})

	r := s.do("GET", "/v1/organisations/5K5/sro-evidence?format=bundle&min_position="+pos(signed), &cePCT, nil)
	require.Equal(t, 200, r.status, string(r.body))
	assert.Contains(t, r.header.Get("Content-Disposition"), `attachment; filename="sro-evidence-5K5-`)
	b, err := evidence.Parse(r.body)
	require.NoError(t, err)
	res := evidence.Verify(b, s.key.PublicKey())
	require.True(t, res.OK(), "%v", res.Findings)
	require.Len(t, b.SignOffs, 1)
	assert.Equal(t, signed["event_id"], b.SignOffs[0].EventID)
	assert.Equal(t, hash, b.SignOffs[0].ContentHash)
	stored, err := ledgertree.ReadHeads(filepath.Join(s.dir, ledgertree.HeadsFile))
	require.NoError(t, err)
	assert.Contains(t, stored, b.TreeHead, "the bundle's head is on record")

	tests := []struct {
		name   string
		path   string
		status int
		code   string
	}{
		{"unknown format", "/v1/organisations/5K5/sro-evidence?format=zip", 400, "malformed_request"},
		{"unknown organisation", "/v1/organisations/ZZZ/sro-evidence?format=bundle", 404, "organisation_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("GET", tc.path, &auditor, nil)
			require.Equal(t, tc.status, r.status, string(r.body))
			assert.Equal(t, api.ProblemContentType, r.header.Get("Content-Type"))
			if tc.code != "" {
				var p api.Problem
				require.NoError(t, json.Unmarshal(r.body, &p))
				assert.Equal(t, tc.code, p.Code)
			}
		})
	}
	// The JSON form is unchanged.
	ev := s.must(200, "GET", "/v1/organisations/5K5/sro-evidence?format=json", &auditor, nil)
	assert.Equal(t, "5K5", ev["ods_code"])
}
