package api

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// encodeLikeEcho is what c.JSON(http.StatusOK, planAnswer(st)) writes.
func encodeLikeEcho(t testing.TB, st projections.PlanState) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := writeAnswer(&buf, planAnswer(st))
	return buf.Bytes(), err
}

// requireSameAsEncode checks appendPlanJSON against writeAnswer for st: the same bytes, or a
// decline. mustWrite says st holds nothing appendPlanJSON may decline.
func requireSameAsEncode(t testing.TB, st projections.PlanState, mustWrite bool) {
	t.Helper()
	want, err := encodeLikeEcho(t, st)
	prefix := []byte("kept")
	got, ok := appendPlanJSON(prefix, st)
	if !ok {
		require.False(t, mustWrite, "appendPlanJSON declined a plan it must write: %+v", st)
		return
	}
	require.NoError(t, err, "appendPlanJSON wrote a plan encoding/json refuses")
	require.Equal(t, "kept", string(got[:4]), "appendPlanJSON must append, not overwrite")
	// Invalid UTF-8 (which the API refuses in every body, so no plan holds it) is replaced by
	// U+FFFD in both, written escaped by appendPlanJSON and raw by writeAnswer: the same string.
	gotText := strings.ReplaceAll(string(got[4:]), `\ufffd`, "\uFFFD")
	if gotText != string(want) {
		// The whole documents differ by a member somewhere in tens of kilobytes: name it first.
		require.Empty(t, differingMembers([]byte(gotText), want), "appendPlanJSON (api/planjson_write.go) writes these members of the plan otherwise than encoding/json")
	}
	require.Equal(t, string(want), gotText)
}

