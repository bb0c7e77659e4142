package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The rules dispatch on commands and events through type switches kept by hand: Decide on each
// command, Apply (and a plan's fits) on each event. A command or event type missing from one is
// refused at run time ("unknown plan command", "not a plan event") only once something sends it:
// the demo, long after the step that forgot it, and a plan event that fits does not catch is
// appended before its fold fails. These tests read the switches from this package's source and
// name the type and the function that lacks its case.

// source is this package's non-test source, parsed once per test.
func source(t *testing.T) []*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			files = append(files, f)
		}
	}
	return files
}

// switchCases are the type names in the case clauses of the type switches in the named functions
// and methods, and in their type assertions, as values and as pointers.
func switchCases(t *testing.T, files []*ast.File, funcs ...string) (values, pointers []string) {
	t.Helper()
	found := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !slices.Contains(funcs, funcName(fn)) {
				continue
			}
			found++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				// A type assertion to one type counts as its case (fits tests PlanSubmitted so).
				if ta, ok := n.(*ast.TypeAssertExpr); ok {
					if id, ok := ta.Type.(*ast.Ident); ok {
						values = append(values, id.Name)
					}
				}
				ts, ok := n.(*ast.TypeSwitchStmt)
				if !ok {
					return true
				}
				for _, s := range ts.Body.List {
					for _, e := range s.(*ast.CaseClause).List {
						switch x := e.(type) {
						case *ast.Ident:
							values = append(values, x.Name)
						case *ast.StarExpr:
							if id, ok := x.X.(*ast.Ident); ok {
								pointers = append(pointers, id.Name)
							}
						}
					}
				}
				return true
			})
		}
	}
	if found != len(funcs) {
		t.Fatalf("found %d of the functions %v in the source: the test no longer finds them", found, funcs)
	}
	return values, pointers
}

// funcName is "Recv.Name" for a method, "Name" for a function.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// markedTypes are the types with the named marker method (planCommand, registryCommand, ...).
func markedTypes(files []*ast.File, marker string) []string {
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != marker {
				continue
			}
			if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
				out = append(out, id.Name)
			}
		}
	}
	return out
}

func TestEveryCommandHasItsDecideCases(t *testing.T) {
	files := source(t)
	for _, tc := range []struct {
		marker   string
		funcs    []string // where its cases are
		pointers string   // where its pointer case is, when not in funcs
	}{
		{"planCommand", []string{"Plan.Decide"}, "planCommandValue"},
		{"registryCommand", []string{"Registry.DecideKnowing", "Registry.decideRound"}, ""},
		{"returnCommand", []string{"SHAReturn.Decide"}, ""},
	} {
		commands := markedTypes(files, tc.marker)
		if len(commands) < 2 {
			t.Fatalf("read %d %s types from the source: the test no longer finds them", len(commands), tc.marker)
		}
		values, pointers := switchCases(t, files, tc.funcs...)
		if tc.pointers != "" {
			_, pointers = switchCases(t, files, tc.pointers)
		}
		where := strings.Join(tc.funcs, ", ")
		for _, c := range commands {
			if !slices.Contains(values, c) {
				t.Errorf("command %s has no case %s in %s: it is refused as an unknown command", c, c, where)
			}
			if !slices.Contains(pointers, c) {
				t.Errorf("command %s has no case *%s in %s: it is refused when passed by pointer", c, c, orElse(tc.pointers, where))
			}
		}
	}
}

func TestEveryEventTypeHasItsApplyCases(t *testing.T) {
	files := source(t)
	where := map[Aggregate][]string{
		AggregatePlan:     {"Plan.Apply", "Plan.fits"}, // both, each checked on its own below
		AggregateRegistry: {"Registry.Apply", "Registry.applyRound"},
		AggregateReturn:   {"SHAReturn.Apply"},
	}
	for _, spec := range Events {
		funcs, ok := where[spec.Aggregate]
		if !ok {
			t.Fatalf("%s belongs to aggregate %q, which this test does not know: name the functions that fold it", spec.Type, spec.Aggregate)
		}
		name := reflect.TypeOf(spec.Zero()).Name()
		if spec.Aggregate == AggregatePlan {
			for fn, miss := range map[string]string{
				"Plan.fits":  "a plan refuses it as not a plan event, after the handler has appended it",
				"Plan.Apply": "a plan folds nothing of it",
			} {
				if values, _ := switchCases(t, files, fn); !slices.Contains(values, name) {
					t.Errorf("event type %s has no case %s in %s (plan_apply.go): %s", spec.Type, name, fn, miss)
				}
			}
			continue
		}
		if values, _ := switchCases(t, files, funcs...); !slices.Contains(values, name) {
			t.Errorf("event type %s has no case %s in %s: the %s refuses to fold it", spec.Type, name, strings.Join(funcs, " or "), spec.Aggregate)
		}
	}
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
