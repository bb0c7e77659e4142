package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"assurance-ledger/auth"
	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// httpServer is the real API handler served on a loopback port, with a client of its own for the
// POST phase (the GET phase's client is another process: load.go).
type httpServer struct {
	*client
	srv    *http.Server
	secret []byte
}

// startHTTP serves h on a loopback port, with a client for the POST phase; secret signs the
// bench's tokens.
func startHTTP(h http.Handler, secret []byte, conns int) (*httpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &httpServer{client: newClient("http://"+ln.Addr().String(), conns), srv: srv, secret: secret}, nil
}

func (s *httpServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	s.client.close()
}

// benchAuditor is who the GET phase reads as.
var benchAuditor = domain.Actor{PersonID: "bench-auditor", Name: "Bench Auditor", Role: domain.RoleAuditor, Org: "X26"}

func (s *httpServer) token(a domain.Actor) (string, error) {
	return auth.Mint(s.secret, a, time.Now(), time.Hour)
}

// client sends the bench's requests to base over at most conns connections.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// do sends one request and drains the answer; an answer other than want is an error quoting it.
func (c *client) do(method, path, token string, body []byte, want int) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, msg)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// measurePosts has conns clients each POST contributions to a plan of its own (one still open to
// contributions) for d, as fast as the server answers, and returns the rate of 201s. A provider
// may make only so many contributions to one version (domain.MaxContributionsPerOrgVersion): a client
// whose target says so (422 too_many_contributions), or whose provider has already declined or been
// excused from the version (409 member_already_accounted), moves on to the next target nobody else
// holds, and stops when there is none.
func (s *httpServer) measurePosts(proj *projections.Projector, plans []string, d time.Duration, conns int) (float64, error) {
	type target struct{ path, token string }
	var targets []target
	lhcs := map[string]domain.LHC{}
	for _, l := range proj.LHCs() {
		lhcs[l.ID] = l
	}
	for _, id := range plans {
		st, ok, err := proj.Plan(context.Background(), id)
		if err != nil {
			return 0, err
		}
		if !ok || (st.Status != domain.StatusSubmitted && st.Status != domain.StatusSignedOff) {
			continue // contributions close once a version is assured
		}
		for _, ods := range lhcs[st.LHCID].Members {
			if o, ok := proj.Organisation(ods); ok && o.Kind.Contributes() {
				tok, err := s.token(domain.Actor{PersonID: "bench-" + ods, Name: "Bench Informatics", Role: domain.RoleProvider, Org: ods})
				if err != nil {
					return 0, err
				}
				targets = append(targets, target{"/v1/plans/" + id + "/contributions", tok})
			}
		}
	}
	if len(targets) == 0 {
		return 0, errors.New("bench: no plan with a provider to post contributions to")
	}
	body := []byte(`{"section":"infrastructure","summary":"N3 connection upgrades and smartcard Registration Authority capacity at the trust."}`)
	var ok atomic.Int64
	var failed atomic.Pointer[error] // the first failure; errors of any type
	var next atomic.Int64            // the next target no client has taken
	next.Store(int64(min(conns, len(targets))))
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range min(conns, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := targets[i]
			for time.Now().Before(deadline) {
				err := s.do(http.MethodPost, t.path, t.token, body, http.StatusCreated)
				if err != nil && (strings.Contains(err.Error(), "too_many_contributions") || strings.Contains(err.Error(), "member_already_accounted")) {
					n := next.Add(1) - 1
					if n >= int64(len(targets)) {
						return
					}
					t = targets[n]
					continue
				}
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if errp := failed.Load(); errp != nil {
		return 0, fmt.Errorf("bench: %w", *errp)
	}
	return float64(ok.Load()) / time.Since(start).Seconds(), nil
}
