package domain

import (
	"strconv"

	"github.com/gowebpki/jcs"
)

// appendContentCanonical writes the RFC 8785 form of c's JSON straight from the struct: the keys of
// every object below in sorted order, numbers as ECMAScript prints them. It is what
// Canonical(c) gives, without encoding/json and a parse (most of the cost of hashing a version,
// which every submission and revision does when it is decided, folded and replayed).
// FuzzContentCanonicalMatchesMarshal holds the two together. It declines (false) a string that is
// not valid UTF-8, which encoding/json would repair, and a number JSON cannot hold.
func appendContentCanonical(b []byte, c Content) ([]byte, bool) {
	w := contentWriter{b: b, ok: true}
	w.raw(`{"capacity_and_funding":{"capital":`)
	w.integer(c.CapacityAndFunding.Capital)
	w.raw(`,"currency":`)
	w.str(c.CapacityAndFunding.Currency)
	w.raw(`,"revenue":`)
	w.integer(c.CapacityAndFunding.Revenue)
	w.raw(`},"clinical5":[`)
	for i, cp := range c.Clinical5 {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"capability":`)
		w.str(cp.Capability)
		w.raw(`,"interim_date":`)
		w.date(cp.InterimDate)
		w.raw(`,"interim_solution":`)
		w.str(cp.InterimSolution)
		w.raw(`,"strategic_date":`)
		w.date(cp.StrategicDate)
		w.raw(`,"strategic_solution":`)
		w.str(cp.StrategicSolution)
		w.raw("}")
	}
	w.raw(`],"community_integration":`)
	w.str(c.CommunityIntegration)
	w.raw(`,"data_quality":`)
	w.str(c.DataQuality)
	w.raw(`,"information_governance":`)
	w.str(c.InformationGovernance)
	w.raw(`,"infrastructure":`)
	w.str(c.Infrastructure)
	w.raw(`,"national_programmes":[`)
	for i, np := range c.NationalProgrammes {
		if i > 0 {
			w.raw(",")
		}
		w.raw(`{"planned_date":`)
		w.date(np.PlannedDate)
		w.raw(`,"programme":`)
		w.str(np.Programme)
		w.raw(`,"status":`)
		w.str(np.Status)
		w.raw("}")
	}
	w.raw(`],"nhs_number_adoption":{"current_pct":`)
	w.float(c.NHSNumberAdoption.CurrentPct)
	w.raw(`,"target_date":`)
	w.date(c.NHSNumberAdoption.TargetDate)
	w.raw(`,"target_pct":`)
	w.float(c.NHSNumberAdoption.TargetPct)
	w.raw("}}")
	return w.b, w.ok
}

type contentWriter struct {
	b  []byte
	ok bool
}

func (w *contentWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *contentWriter) str(s string) {
	var ok bool
	if w.b, ok = appendQuoted(w.b, s); !ok {
		w.ok = false
	}
}

// date is Date.MarshalJSON's text: null or "YYYY-MM-DD", neither of which needs escaping.
func (w *contentWriter) date(d Date) {
	if d.IsZero() {
		w.raw("null")
		return
	}
	w.b = append(w.b, '"')
	if d.year >= 0 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31 {
		w.b = append(w.b, byte('0'+d.year/1000), byte('0'+d.year/100%10), byte('0'+d.year/10%10), byte('0'+d.year%10), '-',
			byte('0'+int(d.month)/10), byte('0'+int(d.month)%10), '-', byte('0'+d.day/10), byte('0'+d.day%10))
	} else {
		w.b = append(w.b, d.String()...)
	}
	w.b = append(w.b, '"')
}

// integer prints v as an IEEE double would be: exactly below 10^15, else through the same
// conversion the JSON route takes (decimal digits parsed to the nearest double).
func (w *contentWriter) integer(v int64) {
	if v > -1e15 && v < 1e15 {
		w.b = strconv.AppendInt(w.b, v, 10)
		return
	}
	f, err := strconv.ParseFloat(strconv.FormatInt(v, 10), 64)
	if err != nil {
		w.ok = false
		return
	}
	w.float(f)
}

func (w *contentWriter) float(f float64) {
	s, err := jcs.NumberToJSON(f)
	if err != nil {
		w.ok = false
		return
	}
	w.b = append(w.b, s...)
}

// content appends c's canonical form, as ContentHash hashes it.
func (w *contentWriter) content(c Content) {
	var ok bool
	if w.b, ok = appendContentCanonical(w.b, c); !ok {
		w.ok = false
	}
}

func (w *contentWriter) boolean(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}
