package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
)

// client reads the ledger's API as one auditor: every request carries the token, and an answer
// the server asks to retry (429, 503 with Retry-After: the expensive-read gate, the rate limit, a
// server still catching up) is retried after the wait it names, so that a long audit is not undone
// by the server's own limits.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
	// retryFor bounds how long one request keeps being retried.
	retryFor time.Duration
	sleep    func(context.Context, time.Duration) error
}

func newClient(base, token string, hc *http.Client) (*client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q is not an http:// or https:// address of a ledger", base)
	}
	if token == "" {
		return nil, errors.New("a bearer token of any reading role is needed (--token or $LEDGER_TOKEN)")
	}
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}, Timeout: 2 * time.Minute}
	}
	return &client{base: u, token: token, http: hc, retryFor: 2 * time.Minute, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// httpError is an answer other than 200 that was not retried (or no longer).
type httpError struct {
	Path   string
	Status int
	Body   string
}

func (e *httpError) Error() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("GET %s: the server refused the token (401): give a token of any role the ledger issued and has not revoked: %s", e.Path, e.Body)
	case http.StatusNotFound:
		return fmt.Sprintf("GET %s: 404: is --url the ledger's address? %s", e.Path, e.Body)
	}
	return fmt.Sprintf("GET %s: %d %s", e.Path, e.Status, e.Body)
}

// Every body is read with a limit, so that a server cannot exhaust the auditor's memory with an
// endless answer: a small one for the key, heads and proofs (a few hundred bytes each), a large
// one for a published answer (a report or list of a large ledger), and for a page of the feed
// one that grows with the events asked for (pageLimit).
const (
	smallBody  = 1 << 20
	answerBody = 256 << 20
	// errorBody is how much of a refusal is read: its problem document.
	errorBody = 64 << 10
)

// bodyTooLarge is an answer longer than its limit: nothing of it is used.
type bodyTooLarge struct {
	Path  string
	Limit int64
}

func (e *bodyTooLarge) Error() string {
	return fmt.Sprintf("GET %s: the answer is longer than the %d bytes an answer of its kind can be; it was not read further", e.Path, e.Limit)
}

// request is one question to the server.
type request struct {
	path string
	// accept is the Accept header: application/json unless set.
	accept string
	// limit bounds the body's length (smallBody unless set).
	limit int64
	// want lists statuses besides 200 returned rather than failed.
	want []int
}

// do sends r, retrying as the server asks, reading the body into buf (when not nil), which the
// body then lends from: a mirror reads a page of a MiB or so a thousand times over, into one
// buffer.
func (c *client) do(ctx context.Context, buf *bytes.Buffer, r request) (status int, body []byte, err error) {
	path, want := r.path, r.want
	deadline := time.Now().Add(c.retryFor)
	for attempt := 0; ; attempt++ {
		status, body, retry, err := c.once(ctx, buf, r)
		var tooLarge *bodyTooLarge
		if errors.As(err, &tooLarge) {
			return 0, nil, err
		}
		if err == nil && retry == 0 {
			if status == http.StatusOK {
				return status, body, nil
			}
			for _, w := range want {
				if status == w {
					return status, body, nil
				}
			}
			return status, nil, &httpError{Path: path, Status: status, Body: summary(body)}
		}
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if retry == 0 { // a network failure or a server error: back off a little, a few times
			if attempt >= 4 {
				var he *httpError
				if errors.As(err, &he) {
					return 0, nil, err // it names the request already
				}
				return 0, nil, fmt.Errorf("GET %s: %w", path, err)
			}
			retry = time.Duration(attempt+1) * 250 * time.Millisecond
		}
		if time.Now().Add(retry).After(deadline) {
			if err == nil {
				err = &httpError{Path: path, Status: status, Body: summary(body)}
			}
			return 0, nil, fmt.Errorf("gave up retrying after %s: %w", c.retryFor, err)
		}
		if err := c.sleep(ctx, retry); err != nil {
			return 0, nil, err
		}
	}
}

// once sends one request. retry > 0 says the server asked to come back after that long.
func (c *client) once(ctx context.Context, buf *bytes.Buffer, r request) (status int, body []byte, retry time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+r.path, nil)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	limit := r.limit
	if limit <= 0 {
		limit = smallBody
	}
	if resp.StatusCode != http.StatusOK {
		limit = min(limit, errorBody)
	}
	if resp.ContentLength > limit {
		return 0, nil, 0, &bodyTooLarge{Path: r.path, Limit: limit}
	}
	// One byte past the limit tells an answer of exactly the limit from a longer one.
	body, err = readLimited(buf, resp.Body, limit+1)
	if err != nil {
		return 0, nil, 0, err
	}
	if int64(len(body)) > limit {
		if resp.StatusCode != http.StatusOK {
			body = body[:limit] // a refusal's start says enough
		} else {
			return 0, nil, 0, &bodyTooLarge{Path: r.path, Limit: limit}
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s >= 0 {
			return resp.StatusCode, body, time.Duration(max(s, 1)) * time.Second, nil
		}
	}
	if resp.StatusCode >= http.StatusInternalServerError {
		// A failure without a time to come back: tried again a few times, as a broken connection is.
		return resp.StatusCode, body, 0, &httpError{Path: r.path, Status: resp.StatusCode, Body: summary(body)}
	}
	return resp.StatusCode, body, 0, nil
}

// readLimited reads at most n bytes of r, into buf when not nil.
func readLimited(buf *bytes.Buffer, r io.Reader, n int64) ([]byte, error) {
	lr := io.LimitReader(r, n)
	if buf == nil {
		return io.ReadAll(lr)
	}
	buf.Reset()
	_, err := buf.ReadFrom(lr)
	return buf.Bytes(), err
}

// pageLimit bounds the body of a page of n events of the stored feed: every event's stored bytes
// come from a command body of at most 1 MiB, so 3 MiB base64-encoded with its members; and a
// ledger stops a page once its events' stored bytes pass 1 MiB (history.MaxPageBytes), so a page
// is never read past pageCap (a page that does not fit is asked again smaller).
func pageLimit(n int) int64 {
	return min(int64(n)*maxStoredEvent+64<<10, pageCap)
}

const (
	maxStoredEvent = 3 << 20
	pageCap        = 16 << 20
)

// getJSON fetches path, a small answer, and decodes its 200 answer into v.
func (c *client) getJSON(ctx context.Context, path string, v any) error {
	return c.getJSONLimit(ctx, path, smallBody, v)
}

// getJSONLimit is getJSON with a limit of its own.
func (c *client) getJSONLimit(ctx context.Context, path string, limit int64, v any) error {
	_, body, err := c.do(ctx, nil, request{path: path, limit: limit})
	if err != nil {
		return err
	}
	if err := jsonv1.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: the answer is not what a ledger answers: %w", path, err)
	}
	return nil
}

// summary is the start of an error body, for messages.
func summary(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
