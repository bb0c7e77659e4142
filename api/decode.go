package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
)

// maxBodyBytes bounds a command body. A full plan's content is a few KiB; 1 MiB leaves room for
// long narrative sections without letting a client make the server buffer arbitrary input.
const maxBodyBytes = 1 << 20

// decodeBody reads a JSON object into dst strictly: unknown fields, wrong types, trailing data and
// absent required members are refused with a field-level 400 before anything is decided.
func decodeBody(c echo.Context, dst any, required ...string) error {
	req := c.Request()
	if err := checkContentType(req.Header.Values(echo.HeaderContentType)); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return badRequest("could not read the request body: " + err.Error())
	}
	if p := checkBodyText(body); p != nil {
		return p
	}
	c.Set(bodyKey, body) // the request's fingerprint, for its idempotency key, covers it
	return decodeJSON(body, dst, required...)
}

// checkContentType requires a command to say it sends JSON (application/json, or a +json type) in
// UTF-8: one Content-Type header, whose charset, if it names one, is utf-8 (RFC 8259 has JSON
// exchanged in UTF-8). A body without a type, or in another charset, was read as JSON all the same,
// so that bytes meant as ISO-8859-1 were recorded as whatever UTF-8 made of them.
func checkContentType(values []string) error {
	switch {
	case len(values) == 0:
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "a command must be sent with Content-Type: application/json")
	case len(values) > 1:
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "the request has more than one Content-Type header; send one: application/json")
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %.64q is not JSON: send application/json", values[0]))
	}
	if cs, named := params["charset"]; named && !strings.EqualFold(cs, "utf-8") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("charset %.32q is not UTF-8: JSON is exchanged in UTF-8 (RFC 8259)", cs))
	}
	return nil
}

// bodyKey holds a command's body as read, on its context.
const bodyKey = "body"

func decodeJSON(body []byte, dst any, required ...string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the request body is empty; a JSON object is required", field("body", "required"))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return jsonProblem(err)
	}
	var missing []string
	for _, name := range required {
		if v, ok := members[name]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			missing = append(missing, name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		p := jsonProblem(err)
		if len(p.Errors) == 1 && p.Errors[0].Field == "body" {
			// A value that is JSON of the right kind but not a valid one of its type (an impossible
			// date, a number for a date) comes back from the decoder without the member it was in.
			if name, msg, ok := locateMember(members, dst); ok {
				return badRequest(fmt.Sprintf("field %s %s", name, msg), field(name, msg))
			}
		}
		return p
	}
	if dec.More() {
		return badRequest("the request body holds more than one JSON value", field("body", "trailing data after the object"))
	}
	if len(missing) > 0 {
		fields := make([]domain.FieldError, len(missing))
		for i, m := range missing {
			fields[i] = field(m, "is required")
		}
		return badRequest("required fields are missing: "+strings.Join(missing, ", "), fields...)
	}
	return nil
}

// locateMember finds the member of dst's struct type, as members holds them, that does not decode
// on its own, down to the innermost one (content.clinical5[2].interim_date), and says why.
func locateMember(members map[string]json.RawMessage, dst any) (name, msg string, ok bool) {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return "", "", false
	}
	return locateIn(members, t, "")
}

func locateIn(members map[string]json.RawMessage, t reflect.Type, prefix string) (name, msg string, ok bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if raw, present := members[tag]; present {
			if name, msg, ok := locateValue(raw, f.Type, prefix+tag); ok {
				return name, msg, true
			}
		}
	}
	return "", "", false
}

// locateValue says why raw does not decode as a t, naming the innermost part at fault.
func locateValue(raw json.RawMessage, t reflect.Type, path string) (name, msg string, ok bool) {
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return "", "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) == nil {
			if name, msg, ok := locateIn(members, t, path+"."); ok {
				return name, msg, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for i, item := range items {
				if name, msg, ok := locateValue(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
					return name, msg, true
				}
			}
		}
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return path, fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value), true
	}
	return path, "is invalid: " + strings.TrimPrefix(strings.TrimPrefix(err.Error(), "json: "), "date: "), true
}

// jsonProblem explains a decoding failure in terms of the client's JSON, not Go's types.
func jsonProblem(err error) *Problem {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return badRequest(fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error()), field("body", "malformed JSON"))
	case errors.As(err, &typeErr):
		name := typeErr.Field
		if name == "" {
			return badRequest(fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value), field("body", "must be a JSON object"))
		}
		return badRequest(fmt.Sprintf("field %s must be %s, not %s", name, jsonKind(typeErr.Type.Kind().String()), typeErr.Value),
			field(name, fmt.Sprintf("must be %s", jsonKind(typeErr.Type.Kind().String()))))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("unknown field %q", name), field(name, "unknown field"))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: unexpected end of input", field("body", "malformed JSON"))
	default:
		// Values that decode but do not parse (a date that is not YYYY-MM-DD, say) land here.
		return badRequest(strings.TrimPrefix(err.Error(), "json: "), field("body", strings.TrimPrefix(err.Error(), "json: ")))
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	default:
		return "a number"
	}
}
