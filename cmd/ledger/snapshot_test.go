package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

// TestServeRestartsFromTheProjectionsSnapshot stops a server (which saves the projections'
// snapshot), records more events while it is down, and starts it again: it must start from the
// snapshot, read on from its position, and answer every view as a fresh replay of the log does.
// Then the snapshot is damaged: the next start sets it aside with a warning, folds the whole log,
// and answers the same. Last, a backup of the log as it was before those events is restored with
// the later snapshot beside it: the snapshot is set aside, and the views are the backup's.
func TestServeRestartsFromTheProjectionsSnapshot(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	secret := strings.Repeat("k", auth.MinSecretLen)
	env := []string{auth.SecretEnv + "=" + secret}
	snapshot := filepath.Join(dir, projections.SnapshotFile)

	demoStore(t, dir)
	srv := startServe(t, dir, env)
	require.NoError(t, srv.waitReady(60*time.Second))
	before := ledgerViews(t, srv.base, secret)
	require.NoError(t, srv.stop(20*time.Second))
	saved := logLine(t, srv.stderr.String(), "projections snapshot saved")
	require.FileExists(t, snapshot)

	backup := filepath.Join(t.TempDir(), "ledger.db.bak")
	code, _, stderr := runBinary(t, nil, "backup", "--data", dir, "--out", backup)
	require.Equal(t, 0, code, stderr)

	// Events recorded while no server runs: a registry change and a plan withdrawn.
	store, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	registerSHAs(t, store, "Z", 2)
	withdrawAPlan(t, store, before)
	head, err := store.Head(ctx)
	require.NoError(t, err)
	require.NoError(t, store.Close())
	require.Greater(t, head, uint64(saved["position"].(float64)))

	srv = startServe(t, dir, env)
	require.NoError(t, srv.waitReady(30*time.Second))
	restored := logLine(t, srv.stderr.String(), "projections restored from their snapshot")
	assert.Equal(t, saved["position"], restored["position"], "restored at the position saved")
	fromSnapshot := ledgerViews(t, srv.base, secret)
	require.NoError(t, srv.stop(20*time.Second))
	want := replayedViews(t, dir, secret)
	assert.Equal(t, want, fromSnapshot, "restarted from the snapshot")
	assert.NotEqual(t, before, fromSnapshot, "the events recorded while it was down are in the views")

	raw, err := os.ReadFile(snapshot)
	require.NoError(t, err)
	raw[len(raw)/2] ^= 0xff
	require.NoError(t, os.WriteFile(snapshot, raw, 0o600))
	srv = startServe(t, dir, env)
	require.NoError(t, srv.waitReady(30*time.Second))
	refused := logLine(t, srv.stderr.String(), "projections snapshot refused")
	assert.Equal(t, "WARN", refused["level"])
	assert.Contains(t, refused["error"], "checksum does not match")
	assert.FileExists(t, snapshot+".rejected")
	assert.Equal(t, want, ledgerViews(t, srv.base, secret), "after the damaged snapshot was set aside")
	require.NoError(t, srv.stop(20*time.Second))
	logLine(t, srv.stderr.String(), "projections snapshot saved")
	require.FileExists(t, snapshot, "a new snapshot at shutdown")

	// The backup taken before the last events, restored, beside the snapshot of the log as it is
	// now (a data directory's files copied along with it): that snapshot is ahead of its log.
	older := filepath.Join(t.TempDir(), "restored")
	code, _, stderr = runBinary(t, nil, "restore", "--from", backup, "--data", older)
	require.Equal(t, 0, code, stderr)
	raw, err = os.ReadFile(snapshot)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(older, projections.SnapshotFile), raw, 0o600))
	srv = startServe(t, older, env)
	require.NoError(t, srv.waitReady(30*time.Second))
	refused = logLine(t, srv.stderr.String(), "projections snapshot refused")
	assert.Contains(t, refused["error"], "snapshot ahead of the log")
	assert.Equal(t, before, ledgerViews(t, srv.base, secret), "the restored backup's views")
	require.NoError(t, srv.stop(20*time.Second))
}

