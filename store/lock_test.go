package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLockIsExclusive: a second Lock on one state file fails with ErrInUse,
// naming the file, the holder's pid and the fix; after release it succeeds,
// and Open never needs the lock.
func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	release, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(path)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Lock: %v, want ErrInUse", err)
	}
	for _, want := range []string{path, "pid " + strconv.Itoa(os.Getpid()), "--state", "--no-state"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	st, err := Open(path)
	if err != nil {
		t.Fatalf("Open while locked: %v", err)
	}
	st.Close()

	release()
	release2, err := Lock(path)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	release2()
}

// TestLockDiesWithItsProcess: the lock of a process that was killed is
// free at once; no stale lock file blocks the next start.
func TestLockDiesWithItsProcess(t *testing.T) {
	if os.Getenv("STORE_LOCK_CHILD") != "" {
		if _, err := Lock(os.Getenv("STORE_LOCK_CHILD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithItsProcess$")
	cmd.Env = append(os.Environ(), "STORE_LOCK_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not lock: %q, %v", buf, err)
	}
	if _, err := Lock(path); !errors.Is(err, ErrInUse) {
		t.Errorf("Lock while the child holds it: %v, want ErrInUse", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	release, err := Lock(path)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	release()
}
