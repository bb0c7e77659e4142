package auth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"assurance-ledger/internal/durable"
)

// RevocationsFile is the file in the data directory that lists revoked tokens, one JSON object a
// line: {"jti": "...", "until": "<RFC 3339>"}. A line is kept only until the token it names would
// have expired anyway, so the file holds at most the tokens revoked within one maximum lifetime.
const RevocationsFile = "revoked-tokens.jsonl"

// revocationsLock serialises the processes that write the list (a server signing a person out,
// `ledger token revoke`): an append must not land in a file that a compaction is replacing.
const revocationsLock = "revoked-tokens.lock"

// recheckEvery is how often a running server looks whether another process revoked a token.
const recheckEvery = time.Second

// Revocations is the set of revoked token ids, kept in memory and in RevocationsFile. A revocation
// is on disk (the file and, for a new file, its directory synced) before Revoke returns, so it
// survives a crash and a restart.
type Revocations struct {
	dir string
	now func() time.Time

	mu    sync.RWMutex
	until map[string]time.Time // jti -> when the token expires and the entry may go
	stamp fileStamp            // of the file as last read

	nextCheck atomic.Int64 // unix nanoseconds before which the file is not looked at again
}

// revocation is one line of the file.
type revocation struct {
	JTI   string    `json:"jti"`
	Until time.Time `json:"until"`
}

// fileStamp tells whether the file changed since it was read.
type fileStamp struct {
	exists bool
	ino    uint64
	size   int64
	mtime  time.Time
}

func stampOf(fi os.FileInfo) fileStamp {
	s := fileStamp{exists: true, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino = st.Ino
	}
	return s
}

