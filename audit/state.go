package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"assurance-ledger/internal/durable"
	"assurance-ledger/ledgertree"
)

// An auditor's state directory is a ledger data directory without the ledger's secrets: the
// mirrored log in the embedded store (ledger.db) and the signed heads the server gave out that the
// mirror matches (tree-heads.jsonl), so that ledger verify, replay and evidence work on it as on
// the server's own; and beside them what only an audit keeps.
const (
	// StateFile records what the audits of this directory have established: the server, the
	// pinned key and the largest signed head the mirror was found to match.
	StateFile = "audit-state.json"
	// PublicKeyFile is the ledger's public key as /v1/ledger/public-key gives it, pinned on first
	// use (or from --public-key): every head is checked with it, and ledger verify and evidence
	// use it on this directory.
	PublicKeyFile = "ledger-public-key"
	// IndexFile holds, for each mirrored event in order, its position in the server's log (the
	// mirror's own positions are dense, the server's need not be), its id and its chain hash.
	IndexFile = "mirror-index"
	// SnapshotFile is the projections' snapshot the comparison keeps between audits.
	SnapshotFile = "audit-projections.snap"
	// storeFileName is the embedded store's file in a data directory (as ledger serve names it).
	storeFileName = "ledger.db"
)

const stateFormat = "assurance-ledger/audit-state/v1"

// state is StateFile.
type state struct {
	Format string `json:"format"`
	URL    string `json:"url"`
	KeyID  string `json:"key_id"`
	// Head is the largest signed head the mirror matched: every later head must be consistent
	// with it.
	Head      *ledgertree.TreeHead `json:"verified_head"`
	Audits    int                  `json:"audits"`
	UpdatedAt time.Time            `json:"updated_at"`
}

func readState(dir string) (*state, error) {
	raw, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return &state{Format: stateFormat}, nil
	}
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): start a new --state directory", filepath.Join(dir, StateFile), err)
	}
	if s.Format != stateFormat {
		return nil, fmt.Errorf("%s has format %q; this build reads %q", filepath.Join(dir, StateFile), s.Format, stateFormat)
	}
	return &s, nil
}

// writeState replaces StateFile: written aside, synced, renamed, the directory synced.
func writeState(dir string, s *state) error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileDurably(filepath.Join(dir, StateFile), append(raw, '\n'))
}

func writeFileDurably(path string, raw []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return durable.SyncDir(filepath.Dir(path))
}

// publicKeyDoc is the key as /v1/ledger/public-key answers it.
type publicKeyDoc struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
}

// PinnedKey returns the public key pinned in an auditor's state directory; ok is false if dir is
// not one (it has no PublicKeyFile).
func PinnedKey(dir string) (key ed25519.PublicKey, ok bool, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	key, err = ledgertree.ParsePublicKey(string(raw))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", filepath.Join(dir, PublicKeyFile), err)
	}
	return key, true, nil
}

func pinKey(dir string, key ed25519.PublicKey) error {
	raw, err := json.MarshalIndent(publicKeyDoc{Algorithm: "Ed25519", KeyID: ledgertree.KeyID(key), PublicKey: base64.StdEncoding.EncodeToString(key)}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileDurably(filepath.Join(dir, PublicKeyFile), append(raw, '\n'))
}

// MarkerFile marks a directory as an auditor's mirror from the first moment an audit opens it:
// ledger serve refuses such a directory (it would sign heads of its own with a new key beside the
// ledger's), and the reading commands name the audit that holds it.
const MarkerFile = "AUDIT-MIRROR"

func markMirror(dir string) error {
	path := filepath.Join(dir, MarkerFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return writeFileDurably(path, []byte("This directory is a mirror kept by ledger audit --state; it is not a ledger to serve.\n"))
}

// checkStateDir refuses a --state that already holds files and is not a mirror: a first audit
// writes a store, a tree and a marker into it, which among a source tree or beside a ledger's own
// store (whose ledger.db it would take for a mirror) do harm. A new or empty directory, or a mirror
// an earlier audit left, is accepted.
func checkStateDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) || IsStateDir(dir) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state directory %s: %w", dir, err)
	}
	return fmt.Errorf("--state %s already holds files and is not an auditor's mirror (it has no %s): give a new or empty directory for the first audit", dir, MarkerFile)
}

