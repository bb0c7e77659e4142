package lazyfs

import (
	"maps"
	"slices"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// cacheFor is how long the kernel may trust a name or attributes. Every change goes through the
// kernel, so what it caches cannot go stale while a mount lasts, and a crash ends the mount.
const cacheFor = time.Hour

// rawFS serves one mount of an FS. It answers EIO to everything once the FS has crashed.
type rawFS struct {
	fuse.RawFileSystem // ENOSYS for what the ledger never does (symlinks, xattrs, locks the kernel keeps)
	fs                 *FS
	epoch              uint64 // the mount this serves: a mount detached rather than ended serves nothing more
}

func status(errno syscall.Errno) fuse.Status { return fuse.Status(errno) }

// lock takes the FS's lock for one call; ok is false (and the lock not held) once it has crashed.
func (r *rawFS) lock() (*tree, bool) {
	r.fs.mu.Lock()
	if r.fs.frozen || r.fs.epoch != r.epoch {
		r.fs.mu.Unlock()
		return nil, false
	}
	return r.fs.t, true
}

func (r *rawFS) unlock() { r.fs.mu.Unlock() }

func (r *rawFS) String() string { return "lazyfs" }

func fillAttr(n *inode, a *fuse.Attr) {
	*a = fuse.Attr{Ino: n.ino, Mode: n.mode, Nlink: n.nlink, Blksize: pageSize,
		Owner: fuse.Owner{Uid: n.uid, Gid: n.gid}}
	if n.isDir() {
		a.Size = uint64(len(n.entries))
	} else {
		a.Size = uint64(len(n.data))
		a.Blocks = (a.Size + 511) / 512
	}
	a.SetTimes(&n.atime, &n.mtime, &n.ctime)
}

func fillEntry(n *inode, out *fuse.EntryOut) {
	out.NodeId, out.Generation = n.ino, 1
	fillAttr(n, &out.Attr)
	out.SetEntryTimeout(cacheFor)
	out.SetAttrTimeout(cacheFor)
}

func (r *rawFS) Lookup(_ <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.lookup(h.NodeId, name)
	if errno != 0 {
		return status(errno)
	}
	fillEntry(n, out)
	return fuse.OK
}

func (r *rawFS) GetAttr(_ <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.node(in.NodeId)
	if errno != 0 {
		return status(errno)
	}
	fillAttr(n, &out.Attr)
	out.SetTimeout(cacheFor)
	return fuse.OK
}

func (r *rawFS) SetAttr(_ <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.node(in.NodeId)
	if errno != 0 {
		return status(errno)
	}
	now := time.Now()
	if in.Valid&fuse.FATTR_SIZE != 0 {
		if errno := t.resize(n.ino, int64(in.Size), now); errno != 0 {
			return status(errno)
		}
		r.fs.wrote(n.ino)
	}
	if in.Valid&fuse.FATTR_MODE != 0 {
		n.mode = n.mode&syscall.S_IFMT | in.Mode&^syscall.S_IFMT
		n.ctime = now
	}
	if in.Valid&fuse.FATTR_UID != 0 {
		n.uid = in.Uid
	}
	if in.Valid&fuse.FATTR_GID != 0 {
		n.gid = in.Gid
	}
	switch {
	case in.Valid&fuse.FATTR_ATIME_NOW != 0:
		n.atime = now
	case in.Valid&fuse.FATTR_ATIME != 0:
		n.atime = time.Unix(int64(in.Atime), int64(in.Atimensec))
	}
	switch {
	case in.Valid&fuse.FATTR_MTIME_NOW != 0:
		n.mtime = now
	case in.Valid&fuse.FATTR_MTIME != 0:
		n.mtime = time.Unix(int64(in.Mtime), int64(in.Mtimensec))
	}
	fillAttr(n, &out.Attr)
	out.SetTimeout(cacheFor)
	return fuse.OK
}

func (r *rawFS) Mknod(_ <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.create(in.NodeId, name, in.Mode, in.Caller, out)
}

func (r *rawFS) Mkdir(_ <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	return r.create(in.NodeId, name, syscall.S_IFDIR|in.Mode&^syscall.S_IFMT, in.Caller, out)
}

func (r *rawFS) create(parent uint64, name string, mode uint32, c fuse.Caller, out *fuse.EntryOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.create(parent, name, mode, c.Uid, c.Gid, time.Now())
	if errno != 0 {
		return status(errno)
	}
	r.fs.changedEntry(name)
	fillEntry(n, out)
	return fuse.OK
}

func (r *rawFS) Create(_ <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	now := time.Now()
	n, errno := t.lookup(in.NodeId, name)
	switch {
	case errno == syscall.ENOENT:
		n, errno = t.create(in.NodeId, name, syscall.S_IFREG|in.Mode&^syscall.S_IFMT, in.Uid, in.Gid, now)
		if errno != 0 {
			return status(errno)
		}
		r.fs.changedEntry(name)
	case errno != 0:
		return status(errno)
	case in.Flags&syscall.O_EXCL != 0:
		return fuse.Status(syscall.EEXIST)
	case n.isDir():
		return fuse.Status(syscall.EISDIR)
	case in.Flags&syscall.O_TRUNC != 0:
		if errno := t.resize(n.ino, 0, now); errno != 0 {
			return status(errno)
		}
		r.fs.wrote(n.ino)
	}
	fillEntry(n, &out.EntryOut)
	out.OpenFlags = fuse.FOPEN_KEEP_CACHE
	return fuse.OK
}

func (r *rawFS) Unlink(_ <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	return r.entryChanged(name, t.unlink(h.NodeId, name, time.Now()))
}

func (r *rawFS) Rmdir(_ <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	return r.entryChanged(name, t.rmdir(h.NodeId, name, time.Now()))
}

// renameNoReplace is RENAME_NOREPLACE; RENAME_EXCHANGE and RENAME_WHITEOUT are refused.
const renameNoReplace = 1

func (r *rawFS) Rename(_ <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	if in.Flags&^renameNoReplace != 0 {
		return fuse.EINVAL
	}
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	return r.entryChanged(newName, t.rename(in.NodeId, oldName, in.Newdir, newName, in.Flags&renameNoReplace != 0, time.Now()))
}

func (r *rawFS) Link(_ <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.link(in.Oldnodeid, in.NodeId, name, time.Now())
	if errno != 0 {
		return status(errno)
	}
	r.fs.changedEntry(name)
	fillEntry(n, out)
	return fuse.OK
}

// entryChanged counts a change to name in a directory, if errno says it was made.
func (r *rawFS) entryChanged(name string, errno syscall.Errno) fuse.Status {
	if errno == 0 {
		r.fs.changedEntry(name)
	}
	return status(errno)
}

func (r *rawFS) Access(<-chan struct{}, *fuse.AccessIn) fuse.Status { return fuse.OK }

func (r *rawFS) Open(_ <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	n, errno := t.node(in.NodeId)
	if errno != 0 {
		return status(errno)
	}
	if n.isDir() {
		return fuse.Status(syscall.EISDIR)
	}
	// Kept: nothing changes a file but the writes this kernel sends (O_TRUNC comes as a SetAttr).
	out.OpenFlags = fuse.FOPEN_KEEP_CACHE
	return fuse.OK
}

func (r *rawFS) Read(_ <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	t, ok := r.lock()
	if !ok {
		return nil, fuse.EIO
	}
	defer r.unlock()
	n, errno := t.node(in.NodeId)
	if errno != 0 {
		return nil, status(errno)
	}
	if n.isDir() {
		return nil, fuse.Status(syscall.EISDIR)
	}
	var got int
	if off := int64(in.Offset); off < int64(len(n.data)) {
		got = copy(buf[:min(int(in.Size), len(buf))], n.data[off:])
	}
	return fuse.ReadResultData(buf[:got]), fuse.OK
}

func (r *rawFS) Write(cancel <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	return r.Writev(cancel, in, [][]byte{data})
}

func (r *rawFS) Writev(_ <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	t, ok := r.lock()
	if !ok {
		return 0, fuse.EIO
	}
	defer r.unlock()
	all := slices.Concat(data...)
	if errno := t.write(in.NodeId, int64(in.Offset), all, time.Now()); errno != 0 {
		return 0, status(errno)
	}
	r.fs.wrote(in.NodeId)
	return uint32(len(all)), fuse.OK
}

func (r *rawFS) Flush(<-chan struct{}, *fuse.FlushIn) fuse.Status { return fuse.OK }

func (r *rawFS) Release(<-chan struct{}, *fuse.ReleaseIn) {}

// Fsync serves fsync and fdatasync alike: both make the content and the size durable.
func (r *rawFS) Fsync(_ <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	return status(t.sync(in.NodeId))
}

func (r *rawFS) FsyncDir(_ <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	return status(t.sync(in.NodeId))
}

// OpenDir takes the directory's entries as they are, so that a listing read in several calls is
// of one moment.
func (r *rawFS) OpenDir(_ <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	t, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	d, errno := t.dir(in.NodeId)
	if errno != 0 {
		return status(errno)
	}
	list := make([]fuse.DirEntry, 0, len(d.entries))
	for _, name := range slices.Sorted(maps.Keys(d.entries)) {
		ino := d.entries[name]
		list = append(list, fuse.DirEntry{Name: name, Ino: ino, Mode: t.nodes[ino].mode, Off: uint64(len(list) + 1)})
	}
	r.fs.nextFh++
	out.Fh = r.fs.nextFh
	r.fs.listings[out.Fh] = list
	return fuse.OK
}

func (r *rawFS) ReadDir(_ <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	_, ok := r.lock()
	if !ok {
		return fuse.EIO
	}
	defer r.unlock()
	list := r.fs.listings[in.Fh]
	for i := int(in.Offset); i < len(list); i++ {
		if !out.AddDirEntry(list[i]) {
			break
		}
	}
	return fuse.OK
}

func (r *rawFS) ReleaseDir(in *fuse.ReleaseIn) {
	r.fs.mu.Lock()
	delete(r.fs.listings, in.Fh)
	r.fs.mu.Unlock()
}

func (r *rawFS) StatFs(_ <-chan struct{}, _ *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	const blocks = 1 << 30 // 4 TiB of 4 KiB blocks: memory is the limit, not this
	*out = fuse.StatfsOut{Blocks: blocks, Bfree: blocks, Bavail: blocks, Files: 1 << 20, Ffree: 1 << 20,
		Bsize: pageSize, NameLen: 255, Frsize: pageSize}
	return fuse.OK
}
