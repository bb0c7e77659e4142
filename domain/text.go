package domain

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on free text. They are generous; they exist so that one command cannot bloat a stream.
const (
	maxShortText = 200    // names, person ids, programme names, criterion ids
	maxLongText  = 20_000 // prose: plan sections, summaries, statements, reasons, notes
)

var (
	odsCodePattern   = regexp.MustCompile(`^[A-Z0-9]{3,5}$`)
	slugPattern      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	planIDPattern    = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$`)
	sha256HexPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// textRule checks a free-text value. Text is never trimmed or otherwise altered, because what is
// recorded is signed and hashed as given: a value with invisible leading or trailing white space is
// refused rather than silently changed.
type textRule struct {
	required bool
	long     bool // prose may hold line breaks and tabs; short text may not
}

var (
	requiredShort = textRule{required: true}
	requiredLong  = textRule{required: true, long: true}
	optionalLong  = textRule{long: true}
)

func (r textRule) check(ps *problems, code *Error, field, v string) {
	if v == "" {
		if r.required {
			ps.add(code, field, "is required")
		}
		return
	}
	if !utf8.ValidString(v) {
		ps.add(code, field, "must be valid UTF-8")
		return
	}
	if strings.TrimSpace(v) == "" {
		ps.add(code, field, "must not be blank")
		return
	}
	if strings.TrimSpace(v) != v {
		ps.add(code, field, "must not begin or end with white space")
		return
	}
	limit := maxShortText
	if r.long {
		limit = maxLongText
	}
	if n := utf8.RuneCountInString(v); n > limit {
		ps.add(code, field, "must be at most %d characters, has %d", limit, n)
		return
	}
	for _, c := range v {
		if unicode.IsControl(c) && !(r.long && (c == '\n' || c == '\r' || c == '\t')) {
			ps.add(code, field, "must not contain control characters")
			return
		}
	}
}

// checkODS checks an ODS code's form; it reports whether the code is well formed.
func checkODS(ps *problems, field, v string, required bool) bool {
	switch {
	case v == "" && required:
		ps.add(ErrInvalidCommand, field, "is required")
	case v == "":
	case !odsCodePattern.MatchString(v):
		ps.add(ErrInvalidCommand, field, "%q is not an ODS code (3 to 5 upper-case letters or digits)", v)
	default:
		return true
	}
	return false
}

// checkLHCID checks an LHC id's form; it reports whether the id is well formed.
func checkLHCID(ps *problems, field, v string) bool {
	switch {
	case v == "":
		ps.add(ErrInvalidCommand, field, "is required")
	case !slugPattern.MatchString(v):
		ps.add(ErrInvalidCommand, field, "%q is not an LHC id (1 to 64 lower-case letters, digits and hyphens, not starting or ending with a hyphen)", v)
	default:
		return true
	}
	return false
}

// isSHA256Hex reports whether v is a lower-case hex SHA-256 digest, the form every hash here takes.
func isSHA256Hex(v string) bool { return sha256HexPattern.MatchString(v) }
