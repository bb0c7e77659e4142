package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

// Every published answer is checked the same way: the question is asked of the server "as of" the
// position the mirror ends at, and of the ledger's own API code serving the mirror's projections
// (rebuilt from the checked log), and the two answers are compared member by member. The
// questions are every GET operation of the API document that takes as_of (the reports, the
// registry, the plans, SHA status, SRO evidence, and whatever is added to the API with as_of),
// asked for every value of their path parameters the mirror knows, and for every round where the
// operation filters by round.

// pathValues lists, for a path parameter of the API, every value the mirror's projections know at
// a cut: every organisation, every SHA, every published round, every plan. A new path parameter on
// an operation with as_of must be added here (TestEveryAsOfQueryIsCompared fails until it is).
var pathValues = map[string]func(ctx context.Context, p *projections.Projector, at eventstore.Position) ([]string, error){
	"ods": func(_ context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		orgs, _, err := p.OrganisationsAsOf(at)
		return codesOf(orgs, func(domain.Organisation) bool { return true }), err
	},
	"code": func(_ context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		orgs, _, err := p.OrganisationsAsOf(at)
		return codesOf(orgs, func(o domain.Organisation) bool { return o.Kind == domain.KindSHA }), err
	},
	"round": func(_ context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		rounds, _, err := p.PublishedRoundsAsOf(at)
		names := make([]string, len(rounds))
		for i, r := range rounds {
			names[i] = r.Round
		}
		return names, err
	},
	"id": func(ctx context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		plans, _, err := p.PlansAsOf(ctx, projections.PlanFilter{}, at)
		ids := make([]string, len(plans))
		for i, pl := range plans {
			ids[i] = pl.PlanID
		}
		return ids, err
	},
}

// queryValues lists, for a query parameter, the values each operation declaring it is also asked
// with, beside the question without it.
var queryValues = map[string]func(ctx context.Context, p *projections.Projector, at eventstore.Position) ([]string, error){
	"round": func(ctx context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		plans, _, err := p.PlansAsOf(ctx, projections.PlanFilter{}, at)
		var rounds []string
		for _, pl := range plans {
			rounds = append(rounds, pl.Round)
		}
		slices.Sort(rounds)
		return slices.Compact(rounds), err
	},
	"sha": func(_ context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		orgs, _, err := p.OrganisationsAsOf(at)
		return codesOf(orgs, func(o domain.Organisation) bool { return o.Kind == domain.KindSHA }), err
	},
	"lhc": func(_ context.Context, p *projections.Projector, at eventstore.Position) ([]string, error) {
		lhcs, _, err := p.LHCsAsOf(at)
		ids := make([]string, len(lhcs))
		for i, l := range lhcs {
			ids[i] = l.ID
		}
		return ids, err
	},
	// Every status, held or not: a server that lists a plan under a status it does not have, where
	// the mirror has none, differs as much as one that hides a plan.
	"status": func(context.Context, *projections.Projector, eventstore.Position) ([]string, error) {
		return []string{string(domain.StatusSubmitted), string(domain.StatusSignedOff), string(domain.StatusAssured), string(domain.StatusAssuredWithConditions),
			string(domain.StatusNotAssured), string(domain.StatusAcknowledged), string(domain.StatusWithdrawn)}, nil
	},
}

func codesOf(orgs []domain.Organisation, keep func(domain.Organisation) bool) []string {
	var out []string
	for _, o := range orgs {
		if keep(o) {
			out = append(out, o.ODSCode)
		}
	}
	return out
}

// operation is a GET of the API document that takes as_of.
type operation struct {
	path        string   // the template, /v1/shas/{code}/assurance-status
	pathParams  []string // in order
	queryParams []string // declared, besides as_of
	csv         bool     // it answers text/csv too
}

// question is one request asked of both sides.
type question struct {
	// path is the path and query.
	path string
	// op is the template of the operation asked (/v1/plans/{id}), "" for a trail or a bundle: a
	// test comparing a sample takes some of each operation.
	op string
	// csv asks for the text/csv form (Accept: text/csv), compared byte for byte.
	csv bool
	// present asks without as_of: the server's answer names the position it answered at, and is
	// compared with the mirror's present answer when that is the mirror's last position.
	present bool
	// trail asks for a plan's audit trail, as many events as the mirror holds of it: whether the
	// server has more since is left to the next audit.
	trail bool
	// bundle asks for an organisation's evidence bundle, held to the mirror (compareBundle).
	bundle bool
}

