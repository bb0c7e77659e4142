package command_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// heldStore holds every append to a plan stream until release is closed, telling held when one
// waits.
type heldStore struct {
	eventstore.Store
	held    chan struct{}
	release chan struct{}
}

func (s heldStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.Event) (eventstore.AppendResult, error) {
	if strings.HasPrefix(stream, "plan-") {
		s.held <- struct{}{}
		<-s.release
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

// An appointment decided while a sign-off is being appended sees the sign-off: the sign-off was
// decided first, and the appointment may not take effect before it.
func TestAppointmentSeesASignOffBeingAppended(t *testing.T) {
	f := newFixture(t)
	sub := f.submit(t, command.Request{})
	hash, err := eventcodec.ContentHash(sampleContent(t))
	require.NoError(t, err)
	held := heldStore{Store: f.store, held: make(chan struct{}), release: make(chan struct{})}
	h := command.NewHandler(held, command.Options{Clock: f.clock.now})
	signed := make(chan error, 1)
	go func() {
		_, err := h.Plan(context.Background(), command.Request{Actor: cePCT}, sub.PlanID, domain.SignOffPlan{Version: 1, Statement: "As SRO", ContentHash: hash})
		signed <- err
	}()
	<-held.held
	_, err = h.Registry(context.Background(), command.Request{Actor: admin},
		domain.AppointChiefExecutive{ODSCode: "5K5", PersonID: "ce-next", Name: "Nia Next", EffectiveFrom: time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.ErrorIs(t, err, domain.ErrAppointmentBeforeActs)
	close(held.release)
	require.NoError(t, <-signed)
	// And once recorded, a handler that has read nothing yet finds it in the log.
	_, err = command.NewHandler(f.store, command.Options{Clock: f.clock.now}).Registry(context.Background(), command.Request{Actor: admin},
		domain.AppointChiefExecutive{ODSCode: "5K5", PersonID: "ce-next", Name: "Nia Next", EffectiveFrom: time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.ErrorIs(t, err, domain.ErrAppointmentBeforeActs)
}
