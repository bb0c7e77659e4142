package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
	"assurance-ledger/verify"
)

var (
	writeFixture = flag.Bool("write-fixture", false,
		"write testdata/fixture-v<SchemaVersion> with today's code; refused if it exists (a fixture is never rewritten)")
	updateGolden = flag.Bool("update-golden", false,
		"rewrite each fixture's expected.json from its committed log; only for an intended change of what projections show")
)

// goldenWarning is said whenever a fixture does not read as it did.
const goldenWarning = `A log written by an earlier version of the ledger no longer reads as it did.
Do not regenerate the fixture or its golden file to make this pass: the fixture is a real old log, and
old logs in production will fail the same way. Fix the code (an upcaster for a changed event shape,
a reader for a changed store format). Only if projections now deliberately show something different
for the same events, rerun with -update-golden and say why in the commit message.`

const (
	storeFile  = "ledger.db"
	eventsFile = "events.jsonl"
	goldenFile = "expected.json"
)

// line is one event of events.jsonl. Data and metadata are embedded verbatim: they are the bytes
// the hash chain covers.
type line struct {
	Position   uint64          `json:"position"`
	Stream     string          `json:"stream"`
	Revision   uint64          `json:"revision"`
	EventID    uuid.UUID       `json:"event_id"`
	Type       string          `json:"type"`
	RecordedAt time.Time       `json:"recorded_at"`
	Data       json.RawMessage `json:"data"`
	Metadata   json.RawMessage `json:"metadata"`
}

// snapshot is what today's code makes of a log: the golden file holds the one made when the fixture
// was written.
type snapshot struct {
	Events        int                     `json:"events"`
	Streams       int                     `json:"streams"`
	TreeSize      uint64                  `json:"tree_size"`
	TreeRoot      string                  `json:"tree_root"`
	Organisations []domain.Organisation   `json:"organisations"`
	LHCs          []domain.LHC            `json:"lhcs"`
	Plans         []projections.PlanState `json:"plans"`
	Reports       []projections.Report    `json:"reports"`
}

func fixtureDirs(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join("testdata", "fixture-v*"))
	require.NoError(t, err)
	return dirs
}

// TestFixtureLogsStillRead replays every committed fixture through today's code.
func TestFixtureLogsStillRead(t *testing.T) {
	if *writeFixture {
		writeCurrentFixture(t)
	}
	dirs := fixtureDirs(t)
	require.NotEmpty(t, dirs, "no fixture logs in testdata")
	require.Contains(t, dirs, filepath.Join("testdata", "fixture-v1"), "the first fixture log is kept for ever")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := context.Background()
			store := openCopy(t, filepath.Join(dir, storeFile))
			lines := readLines(t, filepath.Join(dir, eventsFile))

			// The store file reads back exactly the events exported beside it, byte for byte.
			stored, err := store.ReadAll(ctx, 0, 0)
			require.NoError(t, err, goldenWarning)
			require.Len(t, stored, len(lines), goldenWarning)
			for i, rec := range stored {
				require.Equal(t, lines[i], lineOf(rec), "event %d\n%s", i, goldenWarning)
			}

			got := replay(t, store)
			if *updateGolden {
				writeJSON(t, filepath.Join(dir, goldenFile), got)
			}
			want := readGolden(t, filepath.Join(dir, goldenFile))
			if diffs := subset(want, toAny(t, got), "$"); len(diffs) > 0 {
				t.Fatalf("%s\n\ndifferences (golden vs today):\n%s", goldenWarning, joinLines(diffs))
			}

			// The same events imported into a fresh store through the port read the same.
			fresh := importLines(t, lines)
			if diffs := subset(want, toAny(t, replay(t, fresh)), "$"); len(diffs) > 0 {
				t.Fatalf("imported from %s: %s\n%s", eventsFile, goldenWarning, joinLines(diffs))
			}

			// Deciders fold the old log too: the next step of its story can still be taken.
			wantTypes, ok := fixtureTypes[filepath.Base(dir)]
			require.True(t, ok, "%s: say which event types it holds in fixtureTypes", dir)
			checkScenarioStatuses(t, got)
			var types []string
			for _, l := range lines {
				types = append(types, l.Type)
			}
			slices.Sort(types)
			assert.Equal(t, wantTypes, slices.Compact(types), "the fixture holds every event type of its day")
			for _, typ := range wantTypes {
				_, ok := domain.Spec(typ)
				assert.True(t, ok, "%s, in the fixture, is no longer a registered event type: old logs must still read", typ)
			}
			h := command.NewHandler(store, command.Options{Clock: func() time.Time { return time.Date(2010, 6, 1, 0, 0, 0, 0, time.UTC) }})
			_, err = h.Plan(ctx, command.Request{Actor: cfh}, command.PlanID(lhcGateshead, round2010, 1),
				domain.AcknowledgeAssurance{Version: 1, Note: "acknowledged after an upgrade"})
			require.NoError(t, err, "a command on a plan of the old log")
			rep, err := verify.Chains(ctx, store)
			require.NoError(t, err)
			require.True(t, rep.OK(), "%v", rep.Findings)
		})
	}
}

