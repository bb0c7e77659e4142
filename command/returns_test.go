package command_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
)

// assuredPlan takes a plan of lhc-brent through to the fixture's assurance and returns its id and
// the assurance's event id.
func (f *fixture) assuredPlan(t *testing.T) (planID, assuranceID string) {
	t.Helper()
	sub := f.submit(t, command.Request{})
	hash, err := eventcodec.ContentHash(sampleContent(t))
	require.NoError(t, err)
	f.plan(t, provider, sub.PlanID, domain.RecordContribution{Section: "clinical5", Summary: "Order comms"})
	f.plan(t, cePCT, sub.PlanID, domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash})
	f.plan(t, ceRJ1, sub.PlanID, domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash})
	a := f.plan(t, assurer, sub.PlanID, assured)
	return sub.PlanID, a.EventID
}

func returnOf(planID, assuranceID string) domain.SubmitReturn {
	return domain.SubmitReturn{SHACode: "Q36", Round: "2009-10",
		Plans:       []domain.ReturnedPlan{{PlanID: planID, Version: 1, AssuranceEventID: assuranceID, Outcome: domain.OutcomeAssured, ReflectedInPfITPlan: true}},
		Exceptions:  []domain.ReturnException{},
		PfITPlanRef: domain.PfITPlanRef{Title: "London PfIT deployment plan", Version: "4", DocumentSHA256: strings.Repeat("ab", 32)}}
}

// A return is checked against the plans it names, as of the log's head, and recorded in the SHA's
// return stream for the round; CfH acknowledges it by its event id.
func TestReturnsAreCheckedRecordedAndAcknowledged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	planID, assuranceID := f.assuredPlan(t)
	before := head(t, f.store)

	// A return that names another assurance is refused and writes nothing.
	bad := returnOf(planID, "0190f0c4-0000-7000-8000-000000000001")
	_, err := f.h.SubmitReturn(ctx, command.Request{Actor: assurer}, bad)
	require.ErrorIs(t, err, domain.ErrReturnMismatch)
	assert.Equal(t, before, head(t, f.store))

	req := command.Request{Actor: assurer, CommandID: "0190f0c4-aaaa-7000-8000-000000000001"}
	r, err := f.h.SubmitReturn(ctx, req, returnOf(planID, assuranceID))
	require.NoError(t, err)
	assert.Equal(t, domain.ReturnStream("Q36", "2009-10"), r.Stream)
	assert.Equal(t, uint64(0), r.Revision)
	assert.Empty(t, r.PlanID)
	again, err := f.h.SubmitReturn(ctx, req, returnOf(planID, assuranceID))
	require.NoError(t, err)
	assert.True(t, again.Replayed, "the same command id records nothing more")
	assert.Equal(t, r.EventID, again.EventID)

	events, err := f.store.ReadStream(ctx, r.Stream, 0, 0)
	require.NoError(t, err)
	require.Len(t, events, 1)
	e, err := command.DecodeRecorded(events[0])
	require.NoError(t, err)
	got := e.Data.(domain.SHAReturnSubmitted)
	assert.Equal(t, before, got.AsOfPosition, "as of the head when it was checked")
	assert.Equal(t, assurer, e.Meta.Actor)

	latest, ok, err := f.h.LatestReturn(ctx, "Q36", "2009-10")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r.EventID, latest.EventID)

	// Acknowledged by its id; an id of no return is not found, a wrong role refused.
	_, err = f.h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, "Q36", "0190f0c4-0000-7000-8000-00000000dead", domain.AcknowledgeReturn{})
	require.ErrorIs(t, err, domain.ErrReturnNotFound)
	_, err = f.h.AcknowledgeReturn(ctx, command.Request{Actor: assurer}, "Q36", r.EventID, domain.AcknowledgeReturn{})
	require.ErrorIs(t, err, domain.ErrRoleNotAllowed)
	ack, err := f.h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, "Q36", r.EventID, domain.AcknowledgeReturn{Note: "Received", Queries: []string{"Confirm the PfIT plan version"}})
	require.NoError(t, err)
	assert.Equal(t, r.Stream, ack.Stream)
	assert.Equal(t, uint64(1), ack.Revision)
	_, err = f.h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, "Q36", r.EventID, domain.AcknowledgeReturn{})
	require.ErrorIs(t, err, domain.ErrAlreadyAcknowledged)

	// A fresh handler folds the stream from the store and sees the acknowledgement.
	h2 := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	latest, ok, err = h2.LatestReturn(ctx, "Q36", "2009-10")
	require.NoError(t, err)
	require.True(t, ok)
	require.NotNil(t, latest.Acknowledgement)
	assert.Equal(t, []string{"Confirm the PfIT plan version"}, latest.Acknowledgement.Queries)

	rec, ok, err := h2.PlanRecord(ctx, planID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, assuranceID, rec.Versions[0].Assurance.EventID)
	_, ok, err = h2.PlanRecord(ctx, "not-a-uuid")
	require.NoError(t, err)
	assert.False(t, ok)
}

// A return that cannot name a stream (no SHA, a malformed round) is refused by the rules.
func TestReturnWithoutAStreamIsRefused(t *testing.T) {
	f := newFixture(t)
	before := head(t, f.store)
	_, err := f.h.SubmitReturn(context.Background(), command.Request{Actor: assurer}, domain.SubmitReturn{Round: "2009/10"})
	require.Error(t, err)
	var e *domain.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, before, head(t, f.store))
}

// The handler reads the ledger for what a return's rules depend on beyond the plans it names: the
// live plan of an LHC it gives an exception for, and, on acknowledgement, the named plans as they
// stand now.
func TestReturnsAreHeldToTheLedgerAsItStands(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	planID, assuranceID := f.assuredPlan(t)

	placeholder := returnOf(planID, assuranceID)
	placeholder.Plans = nil
	placeholder.Exceptions = []domain.ReturnException{{LHCID: "lhc-brent", Reason: "To follow."}}
	before := head(t, f.store)
	_, err := f.h.SubmitReturn(ctx, command.Request{Actor: assurer}, placeholder)
	require.ErrorIs(t, err, domain.ErrReturnMismatch, "lhc-brent has an assured plan: an exception is not for it")
	assert.Contains(t, err.Error(), planID)
	assert.Equal(t, before, head(t, f.store))

	r, err := f.h.SubmitReturn(ctx, command.Request{Actor: assurer}, returnOf(planID, assuranceID))
	require.NoError(t, err)
	f.plan(t, pct, planID, domain.WithdrawPlan{Reason: "Boundaries redrawn"})
	before = head(t, f.store)
	_, err = f.h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, "Q36", r.EventID, domain.AcknowledgeReturn{})
	require.ErrorIs(t, err, domain.ErrReturnStale)
	assert.Contains(t, err.Error(), "withdrawn")
	assert.Equal(t, before, head(t, f.store))

	// With the plan withdrawn, the LHC is returned by an exception, which CfH acknowledges.
	r, err = f.h.SubmitReturn(ctx, command.Request{Actor: assurer}, placeholder)
	require.NoError(t, err)
	_, err = f.h.AcknowledgeReturn(ctx, command.Request{Actor: cfh}, "Q36", r.EventID, domain.AcknowledgeReturn{})
	require.NoError(t, err)
}
