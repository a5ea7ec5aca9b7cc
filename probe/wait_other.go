//go:build unix && !linux

package probe

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// replyWaiter lets the reader sleep in poll(2) until a packet arrives on one
// of the sockets, or until close. (Linux uses epoll; see wait_linux.go.)
type replyWaiter struct {
	fds  []unix.PollFd
	r, w *os.File // closing w wakes poll
}

func newReplyWaiter(socks []*icmpSocket) (*replyWaiter, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fds := make([]unix.PollFd, 0, len(socks)+1)
	for _, s := range socks {
		fds = append(fds, unix.PollFd{Fd: int32(s.fd), Events: unix.POLLIN})
	}
	fds = append(fds, unix.PollFd{Fd: int32(r.Fd()), Events: unix.POLLIN})
	return &replyWaiter{fds: fds, r: r, w: w}, nil
}

// wait returns once a socket has a packet to read, or with an error once
// close was called.
func (w *replyWaiter) wait() error {
	for {
		for i := range w.fds {
			w.fds[i].Revents = 0
		}
		_, err := unix.Poll(w.fds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if w.fds[len(w.fds)-1].Revents != 0 {
			w.r.Close() // the reader stops: nobody polls it any more
			return net.ErrClosed
		}
		return nil
	}
}

// close ends a wait in progress and any later one.
func (w *replyWaiter) close() { w.w.Close() }
