package lazyfs

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// FS is a lazyfs filesystem mounted over a directory.
type FS struct {
	dir    string
	server *fuse.Server

	mu       sync.Mutex
	t        *tree
	frozen   bool  // crashed: every call fails until Remount
	crashed  Stats // what the crash that froze it did
	armed    *armedCrash
	changes  uint64 // since Mount, as CrashAfter counts them
	onCrash  func()
	epoch    uint64 // mounts so far
	listings map[uint64][]fuse.DirEntry
	nextFh   uint64
}

// Available says why FUSE filesystems cannot be mounted here, or nil if they can: /dev/fuse must
// open, and a non-root process needs fusermount3 (Debian's fuse3) or fusermount.
func Available() error {
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("lazyfs: /dev/fuse: %w", err)
	}
	_ = f.Close()
	if os.Geteuid() == 0 {
		return nil
	}
	for _, bin := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(bin); err == nil {
			return nil
		}
	}
	return errors.New("lazyfs: not root, and neither fusermount3 nor fusermount is installed (apt-get install fuse3)")
}

// Mount mounts an empty lazyfs over dir, an empty directory.
func Mount(dir string) (*FS, error) {
	f := &FS{dir: dir, t: newTree(time.Now())}
	if err := f.mount(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *FS) mount() error {
	f.mu.Lock()
	f.epoch++
	raw := &rawFS{RawFileSystem: fuse.NewDefaultRawFileSystem(), fs: f, epoch: f.epoch}
	f.listings = map[uint64][]fuse.DirEntry{}
	f.mu.Unlock()
	srv, err := fuse.NewServer(raw, f.dir, &fuse.MountOptions{
		FsName: "lazyfs", Name: "lazyfs",
		// As root, mount(2) directly; otherwise (or if that fails) through fusermount.
		DirectMount: os.Geteuid() == 0,
		// The kernel keeps file pages between opens and never second-guesses them on a change of
		// mtime: only its own writes change a file, so its cache is right for the mount's life.
		ExplicitDataCacheControl: true,
		DisableXAttrs:            true,
		DisableReadDirPlus:       true,
		MaxWrite:                 1 << 20,
	})
	if err != nil {
		return fmt.Errorf("lazyfs: mount on %s: %w", f.dir, err)
	}
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		_ = srv.Unmount()
		return fmt.Errorf("lazyfs: mount on %s: %w", f.dir, err)
	}
	f.server = srv
	return nil
}

// Dir is the directory the filesystem is mounted over.
func (f *FS) Dir() string { return f.dir }

// Crash is a power cut: from now on every call on the mount fails with EIO, and what survives is
// what mode keeps, chosen with rng. Remount mounts what survived. If the filesystem has already
// crashed (CrashAfter), Crash returns what that crash did.
func (f *FS) Crash(mode Mode, rng *rand.Rand) Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crashLocked(mode, rng)
}

func (f *FS) crashLocked(mode Mode, rng *rand.Rand) Stats {
	if !f.frozen {
		f.t, f.crashed = f.t.crash(mode, rng)
		f.frozen = true
		if f.onCrash != nil {
			f.onCrash()
		}
	}
	if a := f.armed; a != nil {
		f.armed = nil
		a.done <- f.crashed
	}
	return f.crashed
}

// OnCrash sets a function called at the instant of each crash, before the filesystem answers
// anything more: a test kills the process under test there, so that it has no time to act on the
// errors a crashed filesystem answers, as it would have none after a real power cut.
func (f *FS) OnCrash(fn func()) {
	f.mu.Lock()
	f.onCrash = fn
	f.mu.Unlock()
}

// armedCrash is a crash waiting for a number of changes.
type armedCrash struct {
	changes int
	to      string // counting only changes to a file of this name; "": to any
	mode    Mode
	rng     *rand.Rand
	done    chan Stats // buffered: the crash never waits for its reader
}

// CrashAfter arms a power cut in mode right after the n-th change from now on to a file named to
// (in any directory; "": to any file), before anything else reaches the filesystem. A change is a
// write, a change of size, or the name made or removed in a directory (creating, linking, renaming
// to it, removing it). It is a cut in the middle of whatever the program was doing, where a cut
// at a moment chosen by the clock rarely falls. The channel yields what the crash did, once it
// happened; Crash cuts the power at once instead.
func (f *FS) CrashAfter(n int, to string, mode Mode, rng *rand.Rand) <-chan Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &armedCrash{changes: max(n, 1), to: to, mode: mode, rng: rng, done: make(chan Stats, 1)}
	if f.frozen {
		a.done <- f.crashed
		return a.done
	}
	f.armed = a
	return a.done
}

// Changes returns the number of changes (as CrashAfter counts them) made since Mount: a test counts
// what a program does, to aim CrashAfter anywhere in it.
func (f *FS) Changes() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changes
}

// wrote counts a write or change of size to file ino; the caller holds f.mu.
func (f *FS) wrote(ino uint64) {
	f.count(func(name string) bool { return f.t.named(ino, name) })
}

// changedEntry counts a name made or removed in a directory; the caller holds f.mu.
func (f *FS) changedEntry(name string) {
	f.count(func(to string) bool { return to == name })
}

func (f *FS) count(is func(name string) bool) {
	f.changes++
	a := f.armed
	if a == nil || (a.to != "" && !is(a.to)) {
		return
	}
	if a.changes--; a.changes == 0 {
		f.crashLocked(a.mode, a.rng)
	}
}

// Remount unmounts the filesystem and mounts it again: after a Crash, what survived it, with
// nothing cached by the kernel from before. The processes that had files open on it must have
// ended.
func (f *FS) Remount() error {
	if err := f.unmount(); err != nil {
		return err
	}
	f.mu.Lock()
	f.frozen, f.crashed, f.armed = false, Stats{}, nil
	f.mu.Unlock()
	return f.mount()
}

// Unmount unmounts the filesystem for good.
func (f *FS) Unmount() error {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
	return f.unmount()
}

func (f *FS) unmount() error {
	if f.server == nil {
		return nil
	}
	err := f.server.Unmount()
	if err != nil {
		// Something still holds a file open (a process not yet reaped): detach the mount so that
		// the directory is free, and leave the connection to close with the last file.
		if derr := syscall.Unmount(f.dir, syscall.MNT_DETACH); derr != nil {
			return fmt.Errorf("lazyfs: unmount %s: %w (detach: %v)", f.dir, err, derr)
		}
	}
	f.server = nil
	return nil
}
