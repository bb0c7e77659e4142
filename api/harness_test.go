package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

var secret = []byte("test-secret-test-secret-test-secret")

// ledgerServer is a real server over a real embedded store in dir.
type ledgerServer struct {
	t     *testing.T
	dir   string
	store eventstore.Store
	proj  *projections.Projector
	tree  *ledgertree.Follower
	key   *ledgertree.Signer
	http  *httptest.Server
	stop  func()
}

func startServer(t *testing.T, dir string) *ledgerServer {
	t.Helper()
	return startServerWith(t, dir, command.Options{})
}

// startServerWith is startServer with its command handler's options (a clock of the test's own).
func startServerWith(t *testing.T, dir string, opts command.Options) *ledgerServer {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	proj := projections.New(store, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = proj.Run(ctx) }()
	cp, err := ledgertree.OpenCheckpoint(filepath.Join(dir, ledgertree.CheckpointFile))
	require.NoError(t, err)
	tree, err := ledgertree.Resume(ctx, cp, store, nil)
	require.NoError(t, err)
	treeDone := make(chan struct{})
	go func() { defer close(treeDone); _ = tree.Run(ctx, store) }()
	key, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	heads, err := ledgertree.OpenHeadLog(filepath.Join(dir, ledgertree.HeadsFile), key)
	require.NoError(t, err)
	srv := httptest.NewServer(api.New(api.Config{
		Commands: command.NewHandler(store, opts), Projections: proj, Store: store,
		Tokens: auth.NewVerifier(secret, nil), ReadWait: 2 * time.Second, Tree: tree, TreeSigner: key, Heads: heads,
	}))
	s := &ledgerServer{t: t, dir: dir, store: store, proj: proj, tree: tree, key: key, http: srv}
	s.stop = func() {
		srv.Close()
		cancel()
		<-done
		<-treeDone
		cp.Close()
		store.Close()
	}
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
	require.Eventually(t, func() bool { return proj.Ready() == nil && tree.Ready() == nil }, 10*time.Second, 5*time.Millisecond)
	return s
}

func (s *ledgerServer) restart() *ledgerServer {
	s.stop()
	s.stop = nil
	return startServer(s.t, s.dir)
}

func (s *ledgerServer) head() eventstore.Position {
	h, err := s.store.Head(context.Background())
	require.NoError(s.t, err)
	return h
}

