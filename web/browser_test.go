package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// browserNames are the executables tried, in order, after $LEDGER_TEST_BROWSER.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// findBrowser returns a Chromium to drive. Without one the test skips, except in CI (CI set), where
// a missing browser is a broken machine and fails the run.
func findBrowser(t *testing.T) string {
	t.Helper()
	names := browserNames
	if p := os.Getenv("LEDGER_TEST_BROWSER"); p != "" {
		names = append([]string{p}, names...)
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium found (tried $LEDGER_TEST_BROWSER and %s): install it, e.g. apt-get install chromium", strings.Join(browserNames, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser drives a tab of the shared Chromium for a test; screenshots go under
// $LEDGER_SCREENSHOT_DIR when it is set, and are not taken when it is not (a full-page screenshot at
// each width is much of a browser test's time, and nobody would see it).
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // "": no screenshots
}

// chromium is one headless Chromium that the package's browser tests share, started by the first
// of them: starting one is much of a short browser test's time. Each test drives a tab of its own
// in a browser context of its own, so that no cookie or storage passes from one test to another.
var chromium struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab, which keeps it running
	cancel context.CancelFunc
	err    error
}

func sharedChromium(path string) (context.Context, error) {
	chromium.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1440, 900),
			// Root (as in CI containers) cannot use Chromium's sandbox; the pages driven are our own.
			chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(alloc)
		chromium.ctx, chromium.cancel = ctx, func() { cancelBrowser(); cancelAlloc() }
		// The browser lives as long as the context of its first run, so that run has no deadline;
		// a browser that does not start in 90 s fails the tests instead of hanging the run.
		started := make(chan error, 1)
		go func() { started <- chromedp.Do(ctx) }()
		select {
		case chromium.err = <-started:
		case <-time.After(90 * time.Second):
			chromium.err = fmt.Errorf("%s did not start in 90 s", path)
		}
		if chromium.err != nil {
			chromium.cancel()
		}
	})
	return chromium.ctx, chromium.err
}

// closeChromium stops the shared browser, if a test started it; TestMain calls it.
func closeChromium() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := findBrowser(t)
	shared, err := sharedChromium(path)
	require.NoError(t, err, "starting %s", path)
	tab, closeTab := chromedp.NewContext(shared, chromedp.WithNewBrowserContext())
	t.Cleanup(closeTab)
	// A bound on the test's session so that a page that hangs fails the test instead of the run.
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)), "opening a tab in %s", path)
	dir := ""
	if keep := os.Getenv("LEDGER_SCREENSHOT_DIR"); keep != "" {
		dir = filepath.Join(keep, t.Name()) // to look at them after the run
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	return &browser{t: t, ctx: ctx, base: base, dir: dir}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

// eval runs a JavaScript expression that returns JSON text and decodes it into v.
func (b *browser) eval(js string, v any) {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	require.NoError(b.t, err, js)
	require.NoError(b.t, json.Unmarshal([]byte(s), v), s)
}

func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	u, err := url.Parse(loc)
	require.NoError(b.t, err)
	return u.Path
}

// checkLayout checks the page at both widths the dashboard promises: no sideways scrolling of the
// page body and a label for every control. It saves a full-page screenshot at each width where
// screenshots are kept, and the overview's at 1440 px as docs/overview.png with UPDATE_SCREENSHOT.
func (b *browser) checkLayout(name string) {
	b.t.Helper()
	for _, w := range []int64{1440, 375} {
		b.do(chromedp.EmulateViewport(w, 900))
		var fit struct {
			Scroll, Inner int
			Unlabelled    []string
		}
		b.eval(`JSON.stringify({
			scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
			unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
				.filter(el => !el.labels || el.labels.length === 0).map(el => el.name || el.id)})`, &fit)
		assert.LessOrEqual(b.t, fit.Scroll, fit.Inner, "%s at %d px scrolls sideways", name, w)
		assert.Empty(b.t, fit.Unlabelled, "%s: controls without a label", name)
		update := name == "overview" && w == 1440 && os.Getenv("UPDATE_SCREENSHOT") != ""
		if b.dir == "" && !update {
			continue
		}
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		require.NoError(b.t, err)
		if b.dir != "" {
			require.NoError(b.t, os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644))
		}
		if update {
			require.NoError(b.t, os.WriteFile(filepath.Join("..", "docs", "overview.png"), png, 0o644))
		}
	}
	b.do(chromedp.EmulateViewport(1440, 900))
}

// logScreenshots says where the test's screenshots are, when they are kept.
func (b *browser) logScreenshots() {
	if b.dir != "" {
		b.t.Logf("screenshots in %s", b.dir)
	}
}

// chartCounts reads the chart: plans per SHA and status, as the SVG draws them.
func (b *browser) chartCounts() map[string]map[domain.Status]int {
	b.t.Helper()
	var segs []struct {
		SHA    string
		Status domain.Status
		Count  int
	}
	b.eval(`JSON.stringify([...document.querySelectorAll('#chart rect.seg')].map(r =>
		({sha: r.dataset.sha, status: r.dataset.status, count: Number(r.dataset.count)})))`, &segs)
	out := map[string]map[domain.Status]int{}
	var bars []string
	b.eval(`JSON.stringify([...document.querySelectorAll('#chart g.bar')].map(g => g.dataset.sha))`, &bars)
	for _, sha := range bars {
		out[sha] = map[domain.Status]int{}
	}
	for _, s := range segs {
		out[s.SHA][s.Status] += s.Count
	}
	return out
}

