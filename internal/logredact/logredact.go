// Package logredact keeps credentials out of logs. Its slog.Handler rewrites, in every message and
// attribute, anything shaped like a JWT or a bearer credential, and any secret it was given, before
// the record reaches the real handler.
//
// The code that logs already avoids credentials (the access log writes no headers and no query);
// this is the net under it, for what nobody thought of: a token pasted into a path, an error that
// quotes its input, a cookie a later sign-in adds.
package logredact

import (
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
	clean, _ := h.clean(s)
	return clean
}

// clean is String that also says whether anything was replaced. The checks before each regular
// expression keep the common case, a record with nothing to hide, cheap: every access log line
// passes through here.
func (h *Handler) clean(s string) (string, bool) {
	orig := s
	for _, secret := range h.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	if strings.Contains(s, "eyJ") {
		s = jwtShape.ReplaceAllString(s, Redacted)
	}
	if containsFold(s, "bearer") || containsFold(s, "basic") {
		s = bearerShape.ReplaceAllString(s, "${1} "+Redacted)
	}
	return s, s != orig
}

// containsFold reports whether s contains the lower-case ASCII word sub in any case, without
// lower-casing s.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	msg, changed := h.clean(r.Message)
	var buf [16]slog.Attr
	attrs := buf[:0]
	r.Attrs(func(a slog.Attr) bool {
		c, ch := h.attr(a)
		attrs = append(attrs, c)
		changed = changed || ch
		return true
	})
	if !changed {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	out.AddAttrs(attrs...)
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i], _ = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// attr returns a with credentials and secrets removed, and whether anything was.
func (h *Handler) attr(a slog.Attr) (slog.Attr, bool) {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if c, changed := h.clean(v.String()); changed {
			return slog.String(a.Key, c), true
		}
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		changed := false
		for i, g := range group {
			var ch bool
			clean[i], ch = h.attr(g)
			changed = changed || ch
		}
		if changed {
			return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}, true
		}
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		case []byte:
			text = string(x)
		default:
			// Structured values are written as JSON by the usual handlers: look at that text, and
			// only if something had to go, log the cleaned text instead of the value.
			raw, err := json.Marshal(x)
			if err != nil {
				raw = []byte(fmt.Sprint(x))
			}
			text = string(raw)
		}
		if c, changed := h.clean(text); changed {
			return slog.String(a.Key, c), true
		}
	}
	return slog.Attr{Key: a.Key, Value: v}, false
}
