package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
	"assurance-ledger/evidence"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// The OpenAPI document is a contract: these tests keep it in step with the routes New registers,
// with the Go types behind the JSON, and with the authorisation and decoding rules of the handlers.

var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(openAPIDocument, &doc), "api/openapi.json is not valid JSON")
	return doc
}

// pointer resolves a local JSON pointer such as "#/components/schemas/Problem".
func pointer(doc map[string]any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var node any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		if node, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return node, true
}

// resolved follows $ref until it reaches an object that is not a reference.
func resolved(t *testing.T, doc map[string]any, node any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := node.(map[string]any)
		require.True(t, ok, "expected an object, got %T", node)
		ref, isRef := m["$ref"].(string)
		if !isRef {
			return m
		}
		target, found := pointer(doc, ref)
		require.True(t, found, "unresolved $ref %s", ref)
		node = target
	}
	t.Fatalf("$ref chain too deep")
	return nil
}

func walkRefs(node any, visit func(ref string)) {
	switch v := node.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			visit(ref)
		}
		for _, child := range v {
			walkRefs(child, visit)
		}
	case []any:
		for _, child := range v {
			walkRefs(child, visit)
		}
	}
}

type operation struct {
	method, path string // method upper case, path in OpenAPI templating
	op           map[string]any
}

