package command_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
)

func TestKeyedCommandIDIsScopedToPersonAndRequest(t *testing.T) {
	const key = "5b0e8c1e-9a43-4d36-9d7e-2f1c0b7a6e11"
	fp := command.Fingerprint("POST", "/v1/plans", []byte(`{"a":1}`))
	id := command.KeyedCommandID("pc-1", key, fp)
	assert.Regexp(t, `^k1:[0-9a-f]{32}:[0-9a-f]{32}$`, id)
	assert.NotContains(t, id, key)
	assert.Equal(t, id, command.KeyedCommandID("pc-1", key, fp), "derived, not random")
	for _, other := range []string{
		command.KeyedCommandID("pc-2", key, fp),
		command.KeyedCommandID("pc-1", "5b0e8c1e-9a43-4d36-9d7e-2f1c0b7a6e12", fp),
		command.KeyedCommandID("pc-1", key, command.Fingerprint("POST", "/v1/plans", []byte(`{"a":2}`))),
		command.KeyedCommandID("pc-1", key, command.Fingerprint("PATCH", "/v1/plans", []byte(`{"a":1}`))),
		command.KeyedCommandID("pc-1", key, command.Fingerprint("POST", "/v1/lhcs", []byte(`{"a":1}`))),
	} {
		assert.NotEqual(t, id, other)
	}
	// The person's key part is the same whatever the request: that is how a reuse is found.
	assert.Equal(t, id[:35], command.KeyedCommandID("pc-1", key, command.Fingerprint("POST", "/v1/plans", nil))[:35])
}

// The same person's key with another request on the same stream is refused and writes nothing;
// another person's key is a new command; a raw command id of an older log is never matched by a
// derived one.
func TestKeyedCommandsOnAStream(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{CommandID: "11111111-1111-4111-8111-111111111111"}) // as an older ledger recorded keys
	const key = "0d9f3b59-3c0e-4f7a-a6d1-8d6e3f2b1c44"
	id := func(person, body string) string {
		return command.KeyedCommandID(person, key, command.Fingerprint("POST", "/v1/plans/"+sub.PlanID+"/contributions", []byte(body)))
	}
	ctx := context.Background()
	contribute := func(person, body string) (command.Result, error) {
		a := provider
		a.PersonID = person
		return f.h.Plan(ctx, command.Request{Actor: a, CommandID: id(person, body)}, sub.PlanID, domain.RecordContribution{Section: "clinical5", Summary: body})
	}
	first, err := contribute("pr-1", "one")
	require.NoError(t, err)
	again, err := contribute("pr-1", "one")
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.EventID, again.EventID)
	headBefore := head(t, f.store)
	_, err = contribute("pr-1", "two")
	assert.ErrorIs(t, err, command.ErrKeyReused)
	assert.Equal(t, headBefore, head(t, f.store))
	other, err := contribute("pr-2", "one")
	require.NoError(t, err)
	assert.False(t, other.Replayed)
	assert.NotEqual(t, first.EventID, other.EventID)

	// After a restart the stream's keys are folded from the log, with their fingerprints.
	h := command.NewHandler(f.store, command.Options{Clock: f.clock.now})
	r, err := h.Plan(ctx, command.Request{Actor: provider, CommandID: id("pr-1", "one")}, sub.PlanID, domain.RecordContribution{Section: "clinical5", Summary: "one"})
	require.NoError(t, err)
	assert.Equal(t, first.EventID, r.EventID)
	_, err = h.Plan(ctx, command.Request{Actor: provider, CommandID: id("pr-1", "two")}, sub.PlanID, domain.RecordContribution{Section: "clinical5", Summary: "two"})
	assert.ErrorIs(t, err, command.ErrKeyReused)
	// The older log's raw id still answers its own caller as it did.
	old, err := h.Submit(ctx, command.Request{Actor: pct, CommandID: "11111111-1111-4111-8111-111111111111"}, domain.SubmitPlan{LHCID: "lhc-brent", Round: "2009-10",
		Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: sampleContent(t)})
	require.NoError(t, err)
	assert.Equal(t, sub.EventID, old.EventID)
}

// A key is claimed once across the ledger: the same person sending one key at the same moment to
// the registry (as an admin) and to a plan (as its PCT) gets one command recorded and the other
// refused, whichever wins, and nothing else is written.
func TestAKeyIsClaimedOnceAcrossStreams(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	ctx := context.Background()
	person := func(a domain.Actor) domain.Actor { a.PersonID = "pc-1"; return a }
	for i := range 20 {
		key := uuid.NewString()
		before := head(t, f.store)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Go(func() {
			id := command.KeyedCommandID("pc-1", key, command.Fingerprint("POST", "/v1/organisations", []byte{byte(i)}))
			_, errs[0] = f.h.Registry(ctx, command.Request{Actor: person(admin), CommandID: id},
				domain.RegisterOrganisation{ODSCode: fmt.Sprintf("Z%02d", i), Name: fmt.Sprintf("Zeta %d NHS Trust", i), Kind: domain.KindProvider, SHACode: "Q36"})
		})
		wg.Go(func() {
			id := command.KeyedCommandID("pc-1", key, command.Fingerprint("POST", "/v1/plans/"+sub.PlanID+"/contributions", []byte{byte(i)}))
			_, errs[1] = f.h.Plan(ctx, command.Request{Actor: person(provider), CommandID: id}, sub.PlanID,
				domain.RecordContribution{Section: "clinical5", Summary: fmt.Sprintf("Summary %d", i)})
		})
		wg.Wait()
		var recorded, reused int
		for _, err := range errs {
			switch {
			case err == nil:
				recorded++
			case errors.Is(err, command.ErrKeyReused):
				reused++
			default:
				t.Fatalf("round %d: %v", i, err)
			}
		}
		assert.Equal(t, 1, recorded, "round %d", i)
		assert.Equal(t, 1, reused, "round %d", i)
		assert.Equal(t, before+1, head(t, f.store), "round %d", i)
	}
}
