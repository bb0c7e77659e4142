package api

import (
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// appendPlanJSON appends what json.NewEncoder(w).Encode(toPlanJSON(st)) writes, newline included,
// written field by field into b. Encoding by reflection was most of the CPU and a third of the
// memory a GET /v1/plans/{id} cost, and every byte it allocated brings the next collection nearer,
// during which requests wait. ok is false where encoding/json would fail (a time outside years
// 0-9999 or not in UTC, a float that is not finite, a date outside years 0-9999): the caller then
// takes encoding/json's path, which says why. TestAppendPlanJSONIsEncode and
// FuzzAppendPlanJSONIsEncode hold the bytes equal.
func appendPlanJSON(b []byte, st projections.PlanState) ([]byte, bool) {
	w := jsonWriter{b: b, ok: true}
	w.raw(`{"plan_id":`)
	w.str(st.PlanID)
	w.raw(`,"lhc_id":`)
	w.str(st.LHCID)
	w.raw(`,"sha_code":`)
	w.str(st.SHACode)
	w.raw(`,"round":`)
	w.str(st.Round)
	w.raw(`,"status":`)
	w.str(string(st.Status))
	w.raw(`,"version":`)
	w.int(int64(st.Version))
	w.raw(`,"period":{"first_year":`)
	w.int(int64(st.Period.FirstYear))
	w.raw(`,"last_year":`)
	w.int(int64(st.Period.LastYear))
	w.raw(`},"content_hash":`)
	w.str(st.ContentHash)
	w.raw(`,"content":`)
	w.content(st.Content)
	w.raw(`,"signoffs":`)
	w.signOffs(st.SignOffs)
	w.raw(`,"contributors":`)
	w.strs(st.Contributors)
	w.raw(`,"outstanding_signoffs":`)
	w.strs(st.Outstanding)
	w.raw(`,"assurance":`)
	w.assurance(st.Assurance)
	w.raw(`,"acknowledged":`)
	w.bool(st.Acknowledged)
	w.raw(`,"withdrawn":`)
	w.bool(st.Withdrawn)
	w.raw(`,"submitted_at":`)
	w.time(st.SubmittedAt)
	w.raw(`,"revision":`)
	w.uint(st.Revision)
	w.raw(`,"position":`)
	w.uint(st.Position)
	if st.AsOfPosition != 0 {
		w.raw(`,"as_of_position":`)
		w.uint(st.AsOfPosition)
	}
	w.raw(`,"versions":`)
	if st.VersionsHistory == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i, v := range st.VersionsHistory {
			if i > 0 {
				w.raw(",")
			}
			w.version(v)
		}
		w.raw("]")
	}
	w.raw("}\n")
	return w.b, w.ok
}

// planBuffers holds the buffers GET /v1/plans/{id} answers are written into; a plan's answer is a
// few KB.
var planBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// maxPooledPlanBuffer is the largest buffer put back in planBuffers.
const maxPooledPlanBuffer = 256 << 10

// jsonWriter appends JSON as encoding/json writes it; ok turns false at the first value it cannot
// write as encoding/json would.
type jsonWriter struct {
	b  []byte
	ok bool
}

func (w *jsonWriter) raw(s string)  { w.b = append(w.b, s...) }
func (w *jsonWriter) int(v int64)   { w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jsonWriter) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }
func (w *jsonWriter) bool(v bool)   { w.b = strconv.AppendBool(w.b, v) }
func (w *jsonWriter) str(s string)  { w.b = appendJSONString(w.b, s) }
func (w *jsonWriter) null(isNil bool) bool {
	if isNil {
		w.raw("null")
	}
	return isNil
}

func (w *jsonWriter) strs(ss []string) {
	if w.null(ss == nil) {
		return
	}
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.str(s)
	}
	w.raw("]")
}

// time is time.Time's MarshalJSON (RFC 3339 with nanoseconds) for UTC times in years 0-9999; other
// times are left to encoding/json, which refuses some of them.
func (w *jsonWriter) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 || t.Location() != time.UTC {
		w.ok = false
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

// date is domain.Date's MarshalJSON: null, or "YYYY-MM-DD" with the year in four digits.
func (w *jsonWriter) date(d domain.Date) {
	if w.null(d.IsZero()) {
		return
	}
	y, m, day := d.Year(), int(d.Month()), d.Day()
	if y < 0 || y > 9999 || m < 1 || m > 12 || day < 1 || day > 99 {
		w.ok = false
		return
	}
	w.b = append(w.b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10), '"')
}

