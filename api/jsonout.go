package api

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
)

// TimestampLayout is how every answer prints a time: RFC 3339 in UTC with exactly three fractional
// digits, so that times line up in a column, sort as text and compare by eye whatever recorded
// them (the demo's times are whole seconds, the service's clock has nanoseconds). A time is
// truncated, never rounded: a printed time is never later than the instant it stands for, so an
// as_of taken from it never reaches past what it names. The command handler records to the
// millisecond, so that a time printed for what the service records is exact; the log keeps the
// times it already holds as they were recorded and hashed.
const TimestampLayout = domain.TimestampLayout

// AppendTimestamp appends t as TimestampLayout writes it; false for a year outside 0-9999, which
// RFC 3339 cannot write.
func AppendTimestamp(b []byte, t time.Time) ([]byte, bool) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	return t.Truncate(time.Millisecond).AppendFormat(b, TimestampLayout), true
}

// FormatTimestamp is AppendTimestamp as a string (a CSV cell, a header).
func FormatTimestamp(t time.Time) string {
	b, ok := AppendTimestamp(nil, t)
	if !ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return string(b)
}

// answerOptions are encoding/json's behaviour (field names, omitempty, HTML-safe escaping, sorted
// map keys) with two differences every answer shares: an absent list or map is [] or {}, never
// null, so that a client can iterate what it is given without a nil check; and times are written
// in TimestampLayout.
var answerOptions = json.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	json.FormatNilSliceAsNull(false),
	json.FormatNilMapAsNull(false),
	json.WithMarshalers(json.MarshalToFunc(func(enc *jsontext.Encoder, t time.Time) error {
		b, ok := AppendTimestamp(make([]byte, 0, len(TimestampLayout)+2), t)
		if !ok {
			return fmt.Errorf("time %s has a year outside 0-9999", t)
		}
		return enc.WriteToken(jsontext.String(string(b)))
	})),
)

// writeAnswer writes v as JSON with answerOptions and a final newline, as json.Encoder would.
func writeAnswer(w io.Writer, v any) error {
	var buf bytes.Buffer
	if err := json.MarshalWrite(&buf, v, answerOptions); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// answerSerializer is Echo's JSON with answerOptions; requests are still decoded as Echo decodes
// them (the command routes decode their bodies themselves).
type answerSerializer struct{ echo.DefaultJSONSerializer }

func (answerSerializer) Serialize(c echo.Context, i any, indent string) error {
	if indent == "" {
		return writeAnswer(c.Response(), i)
	}
	var buf bytes.Buffer
	if err := writeAnswer(&buf, i); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := jsonIndent(&out, buf.Bytes(), indent); err != nil {
		return err
	}
	_, err := c.Response().Write(out.Bytes())
	return err
}

func jsonIndent(out *bytes.Buffer, in []byte, indent string) error {
	v := jsontext.Value(bytes.TrimSpace(in))
	if err := v.Indent(jsontext.WithIndent(indent)); err != nil {
		return err
	}
	out.Write(v)
	out.WriteByte('\n')
	return nil
}
