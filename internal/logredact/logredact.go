// Package logredact keeps credentials out of logs. Its slog.Handler rewrites, in every message and
// attribute, anything shaped like a JWT or a bearer credential, and any secret it was given, before
// the record reaches the real handler.
//
// The code that logs already avoids credentials (the access log writes no headers and no query);
// this is the net under it, for what nobody thought of: a token pasted into a path, an error that
// quotes its input, a cookie a later sign-in adds.
package logredact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

// Redacted replaces what was removed.
const Redacted = "[REDACTED]"

// jwtShape: a JWT's header is base64url JSON, so it starts with "eyJ" ({"); two or three
// base64url parts follow, dot-separated. bearerShape: the credential after "Bearer".
var (
	jwtShape    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?`)
	bearerShape = regexp.MustCompile(`(?i)(bearer|basic)(\s+|%20|\+)[^\s",;&]+`)
)

// Handler is a slog.Handler that redacts before passing records on.
type Handler struct {
	next    slog.Handler
	secrets []string
}

// New returns a Handler in front of next that also removes each of secrets (empty ones ignored).
func New(next slog.Handler, secrets ...[]byte) *Handler {
	h := &Handler{next: next}
	for _, s := range secrets {
		if len(s) > 0 {
			h.secrets = append(h.secrets, string(s))
		}
	}
	return h
}

// String returns s with credentials and secrets replaced.
func (h *Handler) String(s string) string {
	for _, secret := range h.secrets {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtShape.ReplaceAllString(s, Redacted)
	}
	if containsFold(s, "bearer") || containsFold(s, "basic") {
		s = bearerShape.ReplaceAllString(s, "${1} "+Redacted)
	}
	return s
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), secrets: h.secrets}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.String(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.String(x.String()))
		case []byte:
			return slog.String(a.Key, h.String(string(x)))
		default:
			// Structured values are written as JSON by the usual handlers: look at that text, and
			// only if something had to go, log the cleaned text instead of the value.
			raw, err := json.Marshal(x)
			if err != nil {
				return slog.String(a.Key, h.String(fmt.Sprint(x)))
			}
			if clean := h.String(string(raw)); !bytes.Equal([]byte(clean), raw) {
				return slog.String(a.Key, clean)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
