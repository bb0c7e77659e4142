package command

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"

	"assurance-ledger/domain"
)

// A client's idempotency key (HTTP Idempotency-Key, after draft-ietf-httpapi-idempotency-key-header)
// is scoped to the person who sent it and to the request it came with. The command id recorded for
// it is derived, never the key itself:
//
//	k1:<first 32 hex digits of SHA-256("assurance-ledger idempotency key v1" 0 person_id 0 key)>:<fingerprint>
//
// so the audit trail, which every role reads, publishes nothing another person can replay: the
// same key sent by anyone else derives another id, and the key cannot be recovered from its hash.
// The fingerprint (the first 32 hex digits of the request's own hash: method, path and body) rides
// along so that the stream, folded after a restart, still tells a repeat from a different request
// under the same key.
//
// Events recorded before keys were scoped carry the raw key as their command id. They keep it, and
// mean what they meant; no derived id equals one, so a key sent before the change is a new key now.

const keyedPrefix = "k1:"

var keyedPattern = regexp.MustCompile(`^k1:[0-9a-f]{32}:[0-9a-f]{32}$`)

// ErrKeyReused refuses a command whose idempotency key the same person already used for another
// request, on any stream: the draft's 422.
var ErrKeyReused = &domain.Error{Code: "idempotency_key_reused", Kind: domain.KindRefused,
	Message: "this Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request"}

// Errors are the refusals command handling makes of its own, beside the domain's (domain.Errors):
// what a transport must be able to answer.
var Errors = []*domain.Error{ErrKeyReused}

// KeyedCommandID is the command id recorded for a command person sent with idempotency key key in a
// request whose fingerprint is fingerprint (hex; Fingerprint makes one).
func KeyedCommandID(personID, key, fingerprint string) string {
	h := sha256.New()
	h.Write([]byte("assurance-ledger idempotency key v1\x00"))
	h.Write([]byte(personID))
	h.Write([]byte{0})
	h.Write([]byte(key))
	fp := fingerprint
	if len(fp) > 32 {
		fp = fp[:32]
	}
	return keyedPrefix + hex.EncodeToString(h.Sum(nil))[:32] + ":" + fp
}

// Fingerprint is a request's fingerprint as KeyedCommandID takes it: what was asked (method and
// path) and the hash of exactly what was sent.
func Fingerprint(method, path string, body []byte) string {
	b := sha256.Sum256(body)
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(b[:])
	return hex.EncodeToString(h.Sum(nil))
}

// commandKey splits a recorded command id into what a repeat is looked up by and the fingerprint
// it must match: a derived id's key part and fingerprint, or any other id whole, with none.
func commandKey(commandID string) (key, fingerprint string) {
	if keyedPattern.MatchString(commandID) {
		return commandID[:len(keyedPrefix)+32], commandID[len(keyedPrefix)+33:]
	}
	return commandID, ""
}

// recorded is a command found recorded in a stream, by its id.
type recorded struct {
	result      Result
	fingerprint string
}

// prior finds the command req repeats, if it was recorded in s: ok is false for a new command, and
// err is ErrKeyReused for the same key on a different request, in s or, as reused says
// (keyIndex.claim), on any other stream. With ok true the caller authorises req before answering:
// a repeat, or the refusal of a key, goes only to whom the command is allowed.
func (s *stream[S]) prior(req Request, reused bool) (r Result, ok bool, err error) {
	key, fp := commandKey(req.CommandID)
	c, ok := s.commands[key]
	if !ok {
		if reused {
			return Result{}, true, ErrKeyReused
		}
		return Result{}, false, nil
	}
	if c.fingerprint != fp {
		return Result{}, true, ErrKeyReused
	}
	return c.result, true, nil
}

// remember records that command id's event has result r, unless a command with its key was
// recorded before (the first result stands).
func (s *stream[S]) remember(commandID string, r Result) {
	if commandID == "" {
		return
	}
	key, fp := commandKey(commandID)
	if _, seen := s.commands[key]; !seen {
		s.commands[key] = recorded{result: r, fingerprint: fp}
	}
}

// forbidden is err when it says the actor may not do what it asked, nil otherwise: what a repeat
// is refused for before it is answered, since authorisation always comes first.
func forbidden(err error) error {
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == domain.KindForbidden {
		return err
	}
	return nil
}
