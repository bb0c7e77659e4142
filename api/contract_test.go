package api_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
)

// The contract as a client generated from api/openapi.json sees it: every route, status and error
// code the server can answer is in the document, and the document names nothing the server cannot
// answer.

// spec is api/openapi.json, decoded.
type spec map[string]any

func loadSpec(t *testing.T) spec {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	var s spec
	require.NoError(t, json.Unmarshal(raw, &s))
	return s
}

// resolve follows a local $ref.
func (s spec) resolve(t *testing.T, node any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := node.(map[string]any)
		require.True(t, ok, "expected an object, got %T", node)
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return m
		}
		var cur any = map[string]any(s)
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[strings.ReplaceAll(tok, "~1", "/")]
		}
		node = cur
	}
	t.Fatal("$ref chain too deep")
	return nil
}

// problemCodes are the codes a response of the given status declares (its problem schema's enum).
func (s spec) problemCodes(t *testing.T, response any) []string {
	t.Helper()
	r := s.resolve(t, response)
	content, _ := r["content"].(map[string]any)
	pj, ok := content[api.ProblemContentType].(map[string]any)
	if !ok {
		return nil
	}
	schema := s.resolve(t, pj["schema"])
	var codes []string
	for _, part := range schema["allOf"].([]any) {
		props, _ := part.(map[string]any)["properties"].(map[string]any)
		code, _ := props["code"].(map[string]any)
		enum, _ := code["enum"].([]any)
		for _, c := range enum {
			codes = append(codes, c.(string))
		}
	}
	return codes
}

type specOp struct {
	method, path string
	op           map[string]any
}

func (s spec) operations() []specOp {
	var ops []specOp
	for path, item := range s["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if m, ok := op.(map[string]any); ok && method != "parameters" {
				ops = append(ops, specOp{strings.ToUpper(method), path, m})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// serverProblems finds every problem the api package can answer: the status and code of each
// newProblem call with constants, and each domain refusal with the status of its kind.
func serverProblems(t *testing.T) map[string]int {
	t.Helper()
	statusOf := map[string]int{}
	for name, code := range map[string]int{
		"StatusBadRequest": 400, "StatusUnauthorized": 401, "StatusForbidden": 403, "StatusNotFound": 404,
		"StatusMethodNotAllowed": 405, "StatusConflict": 409, "StatusPreconditionFailed": 412,
		"StatusRequestEntityTooLarge": 413, "StatusUnsupportedMediaType": 415, "StatusRequestedRangeNotSatisfiable": 416,
		"StatusUnprocessableEntity": 422, "StatusTooManyRequests": 429, "StatusInternalServerError": 500,
		"StatusServiceUnavailable": 503,
	} {
		statusOf[name] = code
	}
	found := map[string]int{}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := gotoken.NewFileSet()
	calls := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "newProblem" || len(call.Args) < 2 {
				return true
			}
			calls++
			pos := fset.Position(call.Pos())
			sel, ok := call.Args[0].(*ast.SelectorExpr)
			lit, isLit := call.Args[1].(*ast.BasicLit)
			if !ok || !isLit {
				// The one call that passes on what it was given: a domain refusal, checked below.
				assert.Contains(t, pos.String(), "problem.go", "newProblem at %s must name its status and code as constants", pos)
				return true
			}
			status, known := statusOf[sel.Sel.Name]
			require.True(t, known, "%s: add http.%s to this test's table", pos, sel.Sel.Name)
			code, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			if prev, dup := found[code]; dup {
				assert.Equal(t, prev, status, "code %s is answered with two statuses", code)
			}
			found[code] = status
			return true
		})
	}
	require.Greater(t, calls, 20, "the scan found the calls")
	for _, e := range append(slices.Clone(domain.Errors), command.Errors...) {
		found[e.Code] = e.Kind.HTTPStatus()
	}
	return found
}

