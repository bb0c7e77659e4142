package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/verify"
)

// ledger writes a small two-stream log through the real command path.
func ledger(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	now := time.Date(2009, 5, 1, 0, 0, 0, 0, time.UTC)
	h := command.NewHandler(s, command.Options{Clock: func() time.Time { now = now.Add(time.Minute); return now }})
	admin := domain.Actor{PersonID: "a", Name: "Admin", Role: domain.RoleAdmin, Org: "X26"}
	for _, c := range []domain.RegistryCommand{
		domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA},
		domain.RegisterOrganisation{ODSCode: "5K5", Name: "Brent Teaching PCT", Kind: domain.KindPCT, SHACode: "Q36"},
		domain.RegisterOrganisation{ODSCode: "RJ1", Name: "Guy's and St Thomas'", Kind: domain.KindProvider, SHACode: "Q36"},
		domain.AppointChiefExecutive{ODSCode: "5K5", PersonID: "ce", Name: "Carol", EffectiveFrom: now},
		domain.FormLHC{LHCID: "lhc-brent", Name: "Brent", LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1"}},
		domain.ChangeLHCMembers{LHCID: "lhc-brent", Removed: []string{"RJ1"}},
		domain.ChangeLHCMembers{LHCID: "lhc-brent", Added: []string{"RJ1"}},
	} {
		_, err := h.Registry(context.Background(), command.Request{Actor: admin}, c)
		require.NoError(t, err)
	}
	return s
}

// tampered serves the log with one change applied, as an attacker with write access to the file
// (who can also fix up the store's own checksums) would leave it.
type tampered struct {
	eventstore.Store
	change func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
}

func (s tampered) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after > 0 {
		return nil, nil // the test log fits in one page
	}
	all, err := s.Store.ReadAll(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	return s.change(all), nil
}

func TestIntactLedgerVerifies(t *testing.T) {
	rep, err := verify.Chains(context.Background(), ledger(t))
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Findings)
	assert.Equal(t, 7, rep.Events)
	assert.Equal(t, 1, rep.Streams)
	assert.Equal(t, uint64(7), rep.Head)
}

func TestEveryKindOfTamperingIsNamed(t *testing.T) {
	edit := func(i int, f func(*eventstore.RecordedEvent)) func([]eventstore.RecordedEvent) []eventstore.RecordedEvent {
		return func(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			ev := evs[i]
			ev.Data, ev.Metadata = bytes.Clone(ev.Data), bytes.Clone(ev.Metadata)
			f(&ev)
			evs[i] = ev
			return evs
		}
	}
	tests := []struct {
		name     string
		change   func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
		position eventstore.Position
		reason   string
	}{
		{"one byte of data", edit(2, func(e *eventstore.RecordedEvent) {
			e.Data = bytes.Replace(e.Data, []byte("Guy"), []byte("Gux"), 1)
		}), 3, "hash mismatch"},
		{"recorded_at in metadata", edit(3, func(e *eventstore.RecordedEvent) {
			e.Metadata = bytes.Replace(e.Metadata, []byte(`"recorded_at":"2009`), []byte(`"recorded_at":"2008`), 1)
		}), 4, "hash mismatch"},
		{"event type", edit(1, func(e *eventstore.RecordedEvent) { e.Type = domain.TypeLocalHealthCommunityFormed }), 2, "hash mismatch"},
		{"event id swapped", edit(4, func(e *eventstore.RecordedEvent) { e.ID[0] ^= 0xff }), 5, "metadata names event"},
		{"deleted event", func(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			return append(evs[:3:3], evs[4:]...)
		}, 5, "gap"},
		{"reordered pair", func(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			evs[5], evs[6] = evs[6], evs[5]
			evs[5].Position, evs[6].Position = evs[6].Position, evs[5].Position
			return evs
		}, 6, "revision"},
		{"rewritten with a recomputed hash", edit(2, func(e *eventstore.RecordedEvent) {
			e.Data = bytes.Replace(e.Data, []byte("Guy"), []byte("Gux"), 1)
			var err error
			meta := bytes.Clone(e.Metadata)
			prev := between(meta, `"prev_hash":"`, `"`)
			old := between(meta, `"hash":"`, `"`)
			fresh, err := eventcodec.ChainHash(prev, e.Type, e.Data, meta)
			if err != nil {
				panic(err)
			}
			e.Metadata = bytes.Replace(meta, []byte(old), []byte(fresh), 1)
		}), 4, "position 3"}, // the next event's prev_hash no longer matches: both are named
		{"written by a newer ledger", edit(6, func(e *eventstore.RecordedEvent) {
			// Intact as stored, hash and all: the finding is that this code cannot read it.
			meta := bytes.Replace(e.Metadata, fmt.Appendf(nil, `"schema_version":%d`, eventcodec.SchemaVersion), fmt.Appendf(nil, `"schema_version":%d`, eventcodec.SchemaVersion+1), 1)
			old := between(meta, `"hash":"`, `"`)
			fresh, err := eventcodec.ChainHash(between(meta, `"prev_hash":"`, `"`), e.Type, e.Data, meta)
			if err != nil {
				panic(err)
			}
			e.Metadata = bytes.Replace(meta, []byte(old), []byte(fresh), 1)
		}), 7, "newer than this code reads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.Chains(context.Background(), tampered{Store: ledger(t), change: tc.change})
			require.NoError(t, err)
			require.False(t, rep.OK())
			first := rep.Findings[0]
			assert.Equal(t, tc.position, first.Position, "%v", rep.Findings)
			assert.Contains(t, first.Reason, tc.reason)
			assert.Equal(t, "registry", first.Stream)
			assert.NotEmpty(t, first.EventID)
			assert.Contains(t, first.String(), first.EventID)
		})
	}
}

