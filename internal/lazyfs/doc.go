// Package lazyfs is a filesystem for tests that forgets, on command, what was not synced: the
// state a program finds on its disk after a power cut, in the manner of Jepsen's LazyFS.
//
// It is mounted with FUSE over a directory, and holds everything in memory. Reads and writes pass
// through at once (a program sees what it wrote, through read and through a shared mapping), but
// each file keeps apart the content it had at its last fsync or fdatasync and the writes and size
// changes made since, and each directory keeps apart its entries as of its last fsync and the
// creations, links, renames and removals made since. Crash freezes the filesystem (every later
// call fails with EIO) and works out what a power cut at that instant would have left:
//
//   - DropUnsynced: every file holds its synced content and every directory its synced entries. A
//     file whose directory was never synced after it was created is gone; a rename or a removal
//     not followed by a sync of its directory is undone.
//   - KeepPrefix: each file and each directory keeps, besides what was synced, a random prefix of
//     the changes made since, in the order they were made (a disk that wrote some of them back).
//   - TornPage: as KeepPrefix, and the first write of each file that did not survive whole is torn:
//     its pages up to a random one are kept, that 4 KiB page only in part (a random choice of its
//     512-byte sectors, the rest keeping what was there before), and the file keeps the size the
//     write gave it.
//
// A rename within a directory is one change, kept whole or not at all, as journaling filesystems
// make it; across directories each directory's half waits for that directory's sync.
//
// Remount then unmounts and mounts a fresh FUSE server over what survived, so that no page the
// kernel cached outlives the crash. Synced data is never lost or damaged by a crash.
//
// Locks (flock, as bbolt takes) are kept by the kernel, as for any FUSE filesystem that does not
// ask to handle them. Modes, owners and times are kept at once, not held back until a sync: the
// ledger's durability does not rest on them.
//
// A process must not map a file of a mount its own FUSE server serves: a page fault waiting for
// the server can deadlock with the Go runtime stopping the world. Tests open mapped files (bbolt)
// on the mount from another process, and read them from the test process only with read(2).
//
// The package is for tests only: nothing outside _test.go files imports it.
package lazyfs
