package command

import (
	"bytes"
	"context"
	"encoding/hex"
	"hash/maphash"
	"sync"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// A person's idempotency key names one request across the whole ledger, not one per stream: the
// same key sent again with another method, path or body is refused (ErrKeyReused) whichever
// stream it targets, as the draft's 422 and the refusal's own words say. A key reused for a
// withdrawal of another plan used to be a new key there, and withdrew a second plan.
//
// keyIndex holds the fingerprint each derived key was first recorded with, for every keyed command
// in the log. Like acts it reads the global log from where it last stopped, so the first keyed
// command after a start reads the log once and later ones only what was recorded since; a command
// the handler records is added as soon as it is appended. It holds only derived ids (what
// KeyedCommandID makes): 32 bytes a keyed command.
type keyIndex struct {
	mu    sync.Mutex
	after eventstore.Position // the log is read up to here
	byKey map[[16]byte][16]byte

	// locks serialise the commands of one derived key, from the look-up to the index taking in the
	// command's event, so that the same key on two streams at once cannot pass on both. Striped;
	// always taken before any stream's lock and the registry's.
	locks [64]sync.Mutex
	seed  maphash.Seed
}

func newKeyIndex() *keyIndex {
	return &keyIndex{byKey: map[[16]byte][16]byte{}, seed: maphash.MakeSeed()}
}

// derivedKey splits a derived command id into its key part and fingerprint; ok is false for any
// other id (a server-made one, or a raw key of an older log), which the index does not hold.
func derivedKey(commandID string) (key, fingerprint [16]byte, ok bool) {
	if !keyedPattern.MatchString(commandID) {
		return key, fingerprint, false
	}
	k, fp := commandKey(commandID)
	if _, err := hex.Decode(key[:], []byte(k[len(keyedPrefix):])); err != nil {
		return key, fingerprint, false
	}
	if _, err := hex.Decode(fingerprint[:], []byte(fp)); err != nil {
		return key, fingerprint, false
	}
	return key, fingerprint, true
}

// claim holds commandID's key for the command being handled, until release is called, and reports
// whether the key was recorded anywhere in the log with another request's fingerprint. Holding it
// from the look-up to the append keeps that answer true meanwhile. A command without a derived key
// holds nothing and is never reused. The first claim after a start reads the log, before any
// stream's lock is taken, so that decisions on other streams go on meanwhile.
func (k *keyIndex) claim(ctx context.Context, store eventstore.Store, commandID string) (reused bool, release func(), err error) {
	key, fp, ok := derivedKey(commandID)
	if !ok {
		return false, func() {}, nil
	}
	m := &k.locks[maphash.Bytes(k.seed, key[:])%uint64(len(k.locks))]
	m.Lock()
	k.mu.Lock()
	err = k.catchUpLocked(ctx, store)
	first, seen := k.byKey[key]
	k.mu.Unlock()
	if err != nil {
		m.Unlock()
		return false, nil, err
	}
	return seen && first != fp, m.Unlock, nil
}

// recorded takes in a command the handler has appended. The caller holds the key's lock.
func (k *keyIndex) recorded(commandID string) {
	key, fp, ok := derivedKey(commandID)
	if !ok {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, seen := k.byKey[key]; !seen {
		k.byKey[key] = fp
	}
}

// keyedMarker is what the metadata of an event with a derived command id holds, byte for byte: a
// member name's quotes cannot appear unescaped inside a string, so no other member can hold it.
var keyedMarker = []byte(`"command_id":"` + keyedPrefix)

func (k *keyIndex) catchUpLocked(ctx context.Context, store eventstore.Store) error {
	const page = 4096
	for {
		var (
			found []string
			last  eventstore.Position
		)
		n, err := readLog(ctx, store, k.after, page, func(recs []eventstore.RecordedEvent, lent bool) error {
			for _, rec := range recs {
				last = rec.Position
				if !bytes.Contains(rec.Metadata, keyedMarker) {
					continue
				}
				if !domain.IsLedgerStream(rec.Stream) {
					continue // another application's event, in a shared store
				}
				if lent {
					rec.Data, rec.Metadata = bytes.Clone(rec.Data), bytes.Clone(rec.Metadata)
				}
				e, err := DecodeRecorded(rec)
				if err != nil {
					return err
				}
				found = append(found, e.Meta.CommandID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range found {
			if key, fp, ok := derivedKey(id); ok {
				if _, seen := k.byKey[key]; !seen {
					k.byKey[key] = fp
				}
			}
		}
		if n > 0 {
			k.after = last
		}
		if n < page {
			return nil
		}
	}
}

// readLog hands fn the events recorded after `after`, at most limit of them, lent where the store
// lends them (eventstore.Lender), and returns how many there were.
func readLog(ctx context.Context, store eventstore.Store, after eventstore.Position, limit int, fn func(recs []eventstore.RecordedEvent, lent bool) error) (int, error) {
	if l, ok := store.(eventstore.Lender); ok {
		return l.LendAll(ctx, after, limit, func(recs []eventstore.RecordedEvent) error { return fn(recs, true) })
	}
	recs, err := store.ReadAll(ctx, after, limit)
	if err != nil {
		return 0, err
	}
	return len(recs), fn(recs, false)
}
