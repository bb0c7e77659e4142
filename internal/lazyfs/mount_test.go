package lazyfs

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one thing a program does to the mounted filesystem.
type step func(t *testing.T, dir string)

func write(name, data string) step {
	return func(t *testing.T, dir string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		require.NoError(t, err)
		_, err = f.WriteString(data)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
}

func truncate(name string, size int64) step {
	return func(t *testing.T, dir string) { require.NoError(t, os.Truncate(filepath.Join(dir, name), size)) }
}

// fsync syncs a file or directory (name "." is the mount's root).
func fsync(name string) step {
	return func(t *testing.T, dir string) {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, f.Sync())
	}
}

func fdatasync(name string) step {
	return func(t *testing.T, dir string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY, 0)
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, syscall.Fdatasync(int(f.Fd())))
	}
}

func rename(from, to string) step {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)))
	}
}

func remove(name string) step {
	return func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, name))) }
}

func link(from, to string) step {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.Link(filepath.Join(dir, from), filepath.Join(dir, to)))
	}
}

func mkdir(name string) step {
	return func(t *testing.T, dir string) { require.NoError(t, os.Mkdir(filepath.Join(dir, name), 0o700)) }
}

// contents reads every file under dir: path -> content, directories as path/ -> "".
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			got[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		got[rel] = string(b)
		return err
	}))
	return got
}

// What a power cut that keeps nothing unsynced leaves, for each pattern of writes and syncs.
func TestDropUnsyncedLeavesWhatWasSynced(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		want  map[string]string
	}{
		{"a new file whose directory was not synced is gone, though the file was",
			[]step{write("f", "data"), fsync("f")}, map[string]string{}},
		{"a new file whose directory was synced but not the file is there, empty",
			[]step{write("f", "data"), fsync(".")}, map[string]string{"f": ""}},
		{"a file and its directory synced are there",
			[]step{write("f", "data"), fsync("f"), fsync(".")}, map[string]string{"f": "data"}},
		{"fdatasync is as good as fsync for the content",
			[]step{write("f", "data"), fdatasync("f"), fsync(".")}, map[string]string{"f": "data"}},
		{"writes after the last fsync are lost",
			[]step{write("f", "one"), fsync("f"), fsync("."), write("f", "two")}, map[string]string{"f": "one"}},
		{"a size change after the last fsync is lost",
			[]step{write("f", "abcdef"), fsync("f"), fsync("."), truncate("f", 2)}, map[string]string{"f": "abcdef"}},
		{"a synced size change stays",
			[]step{write("f", "abcdef"), fsync("f"), fsync("."), truncate("f", 2), fsync("f")}, map[string]string{"f": "ab"}},
		{"syncing a file syncs none of another",
			[]step{write("f", "1"), write("g", "2"), fsync("f"), fsync(".")}, map[string]string{"f": "1", "g": ""}},
		{"a rename not followed by a sync of its directory is undone",
			[]step{write("tmp", "new"), fsync("tmp"), fsync("."), rename("tmp", "f")}, map[string]string{"tmp": "new"}},
		{"a rename followed by a sync of its directory stays",
			[]step{write("tmp", "new"), fsync("tmp"), fsync("."), rename("tmp", "f"), fsync(".")}, map[string]string{"f": "new"}},
		{"a rename over a file, not synced, leaves the old file under its name",
			[]step{write("f", "old"), fsync("f"), write("tmp", "new"), fsync("tmp"), fsync("."), rename("tmp", "f")},
			map[string]string{"f": "old", "tmp": "new"}},
		{"a rename over a file, synced, replaces it",
			[]step{write("f", "old"), fsync("f"), write("tmp", "new"), fsync("tmp"), fsync("."), rename("tmp", "f"), fsync(".")},
			map[string]string{"f": "new"}},
		{"a removal not synced is undone, the file as it was synced",
			[]step{write("f", "kept"), fsync("f"), fsync("."), write("f", "+lost"), remove("f")}, map[string]string{"f": "kept"}},
		{"a removal synced stays",
			[]step{write("f", "x"), fsync("f"), fsync("."), remove("f"), fsync(".")}, map[string]string{}},
		{"a link not synced is undone",
			[]step{write("tmp", "s"), fsync("tmp"), fsync("."), link("tmp", "f"), remove("tmp")}, map[string]string{"tmp": "s"}},
		{"a link synced stays, as the same file",
			[]step{write("tmp", "s"), fsync("tmp"), link("tmp", "f"), fsync("."), remove("tmp")}, map[string]string{"f": "s", "tmp": "s"}},
		{"a new directory whose parent was not synced is gone with all in it",
			[]step{mkdir("d"), write("d/f", "x"), fsync("d/f"), fsync("d")}, map[string]string{}},
		{"a new directory whose parent was synced keeps what it synced",
			[]step{mkdir("d"), write("d/f", "x"), fsync("d/f"), write("d/g", "y"), fsync("d"), fsync("."), write("d/h", "z")},
			map[string]string{"d/": "", "d/f": "x", "d/g": ""}},
		{"syncing a directory syncs none of its subdirectories",
			[]step{mkdir("d"), fsync("."), write("d/f", "x"), fsync("d/f")}, map[string]string{"d/": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := MountForTest(t)
			for _, s := range tc.steps {
				s(t, f.Dir())
			}
			f.Crash(DropUnsynced, rand.New(rand.NewPCG(1, 1)))
			require.NoError(t, f.Remount())
			assert.Equal(t, tc.want, contents(t, f.Dir()))
		})
	}
}

