package main

import (
	"assurance-ledger/internal/thorough"
	"bufio"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Regression tests of issue 19 (security hardening) against the ledger binary, as an operator runs
// it. The README's "Security" table names them.

// seriesCount is the number of series /metrics exposes, and the size of the page.
func seriesCount(t *testing.T, base string) (series, bytes int) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			series++
		}
	}
	return series, len(raw)
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = tokenChars[r.IntN(len(tokenChars))]
	}
	return string(b)
}

// madeUp draws made-up tokens as windows, at random offsets and of random lengths, of one random
// pool: as unlike each other as tokens drawn afresh, and drawn in no time where 30 MB of fresh
// characters took most of the test under the race detector.
type madeUp struct {
	r    *rand.Rand
	pool string
}

func newMadeUp(r *rand.Rand) madeUp { return madeUp{r: r, pool: randomToken(r, 64<<10)} }

func (m madeUp) token(n int) string {
	off := m.r.IntN(len(m.pool) - n + 1)
	return m.pool[off : off+n]
}

// Unauthenticated requests with made-up methods of 8-16 KB and made-up paths grew /metrics (one
// series each) and wrote log lines as long as they were. Labels now come from closed sets, log
// lines copy a bounded part of the request, and such requests are rate-limited by address.
func TestMadeUpRequestsLeaveMetricsAndLogBounded(t *testing.T) {
	t.Parallel()
	p := startServe(t, t.TempDir(), nil, "--rate-limit", "50", "--rate-burst", "100")
	require.NoError(t, p.waitReady(30*time.Second))
	r := rand.New(rand.NewPCG(19, 1))
	made := newMadeUp(r)
	client := &http.Client{Timeout: 10 * time.Second}
	statuses := map[int]int{}
	send := func(n int) {
		for range n {
			method := made.token(8<<10 + r.IntN(8<<10))
			path := "/x" + made.token(10+r.IntN(4000))
			if r.IntN(2) == 0 {
				path = "/v1/x" + made.token(10+r.IntN(4000))
			}
			req, err := http.NewRequest(method, p.base+path, nil)
			require.NoError(t, err)
			resp, err := client.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[resp.StatusCode]++
		}
	}
	seriesCount(t, p.base) // the scrape's own series appear from the next one on
	// A first round shows every label a made-up request can have: 404 until the address's
	// burst is spent, 429 after (sent one by one until then, so that a slow machine, refilling
	// the burst as fast as it sends, shows both too).
	first := 0
	for ; first < 200 || (statuses[http.StatusTooManyRequests] == 0 && first < 2000); first++ {
		send(1)
	}
	require.Positive(t, statuses[http.StatusTooManyRequests], "requests matching no route are rate-limited by address: %v", statuses)
	before, _ := seriesCount(t, p.base)
	more := thorough.Size(300, 2000)
	send(more)
	after, size := seriesCount(t, p.base)
	assert.Equal(t, before, after, "%d more made-up requests added series", more)
	assert.Less(t, size, 256<<10, "/metrics is %d bytes", size)
	assert.Positive(t, statuses[http.StatusNotFound])
	total := first + more
	assert.Equal(t, total, statuses[http.StatusNotFound]+statuses[http.StatusTooManyRequests], "%v", statuses)

	t.Logf("/metrics after %d made-up requests: %d series, %d bytes; statuses %v", total, after, size, statuses)

	lines, longest, labelled := 0, "", 0
	sc := bufio.NewScanner(strings.NewReader(p.stderr.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		lines++
		if len(sc.Text()) > len(longest) {
			longest = sc.Text()
		}
		if path, _ := rec["path"].(string); strings.HasPrefix(path, "/x") || strings.HasPrefix(path, "/v1/x") {
			if rec["method"] == "other" && rec["route"] == "unmatched" {
				labelled++
			}
		}
	}
	require.NoError(t, sc.Err())
	assert.GreaterOrEqual(t, lines, total, "every request is logged")
	assert.Equal(t, total, labelled, "made-up requests are logged with method \"other\" and route \"unmatched\"")
	assert.Less(t, len(longest), 512, "the longest access log line is %d bytes: %.300s", len(longest), longest)
	t.Logf("longest access log line: %d bytes", len(longest))
}

// mint runs `ledger token` for the auditor of the tests on data.
func mint(t *testing.T, data string, extra ...string) (code int, token, stderr string) {
	t.Helper()
	args := append([]string{"token", "--data", data, "--sub", "au-1", "--name", "Audrey Auditor", "--role", "auditor", "--org", "X26", "--init"}, extra...)
	code, out, errOut := runCLI(t, args...)
	return code, strings.TrimSpace(out), errOut
}

func getWith(t *testing.T, base, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// A token lives at most --max-token-ttl, and one revoked with `ledger token revoke` (while the
// server runs) is refused within a second and after a restart.
func TestTokenLifetimeAndRevocation(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, _, errOut := mint(t, data, "--ttl", "800h")
	assert.Equal(t, 2, code, "ledger token refuses a lifetime over the maximum")
	assert.Contains(t, errOut, "--max-token-ttl")

	p := startServe(t, data, nil, "--max-token-ttl", "2h")
	require.NoError(t, p.waitReady(30*time.Second))
	code, long, errOut := mint(t, data, "--ttl", "3h", "--max-token-ttl", "4h")
	require.Equal(t, 0, code, errOut)
	status, body := getWith(t, p.base, "/v1/organisations", long)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, body, "longer than this server accepts")

	code, tok, errOut := mint(t, data, "--ttl", "1h")
	require.Equal(t, 0, code, errOut)
	_, keep, _ := mint(t, data, "--ttl", "1h")
	status, _ = getWith(t, p.base, "/v1/organisations", tok)
	require.Equal(t, http.StatusOK, status)

	code, out, errOut := runCLI(t, "token", "revoke", "--data", data, tok)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "revoked")
	require.Eventually(t, func() bool {
		status, body := getWith(t, p.base, "/v1/organisations", tok)
		return status == http.StatusUnauthorized && strings.Contains(body, "revoked")
	}, 5*time.Second, 50*time.Millisecond, "the running server refuses the revoked token")
	status, _ = getWith(t, p.base, "/v1/organisations", keep)
	assert.Equal(t, http.StatusOK, status, "only that token")

	require.NoError(t, p.stop(30*time.Second))
	p = startServe(t, data, nil, "--max-token-ttl", "2h")
	require.NoError(t, p.waitReady(30*time.Second))
	status, body = getWith(t, p.base, "/v1/organisations", tok)
	assert.Equal(t, http.StatusUnauthorized, status, "revoked after a restart")
	assert.Contains(t, body, "revoked")
	status, _ = getWith(t, p.base, "/v1/organisations", keep)
	assert.Equal(t, http.StatusOK, status)
}

