package projections

import (
	"assurance-ledger/internal/thorough"
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// The state a snapshot restores, and the state after catching up from it, must be the state the
// events built, down to what no query shows on the demo: the order in which each organisation
// signed its plans (SROEvidence sorts by time, and breaks ties by it), each plan's contribution to
// the report's sums and the sums themselves, medians' values included.
func TestSnapshotRestoresTheStateTheEventsBuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := seededStore(t, 2)
	full := New(store, nil)
	require.NoError(t, full.CatchUp(ctx))
	want := stateOf(full)
	require.NotEmpty(t, want.Signers)
	require.NotEmpty(t, want.SHADays)

	head := full.Applied()
	for _, at := range thorough.Pick(t, []eventstore.Position{head / 4, head / 2, head}, 2) {
		then := New(prefixOf{store, at}, nil)
		require.NoError(t, then.CatchUp(ctx))
		var snap bytes.Buffer
		_, err := then.WriteSnapshot(&snap)
		require.NoError(t, err)

		restored, err := Restore(ctx, store, nil, bytes.NewReader(snap.Bytes()))
		require.NoError(t, err)
		AssertEqualAt(t, stateOf(then), stateOf(restored), "restored at %d", at)
		var again bytes.Buffer
		_, err = restored.WriteSnapshot(&again)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(snap.Bytes(), again.Bytes()), "the restored projector's snapshot at %d differs from the one it was restored from", at)

		require.NoError(t, restored.CatchUp(ctx))
		AssertEqualAt(t, want, stateOf(restored), "restored at %d and caught up", at)
		restored.SetClock(fixedClock)
		for _, f := range reportFilters(restored) {
			require.Equal(t, restored.report(f, true), restored.report(f, false), "report %+v: the sums and a scan differ", f)
		}
	}
}

// A snapshot taken while events are being applied is the state at the position it names: restored
// and caught up, it is the state of the whole log. (Run with -race, it also shows that encoding
// after the lock is let go reads nothing the applier writes.)
func TestSnapshotWhileApplying(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := seededStore(t, 2)
	events, err := store.ReadAll(ctx, 0, 0)
	require.NoError(t, err)

	// The applier goes on as soon as each of about eight snapshots has been asked for, so each is
	// taken while it applies, between one point of the log and the next.
	p := New(store, nil)
	take := make(chan struct{})
	go func() {
		defer close(take)
		for i, rec := range events {
			if err := p.apply(rec); err != nil {
				t.Error(err)
				return
			}
			if i%(len(events)/8) == 0 {
				take <- struct{}{}
			}
		}
	}()
	var snaps [][]byte
	for range take {
		var buf bytes.Buffer
		_, err := p.WriteSnapshot(&buf)
		require.NoError(t, err)
		snaps = append(snaps, buf.Bytes())
	}
	want := stateOf(p)
	positions := map[eventstore.Position]bool{}
	for _, snap := range snaps {
		restored, err := Restore(ctx, store, nil, bytes.NewReader(snap))
		require.NoError(t, err)
		positions[restored.Applied()] = true
		require.NoError(t, restored.CatchUp(ctx))
		require.Equal(t, want, stateOf(restored), "restored at %d", restored.Applied())
	}
	// Snapshot j is taken between the j-th point and the next, so two in a row share a position only
	// at the point between them.
	assert.GreaterOrEqual(t, len(positions), 4, "snapshots at several positions")
}

// prefixOf is the log as it stood at upTo.
type prefixOf struct {
	eventstore.Store
	upTo eventstore.Position
}

func (p prefixOf) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := p.Store.ReadAll(ctx, after, limit)
	for i, e := range evs {
		if e.Position > p.upTo {
			return evs[:i], err
		}
	}
	return evs, err
}

func (p prefixOf) Head(context.Context) (eventstore.Position, error) { return p.upTo, nil }