func (q question) String() string {
	if q.csv {
		return q.path + " (text/csv)"
	}
	return q.path
}

// asOfOperations are the GET operations of the API document that take as_of.
func asOfOperations() ([]operation, error) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		return nil, err
	}
	var ops []operation
	for path, item := range doc.Paths {
		raw, ok := item["get"]
		if !ok || !strings.HasPrefix(path, "/v1/") {
			continue
		}
		var op struct {
			Parameters []struct {
				Ref  string `json:"$ref"`
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			return nil, err
		}
		_, csv := op.Responses["200"].Content["text/csv"]
		o := operation{path: path, csv: csv}
		asOf := false
		for _, p := range op.Parameters {
			name, in := p.Name, p.In
			if ref, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
				c := doc.Components.Parameters[ref]
				name, in = c.Name, c.In
			}
			switch {
			case in == "path":
				o.pathParams = append(o.pathParams, name)
			case in == "query" && name == "as_of":
				asOf = true
			case in == "query":
				o.queryParams = append(o.queryParams, name)
			}
		}
		if asOf {
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path < ops[j].path })
	return ops, nil
}

// questions are the requests to ask both sides: every operation as of at, with each value of each
// filter it declares, in its CSV form where it has one, and as the server stands now.
func questions(ctx context.Context, p *projections.Projector, at eventstore.Position) ([]question, error) {
	ops, err := asOfOperations()
	if err != nil {
		return nil, err
	}
	var out []question
	for _, op := range ops {
		// Where the operation takes min_position, the server is asked to have applied the position
		// first: a server whose projections lag would otherwise answer as of less than was asked.
		minPos := ""
		if slices.Contains(op.queryParams, "min_position") {
			minPos = "min_position=" + strconv.FormatUint(at, 10)
		}
		asOf := "as_of=" + strconv.FormatUint(at, 10)
		if minPos != "" {
			asOf += "&" + minPos
		}
		paths := []string{op.path}
		for _, name := range op.pathParams {
			values, ok := pathValues[name]
			if !ok {
				return nil, fmt.Errorf("the audit knows no values for {%s} of GET %s: add them to audit.pathValues", name, op.path)
			}
			vs, err := values(ctx, p, at)
			if err != nil {
				return nil, err
			}
			var next []string
			for _, path := range paths {
				for _, v := range vs {
					next = append(next, strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v)))
				}
			}
			paths = next
		}
		for _, path := range paths {
			asked := []string{path + "?" + asOf}
			for _, q := range op.queryParams {
				values, ok := queryValues[q]
				if !ok {
					continue
				}
				vs, err := values(ctx, p, at)
				if err != nil {
					return nil, err
				}
				for _, v := range vs {
					asked = append(asked, path+"?"+q+"="+url.QueryEscape(v)+"&"+asOf)
				}
			}
			for _, a := range asked {
				out = append(out, question{path: a, op: op.path})
				if op.csv {
					out = append(out, question{path: a, op: op.path, csv: true})
				}
			}
			present := path
			if minPos != "" {
				present += "?" + minPos
			}
			out = append(out, question{path: present, op: op.path, present: true})
		}
	}
	// Every plan's audit trail (which takes no as_of: it is the plan's stream as recorded), its
	// first page of as many events as the mirror holds of the plan.
	plans, _, err := p.PlansAsOf(ctx, projections.PlanFilter{}, at)
	if err != nil {
		return nil, err
	}
	orgs, _, err := p.OrganisationsAsOf(at)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		out = append(out, question{path: fmt.Sprintf("/v1/organisations/%s/sro-evidence?format=bundle&as_of=%d&min_position=%d", url.PathEscape(o.ODSCode), at, at), bundle: true})
	}
	for _, pl := range plans {
		n := min(pl.Revision+1, maxTrailPage)
		out = append(out, question{path: fmt.Sprintf("/v1/plans/%s/audit-trail?limit=%d", url.PathEscape(pl.PlanID), n), trail: true})
	}
	return out, nil
}

// maxTrailPage is the largest page of an audit trail the API gives.
const maxTrailPage = 1000

// mirrorAPI serves the mirror's projections through the ledger's own API code.
type mirrorAPI struct {
	h       http.Handler
	token   string
	bundles *bundleCheck
}

func newMirrorAPI(p *projections.Projector, store eventstore.Store) (*mirrorAPI, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	tok, err := auth.Mint(secret, domain.Actor{PersonID: "ledger-audit", Name: "Ledger Audit", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), 24*time.Hour)
	if err != nil {
		return nil, err
	}
	h := api.New(api.Config{Projections: p, Store: store, Tokens: auth.NewVerifier(secret, nil),
		Reads: api.NewReadGate(1<<20, 1<<20), RequestTimeout: 10 * time.Minute, ReadWait: time.Minute})
	return &mirrorAPI{h: h, token: tok}, nil
}

