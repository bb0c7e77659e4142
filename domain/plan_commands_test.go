package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// A plan command is any type with the planCommand marker method. Decide accepts a pointer to one as
// well as the value, through the pointer switch in planCommandValue; a command missing from that
// switch is refused only when passed by pointer, which no other test does for every command. The
// set of commands is read from this package's source, so a new one fails here by name.
func TestEveryPlanCommandHasAPointerCase(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var commands, pointerCases []string
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				switch {
				case fn.Name.Name == "planCommand" && fn.Recv != nil:
					if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
						commands = append(commands, id.Name)
					}
				case fn.Name.Name == "planCommandValue" && fn.Recv == nil:
					ast.Inspect(fn.Body, func(n ast.Node) bool {
						if c, ok := n.(*ast.CaseClause); ok {
							for _, e := range c.List {
								if star, ok := e.(*ast.StarExpr); ok {
									if id, ok := star.X.(*ast.Ident); ok {
										pointerCases = append(pointerCases, id.Name)
									}
								}
							}
						}
						return true
					})
				}
			}
		}
	}
	if len(commands) < 10 || len(pointerCases) == 0 {
		t.Fatalf("read %d plan commands and %d pointer cases from the source: the test no longer finds them", len(commands), len(pointerCases))
	}
	for _, c := range commands {
		if !slices.Contains(pointerCases, c) {
			t.Errorf("plan command %s has no case *%s in planCommandValue (plan_decide.go): Decide refuses it when passed by pointer", c, c)
		}
	}
}
