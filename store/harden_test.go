package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11 attack 10: the state file deleted or replaced while running went
// unnoticed, and the next start sent a second DOWN.
func TestCheckFile(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(t *testing.T, path string)
		want error
	}{
		{"untouched", func(*testing.T, string) {}, nil},
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, ErrGone},
		{"replaced", func(t *testing.T, path string) {
			other := path + ".new"
			if err := os.WriteFile(other, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		}, ErrReplaced},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c.do(t, path)
			err = s.CheckFile()
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("CheckFile: %v, want %v", err, c.want)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("%v does not name %s", err, path)
			}
		})
	}
}

// Issue 11 attack 10: on a full disk nothing is saved, and the start must
// be able to say so.
func TestCheckWriteFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	path := filepath.Join(dir, "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWrite(); err != nil {
		t.Fatalf("CheckWrite with room: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Fill the file system.
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var n int64
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
		n += int64(len(buf))
	}
	// Room for the -shm file (8 pages) and one page more: opening works,
	// the first write to the WAL (a page and its header) does not fit.
	if err := f.Truncate(n - 9*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatalf("Open with room for the -shm: %v", err)
	}
	defer s.Close()
	if err := s.CheckWrite(); err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("CheckWrite on a full disk: %v, want it to fail", err)
	}
}