func (m *mirrorAPI) get(ctx context.Context, q question) (int, []byte) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, q.path, nil)
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Accept", accept(q))
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func accept(q question) string {
	if q.csv {
		return "text/csv"
	}
	return "application/json"
}

// giveUpAfter is how many questions in a row may go unanswered before the rest are not asked: a
// server refusing everything would otherwise hold the audit for the retries of each.
const giveUpAfter = 20

// trailOnly are the members of an audit trail's page that say whether the server has more of the
// plan than the mirror: the next audit compares what it has since.
var trailOnly = map[string]bool{"/next": true, "/next_from_revision": true}

// presentOnly are the members of a present answer that depend on the clock rather than the log:
// the instant "who is chief executive" is answered for (an organisation, the SRO coverage report)
// is the time of the request.
var presentOnly = map[string]bool{"/chief_executive_at": true, "/chief_executives_at": true}

// presentLater is presentOnly for a present answer that names a later position than the mirror's
// of the same tree: the position is left out, every fact compared.
var presentLater = map[string]bool{"/chief_executive_at": true, "/chief_executives_at": true, "/as_of_position": true}

// compareAnswers rebuilds the projections from the mirror (from the snapshot an earlier audit
// left, then the events since), and asks the server and the mirror every question as of the
// server position the mirror ends at, or, where an event this build cannot decode stops the
// projections, as of the position before it (the event is a finding, as ledger verify reports
// it).
func compareAnswers(ctx context.Context, c *client, store eventstore.Store, pos *index, bc *bundleCheck, o Options, rep *Report, say func(string, ...any)) error {
	var local eventstore.Store = store
	if !pos.identical {
		local = &remapped{inner: store, pos: pos}
	}
	snap := filepath.Join(o.State, SnapshotFile)
	proj, err := projections.RestoreOrNew(ctx, local, snap, nil)
	if err != nil {
		return err
	}
	at := pos.last()
	if err := proj.CatchUp(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		bad, ferr := firstUndecodable(ctx, local, proj.Applied())
		if ferr != nil || bad == nil {
			return fmt.Errorf("rebuilding the projections from the mirror: %w", errors.Join(err, ferr))
		}
		rep.Findings = append(rep.Findings, *bad)
		at = bad.Position - 1
		say("the event at server position %d cannot be decoded: comparing as of position %d, before it", bad.Position, at)
		local = &capped{Store: local, last: at}
		if proj, err = projections.RestoreOrNew(ctx, local, "", nil); err != nil {
			return err
		}
		if err := proj.CatchUp(ctx); err != nil {
			return fmt.Errorf("rebuilding the projections from the mirror up to position %d: %w", at, err)
		}
	} else if _, err := proj.SaveSnapshot(snap); err != nil {
		say("the projections' snapshot was not saved (the next audit folds the whole mirror): %v", err)
	}
	if proj.Applied() != at {
		return fmt.Errorf("the mirror's projections reached position %d, not %d", proj.Applied(), at)
	}
	if at == 0 {
		return nil
	}
	mine, err := newMirrorAPI(proj, local)
	if err != nil {
		return err
	}
	mine.bundles = bc
	qs, err := questions(ctx, proj, at)
	if err != nil {
		return err
	}
	if o.sample != nil {
		qs = o.sample(qs)
	}
	say("comparing %d answers of the server with the mirror's, as of server position %d", len(qs), at)
	rep.ComparedAsOf, rep.AnswersAsked = at, len(qs)

	// The mirror's tree at the cut compared: a present answer of a larger tree is of a log that has
	// grown past the mirror.
	atSize := uint64((&remapped{pos: pos}).local(at))
	var mu sync.Mutex
	var failed error
	inARow := 0
	var moved []movedAnswer
	lastSaid := time.Now()
	work := make(chan question)
	var wg sync.WaitGroup
	// Two at a time: the server admits two expensive reads at once per person.
	for range 2 {
		wg.Go(func() {
			for q := range work {
				diffs, grown, err := compareOne(ctx, c, mine, q, at, atSize)
				mu.Lock()
				var u *unanswered
				switch {
				case errors.As(err, &u):
					rep.Unanswered = append(rep.Unanswered, u.Unanswered)
					inARow++
				case err != nil:
					if failed == nil {
						failed = err
					}
				case grown > 0:
					moved = append(moved, movedAnswer{q: q, treeSize: grown})
					inARow = 0
				default:
					rep.AnswersCompared++
					inARow = 0
				}
				if now := time.Now(); now.Sub(lastSaid) >= time.Second {
					lastSaid = now
					say("compared %d of %d answers, %d difference(s), %d unanswered", rep.AnswersCompared, len(qs), rep.DifferencesTotal, len(rep.Unanswered))
				}
				for _, d := range diffs {
					rep.DifferencesTotal++
					if len(rep.Differences) < MaxDifferences {
						rep.Differences = append(rep.Differences, d)
					}
					if o.Differences != nil {
						fmt.Fprintln(o.Differences, "DIFF", d)
					}
				}
				mu.Unlock()
			}
		})
	}
	sent := 0
	for _, q := range qs {
		mu.Lock()
		stop := failed != nil || inARow >= giveUpAfter
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- q
		sent++
	}
	close(work)
	wg.Wait()
	if failed == nil {
		failed = ctx.Err()
	}
	if rest := len(qs) - sent; rest > 0 && failed == nil {
		rep.Unanswered = append(rep.Unanswered, Unanswered{Query: fmt.Sprintf("(%d further questions)", rest),
			Reason: fmt.Sprintf("not asked: the server left %d questions in a row unanswered", giveUpAfter)})
	}
	if failed == nil && len(moved) > 0 {
		skipped, err := bc.heldToHeads(ctx, moved, atSize, rep)
		if err != nil {
			return err
		}
		if skipped > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%d present answer(s) not compared: the server's log had grown past the mirror's position %d when they were asked (audit again to compare them)", skipped, at))
		}
	}
	return failed
}

