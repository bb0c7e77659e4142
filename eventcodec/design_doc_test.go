package eventcodec

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
)

// docs/design.md is the contract as built: every registered event type has a section there
// ("#### <Type>") whose table names every member of its JSON data, no more and no fewer, and the
// content's table every member of a version's content. A type or a member added without its
// documentation fails here, naming it.
func TestDesignDocumentsEveryEventField(t *testing.T) {
	raw, err := os.ReadFile("../docs/design.md")
	require.NoError(t, err)
	doc := string(raw)
	for _, spec := range domain.Events {
		section := docSection(doc, "#### "+spec.Type+"\n")
		require.NotEmpty(t, section, "docs/design.md has no section \"#### %s\": document the event type", spec.Type)
		require.ElementsMatch(t, jsonMembers(reflect.TypeOf(spec.Zero())), tableMembers(section),
			"docs/design.md's table for %s does not list exactly its JSON members", spec.Type)
	}
	content := docSection(doc, "## 4. A version's content, and its hash\n")
	require.NotEmpty(t, content)
	require.ElementsMatch(t, jsonMembers(reflect.TypeFor[domain.Content]()), tableMembers(content),
		"docs/design.md's content table does not list exactly Content's JSON members")
}

// docSection is the text after heading up to the next heading.
func docSection(doc, heading string) string {
	i := strings.Index(doc, heading)
	if i < 0 {
		return ""
	}
	rest := doc[i+len(heading):]
	if j := regexp.MustCompile(`(?m)^#`).FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

var tableMember = regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|")

func tableMembers(section string) []string {
	var out []string
	for _, m := range tableMember.FindAllStringSubmatch(section, -1) {
		out = append(out, m[1])
	}
	return out
}

func jsonMembers(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "-" && name != "" {
			out = append(out, name)
		}
	}
	return out
}
