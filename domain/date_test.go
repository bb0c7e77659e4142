package domain

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"2009-04-01", true},
		{"2008-02-29", true},
		{"2009-02-29", false},
		{"2009-04-31", false},
		{"2009-13-01", false},
		{"2009-00-10", false},
		{"0000-01-01", false},
		{"2009-4-01", false},
		{"09-04-01", false},
		{"2009/04/01", false},
		{"2009-04-01T00:00:00Z", false},
		{" 2009-04-01", false},
		{"2009-04-0a", false},
		{"+009-04-01", false},
		{"", false},
	} {
		t.Run(c.in, func(t *testing.T) {
			d, err := ParseDate(c.in)
			if !c.ok {
				assert.Error(t, err)
				assert.True(t, d.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.in, d.String())
		})
	}
}

func TestDateJSON(t *testing.T) {
	type holder struct {
		D Date `json:"d"`
	}
	b, err := json.Marshal(holder{D: date("2010-03-31")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"d":"2010-03-31"}`, string(b))

	b, err = json.Marshal(holder{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"d":null}`, string(b), "the zero Date is null")

	for _, in := range []string{`{"d":null}`, `{"d":""}`, `{}`} {
		var h holder
		require.NoError(t, json.Unmarshal([]byte(in), &h), in)
		assert.True(t, h.D.IsZero(), in)
	}
	var h holder
	require.NoError(t, json.Unmarshal(b, &h))
	assert.Equal(t, holder{}, h, "zero round-trips")
	require.NoError(t, json.Unmarshal([]byte(`{"d":"2010-03-31"}`), &h))
	assert.Equal(t, date("2010-03-31"), h.D)

	for _, in := range []string{`{"d":20100331}`, `{"d":"31/03/2010"}`, `{"d":"2010-03-31T00:00:00Z"}`, `{"d":true}`} {
		assert.Error(t, json.Unmarshal([]byte(in), &h), in)
	}
}

func TestDateMethods(t *testing.T) {
	a, b := date("2009-12-31"), date("2010-01-01")
	assert.True(t, a.Before(b))
	assert.True(t, b.After(a))
	assert.False(t, a.After(a))
	assert.Equal(t, 0, a.Compare(a))
	assert.Equal(t, -1, date("2009-11-30").Compare(a))
	assert.Equal(t, 1, date("2009-12-31").Compare(date("2009-12-30")))
	assert.Equal(t, 2009, a.Year())
	assert.Equal(t, time.December, a.Month())
	assert.Equal(t, 31, a.Day())
	assert.Equal(t, time.Date(2009, 12, 31, 0, 0, 0, 0, time.UTC), a.Time())
	assert.Equal(t, 2009, date("2010-03-31").FinancialYear())
	assert.Equal(t, 2010, date("2010-04-01").FinancialYear())
	assert.Equal(t, date("2009-06-30"), DateOf(time.Date(2009, 6, 30, 23, 59, 0, 0, time.FixedZone("BST", 3600))))
	assert.Equal(t, "", Date{}.String())

	d, err := NewDate(2009, time.April, 1)
	require.NoError(t, err)
	assert.Equal(t, period2009.Start(), d)
	_, err = NewDate(2009, 13, 1)
	assert.Error(t, err)
	_, err = NewDate(10000, 1, 1)
	assert.Error(t, err)
}

func TestPeriod(t *testing.T) {
	p := period2009
	assert.Equal(t, date("2009-04-01"), p.Start())
	assert.Equal(t, date("2012-03-31"), p.End())
	assert.Equal(t, 3, p.Years())
	assert.True(t, p.Contains(date("2009-04-01")))
	assert.True(t, p.Contains(date("2012-03-31")))
	assert.False(t, p.Contains(date("2009-03-31")))
	assert.False(t, p.Contains(date("2012-04-01")))
	assert.False(t, p.Contains(Date{}))
	assert.True(t, date("2010-01-01").In(p))

	for _, c := range []struct {
		name   string
		p      Period
		fields []string
	}{
		{"three years", Period{2009, 2011}, nil},
		{"ten years", Period{2009, 2018}, nil},
		{"two years", Period{2009, 2010}, []string{"period"}},
		{"one year", Period{2009, 2009}, []string{"period"}},
		{"reversed", Period{2011, 2009}, []string{"period.last_year"}},
		{"missing", Period{}, []string{"period.first_year", "period.last_year"}},
		{"typo", Period{2009, 20011}, []string{"period.last_year"}},
		{"too early", Period{1999, 2001}, []string{"period.first_year"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, f := range c.p.Validate() {
				got = append(got, f.Field)
				assert.NotEmpty(t, f.Message)
			}
			assert.Equal(t, c.fields, got)
		})
	}
}

// plainString must give what json.Unmarshal gives whenever it answers, and leave escapes,
// control characters and non-ASCII to json.Unmarshal.
func FuzzPlainStringMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{`"2010-03-31"`, `""`, `"a\"b"`, `"\u0032010-03-31"`, `"é"`, `"tab	"`, `null`, `"`, `"x`, `x"`, `12`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := plainString(b)
		if !ok {
			return
		}
		var want string
		require.NoError(t, json.Unmarshal(b, &want), "plainString accepted %q", b)
		require.Equal(t, want, got)
	})
}

func TestDateJSONEscapedAndPlainAgree(t *testing.T) {
	for _, in := range []string{`"2010-03-31"`, `"\u0032010-03-31"`, `"2010\u002d03-31"`} {
		var d Date
		require.NoError(t, d.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, date("2010-03-31"), d, in)
	}
	for _, in := range []string{`"2010-03-3\u0031x"`, `"2010-03-31 "`, `"\u00e9"`} {
		var d Date
		assert.Error(t, d.UnmarshalJSON([]byte(in)), in)
	}
	_, ok := plainString([]byte(`"2010\u002d03-31"`))
	assert.False(t, ok, "escapes go to json.Unmarshal")
}

// NewDate accepts exactly the dates time.Date gives back unchanged, for every month and day that
// could be asked for, over four centuries' leap rules.
func TestNewDateIsWhatTimeDateKeeps(t *testing.T) {
	for _, year := range []int{1, 4, 100, 1600, 1700, 1900, 2000, 2008, 2009, 2010, 2011, 2012, 2100, 2400, 9999} {
		for month := time.Month(-1); month <= 14; month++ {
			for day := -1; day <= 33; day++ {
				tt := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
				exists := tt.Year() == year && tt.Month() == month && tt.Day() == day
				d, err := NewDate(year, month, day)
				if !exists {
					require.Error(t, err, "%d-%d-%d", year, month, day)
					continue
				}
				require.NoError(t, err, "%d-%d-%d", year, month, day)
				require.Equal(t, [3]int{year, int(month), day}, [3]int{d.Year(), int(d.Month()), d.Day()})
			}
		}
	}
}
