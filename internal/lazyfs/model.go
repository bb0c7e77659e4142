package lazyfs

import (
	"maps"
	"math/rand/v2"
	"slices"
	"syscall"
	"time"
)

// Mode is what a crash keeps of the changes made since the last sync.
type Mode int

const (
	// DropUnsynced keeps nothing that was not synced.
	DropUnsynced Mode = iota
	// KeepPrefix keeps, of each file and each directory, a random prefix of its changes since its
	// last sync, in order.
	KeepPrefix
	// TornPage keeps a random prefix as KeepPrefix does, and tears the next write of each file:
	// pages up to a random one kept, that page only in part.
	TornPage
)

// Modes lists every Mode, for tests that go through them all.
var Modes = []Mode{DropUnsynced, KeepPrefix, TornPage}

func (m Mode) String() string {
	switch m {
	case DropUnsynced:
		return "drop-unsynced"
	case KeepPrefix:
		return "keep-prefix"
	case TornPage:
		return "torn-page"
	}
	return "unknown"
}

const (
	pageSize   = 4096
	sectorSize = 512
	rootIno    = 1 // FUSE's root node id
)

// fileOp is a change to a file since its last sync: a write, or a change of size.
type fileOp struct {
	off    int64
	data   []byte // the bytes written (a copy); nil for a change of size
	size   int64  // the new size, for a change of size
	resize bool
}

// dirOp is a change to a directory since its last sync: name now names ino, or (ino 0) nothing;
// and, for a rename within the directory, from names nothing any more. A rename is one change, as
// a journaling filesystem makes it: a crash never keeps half of it.
type dirOp struct {
	name, from string
	ino        uint64
}

func (op dirOp) apply(entries map[string]uint64) {
	if op.from != "" {
		delete(entries, op.from)
	}
	if op.ino == 0 {
		delete(entries, op.name)
	} else {
		entries[op.name] = op.ino
	}
}

// inode is a file or a directory: what it holds now, what it held at its last sync, and the changes
// in between.
type inode struct {
	ino                 uint64
	mode                uint32 // type and permission bits
	uid, gid            uint32
	atime, mtime, ctime time.Time
	nlink               uint32

	// Regular files.
	data    []byte   // now
	synced  []byte   // at the last fsync
	pending []fileOp // since, in order: data is synced with them applied

	// Directories.
	entries       map[string]uint64 // now
	syncedEntries map[string]uint64 // at the last fsync
	dirPending    []dirOp           // since, in order
}

func (n *inode) isDir() bool { return n.mode&syscall.S_IFMT == syscall.S_IFDIR }

// tree is the whole filesystem: its inodes by number.
type tree struct {
	nodes map[uint64]*inode
	next  uint64 // the next inode number to give
}

func newTree(now time.Time) *tree {
	root := &inode{ino: rootIno, mode: syscall.S_IFDIR | 0o755, nlink: 2, atime: now, mtime: now, ctime: now,
		entries: map[string]uint64{}, syncedEntries: map[string]uint64{}}
	return &tree{nodes: map[uint64]*inode{rootIno: root}, next: rootIno + 1}
}

func (t *tree) node(ino uint64) (*inode, syscall.Errno) {
	n, ok := t.nodes[ino]
	if !ok {
		return nil, syscall.ENOENT
	}
	return n, 0
}

func (t *tree) dir(ino uint64) (*inode, syscall.Errno) {
	d, errno := t.node(ino)
	if errno != 0 {
		return nil, errno
	}
	if !d.isDir() {
		return nil, syscall.ENOTDIR
	}
	return d, 0
}

func (t *tree) lookup(parent uint64, name string) (*inode, syscall.Errno) {
	d, errno := t.dir(parent)
	if errno != 0 {
		return nil, errno
	}
	ino, ok := d.entries[name]
	if !ok {
		return nil, syscall.ENOENT
	}
	return t.node(ino)
}

// change makes op in d, as a change held back until d is synced.
func (t *tree) change(d *inode, op dirOp, now time.Time) {
	op.apply(d.entries)
	d.dirPending = append(d.dirPending, op)
	d.mtime, d.ctime = now, now
}

// named reports whether some directory names ino name.
func (t *tree) named(ino uint64, name string) bool {
	for _, d := range t.nodes {
		if d.isDir() && d.entries[name] == ino {
			return true
		}
	}
	return false
}

// create makes a file or directory (by mode's type bits) named name in parent.
func (t *tree) create(parent uint64, name string, mode, uid, gid uint32, now time.Time) (*inode, syscall.Errno) {
	d, errno := t.dir(parent)
	if errno != 0 {
		return nil, errno
	}
	if _, exists := d.entries[name]; exists {
		return nil, syscall.EEXIST
	}
	n := &inode{ino: t.next, mode: mode, uid: uid, gid: gid, nlink: 1, atime: now, mtime: now, ctime: now}
	switch mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		n.nlink = 2
		n.entries, n.syncedEntries = map[string]uint64{}, map[string]uint64{}
	default:
		return nil, syscall.EPERM // only files and directories: the ledger makes nothing else
	}
	t.next++
	t.nodes[n.ino] = n
	t.change(d, dirOp{name: name, ino: n.ino}, now)
	return n, 0
}

