package domain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Characters a reader does not see as themselves: what the display-spoofing rules refuse.
var hiddenCharacters = []struct {
	name string
	c    rune
}{
	{"NUL", 0}, {"carriage return", '\r'}, {"DEL", 0x7f}, {"next line", 0x85}, {"escape", 0x1b},
	{"left-to-right embedding", 0x202a}, {"right-to-left embedding", 0x202b}, {"pop directional formatting", 0x202c},
	{"left-to-right override", 0x202d}, {"right-to-left override", 0x202e},
	{"left-to-right isolate", 0x2066}, {"right-to-left isolate", 0x2067}, {"first strong isolate", 0x2068},
	{"pop directional isolate", 0x2069}, {"right-to-left mark", 0x200f}, {"arabic letter mark", 0x061c},
	{"zero width space", 0x200b}, {"zero width non-joiner", 0x200c}, {"zero width joiner", 0x200d},
	{"word joiner", 0x2060}, {"byte order mark", 0xfeff}, {"soft hyphen", 0xad}, {"mongolian vowel separator", 0x180e},
	{"line separator", 0x2028}, {"paragraph separator", 0x2029},
	{"hangul filler", 0x3164}, {"hangul choseong filler", 0x115f}, {"halfwidth hangul filler", 0xffa0},
	{"combining grapheme joiner", 0x034f}, {"tag space", 0xe0020},
	{"private use", 0xe000}, {"supplementary private use", 0xf0000}, {"noncharacter U+FFFF", 0xffff},
	{"noncharacter U+FDD0", 0xfdd0}, {"unassigned", 0x0378},
}

// Characters short text (names and ids) refuses beside the hidden ones, and prose keeps: they
// change nothing a reader of a name can see.
var invisibleInNames = []struct {
	name string
	c    rune
}{
	{"variation selector 16", 0xfe0f}, {"variation selector 1", 0xfe00}, {"mongolian free variation selector", 0x180b},
	{"variation selector 17", 0xe0100}, {"braille blank", 0x2800},
}

func TestShortTextRefusesVariationSelectorsAndBlanks(t *testing.T) {
	for _, h := range invisibleInNames {
		for _, v := range []string{"Newham PCT" + string(h.c), "Newham P" + string(h.c) + "CT", "Newham" + string(h.c) + "PCT"} {
			t.Run(fmt.Sprintf("%s %q", h.name, v), func(t *testing.T) {
				var ps problems
				requiredShort.check(&ps, ErrInvalidCommand, "name", v)
				require.Len(t, ps, 1)
				assert.Contains(t, ps[0].msg, fmt.Sprintf("U+%04X", h.c))
				ps = nil
				requiredLong.check(&ps, ErrInvalidCommand, "summary", v)
				assert.Empty(t, ps, "prose keeps it")
			})
		}
	}
}

// What the blank check reads as showing nothing, the name key ignores, or reads as the space it looks
// like: a name with such a character added is the same name, so the two checks cannot disagree.
func TestNameKeyIgnoresWhatRendersAsNothing(t *testing.T) {
	for _, h := range append(append(hiddenCharacters[:0:0], hiddenCharacters...), invisibleInNames...) {
		var ps problems
		requiredShort.check(&ps, ErrInvalidCommand, "name", string(h.c))
		require.NotEmpty(t, ps, "%s", h.name)
		if ps[0].msg != "must not be blank" {
			continue
		}
		for _, v := range []string{"Newham PCT" + string(h.c), "Newham P" + string(h.c) + "CT", "Newham" + string(h.c) + " PCT"} {
			seen := strings.ReplaceAll(v, string(h.c), "")
			if blankLooking[h.c] {
				seen = strings.ReplaceAll(v, string(h.c), " ")
			}
			assert.Equal(t, NameKey(seen), NameKey(v), "%s: %q", h.name, v)
		}
	}
}

func TestTextRefusesHiddenCharacters(t *testing.T) {
	for _, rule := range []struct {
		name string
		r    textRule
	}{{"short", requiredShort}, {"prose", requiredLong}} {
		for _, h := range hiddenCharacters {
			for _, v := range []string{"Brent" + string(h.c) + " PCT", string(h.c) + "Brent", "Brent" + string(h.c)} {
				t.Run(fmt.Sprintf("%s %s %q", rule.name, h.name, v), func(t *testing.T) {
					var ps problems
					rule.r.check(&ps, ErrInvalidCommand, "f", v)
					require.Len(t, ps, 1)
					assert.Contains(t, ps[0].msg, fmt.Sprintf("U+%04X", h.c))
				})
			}
		}
	}
}

