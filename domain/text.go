package domain

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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
//
// What a reader sees must be what was recorded: text holds no control characters (prose keeps line
// breaks and tabs), no format characters (bidirectional overrides and isolates, zero-width spaces
// and joiners, the byte order mark, soft hyphens...), no line or paragraph separators, no
// invisible fillers (the default-ignorable code points, such as the Hangul fillers), and no
// character without an appearance of its own: private-use characters (each font draws its own) and
// unassigned code points, noncharacters among them. It shows at least one visible character: a
// name made of blank-looking characters would render as nothing.
//
// Short text (names and ids) also holds no variation selectors and no blank-looking characters
// (the braille blank): a selector changes nothing a reader of a name can see, a blank looks like a
// space that is not one, and either would let "Newham PCT" be registered again with one added.
// Prose keeps them: a variation selector picks an emoji's or an ideograph's form.
type textRule struct {
	required bool
	long     bool // prose may hold line breaks and tabs; short text may not
	max      int  // characters; 0: maxShortText or maxLongText
}

var (
	requiredShort = textRule{required: true}
	requiredLong  = textRule{required: true, long: true}
	optionalLong  = textRule{long: true}
	summaryText   = textRule{required: true, long: true, max: MaxContributionSummary}
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
	if i, c, ok := firstHidden(v, r.long); ok {
		ps.add(code, field, "must not contain %s (U+%04X at character %d)", hiddenKind(c), c, i+1)
		return
	}
	if !showsSomething(v) {
		ps.add(code, field, "must not be blank")
		return
	}
	if strings.TrimSpace(v) != v {
		ps.add(code, field, "must not begin or end with white space")
		return
	}
	if !r.long {
		if i, c, ok := firstInName(v); ok {
			ps.add(code, field, "must not contain %s (U+%04X at character %d)", inNameKind(c), c, i+1)
			return
		}
	}
	limit := maxShortText
	if r.long {
		limit = maxLongText
	}
	if r.max > 0 {
		limit = r.max
	}
	if n := utf8.RuneCountInString(v); n > limit {
		ps.add(code, field, "must be at most %d characters, has %d", limit, n)
	}
}

// firstHidden finds the first character of v that a reader would not see as itself: a control,
// format or separator character, or an invisible filler. Prose may hold line feeds and tabs.
func firstHidden(v string, prose bool) (index int, c rune, found bool) {
	i := 0
	for _, c := range v {
		if !(prose && (c == '\n' || c == '\t')) && isHidden(c) {
			return i, c, true
		}
		i++
	}
	return 0, 0, false
}

func isHidden(c rune) bool {
	return unicode.IsControl(c) || unicode.In(c, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Other_Default_Ignorable_Code_Point) ||
		unassigned(c)
}

// unassigned reports whether c is a code point Unicode assigns no character (as this build's tables
// know it): noncharacters such as U+FFFF are among them. A later Unicode version only ever assigns
// more, so what is accepted once stays accepted.
func unassigned(c rune) bool {
	// Go's table of category C (other) holds Cn, the unassigned code points, beside Cc, Cf, Co and Cs.
	return unicode.Is(unicode.C, c) && !unicode.In(c, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

func hiddenKind(c rune) string {
	switch {
	case unicode.IsControl(c):
		return "control characters"
	case unicode.In(c, unicode.Zl, unicode.Zp):
		return "line or paragraph separators"
	case unicode.Is(unicode.Cf, c):
		return "invisible formatting characters"
	case unicode.Is(unicode.Co, c):
		return "private-use characters"
	case unassigned(c):
		return "unassigned code points or noncharacters"
	}
	return "invisible filler characters"
}

// blankLooking are visible characters by their category that render as empty space.
var blankLooking = map[rune]bool{
	'\u2800': true, // BRAILLE PATTERN BLANK
}

// firstInName finds the first character of v that short text may not hold beyond what isHidden
// refuses: a variation selector or a blank-looking character.
func firstInName(v string) (index int, c rune, found bool) {
	i := 0
	for _, c := range v {
		if unicode.Is(unicode.Variation_Selector, c) || blankLooking[c] {
			return i, c, true
		}
		i++
	}
	return 0, 0, false
}

func inNameKind(c rune) string {
	if blankLooking[c] {
		return "blank-looking characters"
	}
	return "variation selectors"
}

// ignorable reports whether c is a default-ignorable code point (Unicode's
// Default_Ignorable_Code_Point, less the white space it excludes): a character that renders as
// nothing, which the TS #39 skeleton removes before comparing.
func ignorable(c rune) bool {
	return unicode.In(c, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) && !unicode.IsSpace(c)
}

// showsSomething reports whether v has a character that renders as a mark on the page: a letter,
// digit, punctuation or symbol that does not look blank. White space and combining marks alone
// render as nothing, or as marks floating over nothing.
func showsSomething(v string) bool {
	for _, c := range v {
		if unicode.In(c, unicode.L, unicode.N, unicode.P, unicode.S) && !blankLooking[c] && !isHidden(c) {
			return true
		}
	}
	return false
}

// NameKey is what two organisation names are compared by: equal keys are names a reader cannot
// tell apart. The name is brought to its compatibility form (NFKC: full-width letters, ligatures
// and the like become the plain ones), its default-ignorable code points removed (TS #39 removes
// them before taking a skeleton: "PCT" with a variation selector after it is drawn as "PCT"), its
// runs of white space and blank-looking characters made one space, then mapped to its
// confusable skeleton (Unicode TS #39: Cyrillic "о" and Latin "o", "0" and "O", "rn" and "m" share
// one) and case-folded, twice: the confusable data pairs capitals with capitals and small letters
// with small ones (Cyrillic "Т" looks like "T", "т" like no Latin letter), so the first skeleton
// is of the name as written and the second of its folded form.
func NameKey(name string) string {
	s := strings.Map(func(c rune) rune {
		if ignorable(c) {
			return -1
		}
		return c
	}, norm.NFKC.String(name))
	s = strings.Join(strings.FieldsFunc(s, func(c rune) bool { return unicode.IsSpace(c) || blankLooking[c] || isHidden(c) }), " ")
	for range 2 {
		s = cases.Fold().String(confusables.Skeleton(s))
	}
	return s
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
