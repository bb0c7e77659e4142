package projections_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/thorough"
	"assurance-ledger/projections"
)

// A projector restored from a snapshot taken at P and caught up with the log must answer every
// query exactly as one that folded the whole log, for P at the end of the registry, on a foreign
// event, on an event of ours just after a foreign one, in the middle and at the head.
func TestSnapshotThenCatchUpEqualsAFullReplay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, marks := demoStoreWithForeignEvents(t)
	full := projections.New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	head := full.Applied()
	// Answers as of earlier positions are a refold of the log for both projections; a sample of
	// the positions checks that a restored one refolds as the full one does.
	asOf := thorough.Pick(t, []eventstore.Position{1, marks.registryEnd, head / 2, head - 1, head}, 3)
	facts := factsOf(t, store)
	want := collectAnswers(t, facts, full, asOf)
	require.NotEmpty(t, want.Plan)
	require.NotZero(t, want.Foreign, "the log should hold foreign events")

	for _, at := range thorough.Pick(t, []eventstore.Position{marks.registryEnd, marks.foreign, marks.afterForeign, head / 2, head}, 3) {
		t.Run(fmt.Sprintf("at %d of %d", at, head), func(t *testing.T) {
			then := projections.New(projections.Prefix(store, at), nil)
			require.NoError(t, then.CatchUp(ctx))
			var snap bytes.Buffer
			info, err := then.WriteSnapshot(&snap)
			require.NoError(t, err)
			assert.Equal(t, at, info.Position)
			assert.Equal(t, snap.Len(), info.Bytes)

			// As it stood at P, against the log as it stood then (its views now: "as of" earlier
			// points is the same refold of the log for both, and is compared below)...
			restored, err := projections.Restore(ctx, projections.Prefix(store, at), nil, bytes.NewReader(snap.Bytes()))
			require.NoError(t, err)
			assert.Equal(t, at, restored.Applied())
			assert.ErrorIs(t, restored.Ready(), projections.ErrNotReady, "restored, not yet caught up")
			require.NoError(t, restored.CatchUp(ctx))
			projections.AssertEqualAt(t, collectAnswers(t, facts, then, nil), collectAnswers(t, facts, restored, nil), "the state at %d", at)

			// ... and caught up with the whole log.
			restored, err = projections.Restore(ctx, store, nil, bytes.NewReader(snap.Bytes()))
			require.NoError(t, err)
			require.NoError(t, restored.CatchUp(ctx))
			require.NoError(t, restored.Ready())
			projections.AssertEqualAt(t, want, collectAnswers(t, facts, restored, asOf), "restored at %d and caught up", at)
		})
	}
}

