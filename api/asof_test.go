package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/evidence"
	"assurance-ledger/internal/thorough"
)

// demoDir is a new data directory whose store holds the demo data set, and the store's events in
// global order.
func demoDir(t *testing.T) (string, []eventstore.RecordedEvent) {
	t.Helper()
	path := demotest.Path(t, 0)
	s, err := boltstore.Open(path, boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	events, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	return filepath.Dir(path), events
}

// cutLedger writes, in a new directory, a store holding only events (their ids and stored bytes):
// the ledger as it stood when the last of them had been recorded.
func cutLedger(t *testing.T, events []eventstore.RecordedEvent) string {
	t.Helper()
	dir := t.TempDir()
	s, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	// A run of events of one stream is one append: hundreds of transactions rather than thousands.
	for len(events) > 0 {
		n := 1
		for n < len(events) && events[n].Stream == events[0].Stream {
			n++
		}
		run := make([]eventstore.Event, n)
		for i, rec := range events[:n] {
			run[i] = eventstore.Event{ID: rec.ID, Type: rec.Type, Data: rec.Data, Metadata: rec.Metadata}
		}
		_, err := s.Append(context.Background(), events[0].Stream, eventstore.Any, run...)
		require.NoError(t, err)
		events = events[n:]
	}
	return dir
}

// Every governance query "as of P" answers exactly what a ledger holding only the log up to P
// answers as of its last event, byte for byte once decoded (the one from its live state, the
// other refolded), and names that cut (as_of, as_of_position, tree_size):
// the organisations, one organisation with its chief executive then, the LHCs, the plan list
// (filtered too), each plan, each SHA's assurance status, each organisation's SRO evidence, the
// governance bodies, a sample of the plans' delivery and the transparency, delivery and funding
// reports, at points across the demo round.
func TestEveryAnswerAsOfEqualsTheLogCutThere(t *testing.T) {
	t.Parallel()
	dir, events := demoDir(t)
	full := startServer(t, dir)

	var orgs struct {
		Organisations []struct {
			ODSCode string `json:"ods_code"`
			Kind    string `json:"kind"`
		} `json:"organisations"`
	}
	require.NoError(t, json.Unmarshal(full.do("GET", "/v1/organisations", &auditor, nil).body, &orgs))
	var plans struct {
		Plans []struct {
			PlanID string `json:"plan_id"`
		} `json:"plans"`
	}
	require.NoError(t, json.Unmarshal(full.do("GET", "/v1/plans", &auditor, nil).body, &plans))
	paths := []string{"/v1/organisations", "/v1/lhcs", "/v1/plans", "/v1/plans?status=assured", "/v1/plans?sha=Q36&round=2009-10",
		"/v1/reports/transparency", "/v1/reports/transparency?round=2009-10&sha=Q35", "/v1/rounds", "/v1/rounds/2009-10", "/v1/pfits",
		"/v1/reports/criteria", "/v1/reports/sro-coverage", "/v1/reports/sro-coverage?round=2009-10&sha=Q36", "/v1/reports/cfh-returns",
		"/v1/governance-bodies", "/v1/reports/delivery", "/v1/reports/delivery?round=2010-11&sha=Q31", "/v1/reports/funding",
		"/v1/reports/funding?round=2009-10&sha=Q36"}
	for _, o := range orgs.Organisations {
		paths = append(paths, "/v1/organisations/"+o.ODSCode+"/sro-evidence")
		if o.Kind == "sha" {
			paths = append(paths, "/v1/shas/"+o.ODSCode+"/assurance-status", "/v1/shas/"+o.ODSCode+"/assurance-status?round=2009-10",
				"/v1/shas/"+o.ODSCode+"/returns")
		}
	}
	for i, p := range plans.Plans {
		paths = append(paths, "/v1/plans/"+p.PlanID)
		if i%10 == 0 {
			paths = append(paths, "/v1/plans/"+p.PlanID+"/delivery")
		}
	}
	require.Greater(t, len(paths), 150)

	// Each cut is a ledger of its own, started and asked every question: the README's test command
	// asks a sample of the cuts (the first and the head always), LEDGER_TEST_THOROUGH=1 all of them.
	cuts := []int{1, 9, 130, 287, 404, 555, len(events) / 2, len(events) * 3 / 4, len(events)}
	for _, at := range thorough.Pick(t, cuts, 4) {
		bundles := 0
		then := startServer(t, cutLedger(t, events[:at]))
		compared := 0
		for _, path := range paths {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			// As of its own last position, the cut ledger answers from its present state; lateness is
			// measured on the cut's day on both sides (without as_of it would be today's).
			got := full.do("GET", path+sep+"as_of="+strconv.Itoa(at), &auditor, nil)
			want := then.do("GET", path+sep+"as_of="+strconv.Itoa(at), &auditor, nil)
			require.Equal(t, want.status, got.status, "%s as of %d: %s", path, at, got.body)
			if want.status != 200 {
				continue
			}
			compared++
			assert.JSONEq(t, string(want.body), string(got.body), "%s as of %d", path, at)
			var cut struct {
				AsOfPosition *uint64 `json:"as_of_position"`
				TreeSize     *uint64 `json:"tree_size"`
				AsOf         *string `json:"as_of"`
			}
			require.NoError(t, json.Unmarshal(got.body, &cut))
			require.NotNil(t, cut.AsOf, path)
			require.NotNil(t, cut.AsOfPosition, path)
			require.NotNil(t, cut.TreeSize, path)
			assert.EqualValues(t, at, *cut.AsOfPosition, path)
			assert.EqualValues(t, at, *cut.TreeSize, "%s: the demo holds only ledger events, so the tree has one leaf a position", path)
		}
		assert.Positive(t, compared, "as of %d", at)
		// The evidence bundle as of a position is the bundle the cut ledger makes now: the same
		// events and sign-offs, of the same cut, proved against a head the full ledger signed when
		// its tree held at least the cut (never one signed now for the cut's size), and it verifies.
		for _, ods := range []string{"5K5", "RJ1", "Q36"} {
			got := full.do("GET", fmt.Sprintf("/v1/organisations/%s/sro-evidence?format=bundle&as_of=%d", ods, at), &auditor, nil)
			want := then.do("GET", "/v1/organisations/"+ods+"/sro-evidence?format=bundle", &auditor, nil)
			require.Equal(t, want.status, got.status, "bundle of %s as of %d: %s", ods, at, got.body)
			if want.status != 200 {
				continue
			}
			var g, w evidence.Bundle
			require.NoError(t, json.Unmarshal(got.body, &g))
			require.NoError(t, json.Unmarshal(want.body, &w))
			assert.Equal(t, withoutProofs(w.Events), withoutProofs(g.Events), "bundle of %s as of %d", ods, at)
			assert.Equal(t, w.SignOffs, g.SignOffs)
			assert.GreaterOrEqual(t, g.TreeHead.TreeSize, uint64(at))
			if g.TreeHead.TreeSize == uint64(at) {
				assert.Equal(t, w.TreeHead.RootHash, g.TreeHead.RootHash)
			}
			assert.Equal(t, []any{w.AsOf, w.AsOfPosition, w.TreeSize}, []any{g.AsOf, g.AsOfPosition, g.TreeSize})
			assert.EqualValues(t, at, g.TreeSize)
			res := evidence.Verify(&g, full.key.PublicKey())
			assert.True(t, res.OK(), "%v", res.Findings)
			bundles++
		}
		if at == len(events) {
			assert.Equal(t, 3, bundles, "every bundle compared at the head")
		}
		// One organisation names its chief executive at the cut's time when asked as of a position.
		for _, o := range orgs.Organisations {
			got := full.do("GET", fmt.Sprintf("/v1/organisations/%s?as_of=%d", o.ODSCode, at), &auditor, nil)
			want := then.do("GET", fmt.Sprintf("/v1/organisations/%s?as_of=%d", o.ODSCode, at), &auditor, nil)
			require.Equal(t, want.status, got.status, "%s as of %d", o.ODSCode, at)
			if want.status == 200 {
				assert.JSONEq(t, string(want.body), string(got.body), "%s as of %d", o.ODSCode, at)
			}
		}
	}
}

// The stored view of the audit feed gives every event's data and metadata byte for byte as the
// store holds them (the decoded view writes the data again, upcast, and shows only some of the
// metadata, so no hash can be checked on it), pages as the decoded view does, and passes the view
// on in its next link.
func TestStoredFeedIsTheStoredBytes(t *testing.T) {
	dir, events := demoDir(t)
	s := startServer(t, dir)

	var got []api.StoredEvent
	path := "/v1/audit/events?view=stored&limit=97"
	pages := 0
	for path != "" {
		var page api.StoredEventsPage
		r := s.do("GET", path, &auditor, nil)
		require.Equal(t, 200, r.status, string(r.body))
		require.NoError(t, json.Unmarshal(r.body, &page))
		assert.Equal(t, api.StoredEventsFormat, page.Format)
		assert.EqualValues(t, len(events), page.HeadPosition)
		got = append(got, page.Events...)
		pages++
		path = ""
		if page.Next != nil {
			path = *page.Next
			assert.Contains(t, path, "view=stored")
			assert.EqualValues(t, page.Events[len(page.Events)-1].Position+1, *page.NextFromPosition)
		}
	}
	assert.Equal(t, (len(events)+96)/97, pages)
	require.Len(t, got, len(events))
	for i, rec := range events {
		e := got[i]
		assert.Equal(t, rec.Position, e.Position)
		assert.Equal(t, rec.Stream, e.Stream)
		assert.Equal(t, rec.Revision, e.Revision)
		assert.Equal(t, rec.Type, e.Type)
		assert.Equal(t, rec.ID.String(), e.EventID)
		assert.Equal(t, rec.Data, e.Data, "position %d", rec.Position)
		assert.Equal(t, rec.Metadata, e.Metadata, "position %d", rec.Position)
	}
	decoded := s.do("GET", "/v1/audit/events?limit=1", &auditor, nil)
	assert.NotContains(t, string(decoded.body), "correlation_id", "the decoded view leaves out metadata the hash is over")

	// The raw page: base64 of exactly the stored bytes.
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	r := s.do("GET", "/v1/audit/events?view=stored&limit=1", &auditor, nil)
	require.NoError(t, json.Unmarshal(r.body, &raw))
	assert.Equal(t, base64.StdEncoding.EncodeToString(events[0].Data), raw.Events[0]["data_b64"])
	assert.Equal(t, base64.StdEncoding.EncodeToString(events[0].Metadata), raw.Events[0]["metadata_b64"])

	bad := s.do("GET", "/v1/audit/events?view=raw", &auditor, nil)
	assert.Equal(t, 400, bad.status, string(bad.body))
}

// withoutProofs is a bundle's events without their inclusion proofs, which depend on the head.
func withoutProofs(events []evidence.Event) []evidence.Event {
	out := make([]evidence.Event, len(events))
	for i, e := range events {
		e.InclusionProof = nil
		out[i] = e
	}
	return out
}