// state is a projector's state in plain values, plans by id rather than by pointer.
type state struct {
	AppliedPos      eventstore.Position
	AppliedID       uuid.UUID
	Events, Skipped int
	Timeline        timeline
	RegistryLog     []positioned
	Organisations   []domain.Organisation
	LHCs            []domain.LHC
	Rounds          []domain.Round
	PfITs           []domain.PfIT
	SHASince        map[string]eventstore.Position
	Returns         map[string][]domain.ReturnRecord
	ReturnLog       []positioned
	Filed           map[string]string   // plans by id: the id of the plan filed under it
	Plans           []viewState         // in submission order
	Signers         map[string][]string // ods code -> plan ids, in first-signature order
	Cells           map[aggKey]cellState
	SHADays         map[string][]float64
	SHADischarge    map[string][]float64
}

type viewState struct {
	Seq                                 int
	ID, SHA, Lead                       string
	Revision, Position, ContentRevision uint64
	Plan                                domain.PlanRecord
	SignedBy                            []string
	History                             []summary
	Counted                             contribution
	Conds                               []condMark
}

type cellState struct {
	Counts                         Counts
	Required, Signed, AssuredLive  int
	Days, Submitted, OpenDues, Dis []float64
}

func stateOf(p *Projector) state {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := state{
		AppliedPos: p.appliedPos, AppliedID: p.appliedID, Events: p.events, Skipped: p.skipped, Timeline: p.timeline,
		RegistryLog: p.registryLog, Organisations: p.registry.Organisations(), LHCs: p.registry.LHCs(), SHASince: p.shaSince,
		Rounds: p.registry.Rounds(), PfITs: p.registry.PfITs(), Returns: map[string][]domain.ReturnRecord{}, ReturnLog: p.returnLog,
		Filed: map[string]string{}, Signers: map[string][]string{}, Cells: map[aggKey]cellState{}, SHADays: map[string][]float64{},
		SHADischarge: map[string][]float64{},
	}
	for id, r := range p.returns {
		s.Returns[id] = r.Returns()
	}
	for id, v := range p.plans {
		s.Filed[id] = v.id
	}
	for _, v := range p.order {
		signed := slices.Sorted(slices.Values(v.signers)) // restored in code order, replayed in signing order
		s.Plans = append(s.Plans, viewState{Seq: v.seq, ID: v.id, SHA: v.sha, Lead: v.lead, Revision: v.revision, Position: v.position,
			ContentRevision: v.contentRevision, Plan: v.plan.Record(), SignedBy: signed, History: v.history, Counted: v.counted, Conds: v.conds})
	}
	for ods, views := range p.signers {
		for _, v := range views {
			s.Signers[ods] = append(s.Signers[ods], v.id)
		}
	}
	// A cell or SHA left empty when a plan moved out of it holds nothing a report reads.
	for k, c := range p.aggs.cells {
		if c.counts != (Counts{}) || c.required != 0 || c.signed != 0 || c.days.n != 0 || c.openDues.n != 0 || c.discharge.n != 0 {
			s.Cells[k] = cellState{Counts: c.counts, Required: c.required, Signed: c.signed, AssuredLive: c.assuredLive,
				Days: slices.Concat(c.days.blocks...), Submitted: slices.Concat(c.submitted.blocks...),
				OpenDues: slices.Concat(c.openDues.blocks...), Dis: slices.Concat(c.discharge.blocks...)}
		}
	}
	for sha, d := range p.aggs.shaDays {
		if d.n != 0 {
			s.SHADays[sha] = slices.Concat(d.blocks...)
		}
	}
	for sha, d := range p.aggs.shaDischarge {
		if d.n != 0 {
			s.SHADischarge[sha] = slices.Concat(d.blocks...)
		}
	}
	return s
}

// The projections keep no plan's content, whichever event brought it: a query reads it from the log
// (Projector.Plan), and a snapshot, which keeps none (domain.Plan.Record), loses nothing.
func TestProjectionsKeepNoContent(t *testing.T) {
	p := New(seededStore(t, 0), nil)
	require.NoError(t, p.CatchUp(context.Background()))
	require.NotEmpty(t, p.order)
	for _, v := range p.order {
		for _, ver := range v.plan.Versions() {
			require.True(t, ver.Content.IsZero(), "plan %s version %d holds content", v.id, ver.Number)
		}
	}
}
