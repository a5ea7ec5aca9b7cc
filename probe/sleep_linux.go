//go:build linux

package probe

import (
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sleeper is where the scheduler sleeps until its next wake-up: a timerfd
// in the Go runtime's network poller, with raw system calls, rather than a
// runtime timer, which costs a wake-up several thread wake-ups (README,
// "What a wake-up costs").
type sleeper struct {
	fd   int
	file *os.File // fd as the runtime polls it; closing it ends sleep
	rc   syscall.RawConn
}

func newSleeper() (*sleeper, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "probe-timer")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sleeper{fd: fd, file: f, rc: rc}, nil
}

// set makes sleep return after d (at once when d <= 0). Any goroutine may
// call it: a host added while the scheduler sleeps wakes it so.
func (s *sleeper) set(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(int64(d), 1))}
	unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(s.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
}

// sleep waits until the time set expires; it returns an error once close
// was called.
func (s *sleeper) sleep() error {
	var buf [8]byte
	return s.rc.Read(func(fd uintptr) bool {
		_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), 8)
		return e != unix.EAGAIN
	})
}

// close ends a sleep in progress and any later one.
func (s *sleeper) close() { s.file.Close() }
