package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/eventstore/migrate"
	"assurance-ledger/internal/contenttest"
	"assurance-ledger/verify"
)

// These tests copy between two embedded stores: the copy uses nothing but the port, so they
// exercise the same code path as a copy to or from EventStoreDB.

func openStore(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newStore(t *testing.T) *boltstore.Store {
	return openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
}

// writeLedger records a small real ledger — sealed, hash-chained events from the command handler —
// with the registry and several plan streams interleaved in the global log. It returns the
// number of events.
func writeLedger(t *testing.T, s eventstore.Store) int {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2009, 6, 1, 9, 0, 0, 0, time.UTC)
	h := command.NewHandler(s, command.Options{Clock: func() time.Time { at = at.Add(time.Hour); return at }})
	admin := domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"}
	reg := func(cmd domain.RegistryCommand) {
		_, err := h.Registry(ctx, command.Request{Actor: admin}, cmd)
		require.NoError(t, err)
	}
	raw, err := os.ReadFile("testdata/plan-content.json")
	require.NoError(t, err)
	var content domain.Content
	require.NoError(t, json.Unmarshal(raw, &content))

	reg(domain.RegisterOrganisation{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA})
	date := func(y int, m time.Month, d int) domain.Date {
		v, err := domain.NewDate(y, m, d)
		require.NoError(t, err)
		return v
	}
	// Plans are submitted to a published round.
	reg(domain.PublishRound{Round: "2009-10", Title: "Informatics Planning 2009/10", GuidanceRef: "Gateway 11278",
		PublishedOn: date(2009, 1, 15), FirstFinancialYear: 2009, MinYears: 3,
		Milestones: []domain.Milestone{{ID: domain.MilestonePlanSubmission, Due: date(2009, 7, 31)}, {ID: domain.MilestoneSROSignOff, Due: date(2009, 9, 30)},
			{ID: domain.MilestoneSHAAssurance, Due: date(2009, 11, 30)}, {ID: domain.MilestoneSHAReturn, Due: date(2009, 12, 18)},
			{ID: domain.MilestoneCfHAcknowledgement, Due: date(2010, 1, 29)}},
		Criteria: []domain.CatalogueCriterion{{ID: "c1", Title: "Clinical 5 timetabled"}}})
	reg(domain.RegisterOrganisation{ODSCode: "RJ1", Name: "Guy's and St Thomas'", Kind: domain.KindProvider, SHACode: "Q36"})
	pcts := []string{"5K5", "5K7", "5A9", "5C2"}
	plans := make([]string, len(pcts))
	commissioners := make([]domain.Actor, len(pcts))
	for i, ods := range pcts {
		reg(domain.RegisterOrganisation{ODSCode: ods, Name: "PCT " + ods, Kind: domain.KindPCT, SHACode: "Q36"})
		lhc := "lhc-" + strings.ToLower(ods)
		reg(domain.FormLHC{LHCID: lhc, Name: "LHC " + ods, LeadPCT: ods, SHACode: "Q36", Members: []string{"RJ1"}})
		commissioners[i] = domain.Actor{PersonID: "pc-" + ods, Name: "Commissioner " + ods, Role: domain.RolePCTCommissioner, Org: ods}
		r, err := h.Submit(ctx, command.Request{Actor: commissioners[i]}, domain.SubmitPlan{LHCID: lhc, Round: "2009-10",
			Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: contenttest.Complete(content, domain.Period{FirstYear: 2009, LastYear: 2011}, ods, "RJ1")})
		require.NoError(t, err)
		plans[i] = r.PlanID
	}
	for round := range 3 { // revisions, round robin over the plans: streams interleave
		for i, id := range plans {
			revised := contenttest.Complete(content, domain.Period{FirstYear: 2009, LastYear: 2011}, pcts[i], "RJ1")
			revised.DataQuality = fmt.Sprintf("%s (revision %d)", content.DataQuality, round+1)
			_, err := h.Plan(ctx, command.Request{Actor: commissioners[i]}, id, domain.RevisePlan{Content: revised, Reason: fmt.Sprintf("revision %d", round+1)})
			require.NoError(t, err)
		}
	}
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	return len(all)
}

func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := s.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	return evs
}

