package evidence_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/demo"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/evidence"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/ledgertree"
)

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}

type world struct {
	store  eventstore.Store
	signer *ledgertree.Signer
	ods    string // an organisation whose chief executive changed between its sign-offs
}

// demoWorld is a store of the test's own holding the demo data set (chief executives replaced
// mid-round), recorded once per test binary (demotest).
func demoWorld(t *testing.T) world {
	t.Helper()
	s := demotest.Store(t, 0)
	signer, err := ledgertree.NewSigner(bytes.Repeat([]byte{'k'}, ed25519.SeedSize))
	require.NoError(t, err)

	// The organisation whose sign-offs were made by the most different people.
	events, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	signers := map[string]map[string]bool{}
	for _, rec := range events {
		if rec.Type != domain.TypeSROSignedOff {
			continue
		}
		var d domain.SROSignedOff
		require.NoError(t, json.Unmarshal(rec.Data, &d))
		if signers[d.ODSCode] == nil {
			signers[d.ODSCode] = map[string]bool{}
		}
		signers[d.ODSCode][d.PersonID] = true
	}
	best := ""
	for ods, people := range signers {
		if best == "" || len(people) > len(signers[best]) || (len(people) == len(signers[best]) && ods < best) {
			best = ods
		}
	}
	require.GreaterOrEqual(t, len(signers[best]), 2, "the demo has an organisation signed for by two chief executives")
	return world{store: s, signer: signer, ods: best}
}

func (w world) tree(t *testing.T) *ledgertree.Tree {
	t.Helper()
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), w.store))
	return f.Tree()
}

func (w world) bundle(t *testing.T, tree *ledgertree.Tree) *evidence.Bundle {
	t.Helper()
	root, err := tree.Root(tree.Size())
	require.NoError(t, err)
	b, err := evidence.Build(context.Background(), evidence.Source{
		Store: w.store, Tree: tree, Head: w.signer.Sign(tree.Size(), root, time.Now()), PublicKey: w.signer.PublicKey(),
	}, w.ods, nil)
	require.NoError(t, err)
	return b
}

// roundTrip writes the bundle out and reads it back, as a file handed to an auditor would be.
func roundTrip(t *testing.T, b *evidence.Bundle) *evidence.Bundle {
	t.Helper()
	raw, err := json.MarshalIndent(b, "", "  ")
	require.NoError(t, err)
	got, err := evidence.Parse(raw)
	require.NoError(t, err)
	return got
}

func TestBundleVerifiesOffline(t *testing.T) {
	w := demoWorld(t)
	b := roundTrip(t, w.bundle(t, w.tree(t)))
	res := evidence.Verify(b, w.signer.PublicKey())
	require.True(t, res.OK(), "%v", res.Findings)
	assert.True(t, res.KeyPinned)

	require.NotEmpty(t, b.SignOffs)
	people := map[string]bool{}
	byID := map[string]evidence.Event{}
	for _, e := range b.Events {
		byID[e.EventID] = e
	}
	for _, so := range b.SignOffs {
		people[so.PersonID] = true
		assert.Equal(t, domain.TypeSROSignedOff, byID[so.EventID].Type)
		assert.Contains(t, []string{domain.TypePlanSubmitted, domain.TypePlanRevised}, byID[so.ContentEventID].Type)
		assert.Equal(t, domain.TypeChiefExecutiveAppointed, byID[so.AppointmentEventID].Type)
	}
	assert.GreaterOrEqual(t, len(people), 2, "both chief executives' sign-offs, each shown in office")

	unpinned := evidence.Verify(b, nil)
	assert.True(t, unpinned.OK())
	assert.False(t, unpinned.KeyPinned, "checked only with the bundle's own key")

	_, err := evidence.Build(context.Background(), evidence.Source{Store: w.store, Tree: ledgertree.NewTree()}, "ZZZ", []string{})
	assert.ErrorIs(t, err, evidence.ErrUnknownOrganisation)
}

func indexOf(b *evidence.Bundle, match func(evidence.Event) bool) int {
	for i, e := range b.Events {
		if match(e) {
			return i
		}
	}
	return -1
}

