package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrInUse is returned by Lock when another process holds the lock.
var ErrInUse = errors.New("in use by another downtime")

// Lock claims the state file at path for this process until release is
// called or the process ends, however it ends (the kernel drops the lock).
// Two monitors on one state file would both send every alert and overwrite
// each other's state, so the second one must not start.
//
// The lock is a file beside the state file, path+".lock", holding the
// owner's pid, rather than the state file itself: SQLite's own locks on
// that file would be dropped when any other descriptor of it is closed.
// Open does not take it, so that the state file can still be read while a
// monitor runs (sqlite3, the tests).
func Lock(path string) (release func(), err error) {
	lockPath := path + ".lock"
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for state file %s: %w", path, err)
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state file %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		owner := ""
		if b, rerr := os.ReadFile(lockPath); rerr == nil {
			if pid := strings.TrimSpace(string(b)); pid != "" {
				owner = " (pid " + pid + ")"
			}
		}
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("state file %s is %w%s: stop that one, or give this one its own state with --state PATH (or none with --no-state)", path, ErrInUse, owner)
		}
		return nil, fmt.Errorf("lock state file %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0) // only for the message above
	}
	return func() { f.Close() }, nil
}
