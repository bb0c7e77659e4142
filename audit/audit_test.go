package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/audit"
	"assurance-ledger/auth"
	"assurance-ledger/demo/demotest"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/service"
	"assurance-ledger/ledgertree"
)

// ledger is a real service over a real embedded store, served over HTTP.
type ledger struct {
	t      *testing.T
	dir    string
	store  *boltstore.Store
	svc    *service.Service
	http   *httptest.Server
	secret []byte
}

// seed gives a new data directory holding the demo data set, recorded once for the test binary.
func seed(t *testing.T) string {
	t.Helper()
	return filepath.Dir(demotest.Path(t, 0))
}

// sampleSize is how many answers an audit in these tests compares besides the first and last of
// each operation (audit.Sampled); LEDGER_TEST_THOROUGH=1 compares them all.
const sampleSize = 40

func serve(t *testing.T, dir string) *ledger {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	signer, err := ledgertree.LoadSigner(dir)
	require.NoError(t, err)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	svc, err := service.Open(context.Background(), service.Options{Store: store, DataDir: dir, Secret: secret, Signer: signer})
	require.NoError(t, err)
	svc.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, svc.WaitReady(ctx))
	l := &ledger{t: t, dir: dir, store: store, svc: svc, http: httptest.NewServer(svc.Handler), secret: secret}
	t.Cleanup(l.stop)
	return l
}

func (l *ledger) stop() {
	if l.http == nil {
		return
	}
	l.http.Close()
	l.svc.Stop()
	_ = l.store.Close()
	l.http = nil
}

func (l *ledger) token() string {
	tok, err := auth.Mint(l.secret, domain.Actor{PersonID: "aud-1", Name: "Ann Auditor", Role: domain.RoleAuditor, Org: "X26"}, time.Now(), time.Hour)
	require.NoError(l.t, err)
	return tok
}

func (l *ledger) audit(state string, opts ...func(*audit.Options)) (*audit.Report, error) {
	o := audit.Options{URL: l.http.URL, Token: l.token(), State: state}
	audit.Sampled(l.t, sampleSize)(&o)
	for _, f := range opts {
		f(&o)
	}
	return audit.Run(context.Background(), o)
}

// A first audit mirrors the whole log, checks it against the server's signed head, pins the key
// and finds every published answer equal to the mirror's; its state directory is a data
// directory the other commands read.
func TestCleanAudit(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	state := t.TempDir()
	var progress strings.Builder
	rep, err := l.audit(state, func(o *audit.Options) { o.Progress = &progress; o.Page = 100 })
	require.NoError(t, err)
	require.True(t, rep.OK(), "%+v\n%s", rep.Findings, progress.String())
	head, err := l.store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, head, rep.EventsMirrored)
	assert.Equal(t, head, rep.ServerPosition)
	assert.Equal(t, "first_use", rep.KeyPinned)
	require.NotNil(t, rep.Head)
	assert.Equal(t, head, rep.Head.TreeSize)
	assert.GreaterOrEqual(t, rep.AnswersCompared, sampleSize)
	assert.Equal(t, rep.AnswersAsked, rep.AnswersCompared)
	assert.Equal(t, 0, rep.DifferencesTotal, "%v", rep.Differences)

	mirror, err := boltstore.Open(filepath.Join(state, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	got, err := mirror.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	require.NoError(t, mirror.Close())
	want, err := l.store.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, []any{want[i].ID, want[i].Stream, want[i].Revision, want[i].Position, want[i].Type, want[i].Data, want[i].Metadata},
			[]any{got[i].ID, got[i].Stream, got[i].Revision, got[i].Position, got[i].Type, got[i].Data, got[i].Metadata}, "event %d", i)
	}
	_, err = os.Stat(filepath.Join(state, audit.PublicKeyFile))
	assert.NoError(t, err)

	// Again: nothing new to mirror, the head the same, every answer compared again.
	again, err := l.audit(state)
	require.NoError(t, err)
	assert.True(t, again.OK(), "%+v", again.Findings)
	assert.Zero(t, again.EventsMirrored)
	assert.Equal(t, "state", again.KeyPinned)
	assert.Equal(t, rep.AnswersCompared, again.AnswersCompared)
}