// A snapshot that is damaged, of another format or of another log is refused with the reason, and
// nothing is restored.
func TestRestoreRefusesASnapshotThatDoesNotFit(t *testing.T) {
	ctx := context.Background()
	store, head, good := demoSnapshot(t)
	magic := projections.SnapshotMagicSize
	// Another recording of the demo (at scale 2, which other tests record too) cut to as many
	// events: a log of the same length whose events are others.
	other := otherLogOfLength(t, head)

	edited := func(edit func(b []byte) []byte) []byte { return edit(bytes.Clone(good)) }
	for _, c := range []struct {
		name  string
		snap  []byte
		store eventstore.Store
		want  error
	}{
		{"empty", nil, store, projections.ErrSnapshotDamaged},
		{"cut inside the magic", good[:10], store, projections.ErrSnapshotDamaged},
		{"cut inside the header", good[:magic+20], store, projections.ErrSnapshotDamaged},
		{"cut inside the state", good[:len(good)/2], store, projections.ErrSnapshotDamaged},
		{"without its checksum", good[:len(good)-32], store, projections.ErrSnapshotDamaged},
		{"a byte of the state flipped", edited(func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }), store, projections.ErrSnapshotDamaged},
		{"a byte of the header flipped", edited(func(b []byte) []byte { b[magic+12+5] ^= 0x01; return b }), store, projections.ErrSnapshotDamaged},
		{"another fold", edited(func(b []byte) []byte { binary.BigEndian.PutUint32(b[magic+4:], projections.FoldVersion+1); return b }), store, projections.ErrSnapshotFormat},
		{"another schema version", edited(func(b []byte) []byte { binary.BigEndian.PutUint32(b[magic+8:], eventcodec.SchemaVersion+1); return b }), store, projections.ErrSnapshotFormat},
		{"a byte of the checksum flipped", edited(func(b []byte) []byte { b[len(b)-1] ^= 0x01; return b }), store, projections.ErrSnapshotDamaged},
		{"another magic", edited(func(b []byte) []byte { copy(b, "assurance-ledger/ledgertree"); return b }), store, projections.ErrNotSnapshot},
		{"not a snapshot at all", []byte(`{"events": 3}`), store, projections.ErrNotSnapshot},
		{"another format", edited(func(b []byte) []byte { binary.BigEndian.PutUint32(b[magic:], 99); return b }), store, projections.ErrSnapshotFormat},
		{"an older format", edited(func(b []byte) []byte { binary.BigEndian.PutUint32(b[magic:], 0); return b }), store, projections.ErrSnapshotFormat},
		{"of another log of the same length", good, other, projections.ErrSnapshotOtherLog},
		{"ahead of the log", good, projections.Prefix(store, head-5), projections.ErrSnapshotAhead},
	} {
		t.Run(c.name, func(t *testing.T) {
			restored, err := projections.Restore(ctx, c.store, nil, bytes.NewReader(c.snap))
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, restored)
			for _, other := range []error{projections.ErrNotSnapshot, projections.ErrSnapshotFormat, projections.ErrSnapshotDamaged,
				projections.ErrSnapshotOtherLog, projections.ErrSnapshotAhead} {
				if other != c.want {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

// The checksum catches a damaged file, not an edit that recomputes it: such a snapshot must still
// be refused or restored, never crash the reader or make it allocate what the file cannot hold.
func TestRestoreOfAnEditedSnapshotWithItsChecksumRecomputed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, good := demoSnapshot(t)
	header := projections.SnapshotHeaderSize
	// Three kinds of edit, each every 997th byte from its own offset: every part of the state hit (a
	// plan's record is some 200 bytes). Each is a restore, so the README's test command makes a
	// sample of them, the first and the last always, and LEDGER_TEST_THOROUGH=1 all.
	type edit struct {
		at int
		to func(byte) byte
	}
	var all []edit
	for k, to := range []func(byte) byte{func(b byte) byte { return b ^ 0x01 }, func(b byte) byte { return b ^ 0x80 }, func(byte) byte { return 0xff }} {
		for i := header + k*331; i < len(good)-32; i += 997 {
			all = append(all, edit{i, to})
		}
	}
	edits := thorough.Pick(t, all, 60)
	refusals := 0
	for _, e := range edits {
		snap := bytes.Clone(good)
		snap[e.at] = e.to(snap[e.at])
		sum := sha256.Sum256(snap[:len(snap)-32])
		copy(snap[len(snap)-32:], sum[:])
		restored, err := projections.Restore(ctx, store, nil, bytes.NewReader(snap))
		if err != nil {
			require.ErrorIs(t, err, projections.ErrSnapshotDamaged, "byte %d", e.at)
			require.Nil(t, restored)
			refusals++
		}
	}
	// About three in ten edits are refused: one in twenty is a bound that a sample of 60 all but
	// never falls under by chance.
	assert.Greater(t, refusals, len(edits)/20, "of %d edits", len(edits))
}

// A projector that stopped on an event it could not fold holds no state of the log at any
// position, so it writes no snapshot.
func TestNoSnapshotOfFailedProjections(t *testing.T) {
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = store.Append(ctx, "registry", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "OrganisationRegistered", Data: []byte(`{`), Metadata: []byte(`{}`)})
	require.NoError(t, err)
	p := projections.New(store, nil)
	require.Error(t, p.CatchUp(ctx))
	_, err = p.WriteSnapshot(&bytes.Buffer{})
	assert.ErrorContains(t, err, "stopped on an error")
}

// otherLogOfLength is a log of n events other than the demo round's: the demo recorded at scale 2,
// as it stood at its nth event.
func otherLogOfLength(t *testing.T, n eventstore.Position) eventstore.Store {
	t.Helper()
	longer := projections.SeededStore(t, 2)
	head, err := longer.Head(context.Background())
	require.NoError(t, err)
	require.Greater(t, head, n)
	return projections.Prefix(longer, n)
}

// logMarks are positions of note in the test log.
type logMarks struct {
	registryEnd  eventstore.Position // the last event before the first plan's
	foreign      eventstore.Position // a foreign event among the plans'
	afterForeign eventstore.Position // an event of ours just after a foreign one
}

// demoStoreWithForeignEvents is the demo round with another application's events among it, as a
// shared EventStoreDB would hold: one after every 40 of the ledger's.
func demoStoreWithForeignEvents(t *testing.T) (eventstore.Store, logMarks) {
	t.Helper()
	ctx := context.Background()
	events, err := demoStore(t).ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "mixed.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	// A run of events of one stream is one append, so that the copy costs hundreds of transactions,
	// not thousands; the marks are read from the log written.
	var (
		stream string
		run    []eventstore.Event
	)
	flush := func() {
		if len(run) > 0 {
			_, err := store.Append(ctx, stream, eventstore.Any, run...)
			require.NoError(t, err)
		}
		run = nil
	}
	for i, rec := range events {
		if rec.Stream != stream {
			flush()
			stream = rec.Stream
		}
		run = append(run, eventstore.Event{ID: rec.ID, Type: rec.Type, Data: rec.Data, Metadata: rec.Metadata})
		if i%40 == 39 {
			flush()
			_, err := store.Append(ctx, "billing-1", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "InvoiceRaised", Data: []byte(`{"n":1}`)})
			require.NoError(t, err)
		}
	}
	flush()
	mixed, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	var marks logMarks
	for i, rec := range mixed {
		if marks.registryEnd == 0 && strings.HasPrefix(rec.Stream, "plan-") {
			marks.registryEnd = rec.Position - 1
		}
		if marks.registryEnd != 0 && marks.foreign == 0 && rec.Stream == "billing-1" && i+1 < len(mixed) {
			marks.foreign, marks.afterForeign = rec.Position, mixed[i+1].Position
		}
	}
	require.NotZero(t, marks.afterForeign)
	return store, marks
}

// answers is everything the projections say, for comparing two projectors.
type answers struct {
	Applied       eventstore.Position
	Events        int
	Foreign       int // foreign events in the log up to Applied: a check of the test log, not a query
	Rounds        []string
	Organisations []domain.Organisation
	LHCs          []domain.LHC
	Plans         map[string][]projections.PlanSummary // by filter
	Plan          map[string]projections.PlanState     // by id
	PlanAsOf      map[string]projections.PlanState     // by id and position
	Reports       map[string]projections.Report        // by filter
	SHAStatus     map[string]projections.SHAStatus     // by SHA, round and position (0: now)
	SROEvidence   map[string]projections.SROEvidence   // by organisation and position (0: now)
	PositionAt    map[time.Time]eventstore.Position
}

// logFacts is what collectAnswers asks about, read from the whole test log once: when each of the
// ledger's events was recorded, every plan, every SHA, and the positions of the foreign events.
type logFacts struct {
	recorded []time.Time
	foreign  []eventstore.Position
	planIDs  []string
	shas     []string
}

func factsOf(t *testing.T, store eventstore.Store) logFacts {
	t.Helper()
	events, err := store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	var f logFacts
	for _, rec := range events {
		if rec.Stream == "registry" || strings.HasPrefix(rec.Stream, "plan-") {
			e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
			require.NoError(t, err)
			f.recorded = append(f.recorded, e.Meta.RecordedAt)
		} else {
			f.foreign = append(f.foreign, rec.Position)
		}
		if rec.Revision == 0 && strings.HasPrefix(rec.Stream, "plan-") {
			f.planIDs = append(f.planIDs, strings.TrimPrefix(rec.Stream, "plan-"))
		}
		if rec.Type == "OrganisationRegistered" && strings.Contains(string(rec.Data), `"kind":"sha"`) {
			e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
			require.NoError(t, err)
			f.shas = append(f.shas, e.Data.(domain.OrganisationRegistered).ODSCode)
		}
	}
	require.NotEmpty(t, f.shas)
	return f
}

// collectAnswers asks p every query, with every filter the demo gives values for, now and as of
// each position of asOf; the plans asked for are those of the whole log.
func collectAnswers(t *testing.T, log logFacts, p *projections.Projector, asOf []eventstore.Position) answers {
	t.Helper()
	ctx := context.Background()
	a := answers{
		Applied: p.Applied(), Events: p.Events(), Rounds: p.Rounds(), Organisations: p.Organisations(), LHCs: p.LHCs(),
		Plans: map[string][]projections.PlanSummary{}, Plan: map[string]projections.PlanState{}, PlanAsOf: map[string]projections.PlanState{},
		Reports: map[string]projections.Report{}, SHAStatus: map[string]projections.SHAStatus{}, SROEvidence: map[string]projections.SROEvidence{},
		PositionAt: map[time.Time]eventstore.Position{},
	}
	for _, recorded := range log.recorded {
		for _, at := range []time.Time{recorded, recorded.Add(-time.Nanosecond)} {
			if pos, ok := p.PositionAt(at); ok {
				a.PositionAt[at] = pos
			}
		}
	}
	for _, pos := range log.foreign {
		if pos <= a.Applied {
			a.Foreign++
		}
	}
	planIDs, shas := log.planIDs, log.shas
	rounds := append([]string{""}, p.Rounds()...)

	a.Plans["all"] = p.Plans(projections.PlanFilter{})
	for _, s := range domain.Statuses {
		a.Plans["status "+string(s)] = p.Plans(projections.PlanFilter{Status: s})
	}
	for _, r := range rounds {
		a.Plans["round "+r] = p.Plans(projections.PlanFilter{Round: r})
	}
	for _, l := range p.LHCs() {
		a.Plans["lhc "+l.ID] = p.Plans(projections.PlanFilter{LHC: l.ID})
	}
	for _, id := range planIDs {
		st, ok, err := p.Plan(ctx, id)
		require.NoError(t, err)
		if ok {
			a.Plan[id] = st
		}
	}
	// Position by position, so that the plans as of one position share the registry folded for it.
	for _, pos := range asOf {
		for _, id := range planIDs {
			st, ok, err := p.PlanAsOf(ctx, id, pos)
			require.NoError(t, err)
			if ok {
				a.PlanAsOf[fmt.Sprintf("%s@%d", id, pos)] = st
			}
		}
	}
	for _, pos := range append([]eventstore.Position{0}, asOf...) {
		for _, sha := range append([]string{"", "NOPE"}, shas...) {
			for _, r := range append(rounds, "1999-00") {
				f := projections.ReportFilter{SHA: sha, Round: r, AsOf: pos}
				a.Reports[fmt.Sprintf("%+v", f)] = p.Report(f)
			}
		}
		for _, sha := range shas {
			for _, r := range rounds {
				key := fmt.Sprintf("%s/%s@%d", sha, r, pos)
				if pos == 0 {
					if st, ok := p.SHAStatus(sha, r); ok {
						a.SHAStatus[key] = st
					}
					continue
				}
				st, ok, err := p.SHAStatusAsOf(ctx, sha, r, pos)
				require.NoError(t, err)
				if ok {
					a.SHAStatus[key] = st
				}
			}
		}
		for _, o := range p.Organisations() {
			key := fmt.Sprintf("%s@%d", o.ODSCode, pos)
			if pos == 0 {
				if ev, ok := p.SROEvidence(o.ODSCode); ok {
					a.SROEvidence[key] = ev
				}
				continue
			}
			ev, ok, err := p.SROEvidenceAsOf(ctx, o.ODSCode, pos)
			require.NoError(t, err)
			if ok {
				a.SROEvidence[key] = ev
			}
		}
	}
	return a
}

// demoSnapshot is a store holding the demo round, the position of its last event, and the snapshot
// of projections caught up with it.
func demoSnapshot(t *testing.T) (eventstore.Store, eventstore.Position, []byte) {
	t.Helper()
	store := demoStore(t)
	p := projections.New(store, nil)
	require.NoError(t, p.CatchUp(context.Background()))
	var buf bytes.Buffer
	_, err := p.WriteSnapshot(&buf)
	require.NoError(t, err)
	return store, p.Applied(), buf.Bytes()
}