// requireSameLog checks that target holds source's events in the same global order with the
// same ids, streams, revisions, types and bytes, and that the target's chains verify.
func requireSameLog(t *testing.T, source, target eventstore.Store) {
	t.Helper()
	want, got := readAll(t, source), readAll(t, target)
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.ID, g.ID, "event %d", i)
		require.Equal(t, w.Stream, g.Stream, "event %d", i)
		require.Equal(t, w.Revision, g.Revision, "event %d", i)
		require.Equal(t, w.Type, g.Type, "event %d", i)
		require.Equal(t, string(w.Data), string(g.Data), "event %d", i)
		require.Equal(t, string(w.Metadata), string(g.Metadata), "event %d", i)
	}
	rep, err := verify.Chains(context.Background(), target)
	require.NoError(t, err)
	require.True(t, rep.OK(), "verify: %v", rep.Findings)
	require.Equal(t, len(want), rep.Events)
}

func TestCopyWholeLedger(t *testing.T) {
	src, dst := newStore(t), newStore(t)
	n := writeLedger(t, src)
	var progress []migrate.Progress
	rep, err := migrate.Copy(context.Background(), src, dst, migrate.Options{PageSize: 7, Progress: func(p migrate.Progress) { progress = append(progress, p) }})
	require.NoError(t, err)
	requireSameLog(t, src, dst)

	assert.EqualValues(t, n, rep.Read)
	assert.EqualValues(t, n, rep.Copied)
	assert.Zero(t, rep.Present)
	assert.Equal(t, 5, rep.Streams, "the registry and four plans")
	last := readAll(t, src)[n-1]
	assert.Equal(t, last.Position, rep.Source)
	assert.Equal(t, readAll(t, dst)[n-1].Position, rep.TargetHead)
	assert.Len(t, progress, (n+6)/7, "one report per page")
	assert.EqualValues(t, n, progress[len(progress)-1].Read)
}

// failingTarget lets `allowed` appends through, then fails every append as a server going away
// would.
type failingTarget struct {
	eventstore.Store
	allowed int
}

func (f *failingTarget) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.Event) (eventstore.AppendResult, error) {
	if f.allowed == 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: the test pulled the plug", eventstore.ErrUnavailable)
	}
	f.allowed--
	return f.Store.Append(ctx, stream, exp, evs...)
}

// cancellingTarget cancels the copy's context after `allowed` appends, as Ctrl-C would.
type cancellingTarget struct {
	eventstore.Store
	allowed int
	cancel  context.CancelFunc
}

func (c *cancellingTarget) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.Event) (eventstore.AppendResult, error) {
	res, err := c.Store.Append(ctx, stream, exp, evs...)
	if c.allowed--; c.allowed == 0 {
		c.cancel()
	}
	return res, err
}

func TestInterruptedCopyResumesWithoutDuplicates(t *testing.T) {
	for _, pageSize := range []int{1, 4, 1000} {
		t.Run(fmt.Sprintf("page %d", pageSize), func(t *testing.T) {
			src := newStore(t)
			n := writeLedger(t, src)
			dstPath := filepath.Join(t.TempDir(), "target.db")
			dst := openStore(t, dstPath)
			opts := migrate.Options{PageSize: pageSize, MaxBatch: 3}

			// First run: the target fails after 9 appends.
			rep, err := migrate.Copy(context.Background(), src, &failingTarget{Store: dst, allowed: 9}, opts)
			require.ErrorIs(t, err, eventstore.ErrUnavailable)
			require.Error(t, err)
			written := len(readAll(t, dst))
			assert.EqualValues(t, written, rep.Copied, "the report counts what was written")
			require.Greater(t, written, 0)
			require.Less(t, written, n)

			// Second run, after a restart of the target: cancelled after 5 more appends.
			require.NoError(t, dst.Close())
			dst = openStore(t, dstPath)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rep, err = migrate.Copy(ctx, src, &cancellingTarget{Store: dst, allowed: 5, cancel: cancel}, opts)
			require.ErrorIs(t, err, context.Canceled)
			assert.EqualValues(t, written, rep.Present, "what the first run wrote is recognised, not written again")
			written2 := len(readAll(t, dst))
			require.Greater(t, written2, written)

			// Third run completes.
			rep, err = migrate.Copy(context.Background(), src, dst, opts)
			require.NoError(t, err)
			assert.EqualValues(t, written2, rep.Present)
			assert.EqualValues(t, n-written2, rep.Copied)
			assert.EqualValues(t, n, rep.Read)
			requireSameLog(t, src, dst)

			// A fourth run has nothing to do.
			rep, err = migrate.Copy(context.Background(), src, dst, opts)
			require.NoError(t, err)
			assert.EqualValues(t, n, rep.Present)
			assert.Zero(t, rep.Copied)
			requireSameLog(t, src, dst)
		})
	}
}

