package monitor

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// patience bounds every wait in these tests; nothing should come near it.
const patience = 5 * time.Second

// recv takes one value from ch, failing the test if none comes in time.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return v
	case <-time.After(patience):
		t.Fatal("nothing received in time")
	}
	panic("unreachable")
}

// send puts v on ch, failing the test if nobody takes it in time.
func send[T any](t *testing.T, ch chan<- T, v T) {
	t.Helper()
	select {
	case ch <- v:
	case <-time.After(patience):
		t.Fatal("send blocked")
	}
}

// harness is a Runner running in the background with hand-driven ticks.
type harness struct {
	r       *Runner
	eng     *fakeEngine
	results chan probe.Result
	ticks   chan time.Time
	cancel  context.CancelFunc
	done    chan error

	once   sync.Once
	runErr error
}

func startRunner(t *testing.T, m *Monitor, opts RunnerOptions) *harness {
	t.Helper()
	return startRunnerSub(t, m, opts, false)
}

// startRunnerSub is startRunner; with noSubscribe, nobody asks for
// snapshots before Run starts (headless).
func startRunnerSub(t *testing.T, m *Monitor, opts RunnerOptions, noSubscribe bool) *harness {
	t.Helper()
	h := &harness{
		eng:     &fakeEngine{},
		results: make(chan probe.Result), // unbuffered: a send returns once Run took it
		ticks:   make(chan time.Time),    // unbuffered: a tick returns once Run took it
		done:    make(chan error, 1),
	}
	if opts.Ticks == nil && opts.SnapshotEvery == 0 {
		opts.Ticks = h.ticks
	}
	h.r = NewRunner(m, h.eng, opts)
	if !noSubscribe {
		h.r.Snapshots() // subscribed before Run, as the UI is
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.r.Run(ctx, h.results) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop cancels Run and returns what it returned; safe to call twice.
func (h *harness) stop(t *testing.T) error {
	h.once.Do(func() {
		h.cancel()
		select {
		case h.runErr = <-h.done:
		case <-time.After(patience):
			t.Error("Run did not return after cancel")
		}
	})
	return h.runErr
}

// sync waits until Run has processed everything sent before it.
func (h *harness) sync(t *testing.T) {
	t.Helper()
	if _, err := h.r.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRunnerTransitions(t *testing.T) {
	clock := newClock()
	downAt := t0.Add(-time.Hour)
	m := New(clock, []config.Host{hostCfg("a", 2, 1), hostCfg("b", 2, 1), hostCfg("c", 2, 1)},
		map[string]Saved{
			"b": {State: Down, Since: downAt, DownSince: downAt},
			"c": {State: Up, Paused: true, PausedAt: downAt},
		})
	h := startRunner(t, m, RunnerOptions{})

	first := recv(t, h.r.Transitions())
	if !first.Restored || first.Host != "b" || !first.DownSince.Equal(downAt) {
		t.Errorf("first transition = %+v, want b restored", first)
	}
	if s := recv(t, h.r.Snapshots()); len(s.Hosts) != 3 {
		t.Errorf("initial snapshot has %d hosts", len(s.Hosts))
	}
	h.sync(t)
	if ops := h.eng.take(); !slices.Equal(ops, []string{"add 1", "add 2"}) {
		t.Errorf("engine at start: %v, want the two unpaused hosts", ops)
	}

	script := []probe.Result{failResult(1), failResult(1), okResult(2, ms), okResult(1, ms), okResult(3, ms)}
	for _, r := range script {
		clock.Advance(time.Second)
		send(t, h.results, r)
	}
	want := []struct {
		host     string
		from, to State
	}{{"a", Pending, Down}, {"b", Down, Up}, {"a", Down, Up}}
	for _, w := range want {
		tr := recv(t, h.r.Transitions())
		if tr.Host != w.host || tr.From != w.from || tr.To != w.to {
			t.Errorf("got %s %s→%s, want %s %s→%s", tr.Host, tr.From, tr.To, w.host, w.from, w.to)
		}
	}
	h.sync(t)
	select {
	case tr := <-h.r.Transitions():
		t.Errorf("unexpected transition %+v", tr)
	default:
	}

	if err := h.stop(t); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if _, ok := <-h.r.Transitions(); ok {
		t.Error("Transitions not closed after Run returned")
	}
	if err := h.r.Pause(context.Background(), 1); !errors.Is(err, ErrStopped) {
		t.Errorf("Pause after stop = %v, want ErrStopped", err)
	}
}

// TestRunnerNeverDropsTransitions fills a one-slot buffer with nobody
// reading: Run must wait, and every transition must arrive, in order.
func TestRunnerNeverDropsTransitions(t *testing.T) {
	const n = 50
	m := New(newClock(), []config.Host{hostCfg("h", 1, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{TransitionBuffer: 1})

	go func() {
		for i := range n {
			r := failResult(1)
			if i%2 == 1 {
				r = okResult(1, ms)
			}
			select {
			case h.results <- r:
			case <-time.After(patience):
				return
			}
		}
	}()
	for i := range n {
		tr := recv(t, h.r.Transitions())
		wantTo := Down
		if i%2 == 1 {
			wantTo = Up
		}
		if tr.To != wantTo {
			t.Fatalf("transition %d is →%s, want →%s", i, tr.To, wantTo)
		}
	}
}

func TestRunnerSnapshotCoalescing(t *testing.T) {
	const hosts, results = 4, 1000
	var cfg []config.Host
	for _, name := range []string{"a", "b", "c", "d"} {
		cfg = append(cfg, hostCfg(name, 3, 1))
	}
	h := startRunner(t, New(newClock(), cfg, nil), RunnerOptions{})
	recv(t, h.r.Snapshots()) // the initial one

	for i := range results {
		send(t, h.results, okResult(probe.HostID(i%hosts+1), time.Duration(i+1)*time.Microsecond))
	}
	h.sync(t)
	select {
	case <-h.r.Snapshots():
		t.Fatal("a snapshot was published between ticks")
	default:
	}

	send(t, h.ticks, time.Time{})
	s := recv(t, h.r.Snapshots())
	for _, v := range s.Hosts {
		if v.State != Up || len(v.Samples) != SampleWindow {
			t.Errorf("%s: %s with %d samples; the snapshot missed results", v.Name, v.State, len(v.Samples))
		}
	}
	if got := s.Hosts[3].Last; got != results*time.Microsecond {
		t.Errorf("last RTT %v, want the last result's", got)
	}

	// Nothing changed since: a tick publishes nothing.
	send(t, h.ticks, time.Time{})
	h.sync(t)
	if got := h.r.published.Load(); got != 2 {
		t.Errorf("%d snapshots published for %d results, want 2 (initial + one tick)", got, results)
	}

	// An unread snapshot is replaced by the newer one.
	send(t, h.results, failResult(1))
	send(t, h.ticks, time.Time{})
	send(t, h.results, failResult(1))
	send(t, h.ticks, time.Time{})
	h.sync(t)
	if v := recv(t, h.r.Snapshots()).Hosts[0]; v.Samples[len(v.Samples)-1] != Lost || v.Samples[len(v.Samples)-2] != Lost {
		t.Error("the snapshot read is not the latest")
	}
	select {
	case <-h.r.Snapshots():
		t.Error("an older snapshot was kept next to the latest")
	default:
	}
}

// TestRunnerSnapshotRate uses the real ticker: however fast results come,
// at most one snapshot per SnapshotEvery is published.
func TestRunnerSnapshotRate(t *testing.T) {
	const every = 100 * time.Millisecond
	h := startRunner(t, New(newClock(), []config.Host{hostCfg("a", 3, 1)}, nil), RunnerOptions{SnapshotEvery: every})
	start := time.Now()
	for i := range 1000 {
		send(t, h.results, okResult(1, time.Duration(i+1)*time.Microsecond))
	}
	h.sync(t)
	elapsed := time.Since(start)
	if got, limit := h.r.published.Load(), int64(elapsed/every)+2; got > limit {
		t.Errorf("%d snapshots in %v, want at most %d", got, elapsed, limit)
	}
}

func TestRunnerCommands(t *testing.T) {
	m := New(newClock(), []config.Host{hostCfg("a", 1, 1), hostCfg("b", 1, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{})
	recv(t, h.r.Snapshots())
	h.sync(t)
	h.eng.take()
	ctx := context.Background()

	rt := runtimeHost("rt")
	var rtID probe.HostID
	steps := []struct {
		name    string
		do      func() error
		wantOps []string
		wantErr error
	}{
		{"pause", func() error { return h.r.Pause(ctx, 1) }, []string{"remove 1"}, nil},
		{"pause again changes nothing", func() error { return h.r.Pause(ctx, 1) }, nil, nil},
		{"resume", func() error { return h.r.Resume(ctx, 1) }, []string{"add 1"}, nil},
		{"resume a probed host changes nothing", func() error { return h.r.Resume(ctx, 1) }, nil, nil},
		{"pause unknown", func() error { return h.r.Pause(ctx, 42) }, nil, ErrUnknownHost},
		{"add", func() (err error) { rtID, err = h.r.Add(ctx, rt); return err }, []string{"add 3"}, nil},
		{"add duplicate", func() error { _, err := h.r.Add(ctx, rt); return err }, nil, ErrDuplicateName},
		{"remove config host", func() error { return h.r.Remove(ctx, 2) }, nil, ErrNotRuntime},
		{"pause all", func() error { return h.r.PauseAll(ctx) }, []string{"remove 1", "remove 2", "remove 3"}, nil},
		{"remove a paused host leaves the engine alone", func() error { return h.r.Remove(ctx, rtID) }, nil, nil},
		{"resume all", func() error { return h.r.ResumeAll(ctx) }, []string{"add 1", "add 2"}, nil},
		{"add again", func() (err error) { rtID, err = h.r.Add(ctx, rt); return err }, []string{"add 4"}, nil},
		{"remove", func() error { return h.r.Remove(ctx, rtID) }, []string{"remove 4"}, nil},
	}
	for _, s := range steps {
		err := s.do()
		if !errors.Is(err, s.wantErr) {
			t.Errorf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		if ops := h.eng.take(); !slices.Equal(ops, s.wantOps) {
			t.Errorf("%s: engine got %v, want %v", s.name, ops, s.wantOps)
		}
	}

	snap, err := h.r.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Hosts) != 2 || snap.Hosts[0].State != Pending {
		t.Errorf("snapshot after the commands: %d hosts, first %s", len(snap.Hosts), snap.Hosts[0].State)
	}

	// Results for the paused host are ignored inside the Runner too.
	if err := h.r.Pause(ctx, 2); err != nil {
		t.Fatal(err)
	}
	send(t, h.results, failResult(2))
	send(t, h.results, failResult(1))
	if tr := recv(t, h.r.Transitions()); tr.ID != 1 {
		t.Errorf("transition for host %d, want only host 1", tr.ID)
	}

	// A command whose context is already done is not run.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := h.r.Pause(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Pause with a cancelled context = %v", err)
	}
}

func TestRunnerRunOnce(t *testing.T) {
	h := startRunner(t, New(newClock(), nil, nil), RunnerOptions{})
	recv(t, h.r.Snapshots())
	if err := h.r.Run(context.Background(), nil); err == nil {
		t.Error("a second Run did not fail")
	}
}

// TestRunnerNoSnapshotsUnlessAsked: headless, nobody reads snapshots, and
// the runner builds none however many results and ticks come; the first
// tick after someone asks publishes one.
func TestRunnerNoSnapshotsUnlessAsked(t *testing.T) {
	h := startRunnerSub(t, New(newClock(), []config.Host{hostCfg("a", 3, 1), hostCfg("b", 3, 1)}, nil), RunnerOptions{}, true)
	for i := range 100 {
		send(t, h.results, okResult(probe.HostID(i%2+1), time.Millisecond))
		if i%10 == 0 {
			send(t, h.ticks, time.Time{})
		}
	}
	h.sync(t)
	if got := h.r.published.Load(); got != 0 {
		t.Fatalf("%d snapshots published with nobody reading them, want 0", got)
	}
	if s, err := h.r.Snapshot(context.Background()); err != nil || len(s.Hosts) != 2 {
		t.Fatalf("Snapshot() = %d hosts, %v; want both hosts without a subscription", len(s.Hosts), err)
	}

	snaps := h.r.Snapshots()
	send(t, h.ticks, time.Time{})
	if s := recv(t, snaps); len(s.Hosts) != 2 || s.Hosts[0].Last != time.Millisecond {
		t.Errorf("first snapshot after subscribing: %d hosts, last RTT %v", len(s.Hosts), s.Hosts[0].Last)
	}
}

func TestPublishAt(t *testing.T) {
	const every, refresh = 100 * time.Millisecond, time.Second
	sec := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		last, now time.Time
		urgent    bool
		want      time.Time
	}{
		{"urgent, long after the last", sec, sec.Add(5 * time.Second), true, sec.Add(5 * time.Second)},
		{"urgent, just after the last", sec, sec.Add(10 * time.Millisecond), true, sec.Add(every)},
		{"figures, last on the second", sec.Add(time.Millisecond), sec.Add(200 * time.Millisecond), false, sec.Add(time.Second)},
		{"figures, last mid-second", sec.Add(500 * time.Millisecond), sec.Add(600 * time.Millisecond), false, sec.Add(time.Second)},
		{"figures, last just before the second", sec.Add(950 * time.Millisecond), sec.Add(960 * time.Millisecond), false, sec.Add(2 * time.Second)},
		{"figures, long after the last", sec, sec.Add(3500 * time.Millisecond), false, sec.Add(3500 * time.Millisecond)},
	}
	for _, tt := range tests {
		if got := publishAt(tt.last, tt.now, tt.urgent, every, refresh); !got.Equal(tt.want) {
			t.Errorf("%s: publishAt = %v, want %v", tt.name, got.Sub(sec), tt.want.Sub(sec))
		}
	}
}

// TestRunnerIdleWithoutReaders: headless (nobody reads snapshots) the
// runner arms no timer, however many results come (issue 13 item 2: a
// 100 ms ticker woke the process ten times a second for nothing).
func TestRunnerIdleWithoutReaders(t *testing.T) {
	h := startRunnerSub(t, New(newClock(), []config.Host{hostCfg("a", 3, 1), hostCfg("b", 3, 1)}, nil),
		RunnerOptions{SnapshotEvery: time.Millisecond, RefreshEvery: time.Millisecond}, true)
	for i := range 200 {
		send(t, h.results, okResult(probe.HostID(i%2+1), time.Duration(i+1)*time.Microsecond))
	}
	h.sync(t)
	if w, p := h.r.wakes.Load(), h.r.published.Load(); w != 0 || p != 0 {
		t.Errorf("%d wake-ups, %d snapshots with nobody reading them; want none", w, p)
	}
}

// TestRunnerFiguresWaitForTheRefresh: a change of figures only (RTTs) waits
// for the next refresh; a transition or a command goes out at once (issue
// 13 item 2: the UI redraws when something visible changed and once a
// second).
func TestRunnerFiguresWaitForTheRefresh(t *testing.T) {
	const refresh = time.Hour
	m := New(newClock(), []config.Host{hostCfg("a", 2, 1), hostCfg("b", 2, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{SnapshotEvery: time.Millisecond, RefreshEvery: refresh})
	recv(t, h.r.Snapshots()) // the initial one
	start := time.Now()
	send(t, h.results, okResult(1, time.Millisecond))
	send(t, h.results, okResult(2, time.Millisecond))
	for i := range 50 {
		send(t, h.results, okResult(probe.HostID(i%2+1), time.Duration(i+2)*time.Millisecond))
	}
	h.sync(t)
	if time.Now().Before(publishAt(start, start, false, time.Millisecond, refresh)) {
		if got := h.r.published.Load(); got != 1 {
			t.Fatalf("%d snapshots for changed figures before the refresh, want only the initial one", got)
		}
	}

	send(t, h.results, failResult(1))
	send(t, h.results, failResult(1)) // a: UP → DOWN
	recv(t, h.r.Transitions())
	if v := viewOf(t, recv(t, h.r.Snapshots()), 1); v.State != Down {
		t.Errorf("snapshot after the transition shows a %s", v.State)
	}

	if err := h.r.Pause(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if v := viewOf(t, recv(t, h.r.Snapshots()), 2); v.State != Paused {
		t.Errorf("snapshot after pausing b shows it %s", v.State)
	}
}

// TestRunnerRefreshesFigures: figures alone are published too, at most one
// snapshot a RefreshEvery.
func TestRunnerRefreshesFigures(t *testing.T) {
	const refresh = 50 * time.Millisecond
	h := startRunner(t, New(newClock(), []config.Host{hostCfg("a", 3, 1)}, nil), RunnerOptions{SnapshotEvery: time.Millisecond, RefreshEvery: refresh})
	recv(t, h.r.Snapshots())
	start := time.Now()
	for i := range 300 {
		send(t, h.results, okResult(1, time.Duration(i+1)*time.Microsecond))
	}
	h.sync(t)
	// A refresh during the sends may have left a snapshot unread, with the
	// figures of then; the next refresh replaces it with the last ones.
	for {
		v := viewOf(t, recv(t, h.r.Snapshots()), 1)
		if v.Last == 300*time.Microsecond {
			break
		}
		if time.Since(start) > patience {
			t.Fatalf("refreshed snapshots: last RTT %v %v after the results, want the last result's", v.Last, time.Since(start))
		}
	}
	elapsed := time.Since(start)
	if got, limit := h.r.published.Load(), int64(elapsed/refresh)+3; got > limit {
		t.Errorf("%d snapshots in %v, want at most %d", got, elapsed, limit)
	}
}

// TestRunnerNames: Names maps every host's ID to its name, runtime hosts
// too, and builds no view (a headless monitor at 20,000 hosts would keep
// one for each).
func TestRunnerNames(t *testing.T) {
	m := New(newClock(), []config.Host{hostCfg("a", 1, 1), hostCfg("b", 1, 1)}, nil)
	h := startRunnerSub(t, m, RunnerOptions{}, true)
	ctx := context.Background()
	rtID, err := h.r.Add(ctx, runtimeHost("rt"))
	if err != nil {
		t.Fatal(err)
	}
	names, err := h.r.Names(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[probe.HostID]string{1: "a", 2: "b", rtID: "rt"}; !maps.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if err := h.r.call(ctx, func() {
		for _, host := range m.hosts {
			if host.view != nil {
				t.Errorf("host %s has a view after Names", host.cfg.Name)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
}