// write writes data at off in file ino.
func (t *tree) write(ino uint64, off int64, data []byte, now time.Time) syscall.Errno {
	n, errno := t.node(ino)
	if errno != 0 {
		return errno
	}
	if n.isDir() {
		return syscall.EISDIR
	}
	op := fileOp{off: off, data: slices.Clone(data)}
	n.data = applyFileOp(n.data, op)
	n.pending = append(n.pending, op)
	n.mtime, n.ctime = now, now
	return 0
}

// resize changes the size of file ino.
func (t *tree) resize(ino uint64, size int64, now time.Time) syscall.Errno {
	n, errno := t.node(ino)
	if errno != 0 {
		return errno
	}
	if n.isDir() {
		return syscall.EISDIR
	}
	op := fileOp{size: size, resize: true}
	n.data = applyFileOp(n.data, op)
	n.pending = append(n.pending, op)
	n.mtime, n.ctime = now, now
	return 0
}

// sync makes what ino holds now durable: a file's content and size, a directory's entries.
func (t *tree) sync(ino uint64) syscall.Errno {
	n, errno := t.node(ino)
	if errno != 0 {
		return errno
	}
	if n.isDir() {
		n.syncedEntries = maps.Clone(n.entries)
		n.dirPending = nil
		return 0
	}
	for _, op := range n.pending {
		n.synced = applyFileOp(n.synced, op)
	}
	n.pending = nil
	return 0
}

// unlink removes name, a file, from parent.
func (t *tree) unlink(parent uint64, name string, now time.Time) syscall.Errno {
	d, errno := t.dir(parent)
	if errno != 0 {
		return errno
	}
	n, errno := t.lookup(parent, name)
	if errno != 0 {
		return errno
	}
	if n.isDir() {
		return syscall.EISDIR
	}
	t.change(d, dirOp{name: name}, now)
	n.nlink--
	n.ctime = now
	return 0
}

// rmdir removes name, an empty directory, from parent.
func (t *tree) rmdir(parent uint64, name string, now time.Time) syscall.Errno {
	d, errno := t.dir(parent)
	if errno != 0 {
		return errno
	}
	n, errno := t.lookup(parent, name)
	if errno != 0 {
		return errno
	}
	if !n.isDir() {
		return syscall.ENOTDIR
	}
	if len(n.entries) > 0 {
		return syscall.ENOTEMPTY
	}
	t.change(d, dirOp{name: name}, now)
	n.nlink = 0
	return 0
}

// rename moves oldName in oldParent to newName in newParent, replacing what newName named unless
// noReplace. Each directory's change is held back until that directory is synced.
func (t *tree) rename(oldParent uint64, oldName string, newParent uint64, newName string, noReplace bool, now time.Time) syscall.Errno {
	od, errno := t.dir(oldParent)
	if errno != 0 {
		return errno
	}
	nd, errno := t.dir(newParent)
	if errno != 0 {
		return errno
	}
	n, errno := t.lookup(oldParent, oldName)
	if errno != 0 {
		return errno
	}
	if oldParent == newParent && oldName == newName {
		return 0
	}
	if target, exists := nd.entries[newName]; exists {
		if noReplace {
			return syscall.EEXIST
		}
		old := t.nodes[target]
		switch {
		case old.isDir() && !n.isDir():
			return syscall.EISDIR
		case !old.isDir() && n.isDir():
			return syscall.ENOTDIR
		case old.isDir() && len(old.entries) > 0:
			return syscall.ENOTEMPTY
		case old.isDir():
			old.nlink = 0
		default:
			old.nlink--
		}
		old.ctime = now
	}
	if od == nd {
		t.change(od, dirOp{name: newName, ino: n.ino, from: oldName}, now)
	} else {
		// Across directories, each directory's half waits for that directory's sync.
		t.change(od, dirOp{name: oldName}, now)
		t.change(nd, dirOp{name: newName, ino: n.ino}, now)
	}
	n.ctime = now
	return 0
}

// link gives file ino a further name, newName in parent.
func (t *tree) link(ino, parent uint64, newName string, now time.Time) (*inode, syscall.Errno) {
	n, errno := t.node(ino)
	if errno != 0 {
		return nil, errno
	}
	if n.isDir() {
		return nil, syscall.EPERM
	}
	d, errno := t.dir(parent)
	if errno != 0 {
		return nil, errno
	}
	if _, exists := d.entries[newName]; exists {
		return nil, syscall.EEXIST
	}
	t.change(d, dirOp{name: newName, ino: ino}, now)
	n.nlink++
	n.ctime = now
	return n, 0
}

