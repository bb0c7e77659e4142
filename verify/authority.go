package verify

import (
	"context"
	"fmt"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// A chained, correctly hashed event can still be one the ledger would never have accepted: an SRO
// sign-off recorded for someone who was not the organisation's chief executive, written by whoever
// holds the store and recomputes the hashes. The chain proves only that the log was not changed
// after the fact; these checks hold each sign-off to the authority the rules require, read from
// the log itself. ledger evidence applies them to a bundle (SignOffRefusal), ledger verify and
// ledger audit to the whole log (Authority), with the board approval a round may ask for first.

// SignOffRefusal says why sign-off d, recorded by actor at recordedAt, is not one the ledger
// accepts, or "" if it is: versionHash is the content hash of the version it signs (contentEvent
// the event holding that content, named in the reason), appointments the organisation's chief
// executive appointments recorded before it, oldest first. inForce is the index of the appointment
// in force when it was recorded.
func SignOffRefusal(d domain.SROSignedOff, actor domain.Actor, recordedAt time.Time, versionHash, contentEvent string, appointments []domain.ChiefExecutiveAppointed) (reason string, inForce int) {
	if versionHash != d.ContentHash {
		return fmt.Sprintf("signs content_hash %s but the content of version %d (event %s) hashes to %s", d.ContentHash, d.Version, contentEvent, versionHash), -1
	}
	if actor.PersonID != d.PersonID || actor.Org != d.ODSCode || actor.Role != domain.RoleChiefExecutive {
		return fmt.Sprintf("recorded for %s (%s of %s), not chief executive %s of %s", actor.PersonID, actor.Role, actor.Org, d.PersonID, d.ODSCode), -1
	}
	inForce = -1
	for i, a := range appointments {
		if !a.EffectiveFrom.After(recordedAt) {
			inForce = i
		}
	}
	if inForce < 0 || appointments[inForce].PersonID != d.PersonID {
		return fmt.Sprintf("signed by %s at %s, who the appointments recorded do not show as chief executive of %s then", d.PersonID, recordedAt.Format(time.RFC3339), d.ODSCode), -1
	}
	return "", inForce
}

// authority follows what the sign-off checks need of a log, event by event.
type authority struct {
	appointments map[string][]domain.ChiefExecutiveAppointed // by organisation
	versions     map[string]map[int]version                  // by stream, then version
	asks         map[string]bool                             // by round: whether it asks for board approval
	rounds       map[string]string                           // by stream: the plan's round
	approved     map[approvalKey]bool                        // the organisations' board approvals of versions
}

type approvalKey struct {
	stream  string
	version int
	ods     string
}

type version struct {
	hash, eventID string
}

func newAuthority() *authority {
	return &authority{appointments: map[string][]domain.ChiefExecutiveAppointed{}, versions: map[string]map[int]version{},
		asks: map[string]bool{}, rounds: map[string]string{}, approved: map[approvalKey]bool{}}
}

// relevant reports whether events of type t are read by the checks: the rest need not be decoded.
func relevant(t string) bool {
	switch t {
	case domain.TypeChiefExecutiveAppointed, domain.TypePlanSubmitted, domain.TypePlanRevised, domain.TypeSROSignedOff,
		domain.TypePlanningRoundPublished, domain.TypeBoardApprovalRecorded:
		return true
	}
	return false
}

// check takes a decoded event of the log, in order, and says why it is refused ("" if it is not).
func (a *authority) check(ev eventstore.RecordedEvent, e domain.Event) string {
	switch d := e.Data.(type) {
	case domain.ChiefExecutiveAppointed:
		a.appointments[d.ODSCode] = append(a.appointments[d.ODSCode], d)
	case domain.PlanningRoundPublished:
		a.asks[d.Round] = d.BoardApprovalRequired
	case domain.BoardApprovalRecorded:
		a.approved[approvalKey{ev.Stream, d.Version, d.ODSCode}] = true
	case domain.VersionEvent:
		if s, ok := d.(domain.PlanSubmitted); ok {
			a.rounds[ev.Stream] = s.Round
		}
		if a.versions[ev.Stream] == nil {
			a.versions[ev.Stream] = map[int]version{}
		}
		n, _ := d.VersionContent()
		a.versions[ev.Stream][n] = version{hash: e.ContentHash, eventID: ev.ID.String()}
	case domain.SROSignedOff:
		v, ok := a.versions[ev.Stream][d.Version]
		if !ok {
			return fmt.Sprintf("signs version %d, which the log does not hold before it", d.Version)
		}
		if reason, _ := SignOffRefusal(d, e.Meta.Actor, e.Meta.RecordedAt, v.hash, v.eventID, a.appointments[d.ODSCode]); reason != "" {
			return reason
		}
		// The decide rule ledger evidence holds a bundle to (board_approval_missing), held to the
		// whole log: a round that asks for it needs the organisation's approval of the version first.
		if round := a.rounds[ev.Stream]; a.asks[round] && !a.approved[approvalKey{ev.Stream, d.Version, d.ODSCode}] {
			return fmt.Sprintf("signed without a board's approval of version %d by %s, which round %s asks for first", d.Version, d.ODSCode, round)
		}
	}
	return ""
}

// Authority reads the whole log and holds every SRO sign-off to the authority the rules require
// (SignOffRefusal): one finding per sign-off refused. An event that does not decode is left to
// Chains, which reports it.
func Authority(ctx context.Context, store eventstore.Store) ([]Finding, error) {
	a := newAuthority()
	var out []Finding
	var after eventstore.Position
	for {
		events, err := store.ReadAll(ctx, after, 1000)
		if err != nil {
			return out, err
		}
		if len(events) == 0 {
			return out, nil
		}
		for _, ev := range events {
			if !relevant(ev.Type) || !domain.IsLedgerStream(ev.Stream) {
				continue
			}
			e, err := eventcodec.DecodeEnvelopeDigest(ev.Type, ev.Data, ev.Metadata)
			if err != nil {
				continue
			}
			if reason := a.check(ev, e); reason != "" && len(out) < MaxFindings {
				out = append(out, Finding{Position: ev.Position, Stream: ev.Stream, Revision: ev.Revision, EventID: ev.ID.String(), Type: ev.Type, Reason: reason})
			}
		}
		after = events[len(events)-1].Position
	}
}
