package api_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// csvRecords is the CSV form of a report: its header and rows.
func csvRecords(t *testing.T, s *ledgerServer, path string) (header []string, rows [][]string) {
	t.Helper()
	r := s.do("GET", path, &auditor, nil, "Accept", "text/csv")
	require.Equal(t, 200, r.status, string(r.body))
	recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	return recs[0], recs[1:]
}

// A log written before money by year, staff and sources were asked for (fixture-v1, content of
// schema version 1) still gives every SHA a row of the funding CSV, whose totals are the JSON's,
// and leaves the staff it never stated empty in CSV and null in JSON rather than 0; the delivery
// and funding CSVs end, as every report's does, with the cut's tree_size.
func TestDeliveryAndFundingCSVOfAnOldLog(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("..", "compat", "testdata", "fixture-v1", "ledger.db"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ledger.db"), raw, 0o600))
	s := startServer(t, dir)
	at := "?min_position=" + itoa(s.head())

	fund := s.must(200, "GET", "/v1/reports/funding"+at, &auditor, nil)
	shas := fund["by_sha"].([]any)
	require.NotEmpty(t, shas)
	header, rows := csvRecords(t, s, "/v1/reports/funding"+at)
	col := func(name string) int {
		i := slices.Index(header, name)
		require.GreaterOrEqual(t, i, 0, "column %s", name)
		return i
	}
	var capital float64
	for _, x := range shas {
		sha := x.(map[string]any)
		assert.Empty(t, sha["by_year"], "content of schema version 1 gives no years")
		assert.Nil(t, sha["informatics_wte_current"], "%s: no plan stated its staff", sha["sha_code"])
		assert.Nil(t, sha["informatics_wte_required"])
		assert.EqualValues(t, 0, sha["staffed_plans"])
		var mine [][]string
		for _, r := range rows {
			if r[col("sha_code")] == sha["sha_code"] {
				mine = append(mine, r)
			}
		}
		require.Len(t, mine, 1, "%s: its totals row, and no year", sha["sha_code"])
		row := mine[0]
		assert.Equal(t, "", row[col("financial_year")])
		assert.Equal(t, strconv.FormatFloat(sha["capital"].(float64), 'f', -1, 64), row[col("capital")])
		assert.Equal(t, "", row[col("informatics_wte_current")], "unknown, not 0")
		capital += sha["capital"].(float64)
	}
	assert.Positive(t, capital, "the old plans' money is in the report")
	assert.Equal(t, "tree_size", header[len(header)-1])
	for _, r := range rows {
		assert.EqualValues(t, fund["tree_size"], mustFloat(t, r[len(r)-1]))
	}

	del := s.must(200, "GET", "/v1/reports/delivery"+at, &auditor, nil)
	header, rows = csvRecords(t, s, "/v1/reports/delivery"+at)
	assert.Equal(t, "tree_size", header[len(header)-1])
	require.NotEmpty(t, rows)
	for _, r := range rows {
		assert.EqualValues(t, del["tree_size"], mustFloat(t, r[len(r)-1]))
	}

	// The transparency report's organisation figures are unknown, not none, before content gave
	// per-organisation indicators.
	tr := s.must(200, "GET", "/v1/reports/transparency"+at, &auditor, nil)
	header, rows = csvRecords(t, s, "/v1/reports/transparency"+at)
	below := slices.Index(header, "organisations_below_ig_level_2")
	require.GreaterOrEqual(t, below, 0)
	for _, x := range tr["by_sha"].([]any) {
		sha := x.(map[string]any)
		assert.Contains(t, sha, "organisations_below_ig_level_2")
		assert.Nil(t, sha["organisations_below_ig_level_2"], "%s", sha["sha_code"])
		assert.Nil(t, sha["nhs_number_current_avg"], "%s", sha["sha_code"])
	}
	for _, r := range rows {
		assert.Equal(t, "", r[below], "unknown, not 0")
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "%q", s)
	return f
}
