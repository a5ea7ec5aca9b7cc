//go:build unix && !linux

package probe

import (
	"errors"

	"golang.org/x/net/bpf"
)

// acceptOnlyEchoRepliesAndErrors does nothing where there is no ICMP_FILTER.
func acceptOnlyEchoRepliesAndErrors(int) error { return nil }

// attachFilter fails: raw mode relies on Linux's socket filters, so the
// unprivileged datagram socket is the mode elsewhere.
func attachFilter(int, bool, []bpf.RawInstruction) error {
	return errors.ErrUnsupported
}
