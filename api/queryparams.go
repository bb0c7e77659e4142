package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// The query parameters each route takes are those api/openapi.json declares for its operation, and
// string parameters must match the declared pattern or enum: the document is the one list, so the
// server refuses what a client generated from it could never send. A parameter the route does
// not know is refused rather than ignored: "?shaa=Q36" listing every plan reads as an answer.

// queryParam is one declared query parameter's rule.
type queryParam struct {
	pattern *regexp.Regexp // nil: no pattern
	enum    []string       // nil: no enum
	// describe is what a valid value is, for the refusal.
	describe string
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
				var rule queryParam
				if schema, ok := param["schema"]; ok {
					sch, err := resolve(schema)
					if err != nil {
						return nil, err
					}
					if pat, ok := sch["pattern"].(string); ok {
						if rule.pattern, err = regexp.Compile(pat); err != nil {
							return nil, fmt.Errorf("%s %s: parameter %s: %w", method, path, name, err)
						}
						rule.describe = "must match " + pat
						if ex, ok := sch["examples"].([]any); ok && len(ex) > 0 {
							rule.describe += fmt.Sprintf(", e.g. %v", ex[0])
						}
					}
					if enum, ok := sch["enum"].([]any); ok {
						for _, v := range enum {
							rule.enum = append(rule.enum, fmt.Sprint(v))
						}
						rule.describe = "must be one of " + strings.Join(rule.enum, ", ")
					}
				}
				declared[name] = rule
			}
			out[strings.ToUpper(method)+" "+openAPIToEcho(path)] = declared
		}
	}
	return out, nil
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
// one given twice, and a string that breaks its declared pattern or enum. An empty value is left
// to the handler, which reads it as absent. It panics for a route the document does not declare:
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
				case values[0] == "":
				case rule.pattern != nil && !rule.pattern.MatchString(values[0]),
					rule.enum != nil && !slices.Contains(rule.enum, values[0]):
					return badRequest(fmt.Sprintf("query parameter %s %.64q %s", name, values[0], rule.describe), field(name, rule.describe))
				}
			}
			return next(c)
		}
	}
}