func between(b []byte, start, end string) string {
	i := bytes.Index(b, []byte(start))
	if i < 0 {
		panic("no " + start)
	}
	rest := b[i+len(start):]
	return string(rest[:bytes.Index(rest, []byte(end))])
}

// A finding names the event as far as it is known, without empty id or type: a record that
// cannot be read has neither.
func TestFindingNamesWhatIsKnown(t *testing.T) {
	for _, c := range []struct {
		f    verify.Finding
		want string
	}{
		{verify.Finding{Position: 7, Reason: "gap"}, "position 7: gap"},
		{verify.Finding{Position: 7, Stream: "plan-x", Revision: 2, Reason: "stored record unreadable: checksum"}, "position 7, stream plan-x revision 2: stored record unreadable: checksum"},
		{verify.Finding{Position: 7, Stream: "plan-x", Revision: 2, EventID: "e", Type: "PlanRevised", Reason: "hash"}, "position 7, stream plan-x revision 2, event e (PlanRevised): hash"},
	} {
		assert.Equal(t, c.want, c.f.String())
		assert.NotContains(t, c.f.String(), "()")
	}
}

// TestForeignStreamsAreSkipped: another application's events in a shared EventStoreDB are no
// ledger's: not checked against a chain they never had, counted apart.
func TestForeignStreamsAreSkipped(t *testing.T) {
	s := ledger(t)
	for _, stream := range []string{"orders-42", "plan-", "registry-copy"} {
		_, err := s.Append(context.Background(), stream, eventstore.Any,
			eventstore.Event{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"sku":"x"}`), Metadata: []byte(`not json`)})
		require.NoError(t, err)
	}
	rep, err := verify.Chains(context.Background(), s)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Findings)
	assert.Equal(t, 7, rep.Events)
	assert.Equal(t, 3, rep.Foreign)
	assert.Equal(t, 1, rep.Streams)
	assert.Equal(t, uint64(10), rep.Head)
}

// SealHash makes Seal's checks but decoding: the same chain members and the same hash failure for
// every event, however its metadata is written, and nothing about whether the data decodes.
func TestSealHashIsSealWithoutDecoding(t *testing.T) {
	events, err := ledger(t).ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	rec := events[1]
	variants := map[string]func(e *eventstore.RecordedEvent){
		"as recorded":  func(*eventstore.RecordedEvent) {},
		"data altered": func(e *eventstore.RecordedEvent) { e.Data = bytes.Replace(e.Data, []byte("Brent"), []byte("Brant"), 1) },
		"data not the type's, rehashed": func(e *eventstore.RecordedEvent) {
			s := verify.SealHash(*e)
			e.Data = []byte(`{"kind":7}`)
			h, err := eventcodec.ChainHash(s.PrevHash, e.Type, e.Data, e.Metadata)
			require.NoError(t, err)
			e.Metadata = bytes.Replace(e.Metadata, []byte(s.Hash), []byte(h), 1)
		},
		"metadata reordered": func(e *eventstore.RecordedEvent) {
			e.Metadata = append([]byte(`{"schema_version":1,`), e.Metadata[1:]...)
		},
		"metadata member upper": func(e *eventstore.RecordedEvent) {
			e.Metadata = bytes.Replace(e.Metadata, []byte(`"hash"`), []byte(`"HASH"`), 1)
		},
		"metadata of wrong type": func(e *eventstore.RecordedEvent) {
			e.Metadata = bytes.Replace(e.Metadata, []byte(`"recorded_at":"`), []byte(`"recorded_at":7,"x":"`), 1)
		},
		"metadata not JSON": func(e *eventstore.RecordedEvent) { e.Metadata = e.Metadata[:len(e.Metadata)-1] },
	}
	decodes := 0
	t.Cleanup(func() { assert.Equal(t, 1, decodes, "one variant decodes no more") })
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			ev := rec
			ev.Data, ev.Metadata = bytes.Clone(rec.Data), bytes.Clone(rec.Metadata)
			change(&ev)
			full, hashed := verify.Seal(ev), verify.SealHash(ev)
			assert.Equal(t, []string{full.EventID, full.PrevHash, full.Hash}, []string{hashed.EventID, hashed.PrevHash, hashed.Hash})
			want := full.Link(ev, ev.Revision, full.PrevHash, 0)
			got := hashed.Link(ev, ev.Revision, hashed.PrevHash, 0)
			if strings.HasPrefix(want, "event does not decode") {
				decodes++
				assert.Empty(t, got, "SealHash leaves decoding to the reader")
			} else {
				assert.Equal(t, want, got)
			}
		})
	}
}

// demoLedger is a store of the test's own holding the demo data set, which records every event
// type: two planning rounds, the catalogue rated, conditions followed up, members accounted for,
// every SHA's returns. It is recorded once per test binary (demotest).
func demoLedger(t *testing.T) eventstore.Store {
	t.Helper()
	return demotest.Store(t, 0)
}

func TestMain(m *testing.M) {
	code := m.Run()
	demotest.Cleanup()
	os.Exit(code)
}

// Every event type, the assurance process's included, is checked: chained, hashed, decoded
// (AssuranceRecorded at schema version 2) and in its kind of stream.
func TestEveryEventTypeIsVerified(t *testing.T) {
	s := demoLedger(t)
	all, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	seen := map[string]bool{}
	returnStreams := map[string]bool{}
	for _, ev := range all {
		seen[ev.Type] = true
		if agg, _, _ := domain.ParseStream(ev.Stream); agg == domain.AggregateReturn {
			returnStreams[ev.Stream] = true
		}
	}
	for _, typ := range domain.EventTypes {
		assert.True(t, seen[typ], "the demo records no %s", typ)
	}
	rep, err := verify.Chains(context.Background(), s)
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Findings)
	assert.Equal(t, len(all), rep.Events)
	assert.NotEmpty(t, returnStreams)

	// Tampering with one of the new events is found like any other.
	i := slices.IndexFunc(all, func(ev eventstore.RecordedEvent) bool { return ev.Type == domain.TypeConditionDischarged })
	require.GreaterOrEqual(t, i, 0)
	rep, err = verify.Chains(context.Background(), tampered{Store: s, change: func(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
		ev := evs[i]
		ev.Data = bytes.Replace(bytes.Clone(ev.Data), []byte(`"note":"`), []byte(`"note":"Not `), 1)
		evs[i] = ev
		return evs
	}})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, all[i].Position, rep.Findings[0].Position)
	assert.Contains(t, rep.Findings[0].Reason, "hash mismatch")
}

// An intact event copied into a stream of the wrong kind, or into another SHA's return stream, is
// named: the stream's name is not in the hash, so only its kind and the event's own fields tell.
func TestMisplacedEventsAreNamed(t *testing.T) {
	s := demoLedger(t)
	all, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	i := slices.IndexFunc(all, func(ev eventstore.RecordedEvent) bool {
		return ev.Type == domain.TypeSHAReturnSubmitted && ev.Revision == 0
	})
	require.GreaterOrEqual(t, i, 0)
	for _, c := range []struct{ stream, reason string }{
		{"plan-copied", "a SHAReturnSubmitted event belongs in a sha_return stream, not a plan stream"},
		{"sha-return-Q99-2009-10", "but is in stream sha-return-Q99-2009-10"},
	} {
		rep, err := verify.Chains(context.Background(), tampered{Store: s, change: func(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			copied := evs[i]
			copied.Stream, copied.Position = c.stream, evs[len(evs)-1].Position+1
			return append(evs, copied)
		}})
		require.NoError(t, err)
		require.Len(t, rep.Findings, 1, c.stream)
		assert.Equal(t, c.stream, rep.Findings[0].Stream)
		assert.Contains(t, rep.Findings[0].Reason, c.reason)
	}
}
