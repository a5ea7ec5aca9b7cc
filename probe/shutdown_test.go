package probe

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Issue 11 attack 7: with an interval far below what the scheduler can keep
// up with, it looped on `wait <= 0` without looking at shutdown and
// ignored SIGINT for minutes. Run must return soon after ctx ends,
// however far behind it is.
func TestRunStopsWhenBehind(t *testing.T) {
	e, err := NewEngine(Options{Prober: NewDemo(1, time.Now)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		e.Add(Spec{ID: HostID(i + 1), Target: Target{Kind: KindICMP, Host: fmt.Sprintf("127.0.%d.%d", i/250, i%250+1)}, Interval: time.Microsecond, Timeout: time.Microsecond})
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Result, 1024)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, out) }()
	for range 5000 { // running, and behind
		<-out
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-out:
		case <-done:
			return
		case <-deadline:
			t.Fatal("Run did not return within 10 s of the cancel")
		}
	}
}