// logLine returns the first JSON log line whose message starts with msg.
func logLine(t *testing.T, log, msg string) map[string]any {
	t.Helper()
	for line := range strings.SplitSeq(log, "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && strings.HasPrefix(fmt.Sprint(entry["msg"]), msg) {
			return entry
		}
	}
	require.Failf(t, "no such log line", "%q in:\n%s", msg, log)
	return nil
}

// withdrawAPlan withdraws the first plan of views that is still waiting for sign-offs.
func withdrawAPlan(t *testing.T, store *boltstore.Store, views map[string]any) {
	t.Helper()
	leads := map[string]string{}
	for _, l := range list(views, "/v1/lhcs", "lhcs") {
		l := l.(map[string]any)
		leads[l["lhc_id"].(string)] = l["lead_pct"].(string)
	}
	for _, p := range list(views, "/v1/plans", "plans") {
		p := p.(map[string]any)
		if p["status"] != string(domain.StatusSubmitted) {
			continue
		}
		commissioner := domain.Actor{PersonID: "pc-snap", Name: "Pat Commissioner", Role: domain.RolePCTCommissioner, Org: leads[p["lhc_id"].(string)]}
		_, err := command.NewHandler(store, command.Options{}).Plan(context.Background(), command.Request{Actor: commissioner},
			p["plan_id"].(string), domain.WithdrawPlan{Reason: "Withdrawn while the server was down"})
		require.NoError(t, err)
		return
	}
	t.Fatal("no plan to withdraw")
}

// ledgerViews is what the server at base answers on every read model: the lists, every plan, every
// SHA's assurance status, every organisation's SRO evidence and the transparency report, now and
// as of the log's first half.
func ledgerViews(t *testing.T, base, secret string) map[string]any {
	t.Helper()
	auditor := domain.Actor{PersonID: "au-1", Name: "Audrey Auditor", Role: domain.RoleAuditor, Org: "X26"}
	token, err := auth.Mint([]byte(secret), auditor, time.Now(), time.Hour)
	require.NoError(t, err)
	get := func(path string) any {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, body)
		var v any
		require.NoError(t, json.Unmarshal(body, &v), "GET %s", path)
		return v
	}
	views := map[string]any{}
	for _, path := range []string{"/v1/organisations", "/v1/lhcs", "/v1/plans", "/v1/reports/transparency",
		"/v1/reports/transparency?round=2009-10"} {
		views[path] = get(path)
	}
	mid := views["/v1/reports/transparency"].(map[string]any)["as_of_position"].(float64) / 2
	path := fmt.Sprintf("/v1/reports/transparency?as_of=%d", int(mid))
	views[path] = get(path)
	for _, p := range list(views, "/v1/plans", "plans") {
		path := "/v1/plans/" + url.PathEscape(p.(map[string]any)["plan_id"].(string))
		views[path] = get(path)
	}
	for _, o := range list(views, "/v1/organisations", "organisations") {
		o := o.(map[string]any)
		code := url.PathEscape(o["ods_code"].(string))
		if o["kind"] == string(domain.KindSHA) {
			path := "/v1/shas/" + code + "/assurance-status"
			views[path] = get(path)
		}
		path := "/v1/organisations/" + code + "/sro-evidence"
		views[path] = get(path)
	}
	return views
}

// replayedViews are the views of projections folded from the whole log in dir, served in process.
func replayedViews(t *testing.T, dir, secret string) map[string]any {
	t.Helper()
	store, err := boltstore.Open(storeFile(dir), boltstore.Options{})
	require.NoError(t, err)
	defer store.Close()
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	srv := httptest.NewServer(api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj,
		Store: store, Tokens: auth.NewVerifier([]byte(secret), nil)}))
	defer srv.Close()
	return ledgerViews(t, srv.URL, secret)
}

// list is the list under key in the view at path.
func list(views map[string]any, path, key string) []any {
	return views[path].(map[string]any)[key].([]any)
}