func TestOpenAPINamesEveryProblemCode(t *testing.T) {
	s := loadSpec(t)
	answered := serverProblems(t)

	problem := s.resolve(t, map[string]any{"$ref": "#/components/schemas/Problem"})
	var named []string
	for _, c := range problem["properties"].(map[string]any)["code"].(map[string]any)["enum"].([]any) {
		named = append(named, c.(string))
	}
	var codes []string
	for c := range answered {
		codes = append(codes, c)
	}
	assert.ElementsMatch(t, codes, named, "Problem.code names exactly the codes the server answers")

	// The responses of each status list, together, the codes answered with that status, and each
	// only codes of its status (an operation's response lists those it can answer: the 429 of a
	// route that reads nothing expensive does not name too_many_expensive_reads).
	byStatus := map[int][]string{}
	for code, status := range answered {
		byStatus[status] = append(byStatus[status], code)
	}
	declaredByStatus := map[int][]string{}
	for name, r := range s["components"].(map[string]any)["responses"].(map[string]any) {
		declared := s.problemCodes(t, r)
		if declared == nil {
			continue
		}
		schema := s.resolve(t, s.resolve(t, r)["content"].(map[string]any)[api.ProblemContentType].(map[string]any)["schema"])
		status := int(schema["allOf"].([]any)[1].(map[string]any)["properties"].(map[string]any)["status"].(map[string]any)["const"].(float64))
		assert.Subset(t, byStatus[status], declared, "codes of %s (%d)", name, status)
		for _, c := range declared {
			if !slices.Contains(declaredByStatus[status], c) {
				declaredByStatus[status] = append(declaredByStatus[status], c)
			}
		}
	}
	for status, declared := range declaredByStatus {
		assert.ElementsMatch(t, byStatus[status], declared, "codes of status %d", status)
		delete(byStatus, status)
	}
	assert.Empty(t, byStatus, "statuses the server answers that no response of the document describes")
}

// testActors are one person of each role, acting for the organisation the test paths name.
func testActors() []domain.Actor {
	var out []domain.Actor
	for _, r := range domain.Roles {
		out = append(out, domain.Actor{PersonID: "p-" + string(r), Name: "Pat " + string(r), Role: r, Org: "Q36"})
	}
	return out
}

// concrete fills a path template with values that exist in the setUpRegistry world.
func concrete(path, planID, eventID string) string {
	return strings.NewReplacer("{ods}", "RJ1", "{code}", "Q36", "{event_id}", eventID, "{round}", "2009-10", "{condition_id}", "c1").Replace(
		strings.Replace(strings.Replace(path, "/lhcs/{id}", "/lhcs/lhc-brent", 1), "{id}", planID, 1))
}

