package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
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
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/projections"
)

var testSecret = []byte("serve-test-secret-serve-test-secret")

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and returns their paths and a
// pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ledger test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// running is the service's HTTP stack, as serve builds it, on a real listener.
type running struct {
	url    string
	store  eventstore.Store
	cancel context.CancelFunc // what SIGTERM does to serve
	done   chan error         // serveHTTP's result
}

func runService(t *testing.T, store eventstore.Store, o httpOptions, log *slog.Logger) *running {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	proj := projections.New(store, nil)
	require.NoError(t, proj.CatchUp(context.Background()))
	srv, err := newHTTPServer(api.New(api.Config{Commands: command.NewHandler(store, command.Options{}), Projections: proj,
		Store: store, Tokens: auth.NewVerifier(testSecret, nil), Log: log}), o, log)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{url: "http://" + ln.Addr().String(), store: store, cancel: cancel, done: make(chan error, 1)}
	if srv.TLSConfig != nil {
		r.url = "https://" + ln.Addr().String()
	}
	go func() { r.done <- serveHTTP(ctx, srv, ln, o.shutdownGrace, log) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

func openStore(t *testing.T, dir string) eventstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err)
	return s
}

var testAdmin = domain.Actor{PersonID: "adm-1", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X09"}

func bearer(t *testing.T, a domain.Actor) string {
	t.Helper()
	tok, err := auth.Mint(testSecret, a, time.Now(), time.Hour)
	require.NoError(t, err)
	return tok
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	store := openStore(t, dir)
	defer store.Close()
	o := defaultHTTPOptions()
	o.certFile, o.keyFile = certFile, keyFile
	r := runService(t, store, o, nil)
	require.True(t, strings.HasPrefix(r.url, "https://"))

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(r.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "max-age=63072000", resp.Header.Get("Strict-Transport-Security"))
	assert.GreaterOrEqual(t, resp.TLS.Version, uint16(tls.VersionTLS12))

	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	_, err = old.Get(r.url + "/healthz")
	assert.Error(t, err, "TLS 1.1 is refused")

	plain, err := http.Get("http" + strings.TrimPrefix(r.url, "https") + "/healthz")
	if err == nil {
		plain.Body.Close()
		assert.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP to the TLS port is not served")
	}
}

func TestTLSFlagsAreChecked(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	otherCert, _, _ := selfSigned(t, t.TempDir())
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"cert without key", certFile, "", "go together"},
		{"key without cert", "", keyFile, "go together"},
		{"missing file", filepath.Join(dir, "nope.pem"), keyFile, "nope.pem"},
		{"key of another certificate", otherCert, keyFile, "private key does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := defaultHTTPOptions()
			o.certFile, o.keyFile = tc.cert, tc.key
			_, err := newHTTPServer(http.NotFoundHandler(), o, log)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// gatedStore holds every append until the test opens the gate, so that a command is in flight for
// as long as the test needs.
type gatedStore struct {
	eventstore.Store
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.Event) (eventstore.AppendResult, error) {
	g.entered <- struct{}{}
	<-g.gate
	return g.Store.Append(ctx, stream, exp, evs...)
}

func TestGracefulShutdownFinishesInFlightCommands(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	gated := &gatedStore{Store: store, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	r := runService(t, gated, defaultHTTPOptions(), nil)

	type result struct {
		status int
		err    error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", r.url+"/v1/organisations", strings.NewReader(`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+bearer(t, testAdmin))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{status: resp.StatusCode}
	}()
	<-gated.entered // the command has been decided and is being appended

	r.cancel() // SIGTERM
	addr := strings.TrimPrefix(r.url, "http://")
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "new connections are refused once shutdown starts")
	select {
	case err := <-r.done:
		t.Fatalf("serve returned with a command in flight: %v", err)
	default:
	}

	close(gated.gate)
	got := <-res
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusCreated, got.status, "the in-flight command completes")
	require.NoError(t, <-r.done, "shutdown is clean")
	r.done <- nil // for the cleanup

	// Closed after the server, as serve does, and reopened: the acknowledged command is durable.
	require.NoError(t, store.Close())
	reopened := openStore(t, dir)
	defer reopened.Close()
	events, err := reopened.ReadAll(context.Background(), 0, 0)
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, domain.TypeOrganisationRegistered, events[0].Type)
}