// IsStateDir reports whether dir is an auditor's state directory.
func IsStateDir(dir string) bool {
	for _, name := range []string{MarkerFile, StateFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// index is IndexFile: for each mirrored event in the mirror's order, its position in the server's
// log, its id and its chain hash (the tree's leaf), held in memory. The tree is rebuilt from it
// when an audit starts, far faster than from the events and without a checkpoint to save.
type index struct {
	f *os.File
	// mu guards server and identical: the mirror's writing stage adds entries while its linking
	// stage looks up where a stream's last held event stands on the server.
	mu     sync.Mutex
	server []uint64
	// identical is true while every mirrored event has the same position in the mirror as on the
	// server (an embedded store holding only the ledger's streams): answers then need no mapping.
	identical bool
}

// indexRecord is one event's entry: server position, event id, chain hash.
const indexRecord = 8 + 16 + ledgertree.HashSize

// openIndex reads IndexFile, fits it to the mirror's n events (entries past them were written for
// events whose commit never happened: the index is written first, and they are dropped) and
// rebuilds the mirror's tree from it.
func openIndex(dir string, n uint64) (*index, *ledgertree.Tree, error) {
	path := filepath.Join(dir, IndexFile)
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if os.IsNotExist(statErr) {
		if err := durable.SyncDir(dir); err != nil { // the new file survives a power cut
			_ = f.Close()
			return nil, nil, err
		}
	}
	ix, tree, err := readIndex(f, path, n)
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if err := f.Truncate(int64(indexRecord * n)); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(int64(indexRecord*n), io.SeekStart); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	ix.f = f
	return ix, tree, nil
}

func readIndex(r io.Reader, path string, n uint64) (*index, *ledgertree.Tree, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	if uint64(len(raw)/indexRecord) < n {
		return nil, nil, fmt.Errorf("%s indexes %d events, but the mirror holds %d: the state directory is damaged; start a new --state directory", path, len(raw)/indexRecord, n)
	}
	ix := &index{server: make([]uint64, n, n+4096), identical: true}
	tree := ledgertree.NewTree()
	for i := range ix.server {
		rec := raw[indexRecord*i:]
		ix.server[i] = binary.BigEndian.Uint64(rec)
		if ix.server[i] != uint64(i)+1 {
			ix.identical = false
		}
		leaf := ledgertree.Leaf{Position: uint64(i) + 1}
		copy(leaf.EventID[:], rec[8:24])
		copy(leaf.Hash[:], rec[24:indexRecord])
		if _, err := tree.Append(leaf); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return ix, tree, nil
}

// MirrorTree is the ledger tree of the log mirrored in an auditor's state directory.
func MirrorTree(dir string) (*ledgertree.Tree, error) {
	path := filepath.Join(dir, IndexFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	_, tree, err := readIndex(f, path, uint64(st.Size()/indexRecord))
	return tree, err
}

// indexed is one event's entry, to be added.
type indexed struct {
	server uint64
	leaf   ledgertree.Leaf // its Position is the mirror's
}

// add records the next events, durably, before they are committed.
func (ix *index) add(entries []indexed) error {
	buf := make([]byte, 0, indexRecord*len(entries))
	for _, e := range entries {
		buf = binary.BigEndian.AppendUint64(buf, e.server)
		buf = append(buf, e.leaf.EventID[:]...)
		buf = append(buf, e.leaf.Hash[:]...)
	}
	if _, err := ix.f.Write(buf); err != nil {
		return err
	}
	if err := ix.f.Sync(); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, e := range entries {
		ix.server = append(ix.server, e.server)
		if e.server != uint64(len(ix.server)) {
			ix.identical = false
		}
	}
	return nil
}

// last is the server position of the last mirrored event, 0 if none.
func (ix *index) last() uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(ix.server) == 0 {
		return 0
	}
	return ix.server[len(ix.server)-1]
}

// size is how many events are indexed.
func (ix *index) size() uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return uint64(len(ix.server))
}

// of is the server position of the mirror's position local (1-based).
func (ix *index) of(local uint64) uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.server[local-1]
}

func (ix *index) close() error { return ix.f.Close() }