// Behind a proxy that ends TLS, the session cookie is Secure when --public-url is https or a
// --trusted-proxy says X-Forwarded-Proto: https; from any other address the header is ignored.
func TestSessionCookieBehindAProxy(t *testing.T) {
	data := t.TempDir()
	_, tok, _ := mint(t, data)
	signIn := func(base string, headers ...string) *http.Cookie {
		req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Len(t, resp.Cookies(), 1)
		return resp.Cookies()[0]
	}
	trusting := startServe(t, data, nil, "--trusted-proxy", "127.0.0.1")
	require.NoError(t, trusting.waitReady(30*time.Second))
	assert.True(t, signIn(trusting.base, "X-Forwarded-Proto", "https").Secure)
	assert.False(t, signIn(trusting.base).Secure)
	require.NoError(t, trusting.stop(30*time.Second))

	elsewhere := startServe(t, data, nil, "--trusted-proxy", "10.0.0.0/8")
	require.NoError(t, elsewhere.waitReady(30*time.Second))
	assert.False(t, signIn(elsewhere.base, "X-Forwarded-Proto", "https").Secure, "not a trusted address")
	require.NoError(t, elsewhere.stop(30*time.Second))

	public := startServe(t, data, nil, "--public-url", "https://ledger.example.org")
	require.NoError(t, public.waitReady(30*time.Second))
	assert.True(t, signIn(public.base).Secure)
	require.NoError(t, public.stop(30*time.Second))

	for _, bad := range [][]string{{"--public-url", "ledger.example.org"}, {"--trusted-proxy", "proxy.example.org"}, {"--max-token-ttl", "0s"}} {
		code, _, errOut := runCLI(t, append([]string{"serve", "--data", t.TempDir()}, bad...)...)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, bad[0])
	}
}
