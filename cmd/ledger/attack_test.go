package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
)

// The attack of issue 19, bounded by the domain's limits, against a real `ledger serve`: a member
// provider fills a plan with the largest contributions it may, the lead PCT revises it with the
// largest content it may as often as it may, until the stream holds as many events as
// contributions and revisions may fill; then one auditor sends 24 requests at once, again and
// again, reading the whole audit trail page by page, the plan as of past times, the dashboard's
// timeline and the evidence bundle. The server must stay under 1 GiB of resident memory (its peak,
// VmHWM from /proc) and answer every request within its request timeout. About 40 s on the 2-core
// VM, and its slowest answers come within a few seconds of the timeout there, so it runs only when
// asked: go test -run TestAttackOnOnePlansHistoryIsBounded -attack -v ./cmd/ledger/
func TestAttackOnOnePlansHistoryIsBounded(t *testing.T) {
	if !*attack {
		t.Skip("writes a plan at the domain's limits (about 45 MB) and reads it 24 at a time; run with -attack")
	}
	secret := strings.Repeat("a", auth.MinSecretLen)
	dir := t.TempDir()
	const timeout = 20 * time.Second
	args := []string{"--request-timeout", timeout.String()}
	if *attackHeapBudget > 0 {
		args = append(args, "--serving-heap-budget-mib", strconv.Itoa(*attackHeapBudget))
	}
	srv := startServe(t, dir, []string{auth.SecretEnv + "=" + secret}, args...)
	require.NoError(t, srv.waitReady(30*time.Second))
	pid := srv.cmd.Process.Pid

	tok := func(a domain.Actor) string {
		s, err := auth.Mint([]byte(secret), a, time.Now(), time.Hour)
		require.NoError(t, err)
		return s
	}
	admin := tok(domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X26"})
	pct := tok(domain.Actor{PersonID: "pc-1", Name: "Priya Commissioner", Role: domain.RolePCTCommissioner, Org: "5K5"})
	provider := tok(domain.Actor{PersonID: "pr-1", Name: "Peter Provider", Role: domain.RoleProvider, Org: "RJ1"})
	ce := tok(domain.Actor{PersonID: "ce-5k5", Name: "Carol Chief", Role: domain.RoleChiefExecutive, Org: "5K5"})
	auditor := tok(domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"})
	client := &http.Client{Timeout: 2 * timeout}
	var slowest atomic.Int64
	do := func(method, path, token string, body any) (int, []byte) {
		var rd io.Reader
		if body != nil {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, srv.base+path, rd)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		took := time.Since(start)
		for {
			old := slowest.Load()
			if int64(took) <= old || slowest.CompareAndSwap(old, int64(took)) {
				break
			}
		}
		return resp.StatusCode, raw
	}
	must := func(status int, method, path, token string, body any) map[string]any {
		got, raw := do(method, path, token, body)
		require.Equal(t, status, got, "%s %s: %.300s", method, path, raw)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	}
	for _, o := range []map[string]any{
		{"ods_code": "Q36", "name": "NHS London", "kind": "sha"},
		{"ods_code": "5K5", "name": "Brent Teaching PCT", "kind": "pct", "sha_code": "Q36"},
		{"ods_code": "RJ1", "name": "Guy's and St Thomas' NHS Foundation Trust", "kind": "provider", "sha_code": "Q36"},
	} {
		must(201, "POST", "/v1/organisations", admin, o)
	}
	must(201, "POST", "/v1/organisations/5K5/chief-executive", admin, map[string]any{"person_id": "ce-5k5", "name": "Carol Chief", "effective_from": "2008-04-01"})
	must(201, "POST", "/v1/lhcs", admin, map[string]any{"lhc_id": "lhc-brent", "name": "Brent LHC", "lead_pct": "5K5", "sha_code": "Q36", "members": []string{"RJ1"}})
	raw, err := os.ReadFile(filepath.Join(repoRoot, "api", "testdata", "plan-content.json"))
	require.NoError(t, err)
	content := func(v int) map[string]any {
		var c map[string]any
		require.NoError(t, json.Unmarshal(raw, &c))
		// As much text as a version may hold: three prose fields of 20,000 four-byte characters.
		wide := strings.Repeat("\U0001D538", 19_990)
		c["community_integration"] = fmt.Sprint("v", v, " ", wide)
		c["infrastructure"] = fmt.Sprint("v", v, " ", wide)
		c["information_governance"] = fmt.Sprint("v", v, " ", wide)
		return c
	}
	body := map[string]any{"lhc_id": "lhc-brent", "round": "2009-10", "period": map[string]int{"first_year": 2009, "last_year": 2011}, "content": content(1)}
	sub := must(201, "POST", "/v1/plans", pct, body)
	plan := "/v1/plans/" + sub["plan_id"].(string)
	summary := strings.Repeat("\u20ac", domain.MaxContributionSummary) // 4,000 characters, 12 KB
	written := time.Now()
	events, versions := 1, 1
	for full := false; !full; {
		for range domain.MaxContributionsPerOrgVersion {
			status, raw := do("POST", plan+"/contributions", provider, map[string]any{"section": "clinical5", "summary": summary})
			if status == 422 && strings.Contains(string(raw), "plan_stream_full") {
				full = true
				break
			}
			require.Equal(t, 201, status, "%.300s", raw)
			events++
		}
		if full {
			break
		}
		status, raw := do("POST", plan+"/revisions", pct, map[string]any{"content": content(versions + 1), "reason": "again"})
		switch {
		case status == 422 && strings.Contains(string(raw), "too_many_versions"):
			continue // contributions go on until the stream is full
		case status == 422 && strings.Contains(string(raw), "plan_stream_full"):
			full = true
		default:
			require.Equal(t, 201, status, "%.300s", raw)
			events++
			versions++
		}
	}
	require.Equal(t, domain.MaxPlanEvents, events)
	// The stream is full for contributions and revisions, not for a sign-off.
	hash := must(200, "GET", plan, auditor, nil)["content_hash"]
	must(201, "POST", plan+"/sro-signoffs", ce, map[string]any{"version": versions, "statement": "As SRO", "content_hash": hash})
	t.Logf("wrote %d events in %d versions in %s", events+1, versions, time.Since(written).Round(time.Millisecond))

	// Sample the server's memory while 24 requests at a time read the plan's history.
	var peakSampled atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss, _ := procStatusKiB(pid, "VmRSS"); rss > peakSampled.Load() {
				peakSampled.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	head := must(200, "GET", "/v1/audit/events?limit=1", auditor, nil)["head_position"].(float64)
	reads := []func() int{
		func() int { // the whole trail, page by page
			pages := 0
			for next := plan + "/audit-trail?limit=1000"; next != ""; pages++ {
				status, raw := do("GET", next, auditor, nil)
				require.Equal(t, 200, status, "%.300s", raw)
				var page struct{ Next *string }
				require.NoError(t, json.Unmarshal(raw, &page))
				next = ""
				if page.Next != nil {
					next = *page.Next
				}
			}
			return 200
		},
		func() int { s, _ := do("GET", plan+"?as_of="+strconv.Itoa(int(head)-1), auditor, nil); return s },
		func() int {
			s, _ := do("GET", "/v1/organisations/5K5/sro-evidence?format=bundle", auditor, nil)
			return s
		},
		func() int { s, _ := do("GET", "/v1/audit/events?limit=1000&from_position=1", auditor, nil); return s },
	}
	var mu sync.Mutex
	counts := map[string]int{}
	started := time.Now()
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			for round := range 3 {
				status := reads[(i+round)%len(reads)]()
				mu.Lock()
				counts[fmt.Sprintf("read %d: %d", (i+round)%len(reads), status)]++
				mu.Unlock()
				assert.Contains(t, []int{200, 429}, status)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	hwm, err := procStatusKiB(pid, "VmHWM")
	require.NoError(t, err)
	t.Logf("24 clients, 3 rounds each, in %s: %v", time.Since(started).Round(time.Millisecond), counts)
	t.Logf("server peak RSS %d MiB (VmHWM; %d MiB sampled), slowest request %s", hwm/1024, peakSampled.Load()/1024, time.Duration(slowest.Load()).Round(time.Millisecond))
	assert.Less(t, hwm, int64(1<<20), "the server's peak resident memory, in KiB, stays under 1 GiB")
	assert.Less(t, time.Duration(slowest.Load()), timeout, "every request is answered within the request timeout")
	assert.Positive(t, counts["read 0: 200"], "whole trails were read")
}

// procStatusKiB reads one "kB" line of /proc/<pid>/status.
func procStatusKiB(pid int, key string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// attackHeapBudget, when set, is the server's --serving-heap-budget-mib in the attack test; by
// default the server runs with serve's own defaults, as deployed.
var (
	attack           = flag.Bool("attack", false, "run TestAttackOnOnePlansHistoryIsBounded")
	attackHeapBudget = flag.Int("attack.serving-heap-budget-mib", 0, "the server's --serving-heap-budget-mib in TestAttackOnOnePlansHistoryIsBounded (0: serve's default)")
)
