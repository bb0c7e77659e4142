package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/audit"
)

// liar stands between the auditor and a real ledger and changes what the ledger answers: each
// rule sees a request and may answer it itself (true), or change the real answer (rewrite).
type liar struct {
	http  *httptest.Server
	rules []func(w http.ResponseWriter, r *http.Request) bool
	// rewrite changes the real answer's body for a request, or returns it as it was.
	rewrite func(r *http.Request, body []byte) []byte
}

func lyingProxy(t *testing.T, l *ledger) *liar {
	t.Helper()
	target, err := url.Parse(l.http.URL)
	require.NoError(t, err)
	lp := &liar{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if lp.rewrite == nil || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		body = lp.rewrite(resp.Request, body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
		return nil
	}
	lp.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rule := range lp.rules {
			if rule(w, r) {
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(lp.http.Close)
	return lp
}

// auditVia audits l through the proxy into state.
func (lp *liar) audit(l *ledger, state string, opts ...func(*audit.Options)) (*audit.Report, error) {
	o := audit.Options{URL: lp.http.URL, Token: l.token(), State: state, RetryFor: 3 * time.Second}
	audit.Sampled(l.t, sampleSize)(&o)
	for _, f := range opts {
		f(&o)
	}
	return audit.Run(context.Background(), o)
}

// isAsked reports whether r asks path (exactly) with the query holding every part given.
func isAsked(r *http.Request, path string, query ...string) bool {
	if r.URL.Path != path {
		return false
	}
	for _, q := range query {
		if !strings.Contains(r.URL.RawQuery, q) {
			return false
		}
	}
	return true
}

// A question the server fails, or keeps asking to be retried beyond the audit's bound, is listed
// unanswered and every other question is still asked and compared: the audit ends "incomplete",
// never clean. A server that cannot be reached, or an audit interrupted, ends "failed", its report
// counting what the mirror holds.
func TestAnUnansweredQuestionIsAFindingAndTheRestGoOn(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case isAsked(r, "/v1/organisations/5K5", "as_of="):
			http.Error(w, `{"title":"broken"}`, http.StatusInternalServerError)
			return true
		case isAsked(r, "/v1/organisations/RJ1", "as_of="):
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"title":"busy"}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	rep, err := lp.audit(l, t.TempDir(), audit.Sampled(t, sampleSize, "/v1/organisations/5K5?as_of=", "/v1/organisations/RJ1?as_of="))
	require.NoError(t, err)
	assert.Equal(t, audit.StatusIncomplete, rep.Status)
	assert.False(t, rep.OK())
	assert.Empty(t, rep.Findings)
	assert.Zero(t, rep.DifferencesTotal, "%v", rep.Differences)
	var asked []string
	for _, u := range rep.Unanswered {
		asked = append(asked, strings.SplitN(u.Query, "?", 2)[0])
	}
	assert.ElementsMatch(t, []string{"/v1/organisations/5K5", "/v1/organisations/RJ1"}, asked, "%v", rep.Unanswered)
	assert.Equal(t, rep.AnswersAsked-2, rep.AnswersCompared, "every other question was compared")
	assert.GreaterOrEqual(t, rep.AnswersCompared, sampleSize)

	// Unreachable: failed, nothing certified.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	rep, err = audit.Run(context.Background(), audit.Options{URL: dead.URL, Token: l.token(), State: t.TempDir()})
	require.Error(t, err)
	assert.Equal(t, audit.StatusFailed, rep.Status)
	assert.NotEmpty(t, rep.Error)
}

// An audit interrupted while it mirrors stops at once, keeps what it checked, and its report says
// how much the mirror holds; the next audit goes on from there.
func TestAnInterruptedAuditKeepsWhatItVerified(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pages atomic.Int32
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		if isAsked(r, "/v1/audit/events", "view=stored") && pages.Add(1) > 2 {
			cancel() // the auditor presses Ctrl-C while the third page is slow to come
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return true
		}
		return false
	})
	state := t.TempDir()
	start := time.Now()
	rep, err := audit.Run(ctx, audit.Options{URL: lp.http.URL, Token: l.token(), State: state, Page: 100})
	require.ErrorIs(t, err, context.Canceled, "%+v", rep)
	assert.Less(t, time.Since(start), 10*time.Second, "stops at once")
	assert.Equal(t, audit.StatusFailed, rep.Status)
	assert.EqualValues(t, 200, rep.EventsHeld, "the two pages checked were kept")

	again, err := l.audit(state, noCompare)
	require.NoError(t, err)
	assert.Equal(t, audit.StatusClean, again.Status)
	assert.Equal(t, again.EventsHeld-200, again.EventsMirrored)
}