// countingReads counts the target's stream reads, to show that a resumed copy does not look at
// every event already copied.
type countingReads struct {
	eventstore.Store
	reads int
}

func (c *countingReads) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	c.reads++
	return c.Store.ReadStream(ctx, stream, from, limit)
}

func TestResumeLooksOncePerPageCopied(t *testing.T) {
	src, dst := newStore(t), newStore(t)
	n := writeLedger(t, src)
	_, err := migrate.Copy(context.Background(), src, dst, migrate.Options{})
	require.NoError(t, err)

	counting := &countingReads{Store: dst}
	rep, err := migrate.Copy(context.Background(), src, counting, migrate.Options{PageSize: 10})
	require.NoError(t, err)
	assert.EqualValues(t, n, rep.Present)
	pages := (n + 9) / 10
	assert.Equal(t, pages+rep.Streams, counting.reads, "one look per page, one check per stream at the end")
}

func TestCopyRefusesATargetWithOtherContent(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		prepare func(t *testing.T, src, dst eventstore.Store) // dst starts as a full copy of src unless it empties it
		empty   bool
		stream  string
		reason  string
	}{
		{
			name:  "another event at a revision",
			empty: true,
			prepare: func(t *testing.T, src, dst eventstore.Store) {
				_, err := dst.Append(ctx, "registry", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "OrganisationRegistered", Data: []byte(`{}`)})
				require.NoError(t, err)
			},
			stream: "registry", reason: "another event there",
		},
		{
			name:  "another ledger in streams of other names",
			empty: true,
			prepare: func(t *testing.T, src, dst eventstore.Store) {
				_, err := dst.Append(ctx, "plan-elsewhere", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "PlanSubmitted", Data: []byte(`{}`)})
				require.NoError(t, err)
			},
			stream: "registry", reason: "not empty",
		},
		{
			name: "a stream that goes on past the source's",
			prepare: func(t *testing.T, src, dst eventstore.Store) {
				evs, err := dst.ReadStream(ctx, "registry", 0, 0)
				require.NoError(t, err)
				_, err = dst.Append(ctx, "registry", eventstore.Exact(evs[len(evs)-1].Revision), eventstore.Event{ID: uuid.New(), Type: "OrganisationRegistered", Data: []byte(`{}`)})
				require.NoError(t, err)
			},
			stream: "registry", reason: "goes on past the source's",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := newStore(t), newStore(t)
			writeLedger(t, src)
			if !tc.empty {
				_, err := migrate.Copy(ctx, src, dst, migrate.Options{})
				require.NoError(t, err)
			}
			tc.prepare(t, src, dst)
			before := readAll(t, dst)

			_, err := migrate.Copy(ctx, src, dst, migrate.Options{PageSize: 5})
			require.ErrorIs(t, err, migrate.ErrTargetDiffers)
			var conflict *migrate.ConflictError
			require.True(t, errors.As(err, &conflict))
			assert.Equal(t, tc.stream, conflict.Stream)
			assert.Contains(t, err.Error(), tc.reason)
			assert.Contains(t, err.Error(), "refusing to copy")
			assert.Equal(t, len(before), len(readAll(t, dst)), "nothing was written")
		})
	}
}

