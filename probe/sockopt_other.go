//go:build unix && !linux

package probe

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// This file lets the engine build for macOS and the BSDs (the release
// builds darwin/arm64). There is no SO_TIMESTAMPNS, so RTTs are taken when
// the reader reads a reply; the socket modes are Linux's and untested here.

// socketCloexec opens a socket that is not inherited by child processes.
func socketCloexec(family, typ, proto int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(family, typ, proto)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	return fd, err
}

// tuneFD asks for a large receive buffer, best effort; there are no kernel
// receive timestamps to turn on.
func tuneFD(fd int) bool {
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, socketBuffer)
	return false
}

// isTimestamp is false: no timestamps are asked for.
func isTimestamp(unix.Cmsghdr) bool { return false }
