package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// The query parameters each route takes are those api/openapi.json declares for its operation, and
// each value must be what its declared schema says: a string matching its pattern or enum (an
// empty one included: "?sha=" listing every plan read as an answer), an integer as decimal digits
// within its format's range and its minimum and maximum (from_revision=18446744073709551615 was
// answered), a date-time in RFC 3339, or one of the alternatives of an anyOf. The document is the
// one list, so the server refuses what a client generated from it could never send. A parameter
// the route does not know is refused rather than ignored: "?shaa=Q36" listing every plan reads as
// an answer. A schema may carry a rule its pattern cannot say (a planning round names two
// consecutive years), which the domain checks (schemaRules).

// queryParam is one declared query parameter's rule.
type queryParam struct {
	check func(string) bool
	// describe is what a valid value is, for the refusal.
	describe string
}

// schemaRules are the rules of named schemas beyond what their JSON Schema says.
var schemaRules = map[string]func(string) bool{
	"#/components/schemas/Round": func(v string) bool { return domain.RoundError(v) == nil },
}

// queryRules are the declared query parameters of each operation, by "METHOD /echo/path/:param".
var queryRules = mustQueryRules(openAPIDocument)

func mustQueryRules(doc []byte) map[string]map[string]queryParam {
	rules, err := parseQueryRules(doc)
	if err != nil {
		panic("api/openapi.json: " + err.Error())
	}
	return rules
}

func parseQueryRules(doc []byte) (map[string]map[string]queryParam, error) {
	var spec map[string]any
	if err := json.Unmarshal(doc, &spec); err != nil {
		return nil, err
	}
	resolve := func(node any) (map[string]any, error) {
		for range 10 {
			m, ok := node.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("expected an object, got %T", node)
			}
			ref, isRef := m["$ref"].(string)
			if !isRef {
				return m, nil
			}
			node = spec
			for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				next, _ := node.(map[string]any)
				if node, ok = next[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]; !ok {
					return nil, fmt.Errorf("unresolved $ref %s", ref)
				}
			}
		}
		return nil, fmt.Errorf("$ref chain too deep")
	}
	out := map[string]map[string]queryParam{}
	paths, _ := spec["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			opm, ok := op.(map[string]any)
			if !ok {
				continue
			}
			declared := map[string]queryParam{}
			list, _ := opm["parameters"].([]any)
			for _, p := range list {
				param, err := resolve(p)
				if err != nil {
					return nil, err
				}
				if param["in"] != "query" {
					continue
				}
				name, _ := param["name"].(string)
				rule, err := schemaRule(param["schema"], resolve)
				if err != nil {
					return nil, fmt.Errorf("%s %s: parameter %s: %w", method, path, name, err)
				}
				declared[name] = rule
			}
			out[strings.ToUpper(method)+" "+openAPIToEcho(path)] = declared
		}
	}
	return out, nil
}