func token(t *testing.T, a domain.Actor) string {
	t.Helper()
	tok, err := auth.Mint(secret, a, time.Now(), time.Hour)
	require.NoError(t, err)
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

// do sends a request; body may be nil, a string (sent as is) or any value (sent as JSON).
func (s *ledgerServer) do(method, path string, actor *domain.Actor, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(s.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.http.URL+path, rd)
	require.NoError(s.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if actor != nil {
		req.Header.Set("Authorization", "Bearer "+token(s.t, *actor))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.http.Client().Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must sends a request and requires the given status.
func (s *ledgerServer) must(status int, method, path string, actor *domain.Actor, body any, headers ...string) map[string]any {
	s.t.Helper()
	r := s.do(method, path, actor, body, headers...)
	require.Equal(s.t, status, r.status, "%s %s: %s", method, path, r.body)
	if len(r.body) == 0 || r.header.Get("Content-Type") == "text/csv; charset=utf-8" {
		return nil
	}
	return r.json(s.t)
}

func sampleContent(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(raw, &c))
	return c
}

// withOrganisation is content c with the national indicators of one more member, ods.
func withOrganisation(c map[string]any, ods string) map[string]any {
	c["per_organisation"] = append(c["per_organisation"].([]any), map[string]any{"ods_code": ods, "nhs_number_current_pct": 85.5,
		"nhs_number_target_pct": 98, "ig_toolkit_level_current": 1, "ig_toolkit_level_target": 2})
	return c
}

func contentHash(t *testing.T, c map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	var dc domain.Content
	require.NoError(t, json.Unmarshal(raw, &dc))
	h, err := eventcodec.ContentHash(dc)
	require.NoError(t, err)
	return h
}

// Actors of the test world: London SHA, Brent PCT leading an LHC with Guy's and St Thomas'.
var (
	admin     = domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}
	pct       = domain.Actor{PersonID: "pc-1", Name: "Priya Commissioner", Role: domain.RolePCTCommissioner, Org: "5K5"}
	provider  = domain.Actor{PersonID: "pr-1", Name: "Peter Provider", Role: domain.RoleProvider, Org: "RJ1"}
	cePCT     = domain.Actor{PersonID: "ce-5k5", Name: "Carol Chief", Role: domain.RoleChiefExecutive, Org: "5K5"}
	ceRJ1     = domain.Actor{PersonID: "ce-rj1", Name: "Ron Chief", Role: domain.RoleChiefExecutive, Org: "RJ1"}
	ceRJ1Next = domain.Actor{PersonID: "ce-rj1-b", Name: "Rita Successor", Role: domain.RoleChiefExecutive, Org: "RJ1"}
	assurer   = domain.Actor{PersonID: "sa-1", Name: "Sam Assurer", Role: domain.RoleSHAAssurer, Org: "Q36"}
	cfh       = domain.Actor{PersonID: "cf-1", Name: "Cath CfH", Role: domain.RoleCfH, Org: "X09"}
	auditor   = domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}
)

func (s *ledgerServer) setUpRegistry() {
	for _, o := range []map[string]any{
		{"ods_code": "Q36", "name": "NHS London", "kind": "sha"},
		{"ods_code": "Q30", "name": "North East Strategic Health Authority", "kind": "sha"},
		{"ods_code": "X09", "name": "NHS Connecting for Health", "kind": "cfh"},
		{"ods_code": "5K5", "name": "Brent Teaching PCT", "kind": "pct", "sha_code": "Q36"},
		{"ods_code": "RJ1", "name": "Guy's and St Thomas' NHS Foundation Trust", "kind": "provider", "sha_code": "Q36"},
	} {
		s.must(201, "POST", "/v1/organisations", &admin, o)
	}
	s.must(201, "POST", "/v1/organisations/5K5/chief-executive", &admin, map[string]any{"person_id": cePCT.PersonID, "name": cePCT.Name, "effective_from": "2008-04-01"})
	s.must(201, "POST", "/v1/organisations/RJ1/chief-executive", &admin, map[string]any{"person_id": ceRJ1.PersonID, "name": ceRJ1.Name, "effective_from": "2008-04-01"})
	s.must(201, "POST", "/v1/lhcs", &admin, map[string]any{"lhc_id": "lhc-brent", "name": "Brent LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}})
	s.must(201, "POST", "/v1/rounds", &admin, roundBody("2009-10"))
	s.must(201, "POST", "/v1/pfits", &admin, map[string]any{"pfit_id": "london", "name": "London Programme for IT"})
	s.must(201, "POST", "/v1/shas/Q36/pfit", &admin, map[string]any{"pfit_id": "london"})
}

// roundBody publishes round 2009-10 with two criteria, c5 and ig, and the deadlines of the demo.
func roundBody(round string) map[string]any {
	return map[string]any{"round": round, "title": "Informatics Planning " + round, "guidance_ref": "IP " + round, "published_on": "2009-01-16",
		"first_financial_year": 2009, "min_years": 3,
		"milestones": []map[string]string{{"id": "plan_submission", "due": "2009-07-31"}, {"id": "sro_signoff", "due": "2009-09-30"},
			{"id": "sha_assurance", "due": "2009-11-30"}, {"id": "sha_return", "due": "2009-12-18"}, {"id": "cfh_acknowledgement", "due": "2010-02-26"}},
		"criteria": []map[string]string{{"id": "c5", "title": "Clinical 5"}, {"id": "ig", "title": "Information governance"}}}
}

func submitBody(t *testing.T) map[string]any {
	return map[string]any{"lhc_id": "lhc-brent", "round": "2009-10", "period": map[string]int{"first_year": 2009, "last_year": 2011}, "content": sampleContent(t)}
}
