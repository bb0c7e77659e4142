package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
	"assurance-ledger/web"
)

// Every page answers round and as_of, including times before the ledger began and input it cannot
// read.
func TestPagesAsOf(t *testing.T) {
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	plan := proj.Plans(projections.PlanFilter{SHA: "Q36", Round: "2009-10"})[0].PlanID
	for _, tc := range []struct {
		name, path string
		status     int
		contains   []string
	}{
		{"overview now", "/?round=2009-10", 200, []string{`id="chart"`, `<option value="2009-10" selected>`}},
		{"overview as of a date-time input", "/?round=2009-10&as_of=2009-07-01T12:00", 200, []string{"as it stood on 2009-07-01 12:00:00 UTC", `value="2009-07-01T12:00"`}},
		{"overview as of RFC 3339", "/?as_of=2009-07-01T12:00:00Z", 200, []string{"as it stood on 2009-07-01 12:00:00 UTC"}},
		{"overview as of a position", "/?as_of=40", 200, []string{"at log position 40"}},
		{"overview before the ledger began", "/?as_of=2001-01-01T00:00", 200, []string{"before anything was recorded", "No SHA was registered by then"}},
		{"overview with nonsense", "/?as_of=yesterday", 400, []string{"Cannot read", "yesterday"}},
		{"sha as of", "/shas/Q36?round=2009-10&as_of=2009-09-01T00:00", 200, []string{`id="lhcs"`, "as it stood on 2009-09-01"}},
		{"sha before it existed", "/shas/Q36?as_of=2001-01-01T00:00", 404, []string{"No SHA Q36 was registered by 2001-01-01"}},
		{"unknown sha", "/shas/Q99", 404, []string{"No such SHA"}},
		{"plan now", "/plans/" + plan, 200, []string{`id="timeline"`, `id="versions"`}},
		{"plan before it was submitted", "/plans/" + plan + "?as_of=2009-04-01T09:00", 404, []string{"No such plan"}},
		{"not a plan id", "/plans/nope", 404, []string{"is not a plan id"}},
		{"sro as of", "/organisations/5K5/sro?as_of=2009-12-01T00:00", 200, []string{`id="bundle"`, "as it stood on 2009-12-01"}},
		{"criteria now", "/criteria?round=2009-10", 200, []string{`id="heatmap"`, `data-criterion="information_governance"`, `<option value="2009-10" selected>`}},
		{"criteria as of", "/criteria?round=2010-11&as_of=2010-07-01T00:00", 200, []string{"as it stood on 2010-07-01", `id="heatmap"`}},
		{"criteria before the ledger began", "/criteria?as_of=2001-01-01T00:00", 200, []string{"No criterion had been rated by then"}},
		{"returns now", "/returns?round=2009-10", 200, []string{`id="cfh-returns"`, `data-round="2009-10"`}},
		{"returns as of", "/returns?round=2009-10&as_of=2009-12-01T00:00", 200, []string{`id="cfh-returns"`, "not yet", "overdue counted on 1 Dec 2009"}},
		{"returns before the ledger began", "/returns?as_of=2001-01-01T00:00", 200, []string{"No round had been published by then"}},
		{"plan with deadlines", "/plans/" + plan, 200, []string{`id="milestones"`, `id="members"`, `id="ratings"`}},
		{"sha with returns", "/shas/Q36?round=2009-10", 200, []string{`id="sha-returns"`, `id="overdue"`, `data-field="published_due">published as 18 Dec 2009`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, srv, tc.path, tok)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, string(body))
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
			for _, want := range tc.contains {
				assert.Contains(t, string(body), want)
			}
		})
	}
}

// The bundle download is the API's own evidence bundle for the reader's token, and it verifies
// offline with the ledger's public key.
func TestBundleDownloadIsTheAPIsVerifiableBundle(t *testing.T) {
	store := demoStore(t, 1)
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	tree := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	treeDone := make(chan struct{})
	go func() { defer close(treeDone); _ = tree.Run(ctx, store) }()
	t.Cleanup(func() { cancel(); <-treeDone })
	require.Eventually(t, func() bool { return tree.Ready() == nil }, 10*time.Second, 5*time.Millisecond)
	key, err := ledgertree.LoadSigner(t.TempDir())
	require.NoError(t, err)
	tokens := auth.NewVerifier(secret, nil)
	e := api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj, Store: store,
		Tokens: tokens, Tree: tree, TreeSigner: key})
	web.Mount(e, web.Config{Projections: proj, Store: store, Tokens: tokens})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	tok := token(t, auditor)
	page := get(t, srv, "/organisations/5K5/sro/bundle", tok)
	require.Equal(t, http.StatusOK, page.StatusCode)
	api := apiGet(t, srv, "/v1/organisations/5K5/sro-evidence?format=bundle", tok)
	assert.Equal(t, api.Header.Get("Content-Type"), page.Header.Get("Content-Type"))
	assert.Equal(t, api.Header.Get("Content-Disposition"), page.Header.Get("Content-Disposition"))
	raw, err := io.ReadAll(page.Body)
	require.NoError(t, err)
	bundle, err := evidence.Parse(raw)
	require.NoError(t, err)
	res := evidence.Verify(bundle, key.PublicKey())
	assert.True(t, res.OK(), "the downloaded bundle verifies offline: %v", res.Findings)

	other := get(t, srv, "/organisations/5K5/sro/bundle", token(t, londonSA))
	assert.Equal(t, http.StatusOK, other.StatusCode, "every signed-in role may download every bundle")
}
