package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"downtime/config"
	"downtime/history"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// now is the fixed time of every test screen.
var now = time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)

// clock is the monitor's clock in the fixtures; it moves only when told.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// rng is a tiny deterministic generator for RTT jitter.
type rng uint64

func (r *rng) next() float64 {
	*r = *r*6364136223846793005 + 1442695040888963407
	return float64(uint64(*r)>>11) / (1 << 53)
}

// hostDef is a host of the fixture and what happened to it.
type hostDef struct {
	name, addr string
	origin     config.Origin
	rtt        time.Duration
	history    func(m *monitor.Monitor, c *clock, id probe.HostID, r *rng, rtt time.Duration)
}

// feed gives n results to a host at the clock's time: lost with
// probability loss, else an RTT around rtt.
func feed(m *monitor.Monitor, c *clock, id probe.HostID, r *rng, n int, rtt time.Duration, loss float64) {
	for range n {
		if r.next() < loss {
			m.Handle(probe.Result{ID: id, Err: probe.ErrTimeout, At: c.t})
		} else {
			j := time.Duration(float64(rtt) * (0.8 + 0.5*r.next()))
			m.Handle(probe.Result{ID: id, RTT: j, At: c.t})
		}
	}
}

// upSince makes a host come up at since and answer ever after.
func upSince(since time.Duration, loss float64) func(*monitor.Monitor, *clock, probe.HostID, *rng, time.Duration) {
	return func(m *monitor.Monitor, c *clock, id probe.HostID, r *rng, rtt time.Duration) {
		c.t = now.Add(-since)
		feed(m, c, id, r, 1, rtt, 0)
		feed(m, c, id, r, monitor.SampleWindow-1, rtt, loss)
	}
}

// downSince makes a host answer, then go DOWN at since and stay down.
func downSince(since time.Duration, okBefore int, loss float64) func(*monitor.Monitor, *clock, probe.HostID, *rng, time.Duration) {
	return func(m *monitor.Monitor, c *clock, id probe.HostID, r *rng, rtt time.Duration) {
		c.t = now.Add(-since - time.Hour)
		feed(m, c, id, r, okBefore, rtt, loss)
		c.t = now.Add(-since)
		for range 3 {
			m.Handle(probe.Result{ID: id, Err: probe.ErrTimeout, At: c.t})
		}
		feed(m, c, id, r, 12, rtt, 1)
	}
}

// fixtureHosts is the screen of the design's illustration and a little more:
// two DOWN hosts with their timers, losses in sparklines, a paused host, a
// pending one and one added at runtime.
var fixtureHosts = []hostDef{
	{"gw-uplink", "198.18.0.254", config.OriginConfig, 450 * time.Microsecond, upSince(76*time.Hour+10*time.Minute, 0)},
	{"core-sw1", "198.18.0.1", config.OriginConfig, 2 * time.Millisecond, downSince(12*time.Minute+34*time.Second, 105, 0)},
	{"web-01", "web01.example", config.OriginConfig, 12 * time.Millisecond, upSince(41*time.Minute+9*time.Second, 0.06)},
	{"db-replica", "198.18.0.7", config.OriginConfig, 3 * time.Millisecond, downSince(41*time.Second, 80, 0.1)},
	{"build-07", "198.18.1.7", config.OriginConfig, time.Millisecond, func(m *monitor.Monitor, c *clock, id probe.HostID, r *rng, rtt time.Duration) {
		upSince(time.Hour, 0)(m, c, id, r, rtt)
		c.t = time.Date(2026, 11, 26, 20, 51, 0, 0, time.UTC)
		m.Pause(id)
	}},
	{"lab-1", "127.0.0.9", config.OriginRuntime, 40 * time.Microsecond, upSince(5*time.Minute, 0)},
	{"wan-probe", "tcp://198.18.2.1:443", config.OriginFile, 41 * time.Millisecond, upSince(26*time.Hour, 0.01)},
	{"new-01", "198.18.0.30", config.OriginArgs, 0, nil},
}