// float is encoding/json's float64: the shortest text that reads back as f, in exponent form
// only below 1e-6 or from 1e21, with a one-digit negative exponent not zero-padded.
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.ok = false
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		if n := len(w.b); n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// content is the plan's content as toPlanJSON gives it: absent lists as [].
func (w *jsonWriter) content(c domain.Content) {
	w.raw(`{"clinical5":[`)
	for i, cp := range c.Clinical5 {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"capability":`)
		w.str(cp.Capability)
		w.raw(`,"interim_solution":`)
		w.str(cp.InterimSolution)
		w.raw(`,"strategic_solution":`)
		w.str(cp.StrategicSolution)
		w.raw(`,"interim_date":`)
		w.date(cp.InterimDate)
		w.raw(`,"strategic_date":`)
		w.date(cp.StrategicDate)
		w.raw("}")
	}
	w.raw(`],"community_integration":`)
	w.str(c.CommunityIntegration)
	w.raw(`,"national_programmes":[`)
	for i, np := range c.NationalProgrammes {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"programme":`)
		w.str(np.Programme)
		w.raw(`,"planned_date":`)
		w.date(np.PlannedDate)
		w.raw(`,"status":`)
		w.str(np.Status)
		w.raw("}")
	}
	w.raw(`],"infrastructure":`)
	w.str(c.Infrastructure)
	w.raw(`,"information_governance":`)
	w.str(c.InformationGovernance)
	w.raw(`,"data_quality":`)
	w.str(c.DataQuality)
	w.raw(`,"nhs_number_adoption":{"current_pct":`)
	w.float(c.NHSNumberAdoption.CurrentPct)
	w.raw(`,"target_pct":`)
	w.float(c.NHSNumberAdoption.TargetPct)
	w.raw(`,"target_date":`)
	w.date(c.NHSNumberAdoption.TargetDate)
	w.raw(`},"capacity_and_funding":{"capital":`)
	w.int(c.CapacityAndFunding.Capital)
	w.raw(`,"revenue":`)
	w.int(c.CapacityAndFunding.Revenue)
	w.raw(`,"currency":`)
	w.str(c.CapacityAndFunding.Currency)
	w.raw("}}")
}

func (w *jsonWriter) signOffs(ss []projections.SignOffView) {
	if w.null(ss == nil) {
		return
	}
	w.raw("[")
	for i, s := range ss {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"ods_code":`)
		w.str(s.ODSCode)
		w.raw(`,"person_id":`)
		w.str(s.PersonID)
		w.raw(`,"version":`)
		w.int(int64(s.Version))
		w.raw(`,"content_hash":`)
		w.str(s.ContentHash)
		w.raw(`,"recorded_at":`)
		w.time(s.RecordedAt)
		w.raw(`,"event_id":`)
		w.str(s.EventID)
		w.raw("}")
	}
	w.raw("]")
}

func (w *jsonWriter) assurance(a *projections.AssuranceView) {
	if w.null(a == nil) {
		return
	}
	w.raw(`{"outcome":`)
	w.str(string(a.Outcome))
	w.raw(`,"version":`)
	w.int(int64(a.Version))
	w.raw(`,"sha_code":`)
	w.str(a.SHACode)
	w.raw(`,"criteria":`)
	if !w.null(a.Criteria == nil) {
		w.raw("[")
		for i, c := range a.Criteria {
			if i > 0 {
				w.raw(",")
			}
			w.raw(`{"id":`)
			w.str(c.ID)
			w.raw(`,"met":`)
			w.bool(c.Met)
			w.raw(`,"note":`)
			w.str(c.Note)
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"conditions":`)
	w.strs(a.Conditions)
	w.raw(`,"reflected_in_pfit_plan":`)
	w.bool(a.ReflectedInPfITPlan)
	w.raw(`,"pfit":`)
	w.str(a.PfIT)
	w.raw(`,"recorded_at":`)
	w.time(a.RecordedAt)
	w.raw(`,"event_id":`)
	w.str(a.EventID)
	w.raw("}")
}

func (w *jsonWriter) version(v projections.VersionView) {
	w.raw(`{"version":`)
	w.int(int64(v.Version))
	w.raw(`,"content_hash":`)
	w.str(v.ContentHash)
	w.raw(`,"submitted_at":`)
	w.time(v.SubmittedAt)
	if v.Reason != "" {
		w.raw(`,"reason":`)
		w.str(v.Reason)
	}
	w.raw(`,"contributors":`)
	w.strs(v.Contributors)
	w.raw(`,"signoffs":`)
	w.signOffs(v.SignOffs)
	w.raw(`,"assurance":`)
	w.assurance(v.Assurance)
	w.raw(`,"acknowledged":`)
	w.bool(v.Acknowledged)
	w.raw("}")
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes it by default: <, > and & escaped for
// HTML, U+2028 and U+2029 escaped for JavaScript, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