func TestTextAccepts(t *testing.T) {
	for _, tc := range []struct {
		r textRule
		v string
	}{
		{requiredShort, "Brent Teaching PCT"},
		{requiredShort, "Ysbyty Gwynedd – Bwrdd Iechyd Prifysgol Betsi Cadwaladr"},
		{requiredShort, "Zoë O’Brien-Šťastná"},
		{requiredShort, "NHS\u00a0London"}, // a no-break space is white space a reader sees
		{requiredShort, "東京 ✓"},
		{requiredLong, "Line one\nLine two\n\tIndented"},
		{optionalLong, ""},
	} {
		var ps problems
		tc.r.check(&ps, ErrInvalidCommand, "f", tc.v)
		assert.Empty(t, ps, "%q", tc.v)
	}
}

// A value that renders as nothing is blank, whatever characters make it up.
func TestTextRefusesWhatRendersBlank(t *testing.T) {
	for _, v := range []string{" ", "\u00a0", "\u3000", "\u2800", "\u2800\u2800", "\u0301", "\u00a0\u0301\u00a0"} {
		var ps problems
		requiredShort.check(&ps, ErrInvalidCommand, "name", v)
		require.Len(t, ps, 1, "%q", v)
		assert.Equal(t, "must not be blank", ps[0].msg, "%q", v)
	}
	var ps problems
	requiredLong.check(&ps, ErrInvalidCommand, "reason", "\n\t\n")
	require.Len(t, ps, 1)
	assert.Equal(t, "must not be blank", ps[0].msg)
}

// Every free-text field of every command refuses a right-to-left override, naming the field.
func TestEveryCommandTextFieldRefusesHiddenCharacters(t *testing.T) {
	const rlo = "\u202e"
	withContent := func(edit func(*Content)) Content {
		c := sampleContent(t)
		edit(&c)
		return c
	}
	registry := []struct {
		field string
		cmd   RegistryCommand
	}{
		{"name", RegisterOrganisation{ODSCode: "RZZ", Name: "Evil" + rlo + "Trust", Kind: KindProvider, SHACode: sha}},
		{"person_id", AppointChiefExecutive{ODSCode: trust2, PersonID: "ce" + rlo, Name: "Eve Chief", EffectiveFrom: ts("2011-01-01T00:00:00Z")}},
		{"name", AppointChiefExecutive{ODSCode: trust2, PersonID: "ce-eve", Name: "Eve" + rlo + "Chief", EffectiveFrom: ts("2011-01-01T00:00:00Z")}},
		{"name", FormLHC{LHCID: "south-lhc", Name: "South" + rlo, LeadPCT: otherPCT, SHACode: sha}},
	}
	for _, tc := range registry {
		w := newWorld(t)
		_, err := w.reg.Decide(admin, w.now, tc.cmd)
		e := assertRefused(t, err, ErrInvalidCommand)
		assert.True(t, hasField(e, tc.field), "%T: %v", tc.cmd, err)
	}
	plan := []struct {
		start func(testing.TB) *world
		actor Actor
		field string
		cmd   PlanCommand
		want  *Error
	}{
		{newWorld, commissionr, "content.clinical5[0].interim_solution", SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009,
			Content: withContent(func(c *Content) { c.Clinical5[0].InterimSolution += rlo })}, ErrInvalidContent},
		{newWorld, commissionr, "content.clinical5[1].strategic_solution", SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009,
			Content: withContent(func(c *Content) { c.Clinical5[1].StrategicSolution = rlo + c.Clinical5[1].StrategicSolution })}, ErrInvalidContent},
		{newWorld, commissionr, "content.community_integration", SubmitPlan{PlanID: planID, LHCID: lhcID, Round: round, Period: period2009,
			Content: withContent(func(c *Content) { c.CommunityIntegration += "\u200b" })}, ErrInvalidContent},
		{submitted, commissionr, "content.infrastructure", RevisePlan{Reason: "r", Content: withContent(func(c *Content) { c.Infrastructure += rlo })}, ErrInvalidContent},
		{submitted, commissionr, "content.information_governance", RevisePlan{Reason: "r", Content: withContent(func(c *Content) { c.InformationGovernance += "\ufeff" })}, ErrInvalidContent},
		{submitted, commissionr, "content.data_quality", RevisePlan{Reason: "r", Content: withContent(func(c *Content) { c.DataQuality += "\u2028" })}, ErrInvalidContent},
		{submitted, commissionr, "reason", RevisePlan{Reason: "new" + rlo, Content: revisedContent(t)}, ErrInvalidCommand},
		{submitted, provRJ1, "summary", RecordContribution{Section: "clinical5", Summary: "ok" + rlo}, ErrInvalidCommand},
		{contributed, ceLead, "statement", SignOffPlan{Version: 1, Statement: "I sign" + rlo}, ErrInvalidCommand},
		{signedOff, assurer, "criteria[0].id", func() PlanCommand { c := assureCmd(1, OutcomeAssured); c.Criteria[0].ID += rlo; return c }(), ErrInvalidAssurance},
		{signedOff, assurer, "criteria[0].note", func() PlanCommand { c := assureCmd(1, OutcomeAssured); c.Criteria[0].Note += rlo; return c }(), ErrInvalidAssurance},
		{signedOff, assurer, "conditions[0].text", func() PlanCommand {
			c := assureCmd(1, OutcomeAssuredWithConditions)
			c.Conditions[0].Text += rlo
			return c
		}(), ErrInvalidAssurance},
		// The PfIT must be the SHA's own, which no id with a hidden character is.
		{signedOff, assurer, "pfit", func() PlanCommand { c := assureCmd(1, OutcomeAssured); c.PfIT += rlo; return c }(), ErrWrongPfIT},
		{func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, cfhActor, "note", AcknowledgeAssurance{Version: 1, Note: "ok" + rlo}, ErrInvalidCommand},
		{submitted, commissionr, "reason", WithdrawPlan{Reason: rlo + "gone"}, ErrInvalidCommand},
	}
	for _, tc := range plan {
		t.Run(fmt.Sprintf("%T %s", tc.cmd, tc.field), func(t *testing.T) {
			w := tc.start(t)
			cmd := tc.cmd
			if s, ok := cmd.(SignOffPlan); ok {
				s.ContentHash = w.plan.Current().ContentHash
				cmd = s
			}
			_, err := w.do(tc.actor, cmd)
			e := assertRefused(t, err, tc.want)
			assert.True(t, hasField(e, tc.field), "%v", err)
		})
	}
}