// Every kind of tampering with a bundle is found, and names the event where there is one.
func TestTamperedBundlesAreRefused(t *testing.T) {
	w := demoWorld(t)
	good := w.bundle(t, w.tree(t))
	other, err := ledgertree.NewSigner(bytes.Repeat([]byte{'o'}, ed25519.SeedSize))
	require.NoError(t, err)
	signOff := func(e evidence.Event) bool {
		return e.Type == domain.TypeSROSignedOff && e.EventID == good.SignOffs[0].EventID
	}
	content := func(e evidence.Event) bool { return e.EventID == good.SignOffs[0].ContentEventID }
	appointment := func(e evidence.Event) bool { return e.EventID == good.SignOffs[0].AppointmentEventID }

	tests := []struct {
		name    string
		tamper  func(b *evidence.Bundle) string // returns the event id the finding must name, if any
		pinned  bool
		finding string
	}{
		{"flipped byte in a sign-off's data", func(b *evidence.Bundle) string {
			i := indexOf(b, signOff)
			flipLetterAfter(t, b.Events[i].Data, "statement")
			return b.Events[i].EventID
		}, true, "hash mismatch"},
		{"flipped byte in the signed content", func(b *evidence.Bundle) string {
			i := indexOf(b, content)
			flipLetterAfter(t, b.Events[i].Data, "infrastructure")
			return b.Events[i].EventID
		}, true, "hash mismatch"},
		{"flipped byte in metadata", func(b *evidence.Bundle) string {
			i := indexOf(b, signOff)
			flipLetterAfter(t, b.Events[i].Metadata, "name")
			return b.Events[i].EventID
		}, true, "hash mismatch"},
		{"reordered pair", func(b *evidence.Bundle) string {
			i := indexOf(b, signOff)
			b.Events[i-1], b.Events[i] = b.Events[i], b.Events[i-1]
			return ""
		}, true, "out of order"},
		{"swapped leaf indexes", func(b *evidence.Bundle) string {
			i := indexOf(b, signOff)
			b.Events[i-1].LeafIndex, b.Events[i].LeafIndex = b.Events[i].LeafIndex, b.Events[i-1].LeafIndex
			return ""
		}, true, ""},
		{"deleted content event", func(b *evidence.Bundle) string {
			i := indexOf(b, content)
			b.Events = append(b.Events[:i], b.Events[i+1:]...)
			return ""
		}, true, "missing"},
		{"deleted appointment of the signer", func(b *evidence.Bundle) string {
			i := indexOf(b, appointment)
			b.Events = append(b.Events[:i], b.Events[i+1:]...)
			return b.SignOffs[0].EventID
		}, true, "chief executive"},
		{"forged head: larger size", func(b *evidence.Bundle) string { b.TreeHead.TreeSize++; return "" }, true, "tree head"},
		{"forged head: other root", func(b *evidence.Bundle) string {
			b.TreeHead.RootHash = flipFirstByte(b.TreeHead.RootHash)
			return ""
		}, false, "tree head"},
		{"forged head and key, key pinned", func(b *evidence.Bundle) string {
			b.TreeHead = other.Sign(b.TreeHead.TreeSize, make([]byte, 32), time.Now())
			b.PublicKey = evidence.PublicKey{Algorithm: "Ed25519", KeyID: other.KeyID(), PublicKey: base64.StdEncoding.EncodeToString(other.PublicKey())}
			return ""
		}, true, "not the ledger's key"},
		{"summary that claims another signer", func(b *evidence.Bundle) string {
			b.SignOffs[0].PersonID = "someone-else"
			return ""
		}, true, "summary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := roundTrip(t, good)
			id := tc.tamper(b)
			b = roundTrip(t, b)
			var pinned ed25519.PublicKey
			if tc.pinned {
				pinned = w.signer.PublicKey()
			}
			res := evidence.Verify(b, pinned)
			require.False(t, res.OK(), "tampering went unnoticed")
			msg := fmt.Sprint(res.Findings)
			if tc.finding != "" {
				assert.Contains(t, msg, tc.finding)
			}
			if id != "" {
				assert.Contains(t, res.Findings[0].Error(), id, "the first finding names the event")
			}
		})
	}
}

