package auth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"
)

// checkEncoding refuses, before the signature is looked at, a token whose header or claims name a
// member twice, in any letter case, whose claims spell a claim the ledger reads in another case
// than its own, or whose header lists critical extensions.
//
// encoding/json, which reads the claims, keeps the last of two "sub" members where another JWT
// library may keep the first, so the same token would name different people to different readers
// (RFC 7519 section 4 says to refuse it or keep the last; refusing leaves no doubt). It also matches
// member names to claims without regard to case, so {"role":"auditor","ROLE":"admin"} was read as
// an admin's, and a lone "Role" as the role, although JWT member names are case-sensitive: "ROLE"
// is not "role" to any other reader. "crit" lists extensions the reader must understand or refuse
// the token (RFC 7515 section 4.1.11), and the ledger understands none.
func checkEncoding(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil // the parser says what is wrong with its shape
	}
	for i, what := range []string{"header", "claims"} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil // likewise
		}
		dec := jsontext.NewDecoder(bytes.NewReader(raw)) // refuses duplicate names and invalid UTF-8
		if _, err := dec.ReadValue(); err != nil {
			return fmt.Errorf("%w: the %s is not acceptable JSON: %v", ErrInvalidToken, what, err)
		}
		names, err := memberNames(raw)
		if err != nil {
			return nil // not an object: the parser says so
		}
		if a, b, ok := caseVariants(names); ok {
			return fmt.Errorf("%w: the %s names a member twice (%q and %q: duplicate names, differing only in case)", ErrInvalidToken, what, a, b)
		}
		if i == 0 {
			for _, n := range names {
				if n == "crit" {
					return fmt.Errorf("%w: the header lists critical extensions (crit), which this ledger does not support", ErrInvalidToken)
				}
			}
			continue
		}
		for _, n := range names {
			for _, claim := range claimNames {
				if n != claim && sameFolded(n, claim) {
					return fmt.Errorf("%w: claim %q is not a claim of ledger tokens; claim names are case-sensitive (%q)", ErrInvalidToken, n, claim)
				}
			}
		}
	}
	return nil
}

// claimNames are the member names of Claims, the claims a ledger token is read for.
var claimNames = func() []string {
	var names []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for f := range t.Fields() {
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				names = append(names, name)
			}
		}
	}
	walk(reflect.TypeFor[Claims]())
	return names
}()

// caseVariants finds two names of names that a reader ignoring case would take for one.
func caseVariants(names []string) (a, b string, found bool) {
	for i, x := range names {
		for _, y := range names[i+1:] {
			if sameFolded(x, y) {
				return x, y, true
			}
		}
	}
	return "", "", false
}

// sameFolded reports whether a and b are one name to a reader that ignores case: Unicode simple
// case folding (strings.EqualFold), or encoding/json's own folding, which maps each letter to the
// upper case of its lower case ("ſ", the long s, is "S" to it, and the Kelvin sign "K").
func sameFolded(a, b string) bool {
	return strings.EqualFold(a, b) || jsonFold(a) == jsonFold(b)
}

func jsonFold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, s)
}

// memberNames are the top-level member names of the JSON object raw, in order.
func memberNames(raw []byte) ([]string, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var names []string
	for dec.PeekKind() != '}' {
		key, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		names = append(names, key.String())
		if err := dec.SkipValue(); err != nil {
			return nil, err
		}
	}
	return names, nil
}