// OpenRevocations reads the revocations kept in dir (none yet: an empty set), dropping the
// entries whose tokens have expired. now is the clock (nil: time.Now).
func OpenRevocations(dir string, now func() time.Time) (*Revocations, error) {
	if now == nil {
		now = time.Now
	}
	r := &Revocations{dir: dir, now: now, until: map[string]time.Time{}}
	if err := r.reload(); err != nil {
		return nil, err
	}
	if r.expired() > 0 {
		if err := r.withLock(r.compactLocked); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Revocations) path() string { return filepath.Join(r.dir, RevocationsFile) }

// Revoked reports whether the token with this id has been revoked, here or (seen within a
// second) by another process writing to the same data directory.
func (r *Revocations) Revoked(jti string) bool {
	if now := r.now().UnixNano(); now >= r.nextCheck.Load() {
		r.nextCheck.Store(now + int64(recheckEvery))
		// On a failure to read, the entries already read stay in force until the next look.
		_ = r.reloadIfChanged()
	}
	r.mu.RLock()
	_, revoked := r.until[jti]
	r.mu.RUnlock()
	return revoked
}

// Revoke records that the token with id jti, valid until until, may no longer be used. A token
// already expired needs no entry: nothing is written and Revoke reports false.
func (r *Revocations) Revoke(jti string, until time.Time) (bool, error) {
	if jti == "" {
		return false, errors.New("a token without a jti cannot be revoked (nor is one accepted)")
	}
	if !until.After(r.now().Add(-leeway)) {
		return false, nil
	}
	line, err := json.Marshal(revocation{JTI: jti, Until: until.UTC()})
	if err != nil {
		return false, err
	}
	err = r.withLock(func() error {
		// Another process may have compacted or appended since: read what is there first.
		if err := r.reloadIfChanged(); err != nil {
			return err
		}
		if err := r.appendLocked(append(line, '\n')); err != nil {
			return err
		}
		r.mu.Lock()
		r.until[jti] = until.UTC()
		r.mu.Unlock()
		// Keep the file bounded: rewrite it once the lines whose tokens expired outnumber the rest.
		if n := r.expired(); n > 0 && 2*n > r.count() {
			return r.compactLocked()
		}
		return nil
	})
	return err == nil, err
}

// appendLocked appends line to the file and syncs it (and the directory, when the file is new).
// After a line cut short by a crash (never acknowledged), it starts a line of its own.
func (r *Revocations) appendLocked(line []byte) error {
	_, statErr := os.Stat(r.path())
	created := errors.Is(statErr, os.ErrNotExist)
	f, err := os.OpenFile(r.path(), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("revoking a token: %w", err)
	}
	if fi, serr := f.Stat(); serr == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, rerr := f.ReadAt(last, fi.Size()-1); rerr == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	_, err = f.Write(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && created {
		err = durable.SyncDir(r.dir)
	}
	if err != nil {
		return fmt.Errorf("revoking a token: writing %s: %w", r.path(), err)
	}
	r.noteWrite()
	return nil
}

// compactLocked rewrites the file with the entries whose tokens have not expired: written and
// synced under a temporary name, renamed over the file, the directory synced.
func (r *Revocations) compactLocked() error {
	now := r.now()
	r.mu.Lock()
	var buf bytes.Buffer
	for jti, until := range r.until {
		if until.Before(now.Add(-leeway)) {
			delete(r.until, jti)
			continue
		}
		line, _ := json.Marshal(revocation{JTI: jti, Until: until})
		buf.Write(append(line, '\n'))
	}
	r.mu.Unlock()
	tmp, err := os.CreateTemp(r.dir, "."+RevocationsFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("compacting %s: %w", r.path(), err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	_, err = tmp.Write(buf.Bytes())
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), r.path())
	}
	if err == nil {
		err = durable.SyncDir(r.dir)
	}
	if err != nil {
		return fmt.Errorf("compacting %s: %w", r.path(), err)
	}
	r.noteWrite()
	return nil
}

// noteWrite records the file as this process wrote it, so that it is not read back for nothing.
func (r *Revocations) noteWrite() {
	if fi, err := os.Stat(r.path()); err == nil {
		r.mu.Lock()
		r.stamp = stampOf(fi)
		r.mu.Unlock()
	}
}

// withLock runs fn holding the data directory's revocation lock, across processes.
func (r *Revocations) withLock(fn func() error) error {
	f, err := os.OpenFile(filepath.Join(r.dir, revocationsLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("locking the revocation list: %w", err)
	}
	defer f.Close() // closing releases the lock
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking the revocation list: %w", err)
	}
	return fn()
}

func (r *Revocations) reloadIfChanged() error {
	fi, err := os.Stat(r.path())
	var now fileStamp
	switch {
	case err == nil:
		now = stampOf(fi)
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	r.mu.RLock()
	same := now == r.stamp
	r.mu.RUnlock()
	if same {
		return nil
	}
	return r.reload()
}

// reload reads the whole file. A last line without its newline is an append in progress in
// another process: it is left for the next read, which the finished append's new size causes. A
// line that does not parse is one a crash cut short: its Revoke never returned, so it is skipped.
func (r *Revocations) reload() error {
	f, err := os.Open(r.path())
	if errors.Is(err, os.ErrNotExist) {
		r.mu.Lock()
		r.stamp = fileStamp{}
		r.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", r.path(), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", r.path(), err)
	}
	until := map[string]time.Time{}
	rd := bufio.NewReader(f)
	for {
		line, err := rd.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // a partial last line or none
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", r.path(), err)
		}
		var rv revocation
		if json.Unmarshal(line, &rv) != nil || rv.JTI == "" {
			continue
		}
		if prev, ok := until[rv.JTI]; !ok || rv.Until.After(prev) {
			until[rv.JTI] = rv.Until
		}
	}
	r.mu.Lock()
	r.until, r.stamp = until, stampOf(fi)
	r.mu.Unlock()
	return nil
}

// expired counts the entries whose tokens have expired.
func (r *Revocations) expired() int {
	now := r.now().Add(-leeway)
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, until := range r.until {
		if until.Before(now) {
			n++
		}
	}
	return n
}

func (r *Revocations) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.until)
}