// movedAnswer is a present answer not compared: the server answered from a tree of treeSize leaves,
// larger than the mirror's.
type movedAnswer struct {
	q        question
	treeSize uint64
}

// heldToHeads holds the present answers the server gave from a tree larger than the mirror's
// (atSize leaves) to the heads it signs: a log that has grown is one the server signs a head of,
// so an answer from a tree larger than the newest head (asked again for a few seconds: the
// server's tree follows its log) is of a log the server does not sign, and is unanswered. It
// returns how many answers a signed head covers: those are passed over.
func (bc *bundleCheck) heldToHeads(ctx context.Context, moved []movedAnswer, atSize uint64, rep *Report) (covered int, err error) {
	need := uint64(0)
	for _, m := range moved {
		need = max(need, m.treeSize)
	}
	var signed uint64
	for try := 0; ; try++ {
		var th ledgertree.TreeHead
		if err := bc.c.getJSON(ctx, "/v1/ledger/tree-head", &th); err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
		} else if ledgertree.VerifyTreeHead(bc.key, th) == nil {
			signed = max(signed, th.TreeSize)
		}
		if signed >= need || try == headRetries {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(headRetryEvery):
		}
	}
	for _, m := range moved {
		if m.treeSize <= signed {
			covered++
			continue
		}
		rep.Unanswered = append(rep.Unanswered, Unanswered{Query: m.q.String(), Reason: fmt.Sprintf(
			"answered from a tree of %d leaves, larger than the mirror's %d and than any head the server signs (its newest verified head has %d): an answer from a log the server does not sign is not passed over as newer",
			m.treeSize, atSize, signed)})
	}
	return covered, nil
}

// headRetries and headRetryEvery bound how long an audit waits for the server's signed head to
// reach a size it has seen the server's log reach: the tree follows the log a moment behind.
const (
	headRetries    = 5
	headRetryEvery = time.Second
)

