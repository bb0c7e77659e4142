package auth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// checkEncoding refuses, before the signature is looked at, a token whose header or claims name a
// member twice, or whose header lists critical extensions. encoding/json keeps the last of two
// "sub" members where another JWT library may keep the first, so the same token would name
// different people to different readers (RFC 7519 section 4 says to refuse it or keep the last;
// refusing leaves no doubt). "crit" lists extensions the reader must understand or refuse the
// token (RFC 7515 section 4.1.11), and the ledger understands none.
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
		if i == 0 {
			if crit, _ := hasMember(raw, "crit"); crit {
				return fmt.Errorf("%w: the header lists critical extensions (crit), which this ledger does not support", ErrInvalidToken)
			}
		}
	}
	return nil
}

// hasMember reports whether the JSON object raw has a top-level member name.
func hasMember(raw []byte, name string) (bool, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return false, err
	}
	for dec.PeekKind() != '}' {
		key, err := dec.ReadToken()
		if err != nil {
			return false, err
		}
		if key.String() == name {
			return true, nil
		}
		if err := dec.SkipValue(); err != nil {
			return false, err
		}
	}
	return false, nil
}