// TestCopyFindsAStreamTheTargetLacks covers the one case the page-wise skip cannot see by itself:
// a target holding a page's last event but not an earlier one (written by something other than
// a copy). The check of every stream's end refuses it.
func TestCopyFindsAStreamTheTargetLacks(t *testing.T) {
	ctx := context.Background()
	src, dst := newStore(t), newStore(t)
	writeLedger(t, src)
	all := readAll(t, src)
	// The target gets every stream but the registry, event by event in the source's order.
	for _, e := range all {
		if e.Stream == "registry" {
			continue
		}
		exp := eventstore.NoStream
		if e.Revision > 0 {
			exp = eventstore.Exact(e.Revision - 1)
		}
		_, err := dst.Append(ctx, e.Stream, exp, eventstore.Event{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata})
		require.NoError(t, err)
	}
	_, err := migrate.Copy(ctx, src, dst, migrate.Options{PageSize: len(all)})
	require.ErrorIs(t, err, migrate.ErrTargetDiffers)
	var conflict *migrate.ConflictError
	require.True(t, errors.As(err, &conflict))
	assert.Equal(t, "registry", conflict.Stream)
	assert.Contains(t, err.Error(), "lacks")
}

// gappy is a source whose stream skips a revision, as a damaged store could.
type gappy struct {
	eventstore.Store
}

func (g gappy) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := g.Store.ReadAll(ctx, after, limit)
	for i := range evs {
		if evs[i].Stream == "registry" && evs[i].Revision >= 3 {
			evs[i].Revision++
		}
	}
	return evs, err
}

func TestCopyRefusesASourceWithAGap(t *testing.T) {
	src, dst := newStore(t), newStore(t)
	writeLedger(t, src)
	_, err := migrate.Copy(context.Background(), gappy{src}, dst, migrate.Options{})
	require.ErrorContains(t, err, "has revision 4")
	require.ErrorContains(t, err, "ledger verify")
}

func TestCopyOfAnEmptyStore(t *testing.T) {
	rep, err := migrate.Copy(context.Background(), newStore(t), newStore(t), migrate.Options{})
	require.NoError(t, err)
	assert.Zero(t, rep.Read)
	assert.Zero(t, rep.Streams)
}

// sizeLimitedTarget refuses, as EventStoreDB does, an append over limit bytes (as BatchBytes
// counts them), and records the size of each append it takes.
type sizeLimitedTarget struct {
	eventstore.Store
	limit   int
	batches []int
}

func (s *sizeLimitedTarget) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (eventstore.AppendResult, error) {
	size := 0
	for _, e := range events {
		size += migrate.BatchBytes(eventstore.RecordedEvent{Type: e.Type, Data: e.Data, Metadata: e.Metadata})
	}
	if size > s.limit {
		return eventstore.AppendResult{}, fmt.Errorf("%w: %w: %d bytes", eventstore.ErrInvalidAppend, eventstore.ErrTooLarge, size)
	}
	s.batches = append(s.batches, size)
	return s.Store.Append(ctx, stream, expected, events...)
}

// TestCopyBatchesByBytes: a stream of large events is copied in appends that each stay under
// MaxBatchBytes, hence under EventStoreDB's maximum append size (1 MiB by default), however many
// events MaxBatch would allow; an event larger than MaxBatchBytes goes alone.
func TestCopyBatchesByBytes(t *testing.T) {
	src, dst := newStore(t), newStore(t)
	sizes := []int{200 << 10, 200 << 10, 200 << 10, 700 << 10, 100 << 10, 300 << 10, 300 << 10, 10, 10}
	for i, n := range sizes {
		expected := eventstore.NoStream
		if i > 0 {
			expected = eventstore.Exact(uint64(i - 1))
		}
		_, err := src.Append(context.Background(), "plan-big", expected, eventstore.Event{ID: uuid.New(), Type: "PlanRevised", Data: make([]byte, n)})
		require.NoError(t, err)
	}
	target := &sizeLimitedTarget{Store: dst, limit: 1 << 20}
	rep, err := migrate.Copy(context.Background(), src, target, migrate.Options{})
	require.NoError(t, err)
	assert.EqualValues(t, len(sizes), rep.Copied)
	// 200+200 | 200 | 700 (alone) | 100+300 | 300+10+10 KiB, each type ("PlanRevised") counted twice.
	const typ = 2 * len("PlanRevised")
	want := []int{2 * (200<<10 + typ), 200<<10 + typ, 700<<10 + typ, 100<<10 + 300<<10 + 2*typ, 300<<10 + 10 + 10 + 3*typ}
	assert.Equal(t, want, target.batches)
	got := readAll(t, dst)
	require.Len(t, got, len(sizes))
	for i, e := range readAll(t, src) {
		assert.Equal(t, e.ID, got[i].ID)
		assert.Equal(t, e.Revision, got[i].Revision)
	}
}
