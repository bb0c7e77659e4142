package logredact

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwLTEifQ.c2lnbmF0dXJl"

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestSecretsAndTokensNeverReachTheLog(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name string
		log  func(*slog.Logger)
		keep string // what must still be there
	}{
		{"token in the message", func(l *slog.Logger) { l.Info("got " + jwt) }, "got"},
		{"token in a path", func(l *slog.Logger) { l.Info("request", "path", "/v1/plans/"+jwt+"/audit-trail") }, "/audit-trail"},
		{"two-part token", func(l *slog.Logger) { l.Info("x", "v", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJwLTEifQ") }, `"v"`},
		{"bearer header value", func(l *slog.Logger) { l.Info("x", "h", "Bearer opaque-credential-123") }, "Bearer"},
		{"lower-case, url-encoded bearer", func(l *slog.Logger) { l.Info("x", "q", "auth=bearer%20opaque-credential-123&x=1") }, "x=1"},
		{"basic credentials", func(l *slog.Logger) { l.Info("x", "h", "Basic opaque-credential-123") }, "Basic"},
		{"secret in an error", func(l *slog.Logger) { l.Error("x", "error", errors.New("bad key "+string(secret))) }, "bad key"},
		{"secret in a stringer", func(l *slog.Logger) { l.Info("x", "s", stringer{string(secret)}) }, `"s"`},
		{"secret in bytes", func(l *slog.Logger) { l.Info("x", "b", secret) }, `"b"`},
		{"token in a group", func(l *slog.Logger) { l.Info("x", slog.Group("req", "cookie", "session="+jwt)) }, "session="},
		{"token in a struct", func(l *slog.Logger) {
			l.Info("x", "v", struct{ Header map[string]string }{map[string]string{"Authorization": "Bearer " + jwt}})
		}, "Authorization"},
		{"token in With attributes", func(l *slog.Logger) { l.With("token", jwt).WithGroup("g").Info("x", "secret", string(secret)) }, `"g"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.log(slog.New(New(slog.NewJSONHandler(&buf, nil), secret, nil)))
			out := buf.String()
			assert.NotContains(t, out, jwt)
			assert.NotContains(t, out, "opaque-credential-123")
			assert.NotContains(t, out, string(secret))
			assert.NotContains(t, out, "c2lnbmF0dXJl", "no part of a token's signature")
			assert.Contains(t, out, Redacted)
			assert.Contains(t, out, tc.keep, "the rest of the record is kept")
		})
	}
}

func TestOrdinaryRecordsPassUnchanged(t *testing.T) {
	var plain, redacted bytes.Buffer
	log := func(l *slog.Logger) {
		l.Info("request", "path", "/v1/plans/0190f0c4-0000-7000-8000-000000000001", "status", 201, "duration_ms", 1.5,
			"actor", "pc-1", slog.Group("by", "basics", "eye"), "v", map[string]int{"a": 1})
	}
	log(slog.New(slog.NewJSONHandler(&plain, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	log(slog.New(New(slog.NewJSONHandler(&redacted, &slog.HandlerOptions{ReplaceAttr: dropTime}), []byte("s3cret-s3cret"))))
	assert.Equal(t, plain.String(), redacted.String())
	assert.False(t, strings.Contains(redacted.String(), Redacted))
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func BenchmarkAccessLogLine(b *testing.B) {
	log := slog.New(New(slog.NewJSONHandler(io.Discard, nil), []byte("0123456789abcdef0123456789abcdef")))
	for b.Loop() {
		log.Info("request", "request_id", "a6d2ecf908261a401f61d485", "method", "GET", "path", "/v1/plans/0190f0c4-0000-7000-8000-000000000001",
			"route", "/v1/plans/:id", "status", 200, "duration_ms", 1.078, "remote", "127.0.0.1", "actor", "adm-1", "role", "admin", "org", "X09")
	}
}