func TestEveryRouteAnswersAsDocumented(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	srv := startServer(t, t.TempDir())
	srv.setUpRegistry()
	plan := srv.must(http.StatusCreated, "POST", "/v1/plans", &pct, submitBody(t))
	planID := plan["plan_id"].(string)
	eventID := plan["event_id"].(string)
	srv.waitForTree()

	// checkDeclared requires that op declares the status answered and, for a problem, its code.
	checkDeclared := func(t *testing.T, o specOp, r response) {
		t.Helper()
		responses := o.op["responses"].(map[string]any)
		declared, ok := responses[strconv.Itoa(r.status)]
		require.True(t, ok, "%s %s answered %d, which it does not declare: %s", o.method, o.path, r.status, r.body)
		if o.method == http.MethodHead {
			assert.Empty(t, r.body, "HEAD answers no body")
		} else if r.status >= 400 && r.status != http.StatusExpectationFailed {
			var p api.Problem
			require.NoError(t, json.Unmarshal(r.body, &p))
			assert.Contains(t, s.problemCodes(t, declared), p.Code, "%s %s %d", o.method, o.path, r.status)
		}
		if r.status != http.StatusExpectationFailed { // net/http's own answer, before any middleware
			assert.Regexp(t, `^[A-Za-z0-9._-]{1,64}$`, r.header.Get("X-Request-ID"))
		}
	}
	send := func(t *testing.T, method, target, bearer string, edit func(*http.Request)) response {
		t.Helper()
		req, err := http.NewRequest(method, srv.http.URL+target, nil)
		require.NoError(t, err)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		if edit != nil {
			edit(req)
		}
		resp, err := srv.http.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body []byte
		if method != http.MethodHead {
			body, err = readAll(resp)
			require.NoError(t, err)
		}
		return response{status: resp.StatusCode, header: resp.Header, body: body}
	}

	// expectProblem requires the status and, but for HEAD (whose answer has no body), the code.
	expectProblem := func(t *testing.T, o specOp, r response, status int, code string) {
		t.Helper()
		if o.method == http.MethodHead {
			require.Equal(t, status, r.status)
			assert.Equal(t, api.ProblemContentType, r.header.Get("Content-Type"))
			return
		}
		requireProblem(t, r, status, code)
	}

	// The methods of each path besides OPTIONS, and its OPTIONS operation, which declares the 405
	// every other method gets.
	methodsOf := map[string][]string{}
	optionsOf := map[string]specOp{}
	for _, o := range s.operations() {
		if o.method == http.MethodOptions {
			optionsOf[o.path] = o
			continue
		}
		methodsOf[o.path] = append(methodsOf[o.path], o.method)
	}
	for _, o := range s.operations() {
		t.Run(o.method+" "+o.path, func(t *testing.T) {
			target := concrete(o.path, planID, eventID)
			// A person whose role passes the route's own rules, so that what follows reaches the checks.
			var bearer string
			if o.method == http.MethodOptions {
				// No token is needed, and none is looked at.
				r := send(t, o.method, target, "", nil)
				checkDeclared(t, o, r)
				require.Equal(t, http.StatusNoContent, r.status)
				assert.ElementsMatch(t, append([]string{http.MethodOptions}, methodsOf[o.path]...), strings.Split(r.header.Get("Allow"), ", "))
			} else if strings.HasPrefix(o.path, "/v1/") {
				for _, a := range testActors() {
					tok := token(t, a)
					if r := send(t, o.method, target+"?no_such_parameter=1", tok, nil); r.status != http.StatusForbidden {
						bearer = tok
						break
					}
				}
				require.NotEmpty(t, bearer, "no role may call it")

				r := send(t, o.method, target, "", nil)
				checkDeclared(t, o, r)
				assert.Equal(t, http.StatusUnauthorized, r.status)
				assert.NotEmpty(t, r.header.Get("WWW-Authenticate"))

				r = send(t, o.method, target, bearer, func(req *http.Request) { req.Header.Add("Authorization", "Bearer "+token(t, auditor)) })
				checkDeclared(t, o, r)
				expectProblem(t, o, r, http.StatusBadRequest, "conflicting_credentials")
			}

			// An expectation the server cannot meet: 417, from net/http itself.
			r0 := send(t, o.method, target, bearer, func(req *http.Request) { req.Header.Set("Expect", "foo") })
			checkDeclared(t, o, r0)
			require.Equal(t, http.StatusExpectationFailed, r0.status)

			// A query parameter the operation does not declare.
			r := send(t, o.method, target+"?no_such_parameter=1", bearer, nil)
			checkDeclared(t, o, r)
			expectProblem(t, o, r, http.StatusBadRequest, "malformed_request")
			if o.method != http.MethodHead {
				assert.Equal(t, "no_such_parameter", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
			}

			// Every method the path does not take: 405 naming the ones it does, as the path's
			// OPTIONS operation declares.
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodTrace, "FROBNICATE"} {
				if slices.Contains(methodsOf[o.path], m) {
					continue
				}
				r := send(t, m, target, bearer, nil)
				require.Equal(t, http.StatusMethodNotAllowed, r.status, "%s %s", m, target)
				allow := strings.Split(r.header.Get("Allow"), ", ")
				assert.ElementsMatch(t, append([]string{http.MethodOptions}, methodsOf[o.path]...), allow, "Allow on %s", target)
				if m != http.MethodHead {
					checkDeclared(t, optionsOf[o.path], r)
					requireProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
				}
			}

			// A query that succeeds is answered as declared, X-Request-ID included; HEAD answers
			// what GET does, without the body.
			if o.method == http.MethodGet || o.method == http.MethodHead {
				q := map[string]string{
					"/v1/ledger/proofs/consistency": "?from=1&to=2",
				}[o.path]
				r := send(t, o.method, target+q, bearer, nil)
				checkDeclared(t, o, r)
				require.Less(t, r.status, 300, "%s: %s", target, r.body)
				ok := s.resolve(t, o.op["responses"].(map[string]any)[strconv.Itoa(r.status)])
				assert.Contains(t, ok["headers"], "X-Request-ID", "the %d answer declares X-Request-ID", r.status)
				if o.method == http.MethodHead {
					get := send(t, http.MethodGet, target+q, bearer, nil)
					assert.Equal(t, get.status, r.status)
					for _, h := range []string{"Content-Type", "Content-Disposition", "ETag"} {
						assert.Equal(t, get.header.Get(h), r.header.Get(h), h)
					}
				}
			}
		})
	}

	// Over the rate limit, every /v1 operation answers 429 as it declares.
	limited := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(srv.store, command.Options{}), Projections: srv.proj,
		Store: srv.store, Tokens: auth.NewVerifier(secret, nil), RateLimit: 0.001, RateBurst: 1}))
	defer limited.Close()
	tok := token(t, admin)
	require.Equal(t, http.StatusOK, call(t, limited, "GET", "/v1/organisations", tok, nil).status)
	require.Equal(t, http.StatusNoContent, call(t, limited, "OPTIONS", "/v1/organisations", "", nil).status, "spends the address's allowance")
	for _, o := range s.operations() {
		if !strings.HasPrefix(o.path, "/v1/") {
			continue
		}
		r := call(t, limited, o.method, concrete(o.path, planID, eventID), tok, nil)
		checkDeclared(t, o, r)
		expectProblem(t, o, r, http.StatusTooManyRequests, "rate_limited")
	}
}

