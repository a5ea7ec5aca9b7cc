package monitor

import (
	"context"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// noTransition fails if a transition is waiting once Run has caught up.
func noTransition(t *testing.T, h *harness) {
	t.Helper()
	h.sync(t)
	select {
	case tr := <-h.r.Transitions():
		t.Errorf("unexpected transition %+v", tr)
	default:
	}
}

// TestRunnerOutageNotices: pausing, resuming and removing a host with an
// open outage are told on Transitions, in order with the transitions, so
// that the alert path can hold, resume or forget its reminders. The same
// commands on a host without an outage say nothing.
func TestRunnerOutageNotices(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 1, 1), hostCfg("b", 1, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{})
	ctx := context.Background()
	recv(t, h.r.Snapshots())

	// Nothing for hosts that are not down.
	if err := h.r.Pause(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := h.r.Resume(ctx, 2); err != nil {
		t.Fatal(err)
	}
	noTransition(t, h)

	clock.Advance(time.Second)
	send(t, h.results, failResult(1))
	down := recv(t, h.r.Transitions())
	if down.To != Down || down.Notice != NoNotice {
		t.Fatalf("first transition %+v, want a plain DOWN", down)
	}

	clock.Advance(time.Minute)
	if err := h.r.Pause(ctx, 1); err != nil {
		t.Fatal(err)
	}
	p := recv(t, h.r.Transitions())
	if p.Notice != NoticePaused || p.From != Down || p.To != Paused || p.Restored ||
		!p.DownSince.Equal(down.DownSince) || !p.At.Equal(t0.Add(61*time.Second)) {
		t.Errorf("pause notice %+v", p)
	}
	if err := h.r.Pause(ctx, 1); err != nil { // already paused: no news
		t.Fatal(err)
	}
	noTransition(t, h)

	clock.Advance(time.Minute)
	if err := h.r.Resume(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r := recv(t, h.r.Transitions())
	if r.Notice != NoticeResumed || r.From != Paused || r.To != Down || !r.Restored || !r.DownSince.Equal(down.DownSince) {
		t.Errorf("resume notice %+v", r)
	}

	// PauseAll and ResumeAll tell only about the host with the outage.
	if err := h.r.PauseAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, h.r.Transitions()); n.Notice != NoticePaused || n.ID != 1 {
		t.Errorf("PauseAll: %+v, want one NoticePaused for host 1", n)
	}
	noTransition(t, h)
	if err := h.r.ResumeAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, h.r.Transitions()); n.Notice != NoticeResumed || n.ID != 1 {
		t.Errorf("ResumeAll: %+v, want one NoticeResumed for host 1", n)
	}
	noTransition(t, h)

	// The outage still ends with an ordinary UP from its original start.
	clock.Advance(time.Minute)
	send(t, h.results, okResult(1, ms))
	up := recv(t, h.r.Transitions())
	if up.To != Up || up.From != Down || up.Notice != NoNotice || !up.DownSince.Equal(down.DownSince) {
		t.Errorf("recovery %+v", up)
	}
}

func TestRunnerRemoveNotice(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 1, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{})
	ctx := context.Background()
	recv(t, h.r.Snapshots())

	add := func(name string) probe.HostID {
		t.Helper()
		id, err := h.r.Add(ctx, runtimeHost(name))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	goDown := func(id probe.HostID) {
		t.Helper()
		for range 3 {
			send(t, h.results, failResult(id))
		}
		if tr := recv(t, h.r.Transitions()); tr.To != Down {
			t.Fatalf("%+v, want DOWN", tr)
		}
	}

	// An UP host removed: nothing.
	up := add("up")
	if err := h.r.Remove(ctx, up); err != nil {
		t.Fatal(err)
	}
	noTransition(t, h)

	// A DOWN host removed.
	d := add("down")
	goDown(d)
	if err := h.r.Remove(ctx, d); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, h.r.Transitions()); n.Notice != NoticeRemoved || n.Host != "down" || n.From != Down || n.To != Paused {
		t.Errorf("remove notice %+v", n)
	}

	// A host paused while DOWN, then removed: its outage goes with it.
	pd := add("paused-down")
	goDown(pd)
	if err := h.r.Pause(ctx, pd); err != nil {
		t.Fatal(err)
	}
	recv(t, h.r.Transitions()) // the pause notice
	if err := h.r.Remove(ctx, pd); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, h.r.Transitions()); n.Notice != NoticeRemoved || n.From != Paused || n.DownSince.IsZero() {
		t.Errorf("remove notice of a paused outage %+v", n)
	}

	// A refused remove tells nothing.
	goDown(1)
	if err := h.r.Remove(ctx, 1); err == nil {
		t.Fatal("removing a config host succeeded")
	}
	noTransition(t, h)
}
