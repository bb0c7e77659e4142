// Package demo seeds a realistic governance history of the 2009-10 planning round: the ten SHAs of
// 2009, NHS Connecting for Health, thirty PCTs each leading a Local Health Community with its
// providers, chief executives (some replaced mid-round), and one plan per LHC taken to every status
// the rules allow, including revisions after a "not assured" outcome.
//
// Every event goes through the real command handler with the actor the rules require, so the demo
// is a ledger the domain accepted, not data written around it. Time is simulated from 1 April 2009,
// so recorded_at, "as of" answers and the report's days-to-assurance look like the real round.
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

//go:embed plan-content.json
var sampleContent []byte

// Options tune the demo. The zero value gives the standard data set.
type Options struct {
	Seed  uint64    // varies names and figures; 0 is a fixed default
	Start time.Time // simulated start; zero is 1 April 2009, 09:00 UTC
}

// Summary says what was seeded.
type Summary struct {
	Organisations int
	LHCs          int
	Plans         int
	Events        int
	ByStatus      map[domain.Status]int
}

// Seed writes the demo into an empty store.
func Seed(ctx context.Context, store eventstore.Store, opts Options) (Summary, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return Summary{}, err
	}
	if head != 0 {
		return Summary{}, fmt.Errorf("demo: the store already holds %d events; the demo seeds only an empty store", head)
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2009, 4, 1, 9, 0, 0, 0, time.UTC)
	}
	g := &generator{
		rng:   rand.New(rand.NewPCG(opts.Seed, 2009)),
		now:   opts.Start,
		ceos:  map[string][]appointment{},
		sum:   Summary{ByStatus: map[domain.Status]int{}},
		store: store,
	}
	g.h = command.NewHandler(store, command.Options{Clock: func() time.Time { return g.now }})
	if err := json.Unmarshal(sampleContent, &g.content); err != nil {
		return Summary{}, fmt.Errorf("demo: sample content: %w", err)
	}
	if err := g.registry(ctx); err != nil {
		return g.sum, err
	}
	if err := g.plans(ctx); err != nil {
		return g.sum, err
	}
	g.sum.Events, err = countEvents(ctx, store)
	return g.sum, err
}

type appointment struct {
	person domain.Actor
	from   time.Time
}

type generator struct {
	rng     *rand.Rand
	now     time.Time
	h       *command.Handler
	store   eventstore.Store
	content domain.Content
	ceos    map[string][]appointment
	sum     Summary
}

var admin = domain.Actor{PersonID: "admin-registry", Name: "Registry Administrator", Role: domain.RoleAdmin, Org: cfhCode}

// tick moves the simulated clock on by a random span up to max; it never goes back.
func (g *generator) tick(max time.Duration) {
	g.now = g.now.Add(time.Minute + time.Duration(g.rng.Int64N(int64(max))))
}

func (g *generator) person(org string, role domain.Role) domain.Actor {
	name := firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
	return domain.Actor{PersonID: fmt.Sprintf("%s-%s-%04d", org, role, g.rng.IntN(10000)), Name: name, Role: role, Org: org}
}

func (g *generator) reg(ctx context.Context, cmd domain.RegistryCommand) error {
	g.tick(10 * time.Minute)
	if _, err := g.h.Registry(ctx, command.Request{Actor: admin}, cmd); err != nil {
		return fmt.Errorf("demo: %T: %w", cmd, err)
	}
	return nil
}

func (g *generator) org(ctx context.Context, code, name string, kind domain.OrgKind, sha string) error {
	g.sum.Organisations++
	if err := g.reg(ctx, domain.RegisterOrganisation{ODSCode: code, Name: name, Kind: kind, SHACode: sha}); err != nil {
		return err
	}
	if kind == domain.KindSHA || kind == domain.KindCfH {
		return nil
	}
	return g.appoint(ctx, code, time.Date(2006, 10, 1, 0, 0, 0, 0, time.UTC))
}

func (g *generator) appoint(ctx context.Context, code string, from time.Time) error {
	ce := g.person(code, domain.RoleChiefExecutive)
	g.ceos[code] = append(g.ceos[code], appointment{ce, from})
	return g.reg(ctx, domain.AppointChiefExecutive{ODSCode: code, PersonID: ce.PersonID, Name: ce.Name, EffectiveFrom: from})
}

// chiefExecutive is who the registry says leads org at the simulated now.
func (g *generator) chiefExecutive(org string) domain.Actor {
	var ce domain.Actor
	for _, a := range g.ceos[org] {
		if !a.from.After(g.now) {
			ce = a.person
		}
	}
	return ce
}

func (g *generator) registry(ctx context.Context) error {
	for _, s := range shas {
		if err := g.org(ctx, s.code, s.name, domain.KindSHA, ""); err != nil {
			return err
		}
	}
	if err := g.org(ctx, cfhCode, cfhName, domain.KindCfH, ""); err != nil {
		return err
	}
	for i, c := range communities {
		if err := g.org(ctx, c.pct, c.pctName, domain.KindPCT, c.sha); err != nil {
			return err
		}
		members := []string{}
		for _, p := range c.providers {
			kind := domain.KindProvider
			if p.nonNHS {
				kind = domain.KindNonNHSProvider
			}
			if err := g.org(ctx, p.code, p.name, kind, c.sha); err != nil {
				return err
			}
			members = append(members, p.code)
		}
		// Every fifth LHC's lead PCT gets a new chief executive mid-round, so "who was the SRO on
		// date D" has two answers depending on D.
		if i%5 == 2 {
			if err := g.appoint(ctx, c.pct, time.Date(2009, 6, 15, 0, 0, 0, 0, time.UTC)); err != nil {
				return err
			}
		}
		g.sum.LHCs++
		if err := g.reg(ctx, domain.FormLHC{LHCID: lhcID(c), Name: c.pctName[:len(c.pctName)-4] + " Local Health Community",
			LeadPCT: c.pct, SHACode: c.sha, Members: members}); err != nil {
			return err
		}
	}
	return nil
}

func lhcID(c community) string { return "lhc-" + slug(c.pctName[:len(c.pctName)-4]) }

func slug(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = append(out, byte(r))
		case r >= 'A' && r <= 'Z':
			out = append(out, byte(r-'A'+'a'))
		case len(out) > 0 && out[len(out)-1] != '-':
			out = append(out, '-')
		}
	}
	for len(out) > 0 && out[len(out)-1] == '-' {
		out = out[:len(out)-1]
	}
	return string(out)
}

func countEvents(ctx context.Context, store eventstore.Store) (int, error) {
	n := 0
	var after eventstore.Position
	for {
		evs, err := store.ReadAll(ctx, after, 4096)
		if err != nil {
			return n, err
		}
		if len(evs) == 0 {
			return n, nil
		}
		n += len(evs)
		after = evs[len(evs)-1].Position
	}
}