// fixtureTypes are the event types each fixture holds: every type there was when it was written,
// sorted. A type added since is not in it, and need not be; a type in it must stay readable for ever.
var fixtureTypes = map[string][]string{
	"fixture-v1": {
		"AssuranceRecorded", "CfHAcknowledged", "ChiefExecutiveAppointed", "ContributionRecorded",
		"LocalHealthCommunityFormed", "LocalHealthCommunityMembersChanged", "OrganisationRegistered",
		"PlanRevised", "PlanSubmitted", "PlanWithdrawn", "SROSignedOff",
	},
	"fixture-v2": {
		"AssuranceRecorded", "CfHAcknowledged", "CfHNoted", "CfHReturnAcknowledged", "ChiefExecutiveAppointed",
		"ConditionDischarged", "ConditionEvidenceSubmitted", "ConditionLapsed", "ContributionDeclined", "ContributionRecorded",
		"LocalHealthCommunityFormed", "LocalHealthCommunityMembersChanged", "MemberExcused", "OrganisationRegistered",
		"PfITRegistered", "PlanRevised", "PlanSubmitted", "PlanWithdrawn", "PlanningRoundPublished", "RoundMilestoneChanged",
		"SHAAssignedToPfIT", "SHAReturnSubmitted", "SROSignedOff",
	},
	"fixture-v3": {
		"AssuranceRecorded", "BoardApprovalRecorded", "CfHAcknowledged", "CfHNoted", "CfHReturnAcknowledged", "ChiefExecutiveAppointed",
		"ConditionDischarged", "ConditionEvidenceSubmitted", "ConditionLapsed", "ContributionDeclined", "ContributionRecorded",
		"GovernanceBodyRecorded", "LocalHealthCommunityFormed", "LocalHealthCommunityMembersChanged", "MemberExcused",
		"MilestoneReported", "OrganisationRegistered", "PfITRegistered", "PlanRevised", "PlanSubmitted", "PlanWithdrawn",
		"PlanningRoundPublished", "RoundMilestoneChanged", "SHAAssignedToPfIT", "SHAReturnSubmitted", "SROSignedOff",
	},
}

// latenessDay is the day the goldens measure lateness on.
var latenessDay = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// replay checks every chain and every event of store and returns what the projections make of it.
func replay(t *testing.T, store eventstore.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	rep, err := verify.Chains(ctx, store)
	require.NoError(t, err)
	require.True(t, rep.OK(), "chains of an old log no longer verify: %v\n%s", rep.Findings, goldenWarning)

	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	tree := ledgertree.NewTree()
	for _, rec := range events {
		e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
		require.NoError(t, err, "position %d: %s", rec.Position, goldenWarning)
		require.LessOrEqual(t, e.Meta.SchemaVersion, eventcodec.SchemaVersion)
		leaf, ok, err := ledgertree.LeafOf(rec)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = tree.Append(leaf)
		require.NoError(t, err)
	}
	root, err := tree.Root(tree.Size())
	require.NoError(t, err)

	proj := projections.New(store, nil)
	// Lateness (days overdue, slippage) is measured on a fixed day: on the wall clock the golden
	// would age by a day every day.
	proj.SetClock(func() time.Time { return latenessDay })
	require.NoError(t, proj.CatchUp(ctx), goldenWarning)
	s := snapshot{Events: rep.Events, Streams: rep.Streams, TreeSize: tree.Size(), TreeRoot: hex.EncodeToString(root),
		Organisations: proj.Organisations(), LHCs: proj.LHCs()}
	for _, sum := range proj.Plans(projections.PlanFilter{}) {
		p, ok, err := proj.Plan(ctx, sum.PlanID)
		require.NoError(t, err)
		require.True(t, ok)
		s.Plans = append(s.Plans, p)
	}
	sort.Slice(s.Plans, func(i, j int) bool { return s.Plans[i].PlanID < s.Plans[j].PlanID })
	for _, round := range []string{"", round2009, round2010} {
		s.Reports = append(s.Reports, proj.Report(projections.ReportFilter{Round: round}))
	}
	return s
}

