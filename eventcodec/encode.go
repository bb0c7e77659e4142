package eventcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"assurance-ledger/domain"
)

// EncodeEvent returns the type name and JSON data of an event, as the ledger stores it: what
// encoding/json writes for the event's struct, with absent lists written as [] (a reader of the log
// should not have to tell null from empty). TestEncodeEventIsMarshal holds the two together.
func EncodeEvent(d domain.EventData) (eventType string, data []byte, err error) {
	if d == nil || (reflect.ValueOf(d).Kind() == reflect.Pointer && reflect.ValueOf(d).IsNil()) {
		return "", nil, errors.New("encode event: no event")
	}
	spec, ok := domain.Spec(d.EventType())
	if !ok || reflect.TypeOf(d) != reflect.TypeOf(spec.Zero()) {
		return "", nil, fmt.Errorf("encode event: %T is not the event type %q", d, d.EventType())
	}
	w := jsonWriter{b: make([]byte, 0, 256), ok: true}
	if !appendEventJSON(&w, d) {
		return "", nil, fmt.Errorf("encode event: %s has no generated writer (run go generate ./eventcodec)", spec.Type)
	}
	if w.ok {
		return spec.Type, w.b, nil
	}
	// A value the writer leaves to encoding/json, which writes it or says why it cannot.
	data, err = json.Marshal(WithLists(d))
	if err != nil {
		return "", nil, fmt.Errorf("encode event %s: %w", spec.Type, err)
	}
	return spec.Type, data, nil
}

// WithLists is v with every nil list below it made empty (copied, never changed in place), so that
// encoding/json writes [] for it, as the ledger writes its JSON: a reader should not have to tell
// null from an empty list.
func WithLists[T any](v T) T {
	in := reflect.ValueOf(&v).Elem()
	if in.Kind() == reflect.Interface { // an event as domain.EventData, say: its value inside
		if in.IsNil() {
			return v
		}
		in = in.Elem()
	}
	out := reflect.New(in.Type()).Elem()
	out.Set(in)
	fillLists(out)
	return out.Interface().(T)
}

func fillLists(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fillLists(f)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		// Copied before it is changed: the caller's lists are not ours.
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := range c.Len() {
			fillLists(c.Index(i))
		}
		v.Set(c)
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			fillLists(c.Elem())
			v.Set(c)
		}
	}
}

// DecodeEvent reads an event's data. Unknown JSON members are ignored and absent ones left zero, so
// that logs written by older and newer versions of this code both read; an unknown type is an error,
// because folding past an event one does not understand would silently give a wrong state.
func DecodeEvent(eventType string, data []byte) (domain.EventData, error) {
	spec, ok := domain.Spec(eventType)
	if !ok {
		return nil, fmt.Errorf("decode event: unknown event type %q", eventType)
	}
	return decodeEvent(spec, data)
}

// decodeEvent is DecodeEvent for the registered type spec.
func decodeEvent(spec domain.EventSpec, data []byte) (domain.EventData, error) {
	eventType := spec.Type
	// The ledger's own shape first, read without reflection (decoding was most of a replay's work);
	// wherever it accepts, it gives what encoding/json gives (FuzzDecodeEventMatchesEncodingJSON).
	if len(data) > 0 && data[0] == '{' {
		t := internTables.Get().(*internTable)
		d, ok := readEventData(t.readerFor(data, false), eventType)
		t.reader.done()
		internTables.Put(t)
		if ok {
			return d, nil
		}
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("decode event %s: data is not a JSON object", eventType)
	}
	// encoding/json's semantics on the JSON v2 engine (faster), held to encoding/json by
	// FuzzDecodeEventMatchesEncodingJSON. Its errors are that package's types, not encoding/json's.
	ptr := spec.New()
	if err := jsonv1.Unmarshal(data, ptr); err != nil {
		return nil, fmt.Errorf("decode event %s: %w", eventType, err)
	}
	return spec.Value(ptr), nil
}

// ContentHash is the hex SHA-256 of the canonical JSON of c: what a sign-off names. The canonical
// form is written straight from c (most of the cost of hashing a version, which every submission
// and revision does when it is decided, folded and replayed); where that declines, the JSON of c is
// canonicalised, which defines it.
func ContentHash(c domain.Content) (string, error) {
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	w := canonWriter{b: (*bp)[:0], ok: true}
	canonContent(&w, &c)
	if w.ok {
		*bp = w.b
		return SHA256Hex(w.b), nil
	}
	b, err := Canonical(contentJSON(c))
	if err != nil {
		return "", fmt.Errorf("content hash: %w", err)
	}
	return SHA256Hex(b), nil
}

// contentJSON is c as the ledger writes it, for encoding/json: absent lists as [].
func contentJSON(c domain.Content) domain.Content { return WithLists(c) }
