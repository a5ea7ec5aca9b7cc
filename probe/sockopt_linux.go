//go:build linux

package probe

import "golang.org/x/sys/unix"

// socketCloexec opens a socket that is not inherited by child processes.
func socketCloexec(family, typ, proto int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_CLOEXEC, proto)
}

// tuneFD asks for a large receive buffer (SO_RCVBUFFORCE passes the
// rmem_max cap when we are privileged) and kernel receive timestamps; both
// are best effort. It reports whether timestamps are on.
func tuneFD(fd int) bool {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, socketBuffer)
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) == nil
}

// isTimestamp reports whether a control message is an SCM_TIMESTAMPNS.
func isTimestamp(h unix.Cmsghdr) bool {
	return h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS
}