// differingMembers are the plan's top-level JSON members that one document lacks or writes
// otherwise than the other; nil when either is not a JSON object.
func differingMembers(got, want []byte) []string {
	var g, w map[string]json.RawMessage
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil {
		return nil
	}
	var out []string
	for k, v := range w {
		if gv, ok := g[k]; !ok {
			out = append(out, k+" (not written)")
		} else if !bytes.Equal(gv, v) {
			out = append(out, k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			out = append(out, k+" (not in encoding/json's)")
		}
	}
	slices.Sort(out)
	return out
}

// Every demo plan, as it stands and as it stood before its last event: a sample of them in the
// README's test command (each plan as it stood refolds the registry at a position of its own), all
// of them with LEDGER_TEST_THOROUGH=1.
func TestAppendPlanJSONIsEncodeForTheDemo(t *testing.T) {
	t.Parallel()
	store := demotest.Store(t, 0)
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	plans := proj.Plans(projections.PlanFilter{})
	require.NotEmpty(t, plans)
	for _, s := range thorough.Pick(t, plans, 40) {
		st, found, err := proj.Plan(context.Background(), s.PlanID)
		require.NoError(t, err)
		require.True(t, found)
		requireSameAsEncode(t, st, true)
		if st.Version > 1 {
			past, found, err := proj.PlanAsOf(context.Background(), s.PlanID, st.Position-1)
			require.NoError(t, err)
			require.True(t, found)
			requireSameAsEncode(t, past, true)
		}
	}
}

// TestAppendPlanJSONIsEncode fills every field of PlanState, however deep (a field added later
// included), with values chosen to reach each branch of encoding/json's: escapes, invalid UTF-8,
// absent and empty lists, floats in both notations, omitted members. 2,000 fillings; the README's
// test command checks a sample of them, LEDGER_TEST_THOROUGH=1 all.
func TestAppendPlanJSONIsEncode(t *testing.T) {
	seeds := make([]uint64, 2000)
	for i := range seeds {
		seeds[i] = uint64(i)
	}
	for _, seed := range thorough.Pick(t, seeds, 300) {
		f := newFiller(seed, "", 0)
		requireSameAsEncode(t, f.plan(), true)
	}
}

func TestAppendPlanJSONDeclinesWhatEncodingJSONRefusesOrWritesOtherwise(t *testing.T) {
	base := newFiller(1, "", 0).plan()
	london := time.FixedZone("BST", 3600)
	for name, change := range map[string]func(*projections.PlanState){
		"NaN":        func(st *projections.PlanState) { st.Content.NHSNumberAdoption.CurrentPct = math.NaN() },
		"infinity":   func(st *projections.PlanState) { st.Content.NHSNumberAdoption.TargetPct = math.Inf(-1) },
		"year 10000": func(st *projections.PlanState) { st.SubmittedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		t.Run(name, func(t *testing.T) {
			st := base
			change(&st)
			_, ok := appendPlanJSON(nil, st)
			require.False(t, ok)
		})
	}
	// A time in another zone is printed in UTC, like every time the API prints.
	st := base
	st.SubmittedAt = time.Date(2009, 6, 1, 12, 0, 0, 123456789, london)
	st.SignOffs = []projections.SignOffView{{RecordedAt: time.Unix(0, 0).In(london)}}
	got, ok := appendPlanJSON(nil, st)
	require.True(t, ok)
	require.Contains(t, string(got), `"submitted_at":"2009-06-01T11:00:00.123Z"`)
	require.Contains(t, string(got), `"recorded_at":"1970-01-01T00:00:00.000Z"`)
	requireSameAsEncode(t, st, true)
}

func FuzzAppendPlanJSONIsEncode(f *testing.F) {
	f.Add(uint64(1), "plain", 12.5)
	f.Add(uint64(2), "<&>\u2028\u2029\x00\x7f\xff é\"\\", 1e-7)
	f.Add(uint64(3), "", 1e21)
	f.Fuzz(func(t *testing.T, seed uint64, s string, x float64) {
		fl := newFiller(seed, s, x)
		requireSameAsEncode(t, fl.plan(), !math.IsNaN(x) && !math.IsInf(x, 0))
	})
}

// filler gives values of any type PlanState holds, at random from seed; extra is one more string
// and float to choose from (a fuzzer's).
type filler struct {
	r     *rand.Rand
	extra string
	x     float64
}

func newFiller(seed uint64, extra string, x float64) *filler {
	return &filler{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), extra: extra, x: x}
}

func (f *filler) plan() projections.PlanState {
	var st projections.PlanState
	f.fill(reflect.ValueOf(&st).Elem())
	return st
}

var fillerStrings = []string{"", "RGQ", "plan-1", "a \"quoted\" \\ line\n\t\r\b\f", "<script>&amp;</script>",
	"\u2028\u2029", "\x00\x01\x1f\x7f", "é£–😀", "bad \xff\xfe utf-8 \xe2\x82", "sha256:0123abcd"}

var fillerFloats = []float64{0, math.Copysign(0, -1), 1, -1, 12.5, 99.99, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -2.5e-300, 123456789.125, 0.1}

func (f *filler) fill(v reflect.Value) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(f.r.Int64N(253402300799), f.r.Int64N(1e9)).UTC())) // years 1970-9999
		return
	case reflect.TypeFor[domain.Date]():
		if f.r.IntN(4) > 0 {
			d, err := domain.NewDate(f.r.IntN(10000), time.Month(1+f.r.IntN(12)), 1+f.r.IntN(28))
			if err == nil {
				v.Set(reflect.ValueOf(d))
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if f.r.IntN(len(fillerStrings)+1) == 0 {
			v.SetString(f.extra)
		} else {
			v.SetString(fillerStrings[f.r.IntN(len(fillerStrings))])
		}
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(f.r.Int64N(1<<62) - 1<<61)
	case reflect.Uint64:
		if f.r.IntN(3) > 0 { // zero now and then, for omitempty
			v.SetUint(f.r.Uint64())
		}
	case reflect.Float64:
		if f.r.IntN(len(fillerFloats)+1) == 0 {
			v.SetFloat(f.x)
		} else {
			v.SetFloat(fillerFloats[f.r.IntN(len(fillerFloats))])
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	case reflect.Slice:
		n := f.r.IntN(4) - 1 // -1: nil
		if n < 0 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i))
		}
	case reflect.Pointer:
		if f.r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem())
		}
	default:
		panic("filler: no values for " + v.Type().String())
	}
}
