package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"assurance-ledger/domain"
)

// snapshotLayouts is the layout of a plan's record (planRecordLayout) each snapshotFormat holds,
// as a digest. A snapshot of an older layout read by this build decodes wrongly: the snapshot is
// refused only when the decoding happens to fail ("snapshot damaged"), and could be misread when
// it does not. A field added to, removed from or changed in domain.PlanRecord, or in any type it
// holds, changes the layout; a new snapshotFormat is then raised with its layout recorded here.
var snapshotLayouts = map[uint32]string{
	3: "9efb3299f4713d2e",
}

func TestSnapshotFormatIsRaisedWhenThePlanRecordChanges(t *testing.T) {
	layout := planRecordLayout(reflect.TypeFor[domain.PlanRecord](), 0)
	sum := sha256.Sum256([]byte(layout))
	got := hex.EncodeToString(sum[:8])
	want, ok := snapshotLayouts[snapshotFormat]
	switch {
	case !ok:
		t.Fatalf("snapshotFormat %d has no layout recorded: record snapshotLayouts[%d] = %q in projections/snapshot_layout_test.go\nlayout: %s",
			snapshotFormat, snapshotFormat, got, layout)
	case got != want:
		t.Fatalf("domain.PlanRecord's snapshot layout is %s, not the one snapshotFormat %d holds (%s): a plan's state changed shape "+
			"(a PlanRecord field for a new event type, a field of Version, ...), so the snapshot's bytes did. Raise snapshotFormat "+
			"in projections/snapshot.go and record snapshotLayouts[%d] = %q in projections/snapshot_layout_test.go.\nlayout: %s",
			got, snapshotFormat, want, snapshotFormat+1, got, layout)
	}
}

// planRecordLayout writes what the generated snapshot code (go generate ./projections, with
// snapOptions) writes of a value of type t, in order: the kind of each primitive, and the shape of
// each struct, pointer and list. Field names are left out: renaming one changes no byte.
func planRecordLayout(t reflect.Type, depth int) string {
	if depth > 12 {
		return "…"
	}
	switch {
	case t == snapOptions.Date:
		return "date"
	case t == reflect.TypeFor[time.Time]():
		return "time"
	}
	switch t.Kind() {
	case reflect.String:
		return "s"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint8:
		return "i"
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "u"
	case reflect.Float32, reflect.Float64:
		return "f"
	case reflect.Bool:
		return "b"
	case reflect.Pointer:
		return "*" + planRecordLayout(t.Elem(), depth+1)
	case reflect.Slice:
		return "[]" + planRecordLayout(t.Elem(), depth+1)
	case reflect.Struct:
		var parts []string
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || snapOptions.Skip[f.Type] {
				continue
			}
			parts = append(parts, planRecordLayout(f.Type, depth+1))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return t.Kind().String()
}
