//go:build linux

package probe

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// replyWaiter lets the reader sleep until a packet arrives on one of the
// sockets, through the Go runtime's network poller, while keeping the
// sockets themselves out of it (see icmpSocket). The sockets sit in an epoll
// set of our own, each registered one-shot and only while the reader waits;
// that epoll descriptor is what the runtime polls. So a packet wakes the
// runtime only when the reader asked for it, and only the first one does.
type replyWaiter struct {
	epfd   int
	file   *os.File // epfd as the runtime polls it; closing it ends wait
	rc     syscall.RawConn
	socks  []*icmpSocket
	events [4]unix.EpollEvent
}

func newReplyWaiter(socks []*icmpSocket) (*replyWaiter, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	for _, s := range socks {
		// Registered disarmed; wait arms it.
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, s.fd, &unix.EpollEvent{Fd: int32(s.fd)}); err != nil {
			unix.Close(epfd)
			return nil, fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, err
	}
	// A non-blocking descriptor goes into the runtime's poller.
	f := os.NewFile(uintptr(epfd), "probe-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &replyWaiter{epfd: epfd, file: f, rc: rc, socks: socks}, nil
}

// wait returns once a socket has a packet to read, or with an error once
// close was called.
func (w *replyWaiter) wait() error {
	for _, s := range w.socks {
		// Arming a socket that is already readable reports it at once, so
		// a packet that came since the last read is never missed.
		// Raw system calls: a runtime one wakes the runtime's sleeping
		// monitor thread (see sleeper).
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(s.fd)}
		if _, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(w.epfd), unix.EPOLL_CTL_MOD, uintptr(s.fd), uintptr(unsafe.Pointer(&ev)), 0, 0); e != 0 {
			return fmt.Errorf("epoll_ctl: %w", e)
		}
	}
	return w.rc.Read(func(uintptr) bool {
		n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(w.epfd), uintptr(unsafe.Pointer(&w.events[0])), uintptr(len(w.events)), 0, 0, 0)
		return n > 0 || (e != 0 && e != unix.EINTR)
	})
}

// close ends a wait in progress and any later one.
func (w *replyWaiter) close() { w.file.Close() }
