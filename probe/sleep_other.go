//go:build !linux

package probe

import (
	"net"
	"sync"
	"time"
)

// sleeper is where the scheduler sleeps until its next wake-up: a runtime
// timer here (Linux uses a timerfd; see sleep_linux.go).
type sleeper struct {
	timer *time.Timer
	once  sync.Once
	done  chan struct{}
}

func newSleeper() (*sleeper, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &sleeper{timer: t, done: make(chan struct{})}, nil
}

// set makes sleep return after d (at once when d <= 0). Any goroutine may
// call it.
func (s *sleeper) set(d time.Duration) { s.timer.Reset(max(d, 0)) }

// sleep waits until the time set expires; it returns an error once close
// was called.
func (s *sleeper) sleep() error {
	select {
	case <-s.timer.C:
		return nil
	case <-s.done:
		return net.ErrClosed
	}
}

// close ends a sleep in progress and any later one.
func (s *sleeper) close() { s.once.Do(func() { close(s.done) }) }