// Every 2xx answer the document describes declares X-Request-ID, and the bundle and backup their
// Content-Disposition.
func TestOpenAPIDeclaresResponseHeaders(t *testing.T) {
	s := loadSpec(t)
	for _, o := range s.operations() {
		for status, r := range o.op["responses"].(map[string]any) {
			if status[0] != '2' && status[0] != '3' {
				continue
			}
			assert.Contains(t, s.resolve(t, r)["headers"], "X-Request-ID", "%s %s %s", o.method, o.path, status)
		}
	}
	for _, p := range []string{"/v1/organisations/{ods}/sro-evidence", "/v1/admin/backup", "/v1/reports/transparency"} {
		r := s.resolve(t, s["paths"].(map[string]any)[p].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["200"])
		assert.Contains(t, r["headers"], "Content-Disposition", p)
	}
}

func readAll(resp *http.Response) ([]byte, error) { return io.ReadAll(resp.Body) }

// An operation's 429 names too_many_expensive_reads exactly where its handler gates an expensive
// read, and backup_in_progress only on the backup: every route's 429 used to list both. With the
// gate full, every read is sent with each parameter that can make it expensive; the operations
// that answer too_many_expensive_reads must declare it, and no other may.
func TestTooManyRequestsNamesWhatEachRouteCanAnswer(t *testing.T) {
	s := loadSpec(t)
	srv := startServer(t, t.TempDir())
	srv.setUpRegistry()
	plan := srv.must(http.StatusCreated, "POST", "/v1/plans", &pct, submitBody(t))
	planID, eventID := plan["plan_id"].(string), plan["event_id"].(string)
	srv.waitForTree()
	gate := api.NewReadGate(1, 1)
	_, ok := gate.Enter("someone-else")
	require.True(t, ok)
	full := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(srv.store, command.Options{}), Projections: srv.proj,
		Store: srv.store, Tokens: auth.NewVerifier(secret, nil), Tree: srv.tree, TreeSigner: srv.key, Reads: gate}))
	defer full.Close()
	tok := token(t, auditor)
	for _, o := range s.operations() {
		if o.method != http.MethodGet || !strings.HasPrefix(o.path, "/v1/") || o.path == "/v1/admin/backup" {
			continue
		}
		var declared []string
		if r, ok := o.op["responses"].(map[string]any)["429"]; ok {
			declared = s.problemCodes(t, r)
		}
		answered := false
		for _, q := range []string{"", "?as_of=1", "?format=bundle"} {
			r := call(t, full, o.method, concrete(o.path, planID, eventID)+q, tok, nil)
			if r.status == http.StatusTooManyRequests && r.json(t)["code"] == "too_many_expensive_reads" {
				answered = true
			}
		}
		assert.Equal(t, answered, slices.Contains(declared, "too_many_expensive_reads"), "%s %s: declares too_many_expensive_reads iff it answers it", o.method, o.path)
		assert.NotContains(t, declared, "backup_in_progress", "%s %s", o.method, o.path)
	}
	for _, o := range s.operations() {
		if r, ok := o.op["responses"].(map[string]any)["429"]; ok && slices.Contains(s.problemCodes(t, r), "backup_in_progress") {
			assert.Equal(t, "/v1/admin/backup", o.path, "%s %s declares backup_in_progress", o.method, o.path)
		}
	}
}