func TestSlowClientsAreCutOff(t *testing.T) {
	store := openStore(t, t.TempDir())
	defer store.Close()
	o := defaultHTTPOptions()
	o.readHeaderTimeout = 200 * time.Millisecond
	r := runService(t, store, o, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")) // and never the blank line
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a connection open that never finished its headers")
	}

	srv, err := newHTTPServer(http.NotFoundHandler(), defaultHTTPOptions(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		assert.Positive(t, d, name)
	}
	assert.Greater(t, srv.WriteTimeout, 20*time.Second, "longer than the default request timeout, so its 503 can be written")
}

// syncWriter collects the log of a running server.
type syncWriter struct {
	ch chan []byte
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.ch <- append([]byte(nil), p...)
	return len(p), nil
}

func TestLogsHoldNoTokenOrSecret(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	defer store.Close()
	lines := make(chan []byte, 1000)
	log := newLogger(syncWriter{lines}, logJSON, testSecret)
	r := runService(t, store, defaultHTTPOptions(), log)

	valid := bearer(t, testAdmin)
	auditor := bearer(t, domain.Actor{PersonID: "au-1", Name: "Audrey", Role: domain.RoleAuditor, Org: "X26"})
	expired, err := auth.Mint(testSecret, testAdmin, time.Now().Add(-3*time.Hour), time.Hour)
	require.NoError(t, err)
	forged, err := auth.Mint([]byte("not-the-secret-not-the-secret-xx"), testAdmin, time.Now(), time.Hour)
	require.NoError(t, err)
	opaque := "opaque-credential-7f3a9c" // not a JWT: recognisable only where credentials are sent
	tokens := []string{valid, auditor, expired, forged, opaque}

	type req struct {
		method, path string
		header       map[string]string
		body         string
	}
	var reqs []req
	for _, tok := range tokens {
		reqs = append(reqs,
			req{"GET", "/v1/organisations", map[string]string{"Authorization": "Bearer " + tok}, ""},
			req{"GET", "/v1/organisations", map[string]string{"Authorization": "bearer " + tok + " trailing"}, ""},
			req{"GET", "/v1/organisations", map[string]string{"Authorization": tok}, ""},
			req{"GET", "/v1/plans?access_token=" + tok + "&token=" + tok, nil, ""},
			req{"GET", "/v1/lhcs", map[string]string{"X-Api-Key": tok, "Cookie": "session=" + tok, "Proxy-Authorization": "Bearer " + tok,
				"X-Forwarded-For": tok, "User-Agent": tok, "Referer": "https://x/?t=" + tok}, ""},
			req{"POST", "/v1/organisations", map[string]string{"Authorization": "Bearer " + valid, "Idempotency-Key": tok, "Content-Type": "application/json"},
				`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`},
			req{"POST", "/v1/organisations", map[string]string{"Authorization": "Bearer " + valid, "Content-Type": "application/json"},
				`{"ods_code":"` + tok + `","name":"` + tok + `","kind":"sha","token":"` + tok + `"}`},
		)
		if tok == opaque {
			continue
		}
		// Paths are logged; a JWT pasted into one is recognised by its shape and removed.
		reqs = append(reqs,
			req{"GET", "/v1/plans/" + tok + "/audit-trail", map[string]string{"Authorization": "Bearer " + valid}, ""},
			req{"GET", "/" + tok, nil, ""},
			req{"POST", "/v1/plans/" + tok + "/withdrawal", map[string]string{"Authorization": "Bearer " + tok, "If-Match": tok}, `{"reason":"` + tok + `"}`},
		)
	}
	reqs = append(reqs, req{"GET", "/v1/organisations", map[string]string{"Authorization": "Bearer " + string(testSecret)}, ""})

	for _, q := range reqs {
		hr, err := http.NewRequest(q.method, r.url+q.path, strings.NewReader(q.body))
		require.NoError(t, err)
		for k, v := range q.header {
			hr.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// A malformed request that net/http itself refuses goes to the server's error log.
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	require.NoError(t, err)
	_, _ = conn.Write([]byte("GET /?t=" + valid + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + valid + "\r\nBad Header " + valid + "\r\n\r\n"))
	_, _ = bufio.NewReader(conn).ReadString('\n')
	conn.Close()

	r.cancel()
	require.NoError(t, <-r.done)
	r.done <- nil
	close(lines)
	var all strings.Builder
	requests := 0
	for l := range lines {
		all.Write(l)
		if strings.Contains(string(l), `"msg":"request"`) {
			requests++
		}
	}
	out := all.String()
	require.Equal(t, len(reqs), requests, "every request was logged:\n%s", out)
	assert.Contains(t, out, `"actor":"adm-1"`, "who acted is logged")
	assert.Contains(t, out, "/audit-trail", "paths are logged")
	for _, tok := range tokens {
		assert.NotContains(t, out, tok)
		if parts := strings.Split(tok, "."); len(parts) == 3 {
			assert.NotContains(t, out, parts[1], "a token's claims")
			assert.NotContains(t, out, parts[2], "a token's signature")
		}
	}
	assert.NotContains(t, out, string(testSecret))
}

func TestServeRefusesHalfATLSConfiguration(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := selfSigned(t, dir)
	var stderr strings.Builder
	code := run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--tls-cert", certFile}, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "--tls-cert and --tls-key go together")
}

// The serve command end to end: it starts, takes a command, and on its context ending (what
// SIGTERM or SIGINT does) returns 0 having closed the store, which another process can then open.
func TestServeStopsCleanlyAndReleasesTheStore(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(auth.SecretEnv, string(testSecret))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // serve listens on it itself

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--data", dir, "--addr", addr}, io.Discard, io.Discard) }()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 20*time.Second, 20*time.Millisecond)

	req, err := http.NewRequest("POST", "http://"+addr+"/v1/organisations", strings.NewReader(`{"ods_code":"Q36","name":"NHS London","kind":"sha"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer(t, testAdmin))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	store, err := boltstore.Open(filepath.Join(dir, "ledger.db"), boltstore.Options{})
	require.NoError(t, err, "serve released the store file")
	defer store.Close()
	head, err := store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, uint64(1), head)
}