// schemaRule is the rule of a parameter's schema: what a value must be, and how to say so.
func schemaRule(schema any, resolve func(any) (map[string]any, error)) (queryParam, error) {
	if schema == nil {
		return queryParam{check: func(string) bool { return true }}, nil
	}
	sch, err := resolve(schema)
	if err != nil {
		return queryParam{}, err
	}
	var checks []func(string) bool
	var says []string
	ref, _ := schema.(map[string]any)["$ref"].(string)
	if extra, ok := schemaRules[ref]; ok {
		checks = append(checks, extra)
	}
	if desc, ok := sch["description"].(string); ok && ref != "" {
		// A named schema says what it is in a sentence: "A planning round ...", read here as
		// "must be a planning round ...".
		if rest, ok := strings.CutPrefix(desc, "A"); ok {
			desc = "a" + rest
		}
		says = append(says, strings.TrimSuffix(desc, "."))
	}
	if alts, ok := sch["anyOf"].([]any); ok {
		var rules []queryParam
		var parts []string
		for _, alt := range alts {
			r, err := schemaRule(alt, resolve)
			if err != nil {
				return queryParam{}, err
			}
			rules = append(rules, r)
			parts = append(parts, r.describe)
		}
		checks = append(checks, func(v string) bool {
			return slices.ContainsFunc(rules, func(r queryParam) bool { return r.check(v) })
		})
		says = append(says, strings.Join(parts, ", or "))
	}
	switch sch["type"] {
	case "integer":
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if sch["format"] == "int32" {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		if m, ok := sch["minimum"].(float64); ok {
			lo = max(lo, int64(m))
		}
		if m, ok := sch["maximum"].(float64); ok && m < float64(hi) {
			hi = int64(m)
		}
		checks = append(checks, func(v string) bool {
			// Decimal digits, and a minus sign only where negative numbers are allowed: no "+",
			// no spaces (a query's "+" is a space), nothing ParseInt would read past.
			digits := strings.TrimPrefix(v, "-")
			if digits == "" || strings.Trim(digits, "0123456789") != "" || (digits != v && lo >= 0) {
				return false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			return err == nil && n >= lo && n <= hi
		})
		says = append(says, fmt.Sprintf("an integer from %d to %d", lo, hi))
	case "string":
		if sch["format"] == "date-time" {
			checks = append(checks, func(v string) bool { _, err := projections.ParseRFC3339(v); return err == nil })
			says = append(says, "an RFC 3339 date-time")
		}
		if pat, ok := sch["pattern"].(string); ok {
			re, err := regexp.Compile(pat)
			if err != nil {
				return queryParam{}, err
			}
			checks = append(checks, re.MatchString)
			if ref == "" {
				says = append(says, "matching "+pat)
			}
		}
		if enum, ok := sch["enum"].([]any); ok {
			var names []string
			for _, v := range enum {
				names = append(names, fmt.Sprint(v))
			}
			checks = append(checks, func(v string) bool { return slices.Contains(names, v) })
			says = []string{"one of " + strings.Join(names, ", ")}
		}
	}
	describe := strings.Join(says, "; ")
	if ex, ok := sch["examples"].([]any); ok && len(ex) > 0 && !strings.Contains(describe, "e.g.") {
		describe += fmt.Sprintf(", e.g. %v", ex[0])
	}
	return queryParam{describe: describe, check: func(v string) bool {
		for _, c := range checks {
			if !c(v) {
				return false
			}
		}
		return true
	}}, nil
}

// openAPIToEcho turns OpenAPI path templating (/v1/plans/{id}) into Echo's (/v1/plans/:id).
func openAPIToEcho(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(segs, "/")
}

// checkQuery refuses, with a field-level 400, a query parameter the operation does not declare,
// one given twice, and a value its declared schema does not allow, an empty one included (a
// parameter whose schema allows "", such as pretty, may be given bare). It panics for a route the
// document does not declare:
// TestOpenAPIMatchesRoutes keeps the two in step, and this keeps a new route from going unchecked.
func (s *server) checkQuery(method, path string) echo.MiddlewareFunc {
	declared, ok := queryRules[method+" "+path]
	if !ok {
		panic(fmt.Sprintf("api: %s %s is not declared in api/openapi.json", method, path))
	}
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	slices.Sort(names)
	takes := "this route takes no query parameters"
	if len(names) > 0 {
		takes = "this route takes " + strings.Join(names, ", ")
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw := c.Request().URL.RawQuery
			if raw == "" {
				return next(c)
			}
			// Parsed here rather than by Echo, which drops a pair it cannot decode without a word.
			query, err := url.ParseQuery(raw)
			if err != nil {
				return badRequest("the query string is malformed: "+err.Error(), field("query", "malformed"))
			}
			for name, values := range query {
				rule, known := declared[name]
				switch {
				case !known:
					shown := loggedPath(name) // a client's name, answered back only as long as a route's
					return badRequest(fmt.Sprintf("unknown query parameter %q: %s", shown, takes), field(shown, "unknown query parameter; "+takes))
				case len(values) > 1:
					return badRequest(fmt.Sprintf("query parameter %q is given %d times", name, len(values)), field(name, "may be given once"))
				case !rule.check(values[0]):
					return badRequest(fmt.Sprintf("query parameter %s %.64q must be %s", name, values[0], rule.describe), field(name, "must be "+rule.describe))
				}
			}
			return next(c)
		}
	}
}
