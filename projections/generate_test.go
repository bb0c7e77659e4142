package projections

import (
	"flag"
	"reflect"
	"testing"

	"assurance-ledger/domain"
	"assurance-ledger/internal/codegen"
)

var update = flag.Bool("update", false, "rewrite zz_generated.go from the types the snapshot holds")

const generatedFile = "zz_generated.go"

// snapOptions say how the snapshot's generated code treats the state it holds.
var snapOptions = codegen.Options{
	Date: reflect.TypeFor[domain.Date](),
	// A plan's record keeps no content (domain.Plan.Record): the projector reads it from the log.
	Skip: map[reflect.Type]bool{reflect.TypeFor[domain.Content](): true},
}

// generate is the source of zz_generated.go: the snapshot's binary form of a plan's state and of
// everything it holds.
func generate() ([]byte, error) {
	f := codegen.NewFile("assurance-ledger/projections", "projections", "go generate ./projections")
	f.Snap(reflect.TypeFor[domain.PlanRecord](), snapOptions)
	return f.Bytes()
}

// TestGeneratedCodeIsCurrent: zz_generated.go is what the domain's record types generate. A field
// added to a plan's state fails here until the file is written again (go generate ./projections),
// and is then kept by every snapshot.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	src, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := codegen.Check(generatedFile, src, *update, "go generate ./projections"); err != nil {
		t.Fatal(err)
	}
}
