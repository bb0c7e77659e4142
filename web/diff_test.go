package web

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

func sample(t *testing.T) domain.Content {
	t.Helper()
	raw, err := os.ReadFile("../demo/plan-content.json")
	require.NoError(t, err)
	var c domain.Content
	require.NoError(t, json.Unmarshal(raw, &c))
	require.NotEmpty(t, c.Clinical5)
	return c
}

func TestDiffContent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *domain.Content)
		want   []change
	}{
		{name: "identical", change: func(*domain.Content) {}, want: nil},
		{name: "a text field", change: func(c *domain.Content) { c.Infrastructure = "N3 everywhere" },
			want: []change{{Field: "infrastructure", Kind: "changed", After: "N3 everywhere"}}},
		{name: "a number", change: func(c *domain.Content) { c.CapacityAndFunding.Capital++ },
			want: []change{{Field: "capacity_and_funding.capital", Kind: "changed"}}},
		{name: "a capability named, not numbered", change: func(c *domain.Content) { c.Clinical5[1].InterimSolution = "paper" },
			want: []change{{Field: "clinical5[" + sample(t).Clinical5[1].Capability + "].interim_solution", Kind: "changed", After: "paper"}}},
		{name: "reordering a list is no change", change: func(c *domain.Content) {
			c.Clinical5[0], c.Clinical5[1] = c.Clinical5[1], c.Clinical5[0]
		}, want: nil},
		{name: "a programme dropped", change: func(c *domain.Content) { c.NationalProgrammes = c.NationalProgrammes[1:] },
			want: []change{
				{Field: "national_programmes[" + sample(t).NationalProgrammes[0].Programme + "].programme", Kind: "removed"},
				{Field: "national_programmes[" + sample(t).NationalProgrammes[0].Programme + "].planned_date", Kind: "removed"},
				{Field: "national_programmes[" + sample(t).NationalProgrammes[0].Programme + "].status", Kind: "removed"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := sample(t), sample(t)
			tc.change(&b)
			got, err := diffContent(a, b)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want), "%+v", got)
			for i, w := range tc.want {
				assert.Equal(t, w.Field, got[i].Field)
				assert.Equal(t, w.Kind, got[i].Kind)
				if w.After != "" {
					assert.Equal(t, w.After, got[i].After)
				}
			}
		})
	}
}

func TestDefaultComparison(t *testing.T) {
	signed := []string{"5K5"}
	for _, tc := range []struct {
		name     string
		versions []versionInfo
		from, to int
	}{
		{"none", nil, 0, 0},
		{"one version", []versionInfo{{Number: 1, Signed: signed, Assured: domain.OutcomeAssured}}, 1, 1},
		{"revised after not assured, not yet assured", []versionInfo{
			{Number: 1, Signed: signed, Assured: domain.OutcomeNotAssured}, {Number: 2}}, 1, 2},
		{"revised and assured", []versionInfo{
			{Number: 1, Signed: signed, Assured: domain.OutcomeNotAssured}, {Number: 2, Signed: signed, Assured: domain.OutcomeAssuredWithConditions}}, 1, 2},
		{"revised after assurance: the assured version against the signed one before", []versionInfo{
			{Number: 1, Signed: signed}, {Number: 2}, {Number: 3, Signed: signed, Assured: domain.OutcomeAssured}, {Number: 4}}, 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := defaultComparison(tc.versions)
			assert.Equal(t, tc.from, from, "from")
			assert.Equal(t, tc.to, to, "to")
		})
	}
}