// Without a crash the mount is an ordinary filesystem: what the steps did is what is read.
func TestWithoutACrashEverythingIsThere(t *testing.T) {
	f := MountForTest(t)
	for _, s := range []step{write("f", "abc"), write("f", "def"), mkdir("d"), write("d/g", "x"), rename("d/g", "h"),
		link("h", "d/i"), write("j", "gone"), remove("j"), truncate("f", 4), fsync(".")} {
		s(t, f.Dir())
	}
	assert.Equal(t, map[string]string{"f": "abcd", "d/": "", "h": "x", "d/i": "x"}, contents(t, f.Dir()))
	f.Crash(KeepPrefix, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, f.Remount())
}

func TestErrors(t *testing.T) {
	f := MountForTest(t)
	dir := f.Dir()
	write("f", "x")(t, dir)
	mkdir("d")(t, dir)
	write("d/g", "y")(t, dir)
	_, err := os.OpenFile(filepath.Join(dir, "f"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	assert.ErrorIs(t, err, fs.ErrExist)
	assert.ErrorIs(t, os.Remove(filepath.Join(dir, "missing")), fs.ErrNotExist)
	assert.ErrorIs(t, os.Link(filepath.Join(dir, "f"), filepath.Join(dir, "d", "g")), fs.ErrExist)
	assert.ErrorIs(t, syscall.Rmdir(filepath.Join(dir, "d")), syscall.ENOTEMPTY)
	assert.ErrorIs(t, syscall.Unlink(filepath.Join(dir, "d")), syscall.EISDIR)
	assert.ErrorIs(t, syscall.Rmdir(filepath.Join(dir, "f")), syscall.ENOTDIR)
	assert.ErrorIs(t, syscall.Rename(filepath.Join(dir, "f"), filepath.Join(dir, "d")), syscall.EISDIR)
}

// Once crashed, the mount answers nothing but EIO until it is mounted again: a process still
// running after the power cut changes nothing that survived.
func TestCallsFailAfterACrash(t *testing.T) {
	f := MountForTest(t)
	path := filepath.Join(f.Dir(), "f")
	h, err := os.Create(path)
	require.NoError(t, err)
	defer h.Close()
	_, err = h.WriteString("synced")
	require.NoError(t, err)
	require.NoError(t, h.Sync())
	fsync(".")(t, f.Dir())
	f.Crash(DropUnsynced, rand.New(rand.NewPCG(1, 1)))
	_, err = h.WriteString("after")
	assert.ErrorIs(t, err, syscall.EIO)
	assert.ErrorIs(t, h.Sync(), syscall.EIO)
	_, err = os.Create(filepath.Join(f.Dir(), "g"))
	assert.ErrorIs(t, err, syscall.EIO)
	require.NoError(t, h.Close())
	require.NoError(t, f.Remount())
	assert.Equal(t, map[string]string{"f": "synced"}, contents(t, f.Dir()))
}

// bbolt takes an exclusive flock on its file so that two processes never write it: the kernel keeps
// such locks for the mount.
func TestFlockIsExclusive(t *testing.T) {
	f := MountForTest(t)
	path := filepath.Join(f.Dir(), "db")
	a, err := os.Create(path)
	require.NoError(t, err)
	defer a.Close()
	b, err := os.Open(path)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, syscall.Flock(int(a.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	assert.ErrorIs(t, syscall.Flock(int(b.Fd()), syscall.LOCK_EX|syscall.LOCK_NB), syscall.EWOULDBLOCK)
	require.NoError(t, syscall.Flock(int(a.Fd()), syscall.LOCK_UN))
	assert.NoError(t, syscall.Flock(int(b.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
}

// Each crash mode keeps what was synced, whatever it does with the rest: a synced file appended to
// without a sync starts, after any crash, with its synced content whole.
func TestEveryModeKeepsWhatWasSynced(t *testing.T) {
	synced := strings.Repeat("s", 3*pageSize+100)
	for _, mode := range Modes {
		t.Run(mode.String(), func(t *testing.T) {
			for seed := range uint64(5) {
				f := MountForTest(t)
				for _, s := range []step{write("f", synced), fsync("f"), fsync("."), write("f", strings.Repeat("w", 2*pageSize))} {
					s(t, f.Dir())
				}
				f.Crash(mode, rand.New(rand.NewPCG(seed, seed)))
				require.NoError(t, f.Remount())
				got := contents(t, f.Dir())["f"]
				require.GreaterOrEqual(t, len(got), len(synced))
				assert.Equal(t, synced, got[:len(synced)], "seed %d", seed)
				if mode == DropUnsynced {
					assert.Equal(t, synced, got)
				}
				require.NoError(t, f.Unmount())
			}
		})
	}
}

// CrashAfter cuts the power right after the n-th change to the file named: the writes after it
// fail, and what survives is what the mode keeps of the first n.
func TestCrashAfterWrites(t *testing.T) {
	f := MountForTest(t)
	h, err := os.Create(filepath.Join(f.Dir(), "f"))
	require.NoError(t, err)
	defer h.Close()
	require.NoError(t, h.Sync())
	other, err := os.Create(filepath.Join(f.Dir(), "other"))
	require.NoError(t, err)
	defer other.Close()
	fsync(".")(t, f.Dir())
	fired := f.CrashAfter(3, "f", KeepPrefix, rand.New(rand.NewPCG(2, 2)))
	var failed []int
	for i := range 5 {
		_, err := other.WriteString("not counted")
		if i < 3 {
			require.NoError(t, err, "writes to another file do not count")
		}
		if _, err := h.WriteString(string(rune('a' + i))); err != nil {
			assert.ErrorIs(t, err, syscall.EIO)
			failed = append(failed, i)
		}
	}
	assert.Equal(t, []int{3, 4}, failed, "the writes after the third fail")
	assert.EqualValues(t, 8, f.Changes(), "two files created, three writes to other, three to f; none after the cut")
	st := <-fired
	assert.Equal(t, 2, st.Files)
	assert.Equal(t, st, f.Crash(DropUnsynced, nil), "a second Crash reports the first")
	require.NoError(t, f.Remount())
	got := contents(t, f.Dir())["f"]
	assert.True(t, strings.HasPrefix("abc", got), "%q is a prefix of the three writes before the cut", got)
}

// CrashAfter counts changes to directories by the name made or removed: a cut after a rename into
// place, before the directory is synced, undoes it in DropUnsynced.
func TestCrashAfterARename(t *testing.T) {
	f := MountForTest(t)
	for _, s := range []step{write("tmp", "new"), fsync("tmp"), write("final", "old"), fsync("final"), fsync(".")} {
		s(t, f.Dir())
	}
	fired := f.CrashAfter(1, "final", DropUnsynced, nil)
	require.NoError(t, os.Rename(filepath.Join(f.Dir(), "tmp"), filepath.Join(f.Dir(), "final")), "the rename itself is answered")
	_, err := os.Create(filepath.Join(f.Dir(), "after"))
	assert.ErrorIs(t, err, syscall.EIO)
	st := <-fired
	assert.Equal(t, 1, st.EntriesUndone)
	require.NoError(t, f.Remount())
	assert.Equal(t, map[string]string{"tmp": "new", "final": "old"}, contents(t, f.Dir()))
}
