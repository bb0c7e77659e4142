package eventcodec

import (
	"flag"
	"reflect"
	"testing"

	"assurance-ledger/domain"
	"assurance-ledger/internal/codegen"
)

var update = flag.Bool("update", false, "rewrite zz_generated.go from the registered event types")

const generatedFile = "zz_generated.go"

// codecOptions say how the generated code treats the events' fields.
var codecOptions = codegen.Options{
	Date: reflect.TypeFor[domain.Date](),
	// Members whose values recur across events (codes, people, hashes, lists of codes): read into
	// interned strings, so that a million events hold a few thousand copies of them, not millions.
	Symbols: map[string]bool{
		"ods_code": true, "contributor_ods": true, "sha_code": true, "lhc_id": true, "lead_pct": true,
		"person_id": true, "section": true, "content_hash": true, "outcome": true, "pfit": true,
		"round": true, "id": true, "capability": true, "programme": true, "status": true,
		"currency": true, "members": true, "added": true, "removed": true, "kind": true,
		// The assurance process's: a rating is one of three words, a criterion, a condition, a
		// programme for IT and a milestone one of a catalogue's few.
		"rating": true, "criterion": true, "condition_id": true, "pfit_id": true, "milestone": true,
		// Delivery and governance: an item is one of fourteen, a source one of four, a product one
		// of a market's few; bodies and their chairs recur on every approval.
		"item": true, "source": true, "interim_source": true, "strategic_source": true, "interim_product": true,
		"strategic_product": true, "body_id": true, "chair_person_id": true,
	},
	Hooks:      map[reflect.Type]string{reflect.TypeFor[domain.Content](): "content"},
	EmptyLists: true,
}

// generate is the source of zz_generated.go: for every registered event type (and the types it
// holds) a shape reader, a JSON writer and a canonical writer, and the functions that pick them by
// type.
func generate() ([]byte, error) {
	f := codegen.NewFile("assurance-ledger/eventcodec", "eventcodec", "go generate ./eventcodec")
	f.Import("assurance-ledger/domain")
	for _, s := range domain.Events {
		t := reflect.TypeOf(s.Zero())
		f.Read(t, codecOptions)
		f.JSON(t, codecOptions)
		f.Canon(t, codecOptions)
	}
	f.Printf("// readEventData reads the data of an event of the named type, in exactly the shape its JSON\n")
	f.Printf("// writer writes; false for any other input, which the caller leaves to a general decoder.\n")
	f.Printf("func readEventData(r *shapeReader, eventType string) (domain.EventData, bool) {\n\tswitch eventType {\n")
	for _, s := range domain.Events {
		name := reflect.TypeOf(s.Zero()).Name()
		f.Printf("\tcase %q:\n\t\tvar e domain.%s\n\t\tif read%s(r, &e) && len(r.b) == 0 {\n\t\t\treturn e, true\n\t\t}\n", s.Type, name, name)
	}
	f.Printf("\t}\n\treturn nil, false\n}\n\n")
	for _, form := range []struct{ fn, writer, prefix, doc string }{
		{"appendEventJSON", "jsonWriter", "json", "the JSON of d, as the ledger stores it"},
		{"appendEventCanonical", "canonWriter", "canon", "the RFC 8785 form of d's JSON"},
	} {
		f.Printf("// %s writes %s; false for a type it has no writer for.\n", form.fn, form.doc)
		f.Printf("func %s(w *%s, d domain.EventData) bool {\n\tswitch d := d.(type) {\n", form.fn, form.writer)
		for _, s := range domain.Events {
			name := reflect.TypeOf(s.Zero()).Name()
			f.Printf("\tcase domain.%s:\n\t\t%s%s(w, &d)\n", name, form.prefix, name)
		}
		f.Printf("\tdefault:\n\t\treturn false\n\t}\n\treturn true\n}\n\n")
	}
	return f.Bytes()
}

// TestGeneratedCodeIsCurrent: zz_generated.go is what the registered event types generate. A type
// added to domain.Events, or a field added to one, fails here, naming what changed, until the file
// is written again (go generate ./eventcodec).
func TestGeneratedCodeIsCurrent(t *testing.T) {
	src, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := codegen.Check(generatedFile, src, *update, "go generate ./eventcodec"); err != nil {
		t.Fatal(err)
	}
}
