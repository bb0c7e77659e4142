package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/internal/service"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// timestamp is how every answer prints a time (api.TimestampLayout): RFC 3339, UTC, milliseconds.
var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// signedTimestamp is a tree head's time, part of the bytes it signs: whole seconds, as signed.
var signedTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// Every JSON answer to every GET route of api/openapi.json, over the demo, for every organisation,
// SHA, plan and round it holds: a member the document declares a list is a list ([] when empty),
// never null; every member it declares a date-time is printed in one layout. Walking the document
// rather than a list of routes, a route added later is walked too.
func TestEveryAnswerOfTheDemoListsAsArraysAndPrintsOneTimeLayout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := demotest.Store(t, 0)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	secret := []byte("0123456789abcdef0123456789abcdef")
	svc, err := service.Open(ctx, service.Options{Store: store, DataDir: dir, Secret: secret, Signer: signer})
	require.NoError(t, err)
	defer svc.Stop()
	svc.Start()
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, svc.WaitReady(waitCtx))
	head, err := store.Head(ctx)
	require.NoError(t, err)
	require.NoError(t, svc.Tree.WaitFor(waitCtx, head))
	token, err := auth.Mint(secret, domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X09"}, time.Now(), time.Hour)
	require.NoError(t, err)
	get := func(path, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		svc.Handler.ServeHTTP(rec, req)
		return rec
	}

	raw, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.json"))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))

	// What each path parameter and query is filled with: everything the demo holds.
	var plans, orgs, shas, events []string
	for _, p := range svc.Projections.Plans(projections.PlanFilter{}) {
		plans = append(plans, p.PlanID)
	}
	for _, o := range svc.Projections.Organisations() {
		orgs = append(orgs, o.ODSCode)
		if o.Kind == domain.KindSHA {
			shas = append(shas, o.ODSCode)
		}
	}
	var feed struct {
		Entries []struct {
			EventID string `json:"event_id"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(get("/v1/audit/events?limit=5", "").Body.Bytes(), &feed))
	for _, e := range feed.Entries {
		events = append(events, e.EventID)
	}
	require.NotEmpty(t, plans)
	require.NotEmpty(t, shas)
	require.NotEmpty(t, events)
	rounds := []string{"2009-10", "2010-11"}
	fill := map[string][]string{"{id}": plans, "{ods}": orgs, "{code}": shas, "{event_id}": events, "{round}": rounds}

	paths, _ := doc["paths"].(map[string]any)
	walked := 0
	for path, ops := range paths {
		op, ok := ops.(map[string]any)["get"].(map[string]any)
		if !ok || !strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v1/admin/") {
			continue
		}
		schema := jsonSchema(t, doc, op)
		if schema == nil {
			continue // not a JSON answer
		}
		// Query by query, so that the answers "as of" one point share the registry folded for it.
		targets := expand(path, fill)
		for _, query := range queries(op, shas, rounds, head) {
			for _, target := range targets {
				u := target + query
				rec := get(u, "")
				if rec.Code == http.StatusNotFound && strings.Contains(query, "as_of=") {
					continue // a plan not yet submitted then
				}
				require.Equal(t, http.StatusOK, rec.Code, "%s: %s", u, rec.Body.String())
				var body any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), u)
				checkAnswer(t, doc, schema, body, u)
				walked++
			}
		}
	}
	assert.Greater(t, walked, 200, "the demo's answers were walked")

	// The CSV answers print times as the JSON ones do.
	for _, path := range []string{"/v1/reports/transparency?round=2009-10&as_of=2009-12-31T23:59:59Z", "/v1/reports/criteria?round=2009-10", "/v1/reports/cfh-returns?round=2009-10"} {
		rec := get(path, "text/csv")
		require.Equal(t, http.StatusOK, rec.Code, path)
		rows, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
		require.NoError(t, err, path)
		for _, row := range rows[1:] {
			for i, cell := range row {
				if strings.HasSuffix(rows[0][i], "_at") || rows[0][i] == "as_of" {
					assert.True(t, cell == "" || timestamp.MatchString(cell), "%s: %s = %q", path, rows[0][i], cell)
				}
			}
		}
	}
}

// jsonSchema is the schema of op's 200 application/json answer; nil when it has none.
func jsonSchema(t *testing.T, doc map[string]any, op map[string]any) map[string]any {
	responses, _ := op["responses"].(map[string]any)
	ok, _ := responses["200"].(map[string]any)
	if ok == nil {
		return nil
	}
	ok = deref(t, doc, ok)
	content, _ := ok["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	if media == nil {
		return nil
	}
	s, _ := media["schema"].(map[string]any)
	return s
}

func deref(t *testing.T, doc map[string]any, node map[string]any) map[string]any {
	for range 10 {
		ref, isRef := node["$ref"].(string)
		if !isRef {
			return node
		}
		var cur any = doc
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[strings.ReplaceAll(tok, "~1", "/")]
		}
		m, ok := cur.(map[string]any)
		require.True(t, ok, "unresolved $ref %s", ref)
		node = m
	}
	t.Fatal("$ref chain too deep")
	return nil
}

// alternatives are the schemas a value may match: the schema itself, and those of its allOf,
// oneOf and anyOf, followed.
func alternatives(t *testing.T, doc map[string]any, s map[string]any) []map[string]any {
	s = deref(t, doc, s)
	out := []map[string]any{s}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := s[k].([]any)
		for _, sub := range list {
			if m, ok := sub.(map[string]any); ok {
				out = append(out, alternatives(t, doc, m)...)
			}
		}
	}
	return out
}

func declares(alts []map[string]any, typ string) bool {
	for _, s := range alts {
		switch v := s["type"].(type) {
		case string:
			if v == typ {
				return true
			}
		case []any:
			for _, x := range v {
				if x == typ {
					return true
				}
			}
		}
	}
	return false
}

// checkAnswer walks v along schema s: a null where s declares only a list, or a date-time string
// in another layout, fails the test with where it was found.
func checkAnswer(t *testing.T, doc map[string]any, s map[string]any, v any, where string) {
	t.Helper()
	alts := alternatives(t, doc, s)
	switch v := v.(type) {
	case nil:
		assert.False(t, declares(alts, "array") && !declares(alts, "null"), "%s is null where a list is declared", where)
		assert.False(t, declares(alts, "array"), "%s is null: an empty list is []", where)
	case string:
		for _, a := range alts {
			if a["format"] == "date-time" {
				layout := timestamp
				if strings.HasSuffix(where, ".timestamp") {
					layout = signedTimestamp
				}
				assert.True(t, layout.MatchString(v), "%s = %q is not in the one layout", where, v)
				break
			}
		}
	case []any:
		for _, a := range alts {
			if items, ok := a["items"].(map[string]any); ok {
				for i, x := range v {
					checkAnswer(t, doc, items, x, fmt.Sprintf("%s[%d]", where, i))
				}
				return
			}
		}
	case map[string]any:
		for k, x := range v {
			for _, a := range alts {
				props, _ := a["properties"].(map[string]any)
				if p, ok := props[k].(map[string]any); ok {
					checkAnswer(t, doc, p, x, where+"."+k)
					break
				}
				if extra, ok := a["additionalProperties"].(map[string]any); ok {
					checkAnswer(t, doc, extra, x, where+"."+k)
					break
				}
			}
		}
	}
}

// expand fills each path parameter with every value it may take.
func expand(path string, fill map[string][]string) []string {
	out := []string{path}
	for param, values := range fill {
		if !strings.Contains(path, param) {
			continue
		}
		var next []string
		for _, p := range out {
			for _, v := range values {
				next = append(next, strings.ReplaceAll(p, param, url.PathEscape(v)))
			}
		}
		out = next
	}
	return out
}

// queries are the query strings a route is asked with: none, and each round, SHA and "as of" it
// takes, so that the answers for a filter that matches nothing are walked too.
func queries(op map[string]any, shas, rounds []string, head uint64) []string {
	names := map[string]bool{}
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		m, _ := p.(map[string]any)
		if name, ok := m["name"].(string); ok {
			names[name] = true
		}
		if ref, ok := m["$ref"].(string); ok {
			names[strings.TrimPrefix(ref, "#/components/parameters/")] = true
		}
	}
	out := []string{""}
	if names["round"] || names["FilterRound"] {
		for _, r := range rounds {
			out = append(out, "?round="+r)
		}
	}
	if names["sha"] || names["FilterSHA"] {
		out = append(out, "?sha="+shas[0], "?sha=Q99")
	}
	if names["AsOf"] {
		out = append(out, "?as_of=2009-12-31T23:59:59Z", fmt.Sprintf("?as_of=%d", head/2), "?as_of=2009-04-01T00:00:00Z")
	}
	if names["TreeSize"] {
		out = []string{fmt.Sprintf("?tree_size=%d", head)}
	}
	if names["ConsistencyFrom"] {
		out = []string{fmt.Sprintf("?from=%d&to=%d", head/2, head)}
	}
	return out
}