// A bundle made now still verifies after more events (100 of them, 1,000 with
// LEDGER_TEST_THOROUGH=1: each is a command through the handler), and a newer head with a
// consistency proof shows the ledger it came from was extended, not rewritten.
func TestBundleStillVerifiesAfterMoreEvents(t *testing.T) {
	w := demoWorld(t)
	b := roundTrip(t, w.bundle(t, w.tree(t)))

	h := command.NewHandler(w.store, command.Options{})
	admin := domain.Actor{PersonID: "adm", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
	more := thorough.Size(100, 1000)
	for i := range more {
		_, err := h.Registry(context.Background(), command.Request{Actor: admin},
			domain.RegisterOrganisation{ODSCode: fmt.Sprintf("Y%04d", i), Name: fmt.Sprintf("Trust %d", i), Kind: domain.KindSHA})
		require.NoError(t, err)
	}
	later := w.tree(t)
	require.Equal(t, b.TreeHead.TreeSize+uint64(more), later.Size())

	res := evidence.Verify(b, w.signer.PublicKey())
	assert.True(t, res.OK(), "%v", res.Findings)

	proof, err := evidence.ProveConsistency(b, later, func(size uint64, root []byte) ledgertree.TreeHead {
		return w.signer.Sign(size, root, time.Now())
	})
	require.NoError(t, err)
	to, err := evidence.CheckConsistency(b, proof, w.signer.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, later.Size(), to.TreeSize)

	// A proof does not carry over to another starting head, nor to a head by another key.
	forged := proof
	forged.FromHead.RootHash = flipFirstByte(forged.FromHead.RootHash)
	_, err = evidence.CheckConsistency(b, forged, w.signer.PublicKey())
	assert.Error(t, err)
	other, _ := ledgertree.NewSigner(bytes.Repeat([]byte{'o'}, ed25519.SeedSize))
	_, err = evidence.CheckConsistency(b, proof, other.PublicKey())
	assert.Error(t, err)
	badPath := proof
	badPath.Proof = append([]string(nil), proof.Proof...)
	badPath.Proof[0] = flipFirstByte(badPath.Proof[0])
	_, err = evidence.CheckConsistency(b, badPath, w.signer.PublicKey())
	assert.Error(t, err)
}

// flipLetterAfter flips one bit of the first letter of the string value of key in raw, in place: a
// one-byte change that keeps the JSON valid.
func flipLetterAfter(t *testing.T, raw []byte, key string) {
	t.Helper()
	k := bytes.Index(raw, []byte(`"`+key+`"`))
	require.GreaterOrEqual(t, k, 0, "%s in %s", key, raw)
	for j := k + len(key) + 2; j < len(raw); j++ {
		if c := raw[j] | 0x20; c >= 'a' && c <= 'z' && raw[j-1] != '\\' {
			if bytes.Count(raw[k+len(key)+2:j], []byte(`"`)) == 1 { // inside the value's string
				raw[j] ^= 0x01
				return
			}
		}
	}
	t.Fatalf("no letter in the value of %s", key)
}

// flipFirstByte returns hex with its first byte inverted: always a different value (setting it to
// "00" left a hash that began with 00 unchanged, one run in 256).
func flipFirstByte(hex string) string {
	b, err := strconv.ParseUint(hex[:2], 16, 8)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%02x", b^0xff) + hex[2:]
}

// A bundle carries its plans' whole streams, so the assurance process recorded in them (members'
// declines and excusals, the catalogue's ratings, conditions evidenced, discharged and lapsed, CfH's
// notes) is in it, proved in the tree and chained like the sign-offs; altering any of it is found.
func TestBundleCarriesTheAssuranceProcess(t *testing.T) {
	w := demoWorld(t)
	events, err := w.store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	// Each of the process's plan event types, and a field of it to alter.
	process := map[string]string{domain.TypeContributionDeclined: "reason", domain.TypeMemberExcused: "reason",
		domain.TypeConditionEvidenceSubmitted: "summary", domain.TypeConditionDischarged: "note", domain.TypeConditionLapsed: "note",
		domain.TypeCfHNoted: "note"}
	// For each of the process's event types, a plan with one and an organisation that signed it.
	typesIn, signers := map[string]map[string]bool{}, map[string]string{}
	for _, rec := range events {
		agg, id, _ := domain.ParseStream(rec.Stream)
		if agg != domain.AggregatePlan {
			continue
		}
		if typesIn[id] == nil {
			typesIn[id] = map[string]bool{}
		}
		typesIn[id][rec.Type] = true
		if rec.Type == domain.TypeSROSignedOff && signers[id] == "" {
			var d domain.SROSignedOff
			require.NoError(t, json.Unmarshal(rec.Data, &d))
			signers[id] = d.ODSCode
		}
	}
	tree := w.tree(t)
	root, err := tree.Root(tree.Size())
	require.NoError(t, err)
	head := w.signer.Sign(tree.Size(), root, time.Now())
	for typ, field := range process {
		t.Run(typ, func(t *testing.T) {
			plan := ""
			for id, types := range typesIn {
				if types[typ] && signers[id] != "" && (plan == "" || id < plan) {
					plan = id
				}
			}
			require.NotEmpty(t, plan, "the demo has a signed plan with a %s", typ)
			b, err := evidence.Build(context.Background(), evidence.Source{Store: w.store, Tree: tree, Head: head, PublicKey: w.signer.PublicKey()}, signers[plan], nil)
			require.NoError(t, err)
			b = roundTrip(t, b)
			require.True(t, evidence.Verify(b, w.signer.PublicKey()).OK())
			i := indexOf(b, func(e evidence.Event) bool { return e.Type == typ && e.Stream == domain.PlanStream(plan) })
			require.GreaterOrEqual(t, i, 0, "the bundle of %s holds plan %s's %s", signers[plan], plan, typ)
			assessed := indexOf(b, func(e evidence.Event) bool {
				return e.Type == domain.TypeAssuranceRecorded && strings.Contains(string(e.Data), `"rating"`)
			})
			assert.GreaterOrEqual(t, assessed, 0, "the assurance, its criteria rated")

			flipLetterAfter(t, b.Events[i].Data, field)
			res := evidence.Verify(roundTrip(t, b), w.signer.PublicKey())
			require.False(t, res.OK())
			assert.Contains(t, res.Findings[0].Error(), b.Events[i].EventID)
			assert.Contains(t, res.Findings[0].Error(), "hash mismatch")
		})
	}
}

// A bundle carries the governance behind each sign-off: the organisation's board approvals of the
// versions it signed, the bodies that approved and the rounds that asked for approval first; and
// finds a body taken out of it or a summary that leaves an approval out.
func TestBundleCarriesGovernance(t *testing.T) {
	w := demoWorld(t)
	events, err := w.store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	// An organisation that signed a plan of the round asking for board approval.
	var round2010 = map[string]bool{}
	ods := ""
	for _, rec := range events {
		switch rec.Type {
		case domain.TypePlanSubmitted:
			var d domain.PlanSubmitted
			require.NoError(t, json.Unmarshal(rec.Data, &d))
			round2010[rec.Stream] = d.Round == demo.Round2010
		case domain.TypeSROSignedOff:
			var d domain.SROSignedOff
			require.NoError(t, json.Unmarshal(rec.Data, &d))
			if round2010[rec.Stream] && (ods == "" || d.ODSCode < ods) {
				ods = d.ODSCode
			}
		}
	}
	require.NotEmpty(t, ods, "the demo has a sign-off in round %s", demo.Round2010)
	w.ods = ods
	good := roundTrip(t, w.bundle(t, w.tree(t)))
	require.True(t, evidence.Verify(good, w.signer.PublicKey()).OK())
	byID := map[string]evidence.Event{}
	for _, e := range good.Events {
		byID[e.EventID] = e
	}
	approved := 0
	for _, so := range good.SignOffs {
		if so.BoardApprovalEventID == "" {
			continue
		}
		approved++
		assert.Equal(t, domain.TypeBoardApprovalRecorded, byID[so.BoardApprovalEventID].Type)
		assert.Equal(t, domain.TypeGovernanceBodyRecorded, byID[so.BodyEventID].Type)
		assert.Less(t, byID[so.BoardApprovalEventID].LeafIndex, byID[so.EventID].LeafIndex, "approved before it was signed")
	}
	assert.Equal(t, len(good.SignOffs), approved, "every sign-off of the demo rests on an approval")
	assert.GreaterOrEqual(t, indexOf(good, func(e evidence.Event) bool { return e.Type == domain.TypePlanningRoundPublished }), 0)

	for _, tc := range []struct {
		name    string
		tamper  func(b *evidence.Bundle)
		finding string
	}{
		{"a body taken out", func(b *evidence.Bundle) {
			i := indexOf(b, func(e evidence.Event) bool { return e.EventID == b.SignOffs[0].BodyEventID })
			b.Events = append(b.Events[:i], b.Events[i+1:]...)
		}, "does not show in place"},
		// Without the round's publication nothing shows whether the round asked for approvals: a
		// bundle could leave it out to hide a sign-off made without one.
		{"the round's publication taken out", func(b *evidence.Bundle) {
			kept := b.Events[:0]
			for _, e := range b.Events {
				if e.Type != domain.TypePlanningRoundPublished {
					kept = append(kept, e)
				}
			}
			b.Events = kept
		}, "publication is not in the bundle"},
		{"an approval left out of the summary", func(b *evidence.Bundle) { b.SignOffs[0].BoardApprovalEventID = "" }, "summary"},
		{"an approval's minutes altered", func(b *evidence.Bundle) {
			i := indexOf(b, func(e evidence.Event) bool { return e.EventID == b.SignOffs[0].BoardApprovalEventID })
			flipLetterAfter(t, b.Events[i].Data, "minute_ref")
		}, "hash mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := roundTrip(t, good)
			tc.tamper(b)
			res := evidence.Verify(roundTrip(t, b), w.signer.PublicKey())
			require.False(t, res.OK())
			assert.Contains(t, res.Findings[0].Error(), tc.finding)
		})
	}
}