func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	require.True(t, ok, "paths is missing")
	var ops []operation
	for path, item := range paths {
		for _, m := range openAPIMethods {
			if op, ok := item.(map[string]any)[m].(map[string]any); ok {
				ops = append(ops, operation{method: strings.ToUpper(m), path: path, op: op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// params returns the operation's parameters (references resolved) keyed by "in:name".
func params(t *testing.T, doc map[string]any, op map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := op["parameters"].([]any)
	for _, p := range list {
		r := resolved(t, doc, p)
		out[r["in"].(string)+":"+r["name"].(string)] = r
	}
	return out
}

// echoToOpenAPI turns an Echo route path (/v1/plans/:id) into OpenAPI templating (/v1/plans/{id}).
func echoToOpenAPI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := openAPIDoc(t)
	assert.Equal(t, "3.1.0", doc["openapi"])
	info, _ := doc["info"].(map[string]any)
	assert.Equal(t, "assurance-ledger", info["title"])
	assert.Equal(t, "1.0.0", info["version"])
	assert.NotEmpty(t, info["description"])
	assert.Equal(t, []any{map[string]any{"url": "/"}}, doc["servers"])
	assert.Equal(t, []any{map[string]any{"bearerAuth": []any{}}}, doc["security"], "bearer auth is the default for every operation")
	scheme, ok := pointer(doc, "#/components/securitySchemes/bearerAuth")
	require.True(t, ok, "bearerAuth security scheme")
	assert.Equal(t, "http", scheme.(map[string]any)["type"])
	assert.Equal(t, "bearer", scheme.(map[string]any)["scheme"])
	assert.Equal(t, "JWT", scheme.(map[string]any)["bearerFormat"])

	// Every $ref resolves, and points into components.
	used := map[string]bool{}
	walkRefs(doc, func(ref string) {
		assert.True(t, strings.HasPrefix(ref, "#/components/"), "$ref %s does not point into components", ref)
		_, ok := pointer(doc, ref)
		assert.True(t, ok, "$ref %s does not resolve", ref)
		used[ref] = true
	})
	// Every component is used: an orphan is usually a typo in a reference.
	components := doc["components"].(map[string]any)
	for _, kind := range []string{"schemas", "parameters", "responses", "headers"} {
		for name := range components[kind].(map[string]any) {
			ref := "#/components/" + kind + "/" + name
			assert.True(t, used[ref], "%s is never referenced", ref)
		}
	}
}

func TestOpenAPIOperationsAreComplete(t *testing.T) {
	doc := openAPIDoc(t)
	problem := "#/components/schemas/Problem"
	ids := map[string]string{}
	for _, o := range operations(t, doc) {
		name := o.method + " " + o.path
		t.Run(name, func(t *testing.T) {
			id, _ := o.op["operationId"].(string)
			assert.NotEmpty(t, id, "operationId")
			if prev, dup := ids[id]; dup {
				t.Errorf("operationId %s is also used by %s", id, prev)
			}
			ids[id] = name
			assert.NotEmpty(t, o.op["summary"], "summary")
			assert.Contains(t, o.op["description"], "**Who:**", "the description says who may call it")

			// Path template and path parameters agree.
			ps := params(t, doc, o.op)
			var inPath []string
			for _, seg := range strings.Split(o.path, "/") {
				if strings.HasPrefix(seg, "{") {
					inPath = append(inPath, strings.Trim(seg, "{}"))
				}
			}
			var declared []string
			for key, p := range ps {
				if name, ok := strings.CutPrefix(key, "path:"); ok {
					declared = append(declared, name)
					assert.Equal(t, true, p["required"], "path parameter %s must be required", name)
				}
			}
			assert.ElementsMatch(t, inPath, declared, "path parameters")

			// /v1 is authenticated (the default security); the operational routes are open.
			sec, overridden := o.op["security"]
			if strings.HasPrefix(o.path, "/v1/") && o.method != http.MethodOptions { // OPTIONS needs no token
				assert.False(t, overridden, "a /v1 operation must keep the bearer security requirement")
				assert.Contains(t, o.op["responses"], "401")
			} else {
				assert.True(t, overridden, "an operational route must declare security: []")
				assert.Equal(t, []any{}, sec)
			}

			// Every error response is problem+json: a Problem whose status is the response's. But
			// 417, which net/http answers itself, before any handler, with no body.
			responses := o.op["responses"].(map[string]any)
			assert.Contains(t, responses, "417", "an Expect the server cannot meet")
			for code, r := range responses {
				if (code[0] == '4' || code[0] == '5') && code != "417" {
					content := resolved(t, doc, r)["content"].(map[string]any)
					require.Contains(t, content, ProblemContentType, "response %s", code)
					schema := resolved(t, doc, content[ProblemContentType].(map[string]any)["schema"])
					parts := asSlice(schema["allOf"])
					require.Len(t, parts, 2, "response %s: allOf Problem and its status", code)
					assert.Equal(t, problem, parts[0].(map[string]any)["$ref"], "response %s", code)
					status := asMap(asMap(parts[1].(map[string]any)["properties"])["status"])
					assert.Equal(t, code, strconv.Itoa(int(status["const"].(float64))), "response %s", code)
				}
			}

			// Commands: Idempotency-Key, a required JSON body, 201 with CommandResult and every refusal.
			if o.method == http.MethodPost || o.method == http.MethodPatch {
				assert.Contains(t, ps, "header:Idempotency-Key")
				if strings.HasPrefix(o.path, "/v1/plans/{id}/") {
					assert.Contains(t, ps, "header:If-Match", "plan commands take If-Match")
				}
				body, ok := o.op["requestBody"].(map[string]any)
				require.True(t, ok, "requestBody")
				assert.Equal(t, true, body["required"])
				schema := resolved(t, doc, body["content"].(map[string]any)["application/json"].(map[string]any)["schema"])
				assert.Equal(t, false, schema["additionalProperties"], "bodies are decoded strictly")
				created := resolved(t, doc, responses["201"])
				assert.Equal(t, "#/components/schemas/CommandResult",
					created["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"])
				assert.Contains(t, created["headers"], "ETag")
				if strings.HasPrefix(o.path, "/v1/plans") {
					assert.Contains(t, created["headers"], "Location")
				}
				for _, code := range []string{"400", "401", "403", "409", "413", "415", "422", "503"} {
					assert.Contains(t, responses, code)
				}
			} else if o.method == http.MethodOptions {
				assert.Contains(t, resolved(t, doc, responses["204"])["headers"], "Allow")
				assert.Contains(t, resolved(t, doc, responses["405"])["headers"], "Allow", "the 405 a method the path does not take gets")
			} else {
				assert.Contains(t, responses, "200")
				assert.NotContains(t, ps, "header:Idempotency-Key")
			}
		})
	}
}

// The queries that wait for the projections (awaitProjections) take min_position; no other does.
func TestOpenAPIMinPosition(t *testing.T) {
	doc := openAPIDoc(t)
	awaiting := map[string]bool{
		"GET /v1/organisations":                    true,
		"GET /v1/organisations/{ods}":              true,
		"GET /v1/lhcs":                             true,
		"GET /v1/plans":                            true,
		"GET /v1/plans/{id}":                       true,
		"GET /v1/shas/{code}/assurance-status":     true,
		"GET /v1/organisations/{ods}/sro-evidence": true,
		"GET /v1/reports/transparency":             true,
		"GET /v1/rounds":                           true,
		"GET /v1/rounds/{round}":                   true,
		"GET /v1/pfits":                            true,
		"GET /v1/shas/{code}/returns":              true,
		"GET /v1/reports/criteria":                 true,
		"GET /v1/reports/sro-coverage":             true,
		"GET /v1/reports/cfh-returns":              true,
		"GET /v1/governance-bodies":                true,
		"GET /v1/plans/{id}/delivery":              true,
		"GET /v1/reports/delivery":                 true,
		"GET /v1/reports/funding":                  true,
	}
	queryParams := map[string][]string{
		"GET /v1/shas/{code}/returns":                {"round", "as_of", "min_position"},
		"GET /v1/reports/criteria":                   {"sha", "round", "as_of", "min_position"},
		"GET /v1/reports/sro-coverage":               {"sha", "round", "as_of", "min_position"},
		"GET /v1/reports/cfh-returns":                {"round", "as_of", "min_position"},
		"GET /v1/plans":                              {"sha", "lhc", "status", "round", "as_of", "min_position"},
		"GET /v1/plans/{id}":                         {"as_of", "min_position", "pretty"},
		"GET /v1/reports/transparency":               {"sha", "round", "as_of", "min_position"},
		"GET /v1/shas/{code}/assurance-status":       {"round", "as_of", "min_position"},
		"GET /v1/organisations/{ods}":                {"as_of", "min_position"},
		"GET /v1/organisations/{ods}/sro-evidence":   {"format", "as_of", "min_position"},
		"GET /v1/organisations":                      {"as_of", "min_position"},
		"GET /v1/lhcs":                               {"as_of", "min_position"},
		"GET /v1/audit/events":                       {"from_position", "limit", "view"},
		"GET /v1/rounds":                             {"as_of", "min_position"},
		"GET /v1/rounds/{round}":                     {"as_of", "min_position"},
		"GET /v1/pfits":                              {"as_of", "min_position"},
		"GET /v1/ledger/proofs/inclusion/{event_id}": {"tree_size"},
		"GET /v1/ledger/proofs/consistency":          {"from", "to"},
		"GET /v1/plans/{id}/delivery":                {"as_of", "min_position"},
		"GET /v1/governance-bodies":                  {"as_of", "min_position"},
		"GET /v1/reports/delivery":                   {"sha", "round", "as_of", "min_position"},
		"GET /v1/reports/funding":                    {"sha", "round", "as_of", "min_position"},
	}
	for _, o := range operations(t, doc) {
		key := strings.Replace(o.method, http.MethodHead, http.MethodGet, 1) + " " + o.path // HEAD is GET without the body
		ps := params(t, doc, o.op)
		assert.Equal(t, awaiting[key], ps["query:min_position"] != nil, "%s: min_position documented iff the handler awaits the projections", key)
		if want, ok := queryParams[key]; ok {
			var got []string
			for k := range ps {
				if name, ok := strings.CutPrefix(k, "query:"); ok {
					got = append(got, name)
				}
			}
			assert.ElementsMatch(t, want, got, "%s: query parameters", key)
		}
	}
	limit := resolved(t, doc, map[string]any{"$ref": "#/components/parameters/Limit"})["schema"].(map[string]any)
	assert.EqualValues(t, 1, limit["minimum"])
	assert.EqualValues(t, maxPage, limit["maximum"])
	assert.EqualValues(t, defaultPage, limit["default"])
	csv, ok := pointer(doc, "#/paths/~1v1~1reports~1transparency/get/responses/200/content/text~1csv")
	assert.True(t, ok && csv != nil, "the transparency report documents its CSV form")
}

// Every route New registers is documented with the same method, and every documented operation is
// registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := New(Config{}) // nothing is invoked: New must not need its dependencies to register routes
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound { // the catch-all a group with middleware registers
			continue
		}
		registered[r.Method+" "+echoToOpenAPI(r.Path)] = true
	}
	require.NotEmpty(t, registered)
	documented := map[string]bool{}
	for _, o := range operations(t, openAPIDoc(t)) {
		documented[o.method+" "+o.path] = true
	}
	for route := range registered {
		assert.True(t, documented[route], "route %s is not documented in api/openapi.json", route)
	}
	for route := range documented {
		assert.True(t, registered[route], "api/openapi.json documents %s, which is not a route", route)
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := New(Config{})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, echo.MIMEApplicationJSON, rec.Header().Get(echo.HeaderContentType))
	assert.Equal(t, openAPIDocument, rec.Body.Bytes())
}

// jsonFields returns the JSON member names of a struct type, embedded structs flattened, and which
// are omitempty.
func jsonFields(t reflect.Type) (names []string, omitempty map[string]bool) {
	omitempty = map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			n, o := jsonFields(f.Type)
			names = append(names, n...)
			for k, v := range o {
				omitempty[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		omitempty[name] = slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
	}
	return names, omitempty
}

// schemaMembers returns a schema's property names and required names, allOf members included.
func schemaMembers(t *testing.T, doc map[string]any, node any) (props, required []string) {
	t.Helper()
	s := resolved(t, doc, node)
	for _, sub := range asSlice(s["allOf"]) {
		p, r := schemaMembers(t, doc, sub)
		props, required = append(props, p...), append(required, r...)
	}
	for name := range asMap(s["properties"]) {
		props = append(props, name)
	}
	for _, r := range asSlice(s["required"]) {
		required = append(required, r.(string))
	}
	return props, required
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func schemaRef(name string) any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

func strs[T ~string](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// The schemas name exactly the members the Go types marshal or decode. For responses and event
// data, required is exactly the members that are not omitempty. Every registered event type's
// data schema, <Type>Data, is checked from domain.Events: a new type needs no row here.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openAPIDoc(t)
	type schemaRow struct {
		schema   string
		typ      reflect.Type
		response bool // required = the non-omitempty members
	}
	tests := []schemaRow{
		{"Problem", typeOf[Problem](), true},
		{"AuditTrail", typeOf[AuditTrailPage](), true},
		{"FieldError", typeOf[domain.FieldError](), true},
		{"CommandResult", typeOf[CommandResult](), true},
		{"Receipt", typeOf[Receipt](), true},
		{"Actor", typeOf[domain.Actor](), true},
		{"Period", typeOf[domain.Period](), true},
		{"Content", typeOf[domain.Content](), true},
		{"CapabilityPlan", typeOf[domain.Capability](), true},
		{"NationalProgramme", typeOf[domain.NationalProgramme](), true},
		{"NHSNumberAdoption", typeOf[domain.NHSNumberAdoption](), true},
		{"CapacityAndFunding", typeOf[domain.CapacityAndFunding](), true},
		{"Criterion", typeOf[domain.Criterion](), false},
		{"Condition", typeOf[domain.Condition](), false},
		{"Milestone", typeOf[domain.Milestone](), false},
		{"CatalogueCriterion", typeOf[domain.CatalogueCriterion](), false},
		{"ReturnedPlan", typeOf[domain.ReturnedPlan](), false},
		{"ReturnException", typeOf[domain.ReturnException](), false},
		{"PfITPlanRef", typeOf[domain.PfITPlanRef](), false},
		{"PublishRoundRequest", typeOf[publishRoundBody](), false},
		{"ChangeMilestoneRequest", typeOf[changeMilestoneBody](), false},
		{"RegisterPfITRequest", typeOf[registerPfITBody](), false},
		{"AssignPfITRequest", typeOf[assignPfITBody](), false},
		{"DeclineRequest", typeOf[declineBody](), false},
		{"ExcusalRequest", typeOf[excusalBody](), false},
		{"CfHNoteRequest", typeOf[cfhNoteBody](), false},
		{"ConditionEvidenceRequest", typeOf[conditionEvidenceBody](), false},
		{"ConditionDecisionRequest", typeOf[conditionDecisionBody](), false},
		{"SHAReturnRequest", typeOf[shaReturnBody](), false},
		{"ReturnAcknowledgementRequest", typeOf[returnAcknowledgementBody](), false},
		{"CriterionView", typeOf[projections.CriterionView](), true},
		{"CfHNote", typeOf[projections.NoteView](), true},
		{"MilestoneStatus", typeOf[projections.MilestoneView](), true},
		{"ConditionEvidence", typeOf[domain.ConditionEvidence](), true},
		{"ConditionFollowUp", typeOf[projections.ConditionView](), true},
		{"MemberAccount", typeOf[domain.MemberAccount](), true},
		{"OverdueAction", typeOf[projections.OverdueAction](), true},
		{"ReturnStatus", typeOf[projections.ReturnStatus](), true},
		{"ReturnAcknowledgement", typeOf[domain.ReturnAcknowledgement](), true},
		{"SHAReturn", typeOf[projections.ReturnView](), true},
		{"SHARoundReturns", typeOf[projections.SHARoundReturns](), true},
		{"SHAReturns", typeOf[projections.SHAReturns](), true},
		{"RoundMilestone", typeOf[domain.RoundMilestone](), true},
		{"MilestoneChange", typeOf[domain.MilestoneChange](), true},
		{"PlanningRound", typeOf[domain.Round](), true},
		{"PfIT", typeOf[domain.PfIT](), true},
		{"RatingCounts", typeOf[projections.RatingCounts](), true},
		{"CriteriaRow", typeOf[projections.CriteriaRow](), true},
		{"CriteriaReport", typeOf[projections.CriteriaReport](), true},
		{"PlanCoverage", typeOf[projections.PlanCoverage](), true},
		{"OrgCoverage", typeOf[projections.OrgCoverage](), true},
		{"SROCoverage", typeOf[projections.SROCoverage](), true},
		{"CfHReturnRow", typeOf[projections.CfHReturnRow](), true},
		{"CfHReturnsReport", typeOf[projections.CfHReturnsReport](), true},
		{"OrganisationIndicators", typeOf[domain.OrganisationIndicators](), true},
		{"YearFunding", typeOf[domain.YearFunding](), true},
		{"YearSavings", typeOf[domain.YearSavings](), true},
		{"Capacity", typeOf[domain.Capacity](), true},
		{"DeliveryReportRequest", typeOf[deliveryReportBody](), false},
		{"GovernanceBodyRequest", typeOf[governanceBodyBody](), false},
		{"BoardApprovalRequest", typeOf[boardApprovalBody](), false},
		{"GovernanceBody", typeOf[domain.GovernanceBody](), true},
		{"BodyTerms", typeOf[domain.BodyTerms](), true},
		{"BoardApproval", typeOf[domain.BoardApproval](), true},
		{"DeliveryRecord", typeOf[domain.DeliveryReport](), true},
		{"DeliveryItemState", typeOf[projections.ItemView](), true},
		{"PlanDelivery", typeOf[projections.PlanDelivery](), true},
		{"ItemShare", typeOf[projections.ItemShare](), true},
		{"DeliveryRow", typeOf[projections.DeliveryRow](), true},
		{"DeliveryReport", typeOf[projections.DeliveryReport](), true},
		{"Money", typeOf[projections.Money](), true},
		{"FundingYear", typeOf[projections.FundingYear](), true},
		{"FundingRow", typeOf[projections.FundingRow](), true},
		{"FundingReport", typeOf[projections.FundingReport](), true},
		{"GovernanceBodyList", typeOf[GovernanceBodyList](), true},

		{"RegisterOrganisationRequest", typeOf[registerOrganisationBody](), false},
		{"AppointChiefExecutiveRequest", typeOf[appointChiefExecutiveBody](), false},
		{"FormLHCRequest", typeOf[formLHCBody](), false},
		{"ChangeMembersRequest", typeOf[changeMembersBody](), false},
		{"SubmitPlanRequest", typeOf[submitPlanBody](), false},
		{"RevisePlanRequest", typeOf[revisePlanBody](), false},
		{"ContributionRequest", typeOf[contributionBody](), false},
		{"SignOffRequest", typeOf[signOffBody](), false},
		{"AssuranceRequest", typeOf[assuranceBody](), false},
		{"AcknowledgementRequest", typeOf[acknowledgementBody](), false},
		{"WithdrawalRequest", typeOf[withdrawalBody](), false},

		{"Appointment", typeOf[domain.Appointment](), true},
		{"Organisation", typeOf[domain.Organisation](), true},
		{"LHC", typeOf[domain.LHC](), true},
		{"PlanSummary", typeOf[projections.PlanSummary](), true},
		{"SignOff", typeOf[projections.SignOffView](), true},
		{"Assurance", typeOf[projections.AssuranceView](), true},
		{"PlanVersion", typeOf[projections.VersionView](), true},
		{"Plan", typeOf[projections.PlanState](), true},
		{"AuditEntry", typeOf[AuditEntry](), true},
		{"StoredEvent", typeOf[StoredEvent](), true},
		{"StoredEventsPage", typeOf[StoredEventsPage](), true},
		{"OrganisationList", typeOf[OrganisationList](), true},
		{"OrganisationThen", typeOf[OrganisationAnswer](), true},
		{"LHCList", typeOf[LHCList](), true},
		{"PlanList", typeOf[PlanList](), true},
		{"RoundList", typeOf[RoundList](), true},
		{"PlanningRoundAsOf", typeOf[RoundAnswer](), true},
		{"PfITList", typeOf[PfITList](), true},
		{"Outstanding", typeOf[projections.Outstanding](), true},
		{"PlanProgress", typeOf[projections.PlanProgress](), true},
		{"LHCAssurance", typeOf[projections.LHCAssurance](), true},
		{"SHAAssuranceStatus", typeOf[projections.SHAStatus](), true},
		{"SROSignOffEvidence", typeOf[projections.SROSignOff](), true},
		{"SROEvidence", typeOf[projections.SROEvidence](), true},
		{"StatusCounts", typeOf[projections.Counts](), true},
		{"SHAReportRow", typeOf[projections.SHARow](), true},
		{"TransparencyReport", typeOf[projections.Report](), true},
		{"TreeHead", typeOf[ledgertree.TreeHead](), true},
		{"PublicKey", typeOf[PublicKey](), true},
		{"InclusionProof", typeOf[InclusionProof](), true},
		{"ConsistencyProof", typeOf[ConsistencyProof](), true},
		{"EvidenceBundle", typeOf[evidence.Bundle](), true},
		{"EvidenceEvent", typeOf[evidence.Event](), true},
		{"EvidenceSignOff", typeOf[evidence.SignOff](), true},
		{"PublicKey", typeOf[evidence.PublicKey](), true},
	}
	for _, spec := range domain.Events {
		tests = append(tests, schemaRow{spec.Type + "Data", reflect.TypeOf(spec.Zero()), true})
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			props, required := schemaMembers(t, doc, schemaRef(tt.schema))
			fields, omitempty := jsonFields(tt.typ)
			assert.ElementsMatch(t, fields, props, "members of %s vs %s", tt.schema, tt.typ)
			if tt.response {
				var want []string
				for _, f := range fields {
					if !omitempty[f] {
						want = append(want, f)
					}
				}
				assert.ElementsMatch(t, want, required, "required members of %s", tt.schema)
			}
		})
	}

	// Every event type has a data schema in EventData's anyOf.
	var shapes []string
	for _, r := range asSlice(resolved(t, doc, schemaRef("EventData"))["anyOf"]) {
		shapes = append(shapes, strings.TrimSuffix(strings.TrimPrefix(r.(map[string]any)["$ref"].(string), "#/components/schemas/"), "Data"))
	}
	assert.ElementsMatch(t, domain.EventTypes, shapes)
}

func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := openAPIDoc(t)
	tests := []struct {
		ptr  string
		want []any
	}{
		{"#/components/schemas/Status", strs(domain.Statuses)},
		{"#/components/schemas/Outcome", strs(domain.Outcomes)},
		{"#/components/schemas/Rating", strs(domain.Ratings)},
		{"#/components/schemas/MilestoneID", strs(domain.Milestones)},
		{"#/components/schemas/Role", strs(domain.Roles)},
		{"#/components/schemas/OrgKind", strs(domain.OrgKinds)},
		{"#/components/schemas/EventType", strs(domain.EventTypes)},
		{"#/components/schemas/Clinical5Capability", strs(domain.Clinical5)},
		{"#/components/schemas/NationalProgrammeName", strs(domain.NationalProgrammes)},
		{"#/components/schemas/ProgrammeStatus", strs(domain.ProgrammeStatuses)},
		{"#/components/schemas/ContributionRequest/properties/section", strs(domain.Sections)},
		{"#/components/schemas/ContributionRecordedData/properties/section", strs(domain.Sections)},
		{"#/components/schemas/CapacityAndFunding/properties/currency", []any{domain.Currency}},
	}
	for _, tt := range tests {
		node, ok := pointer(doc, tt.ptr)
		if assert.True(t, ok, tt.ptr) {
			assert.Equal(t, tt.want, node.(map[string]any)["enum"], tt.ptr)
		}
	}
}

// routeAccess is who may call a route (docs/design.md section 7 and the allow rules in New) and a request
// that fails in the handler just after authorisation, before any dependency is used.
type routeAccess struct {
	method, path string // OpenAPI templating
	target       string // the concrete request URL
	body         string
	roles        []domain.Role // nil: any authenticated role
	orgParam     string        // the organisation in the path that may also call it
	after        int           // the status the handler answers once authorised
}

const unknownMember = `{"no_such_member": 1}`

var accessTable = []routeAccess{
	{"POST", "/v1/organisations", "/v1/organisations", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/organisations/{ods}/chief-executive", "/v1/organisations/RJ1/chief-executive", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/lhcs", "/v1/lhcs", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"PATCH", "/v1/lhcs/{id}/members", "/v1/lhcs/north-staffs/members", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/plans", "/v1/plans", unknownMember, []domain.Role{domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/plans/{id}/revisions", "/v1/plans/" + testPlanID + "/revisions", unknownMember, []domain.Role{domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/plans/{id}/contributions", "/v1/plans/" + testPlanID + "/contributions", unknownMember, []domain.Role{domain.RoleProvider, domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/plans/{id}/sro-signoffs", "/v1/plans/" + testPlanID + "/sro-signoffs", unknownMember, []domain.Role{domain.RoleChiefExecutive}, "", 400},
	{"POST", "/v1/plans/{id}/assurances", "/v1/plans/" + testPlanID + "/assurances", unknownMember, []domain.Role{domain.RoleSHAAssurer}, "", 400},
	{"POST", "/v1/plans/{id}/acknowledgements", "/v1/plans/" + testPlanID + "/acknowledgements", unknownMember, []domain.Role{domain.RoleCfH}, "", 400},
	{"POST", "/v1/plans/{id}/withdrawal", "/v1/plans/" + testPlanID + "/withdrawal", unknownMember, []domain.Role{domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/rounds", "/v1/rounds", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/rounds/{round}/milestones", "/v1/rounds/2009-10/milestones", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/pfits", "/v1/pfits", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/shas/{code}/pfit", "/v1/shas/Q36/pfit", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"POST", "/v1/plans/{id}/declines", "/v1/plans/" + testPlanID + "/declines", unknownMember, []domain.Role{domain.RoleProvider, domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/plans/{id}/excusals", "/v1/plans/" + testPlanID + "/excusals", unknownMember, []domain.Role{domain.RoleSHAAssurer}, "", 400},
	{"POST", "/v1/plans/{id}/cfh-notes", "/v1/plans/" + testPlanID + "/cfh-notes", unknownMember, []domain.Role{domain.RoleCfH}, "", 400},
	{"POST", "/v1/plans/{id}/conditions/{condition_id}/evidence", "/v1/plans/" + testPlanID + "/conditions/c1/evidence", unknownMember, []domain.Role{domain.RolePCTCommissioner}, "", 400},
	{"POST", "/v1/plans/{id}/conditions/{condition_id}/discharge", "/v1/plans/" + testPlanID + "/conditions/c1/discharge", unknownMember, []domain.Role{domain.RoleSHAAssurer}, "", 400},
	{"POST", "/v1/plans/{id}/conditions/{condition_id}/lapse", "/v1/plans/" + testPlanID + "/conditions/c1/lapse", unknownMember, []domain.Role{domain.RoleSHAAssurer}, "", 400},
	{"POST", "/v1/shas/{code}/returns", "/v1/shas/Q36/returns", unknownMember, []domain.Role{domain.RoleSHAAssurer}, "", 400},
	{"POST", "/v1/shas/{code}/returns/{event_id}/acknowledgement", "/v1/shas/Q36/returns/" + testPlanID + "/acknowledgement", unknownMember, []domain.Role{domain.RoleCfH}, "", 400},
	{"POST", "/v1/plans/{id}/delivery-reports", "/v1/plans/" + testPlanID + "/delivery-reports", unknownMember, []domain.Role{domain.RolePCTCommissioner, domain.RoleProvider}, "", 400},
	{"POST", "/v1/plans/{id}/board-approvals", "/v1/plans/" + testPlanID + "/board-approvals", unknownMember, []domain.Role{domain.RoleChiefExecutive, domain.RolePCTCommissioner, domain.RoleProvider}, "", 400},
	{"POST", "/v1/governance-bodies", "/v1/governance-bodies", unknownMember, []domain.Role{domain.RoleAdmin}, "", 400},
	{"GET", "/v1/governance-bodies", "/v1/governance-bodies?min_position=x", "", nil, "", 400},
	{"GET", "/v1/plans/{id}/delivery", "/v1/plans/not-a-uuid/delivery", "", nil, "", 404},
	{"GET", "/v1/reports/delivery", "/v1/reports/delivery?min_position=x", "", nil, "", 400},
	{"GET", "/v1/reports/funding", "/v1/reports/funding?min_position=x", "", nil, "", 400},
	{"GET", "/v1/rounds", "/v1/rounds?min_position=x", "", nil, "", 400},
	{"GET", "/v1/rounds/{round}", "/v1/rounds/2009-10?min_position=x", "", nil, "", 400},
	{"GET", "/v1/pfits", "/v1/pfits?min_position=x", "", nil, "", 400},
	{"GET", "/v1/shas/{code}/returns", "/v1/shas/Q36/returns?min_position=x", "", nil, "", 400},
	{"GET", "/v1/reports/criteria", "/v1/reports/criteria?min_position=x", "", nil, "", 400},
	{"GET", "/v1/reports/sro-coverage", "/v1/reports/sro-coverage?min_position=x", "", nil, "", 400},
	{"GET", "/v1/reports/cfh-returns", "/v1/reports/cfh-returns?min_position=x", "", nil, "", 400},
	{"GET", "/v1/organisations", "/v1/organisations?min_position=x", "", nil, "", 400},
	{"GET", "/v1/organisations/{ods}", "/v1/organisations/RJ1?min_position=x", "", nil, "", 400},
	{"GET", "/v1/lhcs", "/v1/lhcs?min_position=x", "", nil, "", 400},
	{"GET", "/v1/plans", "/v1/plans?min_position=x", "", nil, "", 400},
	{"GET", "/v1/plans/{id}", "/v1/plans/not-a-uuid", "", nil, "", 404},
	{"GET", "/v1/plans/{id}/audit-trail", "/v1/plans/not-a-uuid/audit-trail", "", nil, "", 404},
	{"GET", "/v1/shas/{code}/assurance-status", "/v1/shas/Q36/assurance-status?min_position=x", "", nil, "", 400},
	{"GET", "/v1/organisations/{ods}/sro-evidence", "/v1/organisations/RJ1/sro-evidence?min_position=x", "", nil, "", 400},
	{"GET", "/v1/reports/transparency", "/v1/reports/transparency?min_position=x", "", nil, "", 400},
	{"GET", "/v1/audit/events", "/v1/audit/events?limit=0", "", nil, "", 400},
	// The ledger routes: a server without a tree answers 503, so the check stops before any tree.
	{"GET", "/v1/ledger/tree-head", "/v1/ledger/tree-head", "", nil, "", 503},
	{"GET", "/v1/ledger/public-key", "/v1/ledger/public-key", "", nil, "", 503},
	{"GET", "/v1/ledger/proofs/inclusion/{event_id}", "/v1/ledger/proofs/inclusion/not-a-uuid", "", nil, "", 404},
	{"GET", "/v1/ledger/proofs/consistency", "/v1/ledger/proofs/consistency?from=0&to=1", "", nil, "", 400},
	// A server without a store that copies itself answers 503 backup_unavailable.
	{"GET", "/v1/admin/backup", "/v1/admin/backup", "", []domain.Role{domain.RoleAdmin}, "", 503},
}

const testPlanID = "0b5a8f4e-3c1d-4a2b-9e7f-1a2b3c4d5e6f"

type tokenServer struct {
	e      *echo.Echo
	secret []byte
}

func newTokenServer(t *testing.T) tokenServer {
	t.Helper()
	secret := []byte(strings.Repeat("s", auth.MinSecretLen))
	return tokenServer{e: New(Config{Tokens: auth.NewVerifier(secret, nil)}), secret: secret}
}

func (s tokenServer) do(t *testing.T, method, target, body string, role domain.Role, org string) (*httptest.ResponseRecorder, Problem) {
	t.Helper()
	token, err := auth.Mint(s.secret, domain.Actor{PersonID: "p-1", Name: "Test Person", Role: role, Org: org}, time.Now(), time.Hour)
	require.NoError(t, err)
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	if body != "" {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	var p Problem
	if rec.Code >= 400 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), "problem body: %s", rec.Body.String())
	}
	return rec, p
}

// The roles each operation documents are the roles its route lets through, and the statuses the
// handler answers are documented.
func TestOpenAPIDocumentsWhoMayCall(t *testing.T) {
	doc := openAPIDoc(t)
	srv := newTokenServer(t)
	byRoute := map[string]map[string]any{}
	for _, o := range operations(t, doc) {
		byRoute[o.method+" "+o.path] = o.op
	}
	covered := 0
	for _, tt := range accessTable {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := byRoute[tt.method+" "+tt.path]
			require.True(t, ok, "not documented")
			covered++
			descr := op["description"].(string)
			who := descr[strings.Index(descr, "**Who:**"):]
			responses := op["responses"].(map[string]any)
			if tt.roles == nil {
				assert.Contains(t, who, "any authenticated role")
				assert.NotContains(t, responses, "403", "any role may call it")
			} else {
				for _, r := range tt.roles {
					assert.Contains(t, who, "`"+string(r)+"`")
				}
				assert.Contains(t, responses, "403")
			}
			if tt.orgParam != "" {
				assert.Contains(t, who, "acting for the")
			}
			assert.Contains(t, responses, strconv.Itoa(tt.after), "documents %d", tt.after)

			for _, role := range domain.Roles {
				allowed := tt.roles == nil || slices.Contains(tt.roles, role)
				rec, p := srv.do(t, tt.method, tt.target, tt.body, role, "ZZZ99")
				if allowed {
					assert.Equal(t, tt.after, rec.Code, "role %s: %s", role, rec.Body.String())
				} else {
					assert.Equal(t, http.StatusForbidden, rec.Code, "role %s: %s", role, rec.Body.String())
					assert.Equal(t, "role_not_allowed", p.Code)
				}
				if tt.orgParam != "" {
					rec, _ := srv.do(t, tt.method, tt.target, tt.body, role, tt.orgParam)
					assert.Equal(t, tt.after, rec.Code, "role %s acting for %s: %s", role, tt.orgParam, rec.Body.String())
				}
			}
			// No token at all is 401 on every /v1 route.
			rec := httptest.NewRecorder()
			srv.e.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
		})
	}
	var v1 int
	for route := range byRoute {
		// HEAD is GET without the body (TestOpenAPIHeadMirrorsGet); OPTIONS needs no token.
		if strings.Contains(route, " /v1/") && !strings.HasPrefix(route, http.MethodHead+" ") && !strings.HasPrefix(route, http.MethodOptions+" ") {
			v1++
		}
	}
	assert.Equal(t, v1, covered, "every /v1 operation is in accessTable")
}

// Every GET operation has a HEAD operation that mirrors it, as RFC 9110 has every server that
// answers GET answer HEAD: the same parameters, security, and responses; and every HEAD has its GET.
func TestOpenAPIHeadMirrorsGet(t *testing.T) {
	doc := openAPIDoc(t)
	for path, item := range doc["paths"].(map[string]any) {
		get, hasGet := item.(map[string]any)["get"].(map[string]any)
		head, hasHead := item.(map[string]any)["head"].(map[string]any)
		require.Equal(t, hasGet, hasHead, "%s: GET and HEAD go together", path)
		assert.Contains(t, item, "options", "%s: every path declares OPTIONS", path)
		if !hasGet {
			continue
		}
		assert.Equal(t, get["parameters"], head["parameters"], "%s: parameters", path)
		assert.Equal(t, get["security"], head["security"], "%s: security", path)
		assert.Equal(t, get["responses"], head["responses"], "%s: responses", path)
		assert.Equal(t, "head"+strings.ToUpper(get["operationId"].(string)[:1])+get["operationId"].(string)[1:], head["operationId"], path)
	}
}

// The required members of each request body are exactly those decodeBody insists on: an empty
// object is refused naming each of them.
func TestOpenAPIRequiredMembersMatchDecoding(t *testing.T) {
	doc := openAPIDoc(t)
	srv := newTokenServer(t)
	for _, tt := range accessTable {
		if tt.body == "" {
			continue
		}
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := pointer(doc, "#/paths/"+strings.ReplaceAll(tt.path, "/", "~1")+"/"+strings.ToLower(tt.method))
			require.True(t, ok, "not documented")
			_, required := schemaMembers(t, doc, op.(map[string]any)["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"])
			_, p := srv.do(t, tt.method, tt.target, unknownMember, tt.roles[0], "ZZZ99")
			assert.Equal(t, "malformed_request", p.Code, "unknown members are refused (additionalProperties: false)")
			if len(required) == 0 {
				return // an empty body would be decided on: nothing to learn without a command handler
			}
			rec, p := srv.do(t, tt.method, tt.target, `{}`, tt.roles[0], "ZZZ99")
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			var missing []string
			for _, f := range p.Errors {
				missing = append(missing, f.Field)
			}
			assert.ElementsMatch(t, required, missing)
		})
	}
}