// A server lying in answers other than those as of a position is caught: the present
// transparency report, an organisation's chief executive now, a report's CSV form, and the plan
// list filtered by SHA.
func TestAuditComparesPresentAnswersCSVAndFilters(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	var trail atomic.Value  // the one audit trail changed
	var bundle atomic.Value // the one bundle a plan was taken out of
	lp.rewrite = func(r *http.Request, body []byte) []byte {
		q := r.URL.Query()
		_, asOf := q["as_of"]
		switch {
		case q.Get("format") == "bundle" && bytes.Contains(body, []byte(`"plan_id"`)) && bundle.CompareAndSwap(nil, r.URL.RequestURI()):
			// A whole plan taken out, its sign-offs from the summary too: the bundle still verifies.
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			signoffs := v["signoffs"].([]any)
			plan := signoffs[0].(map[string]any)["plan_id"].(string)
			var keptEvents, keptSignOffs []any
			for _, e := range v["events"].([]any) {
				if !strings.HasSuffix(e.(map[string]any)["stream"].(string), plan) {
					keptEvents = append(keptEvents, e)
				}
			}
			for _, so := range signoffs {
				if so.(map[string]any)["plan_id"] != plan {
					keptSignOffs = append(keptSignOffs, so)
				}
			}
			v["events"], v["signoffs"] = keptEvents, keptSignOffs
			if keptSignOffs == nil {
				v["signoffs"] = []any{}
			}
			body, _ = json.Marshal(v)
		case strings.HasSuffix(r.URL.Path, "/audit-trail") && trail.CompareAndSwap(nil, r.URL.RequestURI()):
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			entries := v["entries"].([]any)
			v["entries"] = entries[:len(entries)-1] // the plan's last event hidden
			body, _ = json.Marshal(v)
		case r.URL.Path == "/v1/reports/transparency" && !asOf && q.Get("sha") == "" && q.Get("round") == "" &&
			!strings.Contains(r.Header.Get("Accept"), "csv"):
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			totals := v["totals"].(map[string]any)
			totals["plans"] = totals["plans"].(float64) + 1
			body, _ = json.Marshal(v)
		case r.URL.Path == "/v1/organisations/5K5" && !asOf:
			body = bytes.Replace(body, []byte(`"name":`), []byte(`"name":"Mallory Forger","was":`), 1)
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			if ce, ok := v["chief_executive"].(map[string]any); ok {
				ce["name"] = "Mallory Forger"
			}
			body, _ = json.Marshal(v)
		case r.URL.Path == "/v1/reports/criteria" && asOf && q.Get("sha") == "" && q.Get("round") == "" &&
			strings.Contains(r.Header.Get("Accept"), "csv"):
			body = append(body, []byte("Q36-FORGED,1,2,3\n")...)
		case r.URL.Path == "/v1/plans" && q.Get("sha") == "Q36":
			var v map[string]any
			require.NoError(t, json.Unmarshal(body, &v))
			plans := v["plans"].([]any)
			require.NotEmpty(t, plans)
			v["plans"] = plans[1:]
			body, _ = json.Marshal(v)
		}
		return body
	}
	// The answers changed are asked whatever the sample, and 5K5's bundle, which holds plans.
	rep, err := lp.audit(l, t.TempDir(), audit.Sampled(t, sampleSize, "/v1/reports/transparency?min_position=", "/v1/organisations/5K5?min_position=",
		"/v1/reports/criteria?as_of=", "/v1/plans?sha=Q36&", "/v1/organisations/5K5/sro-evidence?format=bundle"))
	require.NoError(t, err)
	assert.Equal(t, audit.StatusDifferences, rep.Status)
	assert.Empty(t, rep.Unanswered)
	at := rep.ComparedAsOf
	seen := map[string]bool{}
	for _, d := range rep.Differences {
		seen[d.Query] = true
	}
	for _, want := range []string{
		fmt.Sprintf("/v1/reports/transparency?min_position=%d", at),
		fmt.Sprintf("/v1/organisations/5K5?min_position=%d", at),
		fmt.Sprintf("/v1/reports/criteria?as_of=%d&min_position=%d (text/csv)", at, at),
		fmt.Sprintf("/v1/plans?sha=Q36&as_of=%d&min_position=%d", at, at),
	} {
		assert.True(t, seen[want], "a difference in %s: %v", want, seen)
	}
	changed, _ := trail.Load().(string)
	require.NotEmpty(t, changed)
	assert.True(t, seen[changed], "a difference in the audit trail %s", changed)
	cut, _ := bundle.Load().(string)
	require.NotEmpty(t, cut)
	assert.True(t, seen[cut], "a difference in the bundle %s: %v", cut, seen)
	for _, d := range rep.Differences {
		if d.Query == cut {
			assert.NotContains(t, string(d.Server), "does not verify", "the bundle verifies: only holding it to the mirror shows what it lacks")
		}
	}
	for q := range seen {
		assert.True(t, strings.HasPrefix(q, "/v1/reports/transparency?min_position=") || strings.HasPrefix(q, "/v1/organisations/5K5?") ||
			strings.HasPrefix(q, "/v1/reports/criteria?") || strings.HasPrefix(q, "/v1/plans?sha=Q36") || q == changed || q == cut, "only what was changed differs: %s", q)
	}
}

