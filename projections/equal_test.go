package projections

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// AssertEqualAt is assert.Equal for the projections' whole state and answers: when they differ it
// prints only the first part that differs (a struct's field, a map's entry, a list's element),
// named by its path. testify's diff of two whole states took minutes to fail (408 s for one plan
// field a snapshot dropped, on the 2-core VM, 8 December 2026), long after the test that names the
// event type had failed.
func AssertEqualAt(t testing.TB, want, got any, msgAndArgs ...any) bool {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return true
	}
	path, w, g := firstDifference(reflect.ValueOf(want), reflect.ValueOf(got), "", 0)
	if path == "" {
		path = "the whole value"
	}
	return assert.Equal(t, w, g, "%s: first difference at %s", message(msgAndArgs), path)
}

func message(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return "differ"
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}

// firstDifference walks w and g, which differ, down to the first part that differs and cannot be
// walked further (a value of another kind, a list of another length, a struct whose exported
// fields are equal), and returns its path and both sides of it.
func firstDifference(w, g reflect.Value, path string, depth int) (string, any, any) {
	if !w.IsValid() || !g.IsValid() || w.Type() != g.Type() || depth > 10 {
		return path, valueOf(w), valueOf(g)
	}
	switch w.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !w.IsNil() && !g.IsNil() {
			return firstDifference(w.Elem(), g.Elem(), path, depth+1)
		}
	case reflect.Struct:
		for i := range w.NumField() {
			f := w.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if !reflect.DeepEqual(w.Field(i).Interface(), g.Field(i).Interface()) {
				return firstDifference(w.Field(i), g.Field(i), path+"."+f.Name, depth+1)
			}
		}
	case reflect.Map:
		keys := map[string]reflect.Value{}
		for _, k := range append(w.MapKeys(), g.MapKeys()...) {
			keys[fmt.Sprint(k.Interface())] = k
		}
		names := make([]string, 0, len(keys))
		for n := range keys {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			wv, gv := w.MapIndex(keys[n]), g.MapIndex(keys[n])
			if !wv.IsValid() || !gv.IsValid() || !reflect.DeepEqual(wv.Interface(), gv.Interface()) {
				return firstDifference(wv, gv, fmt.Sprintf("%s[%q]", path, n), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		if w.Len() == g.Len() {
			for i := range w.Len() {
				if !reflect.DeepEqual(w.Index(i).Interface(), g.Index(i).Interface()) {
					return firstDifference(w.Index(i), g.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
				}
			}
		}
	}
	return path, valueOf(w), valueOf(g)
}

func valueOf(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}
