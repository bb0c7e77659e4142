package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/projections"
)

// TestReadingDetailsInABrowser: at 375 px the chart shows every bar's total and every table's
// caption can be read without scrolling its table; the SRO page of an organisation is a link
// wherever the SHA and plan pages name one; what an SHA waits for names its round; a plan with one
// version has no comparison of versions, one with several has; the page names the icon that
// /favicon.ico also answers.
func TestReadingDetailsInABrowser(t *testing.T) {
	findBrowser(t)
	t.Parallel() // most of its time is waiting for its browser
	h, proj := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL)
	b.signIn(token(t, auditor))

	b.do(chromedp.EmulateViewport(375, 900))
	b.open("/", "#chart")
	var clipped []string
	// A total or caption is cut off when it ends right of the box that shows it.
	b.eval(`JSON.stringify([
		...[...document.querySelectorAll('#chart text')].filter(t => t.getBoundingClientRect().right > document.querySelector('.chart').getBoundingClientRect().right)
			.map(t => 'chart text ' + t.textContent),
		...[...document.querySelectorAll('.scroll > table > caption')].filter(c => c.getBoundingClientRect().right > c.closest('.scroll').getBoundingClientRect().right + 1)
			.map(c => 'caption ' + c.textContent)])`, &clipped)
	assert.Empty(t, clipped, "cut off at 375 px on the overview")
	var totals []string
	b.eval(`JSON.stringify([...document.querySelectorAll('#chart text.total')].map(t => t.textContent))`, &totals)
	assert.Len(t, totals, 10, "a total for each SHA")

	b.open("/shas/Q36", "#lhcs")
	b.eval(`JSON.stringify([...document.querySelectorAll('.scroll > table > caption')].filter(c => c.getBoundingClientRect().right > c.closest('.scroll').getBoundingClientRect().right + 1)
		.map(c => c.textContent))`, &clipped)
	assert.Empty(t, clipped, "captions cut off at 375 px on the SHA page")
	var linkLines []int
	b.eval(`JSON.stringify([...document.querySelectorAll('#lhcs a.plan-link')].map(a => a.getClientRects().length))`, &linkLines)
	require.NotEmpty(t, linkLines)
	for _, n := range linkLines {
		assert.Equal(t, 1, n, "a plan link stays on one line")
	}
	var waiting struct {
		Orgs  []string
		Items []string
	}
	b.eval(`JSON.stringify({
		orgs: [...document.querySelectorAll('#waiting > li')].map(li => li.dataset.ods + ' ' + (li.querySelector(':scope > strong a') || {}).pathname),
		items: [...document.querySelectorAll('#waiting > li > ul > li')].map(li => li.textContent.trim())})`, &waiting)
	require.NotEmpty(t, waiting.Orgs, "Q36 waits for someone")
	for _, o := range waiting.Orgs {
		code, path, _ := strings.Cut(o, " ")
		if _, registered := proj.Organisation(code); registered {
			assert.Equal(t, "/organisations/"+code+"/sro", path, "the organisation an SHA waits for links to its SRO page")
		}
	}
	round := regexp.MustCompile(`, 20\d\d-\d\d$`)
	for _, item := range waiting.Items {
		assert.Regexp(t, round, item, "an outstanding item says its round")
	}
	var leadLinks []string
	b.eval(`JSON.stringify([...document.querySelectorAll('#lhcs a.org')].map(a => a.pathname))`, &leadLinks)
	assert.NotEmpty(t, leadLinks, "lead PCTs link to their SRO pages")
	b.do(chromedp.Click(chromedp.CSS("#waiting > li > strong a")), chromedp.WaitVisible(chromedp.CSS("#signoffs, #so-h")))
	assert.True(t, strings.HasPrefix(b.path(), "/organisations/"), b.path())

	// Plans with one version and with several.
	var one, several string
	ctx := context.Background()
	for _, s := range proj.Plans(projections.PlanFilter{}) {
		st, _, err := proj.Plan(ctx, s.PlanID)
		require.NoError(t, err)
		switch {
		case st.Version == 1 && one == "" && len(st.VersionsHistory) == 1 && len(st.SignOffs) > 0:
			one = s.PlanID
		case st.Version > 1 && several == "":
			several = s.PlanID
		}
	}
	require.NotEmpty(t, one, "the demo has a plan with one signed version")
	require.NotEmpty(t, several, "and one with several versions")
	b.open("/plans/"+one, "#timeline")
	var page struct {
		Diff     bool
		SROLinks []string
		Icon     string
	}
	query := `JSON.stringify({diff: !!document.querySelector('#diff-h'),
		sroLinks: [...document.querySelectorAll('#versions a.org, #members a.org, #outstanding-signoffs a.org')].map(a => a.pathname),
		icon: document.querySelector('link[rel=icon]').getAttribute('href')})`
	b.eval(query, &page)
	assert.False(t, page.Diff, "one version is compared with nothing")
	assert.NotEmpty(t, page.SROLinks, "sign-offs and members link to SRO pages")
	for _, l := range page.SROLinks {
		assert.Regexp(t, `^/organisations/[A-Z0-9]+/sro$`, l)
	}
	b.checkLayout("plan-one-version")
	b.open("/plans/"+several, "#timeline")
	b.eval(query, &page)
	assert.True(t, page.Diff, "several versions are compared")

	resp, err := http.Get(srv.URL + page.Icon)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, page.Icon)
}

// Browsers ask for /favicon.ico whatever the page links, signed in or not: it is the icon, not a 404.
func TestFaviconAnswers(t *testing.T) {
	h, _ := handler(t, demoStore(t, 1))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/favicon.ico", "/static/icon.svg"} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"), path)
	}
}