// applyFileOp returns buf with op applied; it may reuse buf's storage.
func applyFileOp(buf []byte, op fileOp) []byte {
	if op.resize {
		return resize(buf, op.size)
	}
	end := op.off + int64(len(op.data))
	if end > int64(len(buf)) {
		buf = resize(buf, end)
	}
	copy(buf[op.off:], op.data)
	return buf
}

// resize returns buf at size n, zero-filled past its old length.
func resize(buf []byte, n int64) []byte {
	old := int64(len(buf))
	switch {
	case n <= old:
		return buf[:n]
	case n <= int64(cap(buf)):
		buf = buf[:n]
		clear(buf[old:]) // bytes beyond a shrink that storage kept
		return buf
	}
	return append(buf, make([]byte, n-old)...)
}

// Stats says what a crash did.
type Stats struct {
	Files, Dirs   int   // files and directories after the crash
	Gone          int   // files and directories there before the crash and not after
	FilesChanged  int   // files that lost some change not synced
	BytesLost     int64 // bytes written and not synced that the crash did not keep (a torn write counts whole)
	EntriesUndone int   // directory changes not synced that the crash did not keep
	Torn          int   // writes torn
}

// crash returns the tree a power cut would leave of t in mode, choosing with rng. t is left as it
// was.
func (t *tree) crash(mode Mode, rng *rand.Rand) (*tree, Stats) {
	var st Stats
	out := &tree{nodes: map[uint64]*inode{}, next: t.next}
	keep := func(n int) int {
		if mode == DropUnsynced || n == 0 {
			return 0
		}
		return rng.IntN(n + 1)
	}
	// Walk from the root along the entries each directory will have after the crash.
	queue := []uint64{rootIno}
	for len(queue) > 0 {
		ino := queue[0]
		queue = queue[1:]
		if _, done := out.nodes[ino]; done {
			continue
		}
		n := t.nodes[ino]
		c := &inode{ino: n.ino, mode: n.mode, uid: n.uid, gid: n.gid, atime: n.atime, mtime: n.mtime, ctime: n.ctime}
		out.nodes[ino] = c
		if n.isDir() {
			st.Dirs++
			k := keep(len(n.dirPending))
			c.entries = maps.Clone(n.syncedEntries)
			for _, op := range n.dirPending[:k] {
				op.apply(c.entries)
			}
			st.EntriesUndone += len(n.dirPending) - k
			c.syncedEntries = maps.Clone(c.entries)
			for _, name := range slices.Sorted(maps.Keys(c.entries)) {
				queue = append(queue, c.entries[name])
			}
			continue
		}
		st.Files++
		k := keep(len(n.pending))
		data := slices.Clone(n.synced)
		for _, op := range n.pending[:k] {
			data = applyFileOp(data, op)
		}
		if k < len(n.pending) {
			st.FilesChanged++
			for _, op := range n.pending[k:] {
				st.BytesLost += int64(len(op.data))
			}
			if next := n.pending[k]; mode == TornPage && !next.resize && len(next.data) > 0 {
				data = tear(data, next, rng)
				st.Torn++
			}
		}
		c.data, c.synced = data, slices.Clone(data)
	}
	// Links are counted again: a name whose creation did not survive no longer counts.
	for _, d := range out.nodes {
		if !d.isDir() {
			continue
		}
		d.nlink = 2
		for _, ino := range d.entries {
			if c := out.nodes[ino]; c.isDir() {
				d.nlink++
			} else {
				c.nlink++
			}
		}
	}
	for ino, n := range t.nodes {
		if _, kept := out.nodes[ino]; !kept && (n.nlink > 0 || ino == rootIno) {
			st.Gone++
		}
	}
	return out, st
}

// tear applies part of op to buf: its pages before a random one whole, that page's 512-byte
// sectors each kept or not at random, nothing after. The file takes the size op gave it, as when
// the size reached the disk before all the data did.
func tear(buf []byte, op fileOp, rng *rand.Rand) []byte {
	end := op.off + int64(len(op.data))
	if end > int64(len(buf)) {
		buf = resize(buf, end)
	}
	first, last := op.off/pageSize, (end-1)/pageSize
	cut := first + rng.Int64N(last-first+1)
	whole := max(op.off, cut*pageSize)
	copy(buf[op.off:whole], op.data[:whole-op.off])
	for s := cut * pageSize; s < (cut+1)*pageSize && s < end; s += sectorSize {
		lo, hi := max(s, op.off), min(s+sectorSize, end)
		if lo < hi && rng.IntN(2) == 0 {
			copy(buf[lo:hi], op.data[lo-op.off:hi-op.off])
		}
	}
	return buf
}
