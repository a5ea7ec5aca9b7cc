//go:build unix && !linux

package probe

import (
	"errors"
	"time"
)

// enableRecvErr fails: there is no IP_RECVERR error queue here, so a probe
// stopped by a router times out.
func enableRecvErr(int, bool) error { return errors.ErrUnsupported }

// drainErrors reads nothing: see enableRecvErr.
func (s *icmpSocket) drainErrors(*replyReader, time.Time) int { return 0 }