// fixture builds the hosts above in a real monitor and returns its snapshot
// at now, plus extra generated hosts up to total (all up) when total is
// larger.
func fixture(t testing.TB, total int) monitor.Snapshot {
	t.Helper()
	c := &clock{t: now.Add(-80 * time.Hour)}
	defs := append([]hostDef(nil), fixtureHosts...)
	for i := len(defs); i < total; i++ {
		defs = append(defs, hostDef{
			name: fmt.Sprintf("host-%04d", i), addr: fmt.Sprintf("198.19.%d.%d", i/250, i%250+1),
			origin: config.OriginArgs, rtt: time.Duration(200+i%7*300) * time.Microsecond,
			history: upSince(time.Duration(i%50)*time.Minute, 0.02),
		})
	}
	check := &config.Config{Defaults: config.Default().Defaults}
	hosts := make([]config.Host, len(defs))
	for i, d := range defs {
		h, err := check.NewHost(d.addr, d.name)
		if err != nil {
			t.Fatal(err)
		}
		h.Origin = d.origin
		hosts[i] = h
	}
	m := monitor.New(c, hosts, nil)
	r := rng(42)
	for i, d := range defs {
		if d.history != nil {
			d.history(m, c, probe.HostID(i+1), &r, d.rtt)
		}
	}
	c.t = now
	return m.Snapshot()
}

// fakeCommands records the commands the UI sends.
type fakeCommands struct {
	mu     sync.Mutex
	calls  []string
	added  []config.Host
	addErr error
	err    error
}

func (f *fakeCommands) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
	return f.err
}

func (f *fakeCommands) Pause(_ context.Context, id probe.HostID) error {
	return f.record(fmt.Sprintf("pause %d", id))
}

func (f *fakeCommands) Resume(_ context.Context, id probe.HostID) error {
	return f.record(fmt.Sprintf("resume %d", id))
}
func (f *fakeCommands) PauseAll(context.Context) error  { return f.record("pause all") }
func (f *fakeCommands) ResumeAll(context.Context) error { return f.record("resume all") }

func (f *fakeCommands) Add(_ context.Context, h config.Host) (probe.HostID, error) {
	if err := f.record("add " + h.Name + " " + h.Address); err != nil {
		return 0, err
	}
	if f.addErr != nil {
		return 0, f.addErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.added = append(f.added, h)
	return 100, nil
}

func (f *fakeCommands) Remove(_ context.Context, id probe.HostID) error {
	return f.record(fmt.Sprintf("remove %d", id))
}

func (f *fakeCommands) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// fakeHistory is a store with a fixed past.
type fakeHistory struct {
	mu    sync.Mutex
	asked []string
}

func (h *fakeHistory) Outages(host string, _ time.Time) ([]store.Outage, error) {
	h.mu.Lock()
	h.asked = append(h.asked, host)
	h.mu.Unlock()
	if host != "core-sw1" {
		return nil, nil
	}
	return []store.Outage{
		{Host: host, Start: now.Add(-12*time.Minute - 34*time.Second)},
		{Host: host, Start: time.Date(2026, 11, 25, 3, 12, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 3, 14, 30, 0, time.UTC)},
		{Host: host, Start: time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 15, 2, 3, 0, time.UTC)},
	}, nil
}

// HistorySlots gives core-sw1 20 days of hours, then its last day in
// minutes, as the store keeps them: the median wanders between 1.6 and
// 2.6 ms, every hour at :00 loses a probe in ten, 2026-11-25 02:00–04:00 was
// not watched (downtime stopped), and since its outage began every probe is
// lost. The other hosts have no history.
func (h *fakeHistory) HistorySlots(host string, from, to time.Time) ([]history.Slot, error) {
	if host != "core-sw1" {
		return nil, nil
	}
	gapFrom := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	gapTo := gapFrom.Add(2 * time.Hour)
	down := now.Add(-12*time.Minute - 34*time.Second)
	minutesFrom := now.Truncate(time.Hour).Add(-24 * time.Hour)
	slot := func(at time.Time, span time.Duration, i int) history.Slot {
		s := history.Slot{At: at, Span: span, Sent: int(span / time.Second), Watched: span}
		if !at.Before(down) {
			s.Lost = s.Sent
			return s
		}
		if at.Minute() == 0 {
			s.Lost = s.Sent / 10
		}
		s.Min = 1200 * time.Microsecond
		s.P50 = 1600*time.Microsecond + time.Duration(i%6)*200*time.Microsecond
		s.P95 = 2 * s.P50
		s.Max = 4 * time.Millisecond
		if i%24 == 3 {
			s.Max = 9 * time.Millisecond
		}
		return s
	}
	var out []history.Slot
	first := from.Truncate(time.Hour)
	if watchedFrom := now.Truncate(time.Hour).Add(-20 * 24 * time.Hour); first.Before(watchedFrom) {
		first = watchedFrom // downtime first ran 20 days ago
	}
	for at := first; at.Before(minutesFrom); at = at.Add(time.Hour) {
		if !at.Before(gapFrom) && at.Before(gapTo) {
			continue
		}
		out = append(out, slot(at, time.Hour, at.Hour()))
	}
	start := from.Truncate(time.Minute)
	if start.Before(minutesFrom) {
		start = minutesFrom
	}
	for at := start; at.Add(time.Minute).Before(to); at = at.Add(time.Minute) {
		out = append(out, slot(at, time.Minute, at.Hour()))
	}
	return out, nil
}

