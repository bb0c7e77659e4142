package api

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// checkBodyText refuses a body that is not valid UTF-8 or whose strings escape a lone UTF-16
// surrogate ("\ud800" without its pair). encoding/json would decode either as U+FFFD and the
// ledger would record text the client never sent, whose content hash the client cannot compute;
// RFC 8259 section 8.1 asks for UTF-8. The refusal names the member holding the fault. Escapes in
// a body that is broken JSON for another reason are left to the decoder, which says why.
func checkBodyText(body []byte) *Problem {
	validUTF8 := utf8.Valid(body)
	if validUTF8 && !bytes.Contains(body, []byte(`\u`)) {
		return nil // no invalid byte, and no escape that could be a surrogate
	}
	what := "invalid UTF-8"
	if validUTF8 {
		// Valid bytes: the fault is an escape, if the text passes once surrogates may be unpaired.
		if readJSON(body) == nil || readJSON(body, jsontext.AllowInvalidUTF8(true)) != nil {
			return nil
		}
		what = "a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair)"
	}
	// The strict reader stops at the first fault and says where it is.
	var se *jsontext.SyntacticError
	if !errors.As(readJSON(body), &se) {
		se = &jsontext.SyntacticError{}
	}
	name := pointerField(string(se.JSONPointer))
	return badRequest("the request body holds "+what+" in "+name+" (byte "+strconv.FormatInt(se.ByteOffset, 10)+
		"); send text as valid UTF-8: nothing was recorded", field(name, "holds "+what))
}

func readJSON(body []byte, opts ...jsontext.Options) error {
	opts = append(opts, jsontext.AllowDuplicateNames(true))
	d := jsontext.NewDecoder(bytes.NewReader(body), opts...)
	_, err := d.ReadValue()
	return err
}

// pointerField writes a JSON pointer (/content/clinical5/2/summary) as the API names fields
// elsewhere (content.clinical5[2].summary); the empty pointer is the body itself.
func pointerField(ptr string) string {
	if ptr == "" {
		return "body"
	}
	var b strings.Builder
	for i, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