func TestNameKeyTellsLookAlikes(t *testing.T) {
	same := [][2]string{
		{"NHS London", "NHS London"},
		{"NHS London", "nhs london"},
		{"NHS London", "NHS  London"},
		{"NHS London", "NHS\u00a0London"},
		{"NHS London", "NHS L\u043endon"}, // Cyrillic o
		{"NHS London", "NHS L0ndon"},
		{"NHS London", "ＮＨＳ Ｌｏｎｄｏｎ"}, // full-width
		{"Lambeth PCT", "Larnbeth PCT"},
		{"Guy's and St Thomas'", "Guy\u2019s and St Thomas\u2019"},
		{"Royal Infirmary", "R\u03bfyal Infirmary"}, // Greek omicron
		{"Newham PCT", "Newham PCT\ufe0f"},          // a variation selector
		{"Newham PCT", "Newham P\ufe00CT"},
		{"Newham PCT", "Newham\u180b PCT"},
		{"Newham PCT", "Newham\u2800PCT"},  // a braille blank
		{"Newham PCT", "Newham P\u200bCT"}, // a zero-width space
	}
	for _, p := range same {
		assert.Equal(t, NameKey(p[0]), NameKey(p[1]), "%q and %q", p[0], p[1])
	}
	different := [][2]string{
		{"NHS London", "NHS Londonderry"},
		{"Brent Teaching PCT", "Brent PCT"},
		{"North West SHA", "North East SHA"},
	}
	for _, p := range different {
		assert.NotEqual(t, NameKey(p[0]), NameKey(p[1]), "%q and %q", p[0], p[1])
	}
}

// An organisation may not be registered under a name a reader cannot tell from another's; the
// refusal names the organisation that has it.
func TestDecideRegisterRefusesLookAlikeNames(t *testing.T) {
	for _, name := range []string{"Northtown PCT", "northtown pct", "N\u043erthtown PCT", "Northtown  PCT", "Northtown РСТ"} {
		w := bareRegistry(t)
		_, err := w.reg.Decide(admin, w.now, RegisterOrganisation{ODSCode: "Z1Z", Name: name, Kind: KindPCT, SHACode: sha})
		e := assertRefused(t, err, ErrOrganisationNameTaken)
		assert.True(t, hasField(e, "name"))
		assert.Contains(t, e.Message, leadPCT, "%q", name)
	}
	w := bareRegistry(t)
	_, err := w.reg.Decide(admin, w.now, RegisterOrganisation{ODSCode: "Z1Z", Name: "Southtown PCT", Kind: KindPCT, SHACode: sha})
	require.NoError(t, err)
}

// A log recorded before names were compared may hold two organisations of one name: it still folds,
// and the name stays taken.
func TestRegistryFoldsOldLogsWithLookAlikeNames(t *testing.T) {
	w := bareRegistry(t)
	require.NoError(t, w.reg.Apply(event(OrganisationRegistered{ODSCode: "Z1Z", Name: "Northtown PCT", Kind: KindPCT, SHACode: sha}, w.meta(admin))))
	_, err := w.reg.Decide(admin, w.now, RegisterOrganisation{ODSCode: "5ZY", Name: "NORTHTOWN PCT", Kind: KindPCT, SHACode: sha})
	assertRefused(t, err, ErrOrganisationNameTaken)
}