// asciiRenderer draws without any escape sequence, as the golden screens
// are kept.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// newTest builds a Model at w×h with the fixture's snapshot.
func newTest(t testing.TB, w, h int, snap monitor.Snapshot, o Options) (*Model, *fakeCommands) {
	t.Helper()
	cmds := &fakeCommands{}
	if o.Commands == nil {
		o.Commands = cmds
	}
	o.Now = func() time.Time { return now }
	if o.Renderer == nil {
		o.Renderer = asciiRenderer()
	}
	if o.ConfigPath == "" {
		o.ConfigPath = "/etc/downtime/hosts.toml"
	}
	m := New(o)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(SnapshotMsg(snap))
	return m, cmds
}

// keyMsg is the message of one key as bubbletea reads it.
func keyMsg(k string) tea.KeyMsg {
	types := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "tab": tea.KeyTab, "ctrl+c": tea.KeyCtrlC,
		"backspace": tea.KeyBackspace, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	if t, ok := types[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys one by one and runs the commands they return, feeding
// their messages back, as the program would.
func press(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		run(t, m, cmd)
	}
}

// typeText types s into whatever has the focus, one key per character.
func typeText(t testing.TB, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		run(t, m, cmd)
	}
}

// run runs cmd and what it leads to; a tea.Quit ends it.
func run(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a command did not return within 5s")
	}
	switch msg := msg.(type) {
	case nil, tea.QuitMsg:
	case tea.BatchMsg:
		for _, c := range msg {
			run(t, m, c)
		}
	default:
		_, next := m.Update(msg)
		run(t, m, next)
	}
}

// screen is the model's view as lines.
func screen(m *Model) []string { return strings.Split(m.View(), "\n") }

// rowOf returns the screen line that shows host name, or "".
func rowOf(m *Model, name string) string {
	for _, l := range screen(m) {
		if strings.Contains(ansi.Strip(l), " "+name+" ") {
			return l
		}
	}
	return ""
}

// hostID finds a host of the snapshot by name.
func hostID(t testing.TB, s monitor.Snapshot, name string) probe.HostID {
	t.Helper()
	for _, v := range s.Hosts {
		if v.Name == name {
			return v.ID
		}
	}
	t.Fatalf("no host %q in the fixture", name)
	return 0
}

// withState returns a copy of s where host name has state st.
func withState(s monitor.Snapshot, name string, st monitor.State) monitor.Snapshot {
	out := monitor.Snapshot{At: s.At, Hosts: make([]*monitor.HostView, len(s.Hosts))}
	for i, v := range s.Hosts {
		if v.Name == name {
			c := *v
			c.State = st
			if st == monitor.Paused {
				c.PausedAt = now
			}
			v = &c
		}
		out.Hosts[i] = v
	}
	return out
}

// selectHost moves the cursor to host name with the keys.
func selectHost(t testing.TB, m *Model, name string) {
	t.Helper()
	press(t, m, "g")
	for range len(m.snap.Hosts) {
		if v := m.table.current(); v != nil && v.Name == name {
			return
		}
		press(t, m, "j")
	}
	t.Fatalf("cannot select %q", name)
}

var errRefused = errors.New("monitor: refused")