// compareOne asks both sides one question and lists where the answers differ. A question the
// server does not answer is an *unanswered error; grown, when not 0, says a present answer was not
// compared, the server having answered from a tree of that many leaves, larger than the mirror's
// atSize at position at.
func compareOne(ctx context.Context, c *client, mine *mirrorAPI, q question, at eventstore.Position, atSize uint64) (diffs []Difference, grown uint64, err error) {
	status, body, err := c.do(ctx, nil, request{path: q.path, accept: accept(q), limit: answerBody, want: []int{http.StatusBadRequest, http.StatusNotFound}})
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, &unanswered{Unanswered{Query: q.String(), Reason: err.Error()}}
	}
	var ignore map[string]bool
	if q.trail {
		ignore = trailOnly
	}
	if q.present && status == http.StatusOK {
		var cut struct {
			AsOfPosition *uint64 `json:"as_of_position"`
			TreeSize     *uint64 `json:"tree_size"`
		}
		ignore = presentOnly
		if json.Unmarshal(body, &cut) == nil && cut.AsOfPosition != nil && *cut.AsOfPosition > at {
			// Only a larger tree is a log that has grown; the position alone is the server's word (and
			// a store shared with other streams numbers past the ledger's last event).
			if cut.TreeSize != nil && *cut.TreeSize > atSize {
				return nil, *cut.TreeSize, nil
			}
			ignore = presentLater
		}
	}
	if q.bundle && status == http.StatusOK {
		diffs, err := mine.compareBundle(ctx, q, body)
		return diffs, 0, err
	}
	lstatus, lbody := mine.get(ctx, q)
	name := q.String()
	if status != lstatus {
		return []Difference{{Query: name, Pointer: "", Server: statusOf(status, body), Local: statusOf(lstatus, lbody)}}, 0, nil
	}
	if status != http.StatusOK {
		if s, l := statusOf(status, body), statusOf(lstatus, lbody); !bytes.Equal(s, l) {
			return []Difference{{Query: name, Server: s, Local: l}}, 0, nil
		}
		return nil, 0, nil
	}
	if q.csv {
		return diffLines(name, body, lbody), 0, nil
	}
	sv, err := decodeAnswer(body)
	if err != nil {
		return []Difference{{Query: name, Server: mustJSON("not JSON: " + err.Error()), Local: mustJSON("JSON")}}, 0, nil
	}
	lv, err := decodeAnswer(lbody)
	if err != nil {
		return nil, 0, fmt.Errorf("the mirror's own answer to %s is not JSON: %w", q, err)
	}
	var out []Difference
	diffJSON(name, "", sv, lv, &out)
	kept := out[:0]
	for _, d := range out {
		if !ignore[d.Pointer] {
			kept = append(kept, d)
		}
	}
	return kept, 0, nil
}

// diffLines compares two CSV answers line by line: the pointer names the line (from 1).
func diffLines(q string, server, local []byte) []Difference {
	s := strings.Split(string(server), "\n")
	l := strings.Split(string(local), "\n")
	var out []Difference
	for i := range max(len(s), len(l)) {
		d := Difference{Query: q, Pointer: fmt.Sprintf("line %d", i+1)}
		if i < len(s) {
			d.Server = mustJSON(s[i])
		}
		if i < len(l) {
			d.Local = mustJSON(l[i])
		}
		if !bytes.Equal(d.Server, d.Local) {
			out = append(out, d)
		}
	}
	return out
}

// statusOf is a non-200 answer as compared: its status and problem code (the rest names the
// request: its id, its path).
func statusOf(status int, body []byte) json.RawMessage {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(body, &p)
	return mustJSON(map[string]any{"status": status, "code": p.Code})
}

func decodeAnswer(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func mustJSON(v any) json.RawMessage {
	raw, _ := json.Marshal(v)
	return raw
}

// diffJSON appends to out every place where server and local differ, by RFC 6901 pointer: a member
// or element one side lacks, or a value that differs.
func diffJSON(q, ptr string, server, local any, out *[]Difference) {
	switch s := server.(type) {
	case map[string]any:
		l, ok := local.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range s {
			keys[k] = true
		}
		for k := range l {
			keys[k] = true
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range keys {
				if !yield(k) {
					return
				}
			}
		}) {
			sv, sok := s[k]
			lv, lok := l[k]
			p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			switch {
			case !sok:
				*out = append(*out, Difference{Query: q, Pointer: p, Local: mustJSON(lv)})
			case !lok:
				*out = append(*out, Difference{Query: q, Pointer: p, Server: mustJSON(sv)})
			default:
				diffJSON(q, p, sv, lv, out)
			}
		}
		return
	case []any:
		l, ok := local.([]any)
		if !ok {
			break
		}
		for i := range max(len(s), len(l)) {
			p := ptr + "/" + strconv.Itoa(i)
			switch {
			case i >= len(s):
				*out = append(*out, Difference{Query: q, Pointer: p, Local: mustJSON(l[i])})
			case i >= len(l):
				*out = append(*out, Difference{Query: q, Pointer: p, Server: mustJSON(s[i])})
			default:
				diffJSON(q, p, s[i], l[i], out)
			}
		}
		return
	}
	if sv, lv := mustJSON(server), mustJSON(local); !bytes.Equal(sv, lv) {
		*out = append(*out, Difference{Query: q, Pointer: ptr, Server: sv, Local: lv})
	}
}