// The key the auditor was given is the one every head must verify with: a server signing with
// another is tampering, and nothing is pinned or mirrored; a token the server refuses, or an
// address that is not a ledger, is an audit that cannot run.
func TestAuditHoldsTheServerToTheGivenKey(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	other, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	state := t.TempDir()
	rep, err := l.audit(state, func(o *audit.Options) { o.PublicKey = other })
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, audit.KindBadHead, rep.Findings[0].Kind)
	assert.Contains(t, rep.Findings[0].Reason, "the server signs with key")
	assert.Zero(t, rep.EventsMirrored)
	_, pinned, err := audit.PinnedKey(state)
	require.NoError(t, err)
	assert.False(t, pinned, "a key the server does not sign with is not pinned")

	_, err = l.audit(t.TempDir(), func(o *audit.Options) { o.Token = "not-a-token" })
	require.ErrorContains(t, err, "the server refused the token (401)")
	_, err = l.audit(t.TempDir(), func(o *audit.Options) { o.URL = l.http.URL + "/elsewhere" })
	require.ErrorContains(t, err, "is --url the ledger's address?")
}

// A ledger sharing its store with another application (an EventStoreDB's other streams) numbers
// its events sparsely: the mirror's own positions are dense, yet every answer it gives names the
// server's positions, and the comparison finds them equal.
func TestAuditOfALedgerWithSparsePositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	demoDir := seed(t)
	src, err := boltstore.Open(filepath.Join(demoDir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	events, err := src.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.NoError(t, src.Close())
	dir := t.TempDir()
	dst, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	var shared []eventstore.RecordedEvent
	for i, rec := range events {
		if i%3 == 1 {
			shared = append(shared, eventstore.RecordedEvent{ID: uuid.New(), Stream: "billing-ledger", Type: "Invoiced", Data: []byte(`{}`), Metadata: []byte(`{}`)})
		}
		shared = append(shared, rec)
	}
	demotest.AppendRecorded(t, dst, shared)
	require.NoError(t, dst.Close())
	l := serve(t, dir)
	head, err := l.store.Head(ctx)
	require.NoError(t, err)
	require.Greater(t, head, uint64(len(events)))

	rep, err := l.audit(t.TempDir(), func(o *audit.Options) { o.Page = 50 })
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%+v %v", rep.Findings, rep.Differences)
	assert.EqualValues(t, len(events), rep.EventsMirrored)
	assert.Equal(t, head, rep.ServerPosition, "the server's position of the last event")
	assert.GreaterOrEqual(t, rep.AnswersCompared, sampleSize)
	assert.Equal(t, rep.AnswersAsked, rep.AnswersCompared)
	assert.Equal(t, head, rep.ComparedAsOf)
}

// A ledger's own data directory given as --state (a mistyped path) is refused before anything is
// written to it: marked as a mirror, it would be refused by ledger serve.
func TestAuditRefusesALedgersDataDirectory(t *testing.T) {
	t.Parallel()
	l := serve(t, seed(t))
	for _, secret := range []string{ledgertree.KeyFile, auth.SecretFile} {
		t.Run(secret, func(t *testing.T) {
			other := seed(t)
			require.NoError(t, os.WriteFile(filepath.Join(other, secret), []byte("00\n"), 0o600))
			before, err := os.ReadDir(other)
			require.NoError(t, err)
			rep, err := l.audit(other, noCompare)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "a ledger's data directory")
			assert.Equal(t, audit.StatusFailed, rep.Status)
			after, err := os.ReadDir(other)
			require.NoError(t, err)
			assert.Equal(t, len(before), len(after), "nothing written to the ledger's directory")
			assert.False(t, audit.IsStateDir(other))
		})
	}
}