// An answer longer than any honest one is not read past its limit: an endless body ends the audit
// at once rather than the auditor's memory.
func TestAnEndlessAnswerIsNotReadPastItsLimit(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/ledger/public-key" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		chunk := bytes.Repeat([]byte(" "), 1<<16)
		for i := 0; i < 4096; i++ { // 256 MiB at most: the test stops by itself
			if _, err := w.Write(chunk); err != nil {
				return true
			}
		}
		return true
	})
	start := time.Now()
	rep, err := lp.audit(l, t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "longer than")
	assert.Equal(t, audit.StatusFailed, rep.Status)
	assert.Less(t, time.Since(start), 20*time.Second)
}

// A feed whose pages do not advance as an honest server's do (endless empty pages, each a
// position further, under a head far away) is refused, naming the page.
func TestAFeedThatPagesForeverIsRefused(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	lp.rules = append(lp.rules, func(w http.ResponseWriter, r *http.Request) bool {
		if !isAsked(r, "/v1/audit/events", "view=stored") {
			return false
		}
		var from uint64
		_, _ = fmt.Sscan(r.URL.Query().Get("from_position"), &from)
		fmt.Fprintf(w, `{"format":%q,"events":[],"head_position":1000000000000,"next_from_position":%d,"next":"x"}`, api.StoredEventsFormat, from+1)
		return true
	})
	rep, err := lp.audit(l, t.TempDir(), noCompare, func(o *audit.Options) { o.Page = 100 })
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, audit.KindBadFeed, rep.Findings[0].Kind)
	assert.Contains(t, rep.Findings[0].Reason, "empty page")
	assert.Equal(t, audit.StatusTampering, rep.Status)
}

// A server refusing every proof the departure search needs does not get to choose where the
// departure is said to be: the finding names the range, not leaf 0. (Heads are the server's own;
// the state's head is the real one, the server now signing another root of the same size is
// simulated by refusing every consistency proof after a matched head of a different tree.)
func TestARefusedProofIsUnansweredNotADifferentRoot(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	lp := lyingProxy(t, l)
	refused := func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/ledger/proofs/consistency" {
			http.Error(w, `{"title":"no"}`, http.StatusBadRequest)
			return true
		}
		return false
	}
	state := t.TempDir()
	first, err := lp.audit(l, state, noCompare)
	require.NoError(t, err)
	require.Equal(t, audit.StatusClean, first.Status)
	registerVia(t, l, "ZR", 3)
	lp.rules = append(lp.rules, refused)
	// The head grew: the proof from the last audit's head is refused, which is unanswered; the
	// mirror's own tree, which holds both heads, stands in for it.
	rep, err := lp.audit(l, state, noCompare)
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	require.NotEmpty(t, rep.Unanswered)
	assert.Contains(t, rep.Unanswered[0].Query, "/v1/ledger/proofs/consistency")
	assert.Equal(t, audit.StatusIncomplete, rep.Status)
	assert.NotNil(t, rep.Head, "the head was still matched against the mirror")
}