// reportCounts is the same from the API's JSON report.
func reportCounts(t *testing.T, srv *httptest.Server, tok, query string) (map[string]map[domain.Status]int, projections.Report) {
	t.Helper()
	resp := apiGet(t, srv, "/v1/reports/transparency?"+query, tok)
	require.Equal(t, 200, resp.StatusCode)
	var rep projections.Report
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	out := map[string]map[domain.Status]int{}
	for _, r := range rep.BySHA {
		out[r.SHACode] = map[domain.Status]int{}
		for _, s := range domain.Statuses {
			if n := r.Counts.ByStatus(s); n > 0 {
				out[r.SHACode][s] = n
			}
		}
	}
	return out, rep
}

// TestDashboardInABrowser signs in with a one-click link, reads the overview's chart and checks it
// against the JSON report, follows an SHA link to a plan's timeline, and moves "as of" back.
func TestDashboardInABrowser(t *testing.T) {
	findBrowser(t) // before seeding a ledger for nothing
	t.Parallel()   // most of its time is waiting for its browser
	h, _ := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok := token(t, auditor)
	b := newBrowser(t, srv.URL)

	// The sign-in link: the token is in the fragment; the page fills in its form and says whose
	// token it is, but signs in only when the visitor presses the button.
	b.do(chromedp.Navigate(srv.URL+"/login#token="+tok), chromedp.WaitVisible(chromedp.CSS("#token-holder")))
	assert.Equal(t, "/login", b.path(), "the link alone signs nobody in")
	holder, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#token-holder")))
	require.NoError(t, err)
	assert.Contains(t, holder, auditor.Name)
	b.do(chromedp.Click(chromedp.CSS("#login button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#chart")))
	assert.Equal(t, "/", b.path())
	var loc string
	b.eval(`JSON.stringify(location.href)`, &loc)
	assert.NotContains(t, loc, tok, "the token is dropped from the address bar")
	b.checkLayout("overview")

	// Choose the round with the form.
	b.do(chromedp.SetValue(chromedp.CSS("#round"), "2009-10"), chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`#round option[value="2009-10"][selected]`)))
	now, nowRep := reportCounts(t, srv, tok, "round=2009-10")
	require.NotEmpty(t, nowRep.BySHA)
	assert.Equal(t, now, b.chartCounts(), "the chart draws the JSON report's numbers")
	var totals map[string]int
	b.eval(`JSON.stringify(Object.fromEntries([...document.querySelectorAll('#totals dd')].map(d => [d.dataset.status, Number(d.textContent)])))`, &totals)
	assert.Equal(t, nowRep.Totals.Plans, totals["plans"])
	for _, s := range domain.Statuses {
		assert.Equal(t, nowRep.Totals.ByStatus(s), totals[string(s)], "total %s", s)
	}

	// "As of" an earlier date shows earlier numbers, equal to the API's for the same moment.
	b.do(chromedp.SetValue(chromedp.CSS("#as_of"), "2009-07-01T00:00"), chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".asof-banner")))
	then, thenRep := reportCounts(t, srv, tok, "round=2009-10&as_of=2009-07-01T00:00:00Z")
	assert.Equal(t, then, b.chartCounts(), "the chart as of 1 July 2009")
	assert.Less(t, thenRep.Totals.Plans, nowRep.Totals.Plans, "fewer plans had been submitted by July 2009")
	b.checkLayout("overview-as-of")

	// Back to now, then follow an SHA link from the table and a plan link from the SHA page.
	b.do(chromedp.Click(chromedp.CSS(".asof-banner a")), chromedp.WaitVisible(chromedp.CSS("#chart")))
	b.do(chromedp.Click(chromedp.CSS(`#report tbody tr[data-sha="Q36"] a`)), chromedp.WaitVisible(chromedp.CSS("#lhcs")))
	assert.Equal(t, "/shas/Q36", b.path())
	b.checkLayout("sha")
	b.do(chromedp.Click(chromedp.CSS("#lhcs a.plan-link")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	planPath := b.path()
	require.True(t, strings.HasPrefix(planPath, "/plans/"), planPath)
	var trail struct{ Entries []struct{ Hash string } }
	resp := apiGet(t, srv, "/v1/plans/"+strings.TrimPrefix(planPath, "/plans/")+"/audit-trail", tok)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&trail))
	var hashes []string
	b.eval(`JSON.stringify([...document.querySelectorAll('#timeline li code.hash')].filter((_, i) => i % 2 === 0).map(c => c.textContent))`, &hashes)
	want := make([]string, len(trail.Entries))
	for i, e := range trail.Entries {
		want[i] = e.Hash
	}
	assert.Equal(t, want, hashes, "the timeline shows every event of the plan's stream with its hash")
	b.checkLayout("plan")

	// The SRO evidence page of the plan's lead PCT.
	b.do(chromedp.Navigate(srv.URL+"/organisations/5K5/sro"), chromedp.WaitVisible(chromedp.CSS("#bundle")))
	b.checkLayout("sro")
	b.logScreenshots()
}

// TestErrorPageInABrowser: a page that cannot be answered (here, no such plan) is a readable page
// saying why, not JSON. (Every signed-in role may open every page: none is refused for its role.)
func TestErrorPageInABrowser(t *testing.T) {
	findBrowser(t)
	t.Parallel() // most of its time is waiting for its browser
	h, _ := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL)
	b.do(chromedp.Navigate(srv.URL+"/login#token="+token(t, londonSA)), chromedp.WaitVisible(chromedp.CSS("#token-holder")),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#chart")))
	b.do(chromedp.Navigate(srv.URL+"/plans/not-a-plan"), chromedp.WaitVisible(chromedp.CSS("#error-message")))
	msg, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("#error-message")))
	require.NoError(t, err)
	assert.Contains(t, msg, "is not a plan id")
	b.checkLayout("error")
}