// checkScenarioStatuses holds the fixture to what its scenario did, independently of the golden.
func checkScenarioStatuses(t *testing.T, s snapshot) {
	t.Helper()
	got := map[string]domain.Status{}
	for _, p := range s.Plans {
		got[p.PlanID] = p.Status
	}
	assert.Equal(t, planStatuses, got, goldenWarning)
	var brent2010 projections.PlanState
	for _, p := range s.Plans {
		if p.PlanID == command.PlanID(lhcBrent, round2010, 1) {
			brent2010 = p
		}
	}
	assert.Equal(t, 2, brent2010.Version, "the revised plan is at version 2")
	assert.Equal(t, 99.9, brent2010.Content.NHSNumberAdoption.TargetPct, "the revision's content")
}

func openCopy(t *testing.T, path string) eventstore.Store {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	cp := filepath.Join(t.TempDir(), storeFile)
	require.NoError(t, os.WriteFile(cp, raw, 0o600)) // the committed file is never opened for writing
	store, err := boltstore.Open(cp, boltstore.Options{})
	require.NoError(t, err, goldenWarning)
	t.Cleanup(func() { store.Close() })
	return store
}

func lineOf(rec eventstore.RecordedEvent) line {
	return line{Position: rec.Position, Stream: rec.Stream, Revision: rec.Revision, EventID: rec.ID, Type: rec.Type,
		RecordedAt: rec.RecordedAt, Data: rec.Data, Metadata: rec.Metadata}
}

func readLines(t *testing.T, path string) []line {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []line
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var l line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "%s line %d", path, len(out)+1)
		out = append(out, l)
	}
	require.NoError(t, sc.Err())
	return out
}

// importLines appends the events to a fresh store at their own revisions, keeping ids and bytes.
func importLines(t *testing.T, lines []line) eventstore.Store {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), storeFile), boltstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	for _, l := range lines {
		expected := eventstore.NoStream
		if l.Revision > 0 {
			expected = eventstore.Exact(l.Revision - 1)
		}
		_, err := store.Append(context.Background(), l.Stream, expected,
			eventstore.Event{ID: l.EventID, Type: l.Type, Data: l.Data, Metadata: l.Metadata})
		require.NoError(t, err)
	}
	return store
}

func readGolden(t *testing.T, path string) any {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: write it with -update-golden, once, when the fixture is written")
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

func toAny(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// subset lists where got does not hold what want holds. Members today's code adds to an object are
// allowed (a projection may learn to show more); a changed or missing value, or a list of another
// length, is a difference.
func subset(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			out = append(out, subset(w[k], gv, path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %d items, got %v", path, len(w), got)}
		}
		var out []string
		for i := range w {
			out = append(out, subset(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		return nil
	}
}

func joinLines(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i == 30 {
			fmt.Fprintf(&b, "... and %d more\n", len(ss)-i)
			break
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// writeCurrentFixture writes the scenario with today's code as the fixture of today's schema
// version. It refuses to touch a fixture that exists: that one was written by the code of its time.
func writeCurrentFixture(t *testing.T) {
	dir := filepath.Join("testdata", fmt.Sprintf("fixture-v%d", eventcodec.SchemaVersion))
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s exists: a fixture is written once, by the code of its schema version, and never rewritten", dir)
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	store, err := boltstore.Open(filepath.Join(dir, storeFile), boltstore.Options{})
	require.NoError(t, err)
	clock := time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)
	h := command.NewHandler(store, command.Options{Clock: func() time.Time { return clock }})
	content, err := sampleContent()
	require.NoError(t, err)
	require.NoError(t, writeScenario(context.Background(), h, &clock, content))

	events, err := store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	var buf bytes.Buffer
	for _, rec := range events {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // data is embedded as stored; escaping would change its bytes
		require.NoError(t, enc.Encode(lineOf(rec)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, eventsFile), buf.Bytes(), 0o644))
	writeJSON(t, filepath.Join(dir, goldenFile), replay(t, store))
	require.NoError(t, store.Close())
	t.Logf("wrote %s: %d events", dir, len(events))
}
