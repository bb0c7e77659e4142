package codegen

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
)

// Check compares the committed file at path with want, the source generated now, and says which
// generated functions differ; with update it writes want to path instead. A package's test calls
// it with what it generates, so that a type changed without generating again fails that test.
func Check(path string, want []byte, update bool, generate string) error {
	if update {
		return os.WriteFile(path, want, 0o644)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: run %s", err, generate)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s is not what its types generate now (%s differ): run %s", path, differingFuncs(got, want), generate)
	}
	return nil
}

var funcDecl = regexp.MustCompile(`(?m)^func (\w+)\(`)

// differingFuncs names the functions that are missing from, extra in or different in got.
func differingFuncs(got, want []byte) string {
	split := func(src []byte) map[string]string {
		out := map[string]string{}
		locs := funcDecl.FindAllSubmatchIndex(src, -1)
		for i, l := range locs {
			end := len(src)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			out[string(src[l[2]:l[3]])] = string(src[l[0]:end])
		}
		return out
	}
	g, w := split(got), split(want)
	var names []string
	for name, body := range w {
		if g[name] != body {
			names = append(names, name)
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			names = append(names, name+" (no longer generated)")
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "the header or imports"
	}
	return fmt.Sprint(names)
}
