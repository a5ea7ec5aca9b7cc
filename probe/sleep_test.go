package probe

import (
	"testing"
	"time"
)

func TestSleeper(t *testing.T) {
	sl, err := newSleeper()
	if err != nil {
		t.Fatal(err)
	}
	defer sl.close()

	const d = 20 * time.Millisecond
	start := time.Now()
	sl.set(d)
	if err := sl.sleep(); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < d {
		t.Errorf("slept %v, set for %v", got, d)
	}

	// A set from another goroutine (a host added) ends a long sleep.
	sl.set(time.Hour)
	go sl.set(0)
	if err := sl.sleep(); err != nil {
		t.Fatal(err)
	}

	// close ends a sleep in progress.
	sl.set(time.Hour)
	done := make(chan error, 1)
	go func() { done <- sl.sleep() }()
	sl.close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("sleep after close returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not end the sleep")
	}
}
