package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"assurance-ledger/domain"
)

// change is one field that differs between two versions of a plan's content.
type change struct {
	Field         string
	Before, After string
	Kind          string // changed, added, removed
}

// diffContent compares two versions' content field by field. Fields are named by their JSON path;
// Clinical 5 capabilities and national programmes are named by what they are, not by position, so
// reordering a list is not reported as a change of every entry.
func diffContent(a, b domain.Content) ([]change, error) {
	fa, err := flatten(a)
	if err != nil {
		return nil, err
	}
	fb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	after := map[string]string{}
	for _, f := range fb {
		after[f.path] = f.value
	}
	seen := map[string]bool{}
	var out []change
	for _, f := range fa {
		seen[f.path] = true
		v, ok := after[f.path]
		switch {
		case !ok:
			out = append(out, change{Field: f.path, Before: f.value, Kind: "removed"})
		case v != f.value:
			out = append(out, change{Field: f.path, Before: f.value, After: v, Kind: "changed"})
		}
	}
	for _, f := range fb {
		if !seen[f.path] {
			out = append(out, change{Field: f.path, After: f.value, Kind: "added"})
		}
	}
	return out, nil
}

type leaf struct{ path, value string }

// flatten lists every scalar of v's JSON with its path, in document order.
func flatten(v any) ([]leaf, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []leaf
	if err := walk(dec, "", &out); err != nil {
		return nil, err
	}
	return nameListEntries(out), nil
}

func walk(dec *json.Decoder, path string, out *[]leaf) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				child := fmt.Sprint(k)
				if path != "" {
					child = path + "." + child
				}
				if err := walk(dec, child, out); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walk(dec, fmt.Sprintf("%s[%d]", path, i), out); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	case nil:
		*out = append(*out, leaf{path, ""})
	default:
		*out = append(*out, leaf{path, fmt.Sprint(t)})
	}
	return nil
}

// nameListEntries renames "clinical5[0]" to "clinical5[pas_reporting]" (and programmes likewise)
// wherever the entry names itself.
func nameListEntries(leaves []leaf) []leaf {
	names := map[string]string{}
	for _, l := range leaves {
		for _, key := range []string{".capability", ".programme"} {
			if prefix, ok := strings.CutSuffix(l.path, key); ok && strings.HasSuffix(prefix, "]") {
				names[prefix] = prefix[:strings.LastIndex(prefix, "[")] + "[" + l.value + "]"
			}
		}
	}
	for i, l := range leaves {
		if end := strings.Index(l.path, "]"); end > 0 {
			if named, ok := names[l.path[:end+1]]; ok {
				leaves[i].path = named + l.path[end+1:]
			}
		}
	}
	return leaves
}
