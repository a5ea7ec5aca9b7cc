package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"golang.org/x/sys/unix"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
	"downtime/probe"
	"downtime/ui"
)

// tmuxPane is the real binary running in a tmux pane of its own tmux
// server, so a test never touches the user's sessions.
type tmuxPane struct {
	t      *testing.T
	socket string
	w, h   int
}

// startInTmux runs downtime with args in a w×h pane, with TERM as a tmux
// user has it. The pane's shell reports the exit status after it.
func startInTmux(t *testing.T, w, h int, args ...string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	p := &tmuxPane{t: t, socket: fmt.Sprintf("downtime-test-%d-%d", os.Getpid(), time.Now().UnixNano()), w: w, h: h}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + a + "'"
	}
	script := fmt.Sprintf("env TERM=screen-256color NO_COLOR= %s %s; echo \"downtime exited $?\"; sleep 60", binary, strings.Join(quoted, " "))
	p.tmux("-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), script)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen (%dx%d):\n%s", w, h, p.screen())
		}
		exec.Command("tmux", "-L", p.socket, "kill-server").Run()
	})
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now, as text.
func (p *tmuxPane) screen() string {
	out, _ := exec.Command("tmux", "-L", p.socket, "capture-pane", "-p", "-t", "ui").Output()
	return string(out)
}

// keys sends tmux key names (p, Enter, Escape); text sends literal text.
func (p *tmuxPane) keys(keys ...string) {
	p.tmux(append([]string{"send-keys", "-t", "ui"}, keys...)...)
}
func (p *tmuxPane) text(s string) { p.tmux("send-keys", "-t", "ui", "-l", s) }

// waitFor polls the screen until it shows every one of want, checks that
// it fits the pane and shows no log line, and returns it.
func (p *tmuxPane) waitFor(step string, want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := p.screen()
		if containsAll(s, want) {
			for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
				if w := ansi.StringWidth(l); w > p.w {
					p.t.Errorf("%s: line %d is %d cells wide in a %d-cell pane: %q", step, i, w, p.w, l)
				}
			}
			if strings.Contains(s, "level=") || strings.Contains(s, "msg=") {
				p.t.Errorf("%s: a log line on the screen:\n%s", step, s)
			}
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: the screen does not show %q within 15s:\n%s", step, want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitGone polls the screen until it shows none of gone, and returns it.
func (p *tmuxPane) waitGone(step string, gone ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := p.screen()
		shown := false
		for _, g := range gone {
			shown = shown || strings.Contains(s, g)
		}
		if !shown {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: the screen still shows one of %q after 15s:\n%s", step, gone, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIInTmux drives the real binary in --demo mode as a user would:
// pause, add a loopback host, filter, help, quit; at 100×30 and at 60×15.
// Then it restarts on the same state file: the added host and the pause
// are still there.
func TestTUIInTmux(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			dir, err := os.MkdirTemp("", "dt") // short: the log path fits a 60-cell line
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			state := filepath.Join(dir, "state.db")
			args := []string{"--demo", "--state", state, "web-01", "db-01", "core-sw1", "gw-uplink"}

			p := startInTmux(t, size[0], size[1], args...)
			p.waitFor("start", "downtime", "HOST", "LAST", "LOSS", "web-01", "gw-uplink", "telegram: off", "q quit")

			p.keys("p")
			paused := p.waitFor("p", "paused by you at", "p again resumes it")
			if !strings.Contains(paused, ">‖ ") {
				t.Errorf("p: the selected row does not show ‖:\n%s", paused)
			}

			p.keys("a")
			p.waitFor("a", "add", "target:", "esc cancel")
			p.text("127.0.0.1")
			p.keys("Enter")
			added := p.waitFor("add 127.0.0.1", "added 127.0.0.1: probing now")
			// Selected, in whatever state the demo gives it.
			if !strings.Contains(added, "127.0.0.1") || !strings.Contains(strings.Split(added, ">")[1], "127.0.0.1") {
				t.Errorf("the added host is not selected:\n%s", added)
			}

			p.keys("/")
			p.waitFor("/", "/", "of 5", "esc clear")
			p.text("core")
			filtered := p.waitFor("/core", "1 of 5", "core-sw1")
			if strings.Contains(filtered, "web-01") {
				t.Errorf("/core still shows web-01:\n%s", filtered)
			}
			p.keys("Escape")
			p.waitFor("esc", "web-01", "core-sw1", "q quit")

			p.keys("?")
			p.waitFor("?", "pause/resume all", "LOGS", filepath.Join(dir, "downtime.log"))
			// Wait for the table: an esc and a q sent within a millisecond
			// read as alt+q, which no person types.
			p.keys("Escape")
			// Escape and q in one read are alt+q to bubbletea, which does
			// not quit: q goes only once the help screen has closed.
			p.waitGone("esc from ?", "pause/resume all")

			p.keys("q")
			p.waitFor("q", "downtime exited 0")

			log, err := os.ReadFile(filepath.Join(dir, "downtime.log"))
			if err != nil || !strings.Contains(string(log), `msg="monitor started"`) || !strings.Contains(string(log), `msg="monitor stopped"`) {
				t.Errorf("log file: %v\n%s", err, log)
			}

			// The added host and the pause survive a restart.
			p = startInTmux(t, size[0], size[1], args...)
			p.waitFor("restart", "127.0.0.1", "paused by you at")
			p.keys("q")
			p.waitFor("q after restart", "downtime exited 0")
		})
	}
}

// TestTUIQuitsWhenTheTerminalHangsUp: closing the pane (SIGHUP) ends
// downtime cleanly, rather than leaving it running with no screen.
func TestTUIQuitsWhenTheTerminalHangsUp(t *testing.T) {
	dir, err := os.MkdirTemp("", "dt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := startInTmux(t, 80, 24, "--demo", "--state", filepath.Join(dir, "state.db"), "web-01")
	p.waitFor("start", "web-01", "q quit")
	p.tmux("kill-server")
	logPath := filepath.Join(dir, "downtime.log")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if strings.Contains(string(b), `msg="terminal hung up"`) && strings.Contains(string(b), `msg="monitor stopped"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no clean stop within 10s of the hangup; log:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTUINeedsATerminal(t *testing.T) {
	code, _, stderr := runOnce(t, t.TempDir(), "", "--demo", "--no-state", "web-01")
	if code != 2 || !strings.Contains(stderr, "needs a terminal") || !strings.Contains(stderr, "--no-ui") {
		t.Fatalf("exit %d, stderr %q; want 2 and the way out", code, stderr)
	}
}

// TestTUIReloadKey: r re-reads the config file in the running UI: hosts
// added, removed and changed take effect and the status line says so; a
// broken file is refused with its line, and the hosts stay as they were.
func TestTUIReloadKey(t *testing.T) {
	dir, err := os.MkdirTemp("", "dt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "hosts.toml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[[host]]\nname = \"alpha\"\naddress = \"127.0.0.2\"\n\n[[host]]\nname = \"beta\"\naddress = \"127.0.0.3\"\n")

	p := startInTmux(t, 100, 30, "--demo", "--state", filepath.Join(dir, "state.db"), "-c", cfgPath)
	p.waitFor("start", "alpha", "beta", "hosts.toml", "r reload config")

	write("[[host]]\nname = \"alpha\"\naddress = \"127.0.0.2\"\ntimeout = \"500ms\"\n\n[[host]]\nname = \"gamma\"\naddress = \"127.0.0.4\"\n")
	p.keys("r")
	p.waitFor("r", "config reloaded: 1 added (gamma), 1 removed (beta), 1 changed (alpha)", "gamma")
	// The status line comes with the reload, the host list with the next
	// snapshot: beta must leave the screen, within waitGone's deadline.
	p.waitGone("beta after the reload", "beta ")

	write("[[host]]\nname = \"alpha\"\naddress = \"127.0.0.2\"\nparnet = \"gamma\"\n")
	p.keys("r")
	s := p.waitFor("r on a broken file", "reload failed, old config kept:", "line 4", "parnet")
	if !strings.Contains(s, "gamma") {
		t.Errorf("a refused reload dropped gamma:\n%s", s)
	}

	p.keys("q")
	p.waitFor("q", "downtime exited 0")
	log, _ := os.ReadFile(filepath.Join(dir, "downtime.log"))
	if !strings.Contains(string(log), `msg="config reloaded" added=1 removed=1 changed=1`) || !strings.Contains(string(log), `msg="reload failed"`) {
		t.Errorf("the log does not record both reloads:\n%s", log)
	}
}

func TestTUIReloadSummary(t *testing.T) {
	tests := []struct {
		res  monitor.ReloadResult
		want string
	}{
		{monitor.ReloadResult{}, "config reloaded: 0 added, 0 removed, 0 changed"},
		{monitor.ReloadResult{Added: []string{"web-02"}, Removed: []string{"db-01"}},
			"config reloaded: 1 added (web-02), 1 removed (db-01), 0 changed"},
		{monitor.ReloadResult{Changed: []string{"a", "b", "c", "d"}}, "config reloaded: 0 added, 0 removed, 4 changed"},
	}
	for _, tt := range tests {
		if got := reloadSummary(tt.res); got != tt.want {
			t.Errorf("reloadSummary(%+v) = %q, want %q", tt.res, got, tt.want)
		}
	}
}

// tempDir is a short temporary directory (the log path fits a narrow
// pane), removed at the end of the test.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestTUIDemoWall (issue 10 items 9 and 11): --demo with no target is a
// wall of 40 hosts with DEMO in the header, a host DOWN from the start
// with its timer ticking, the scroll mark, and the events list on e.
func TestTUIDemoWall(t *testing.T) {
	dir := tempDir(t)
	p := startInTmux(t, 80, 24, "--demo", "--state", filepath.Join(dir, "state.db"))
	p.waitFor("start", "DEMO", "20/40 ↓", "uplink", "core-sw1")
	s := p.waitFor("db-02 down", "▼ db-02", "down 00:00:0", "▼ build-03")
	if strings.Count(s, "● ") < 15 {
		t.Errorf("not a wall of hosts:\n%s", s)
	}
	p.waitFor("the timer ticks", "▼ db-02", "down 00:00:1")

	p.keys("e")
	s = p.waitFor("e", "EVENTS  newest first", "host down  db-02 (198.18.1.22)", "host down  build-03", "esc back")
	if strings.Contains(s, "HOST ") {
		t.Errorf("the table is still on screen:\n%s", s)
	}
	p.keys("Escape")
	p.waitFor("esc", "HOST", "20/40 ↓")

	p.keys("G")
	p.waitFor("G", "40/40 ↑", "vpn-sgp")
	p.keys("q")
	p.waitFor("q", "downtime exited 0")
}

// TestTUITelegramHeader (issue 10 item 1): the header says what is true
// of Telegram now: unreachable from the start-up check on (before any
// alert), with the queue once an alert waits; refused with the reason a
// person can act on; ok. "?" shows each alert sent, queued or failed.
func TestTUITelegramHeader(t *testing.T) {
	tests := []struct {
		name     string
		bot      func(t *testing.T) string // the api_url
		atStart  []string
		afterDwn []string
		help     string
	}{
		{
			name:     "unreachable",
			bot:      func(t *testing.T) string { return fmt.Sprintf("http://127.0.0.1:%d", closedPort(t)) },
			atStart:  []string{"telegram: unreachable since "},
			afterDwn: []string{"telegram: unreachable since ", "(1 queued)"},
			help:     "queued 🔴 gone (tcp://127.0.0.1:",
		},
		{
			name: "refused",
			bot: func(t *testing.T) string {
				bot := fakebot.New(t, e2eToken)
				bot.FailAll(fakebot.Kicked)
				return bot.URL
			},
			atStart:  []string{"telegram: ok"},
			afterDwn: []string{"telegram: refused: bot removed from chat"},
			help:     "failed 🔴 gone (tcp://127.0.0.1:",
		},
		{
			name:     "ok",
			bot:      func(t *testing.T) string { return fakebot.New(t, e2eToken).URL },
			atStart:  []string{"telegram: ok"},
			afterDwn: []string{"telegram: ok", "alert: 🔴 gone"},
			help:     "sent   🔴 gone (tcp://127.0.0.1:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tempDir(t)
			cfg := filepath.Join(dir, "hosts.toml")
			toml := fmt.Sprintf("[alerts]\ngroup_window = \"1s\"\n\n[telegram]\ntoken = %q\nchat_id = \"4242\"\napi_url = %q\n\n"+
				"[[host]]\nname = \"gone\"\naddress = \"tcp://127.0.0.1:%d\"\n", e2eToken, tt.bot(t), closedPort(t))
			if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
				t.Fatal(err)
			}
			p := startInTmux(t, 110, 30, "--state", filepath.Join(dir, "state.db"), "-c", cfg)
			p.waitFor("start", tt.atStart...)
			s := p.waitFor("after the DOWN", append([]string{"▼ gone"}, tt.afterDwn...)...)
			if tt.name != "ok" && strings.Contains(s, "telegram: ok") {
				t.Errorf("ok while Telegram fails:\n%s", s)
			}
			p.keys("?")
			p.waitFor("?", "ALERTS", tt.help)
			p.keys("q")
			p.waitFor("q", "downtime exited 0")
		})
	}
}

// demoClock is the monitor's clock in the demo wall's golden screen.
type demoClock struct{ t *time.Time }

func (c demoClock) Now() time.Time { return *c.t }

// TestDemoWallGolden (issue 10 item 11): the first 50 s of the demo
// wall at 80×24, drawn from the demo prober's script on a fixed clock:
// db-02 down from the start, build-03 back after 45 s, kafka-03 back
// from its first flap, ap-lab losing replies, vpn-sgp slow, DEMO in the
// header, the scroll mark. Refresh with `go test . -run TestDemoWallGolden -update`.
func TestDemoWallGolden(t *testing.T) {
	cfg := &config.Config{Defaults: config.Default().Defaults}
	roles, err := addDemoWall(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)
	now := start
	demo := probe.NewDemo(1, func() time.Time { return now })
	demo.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	demo.SetRoles(roles)
	mon := monitor.New(demoClock{&now}, cfg.Hosts, nil)
	events := ui.NewEvents()
	for sec := range 50 {
		now = start.Add(time.Duration(sec) * time.Second)
		for i, h := range cfg.Hosts {
			rtt, err := demo.Probe(context.Background(), h.Target, netip.Addr{})
			if tr, ok := mon.Handle(probe.Result{ID: probe.HostID(i + 1), Seq: uint64(sec + 1), RTT: rtt, Err: err, At: now}); ok {
				events.Transition(tr)
			}
		}
	}
	snap := mon.Snapshot()
	down := 0
	for _, v := range snap.Hosts {
		if v.Origin != config.OriginDemo {
			t.Errorf("%s is %s, want simulated by --demo", v.Name, v.Origin.Describe())
		}
		if v.State == monitor.Down {
			down++
			if v.Name != "db-02" {
				t.Errorf("%s is down after a minute; only db-02 should be", v.Name)
			}
		}
	}
	if len(snap.Hosts) != 40 || down != 1 {
		t.Errorf("%d hosts, %d down; want 40 and 1", len(snap.Hosts), down)
	}

	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	for _, tt := range []struct {
		name string
		keys []string
		want string
	}{
		{"wall", nil, "db-02"},
		{"events", []string{"e"}, "EVENTS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := ui.New(ui.Options{Now: func() time.Time { return now }, Renderer: r, Demo: true, Events: events})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
			tm.Send(ui.SnapshotMsg(snap))
			for _, k := range tt.keys {
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), tt.want) },
				teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
			// The events come with the clock's tick, once a second.
			if tt.name == "events" {
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "host up  build-03") },
					teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
			}
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
			golden.RequireEqual(t, []byte(final.View()))
		})
	}
}

// TestTUIQuitsWhenTheTerminalGoesAwayWithoutSIGHUP: here no SIGHUP comes
// when the terminal goes away: the pty is not downtime's controlling
// terminal, so closing its other end only makes reads end (EOF) and writes
// fail. That is a hangup too: exit 0, "terminal hung up" in the log, not
// "terminal UI failed", and not a monitor left running with no screen.
func TestTUIQuitsWhenTheTerminalGoesAwayWithoutSIGHUP(t *testing.T) {
	dir := t.TempDir()
	master, slave := openPTY(t, 80, 24)
	cmd := exec.Command(binary, "--demo", "--state", filepath.Join(dir, "state.db"), "web-01")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(os.Environ(), "TERM=screen-256color", "NO_COLOR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // and no controlling terminal
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	// Read the screen until the wall is up; the terminal must be read, or
	// downtime's writes would block.
	var screen strings.Builder
	up := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			screen.Write(buf[:n])
			if strings.Contains(ansi.Strip(screen.String()), "q quit") {
				close(up)
				io.Copy(io.Discard, master)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("the wall did not come up within 10s")
	}
	master.Close()

	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("downtime ended with %v after its terminal went away, want exit 0", waitErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("downtime still runs 10s after its terminal went away")
	}
	log, _ := os.ReadFile(filepath.Join(dir, "downtime.log"))
	for _, want := range []string{`msg="terminal hung up"`, `msg="monitor stopped"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log has no %s:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), "terminal UI failed") {
		t.Errorf("a closed terminal logged as a failure:\n%s", log)
	}
}

// openPTY opens a pseudo-terminal of w×h cells: its master and its slave.
func openPTY(t *testing.T, w, h int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open the pty's slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(w), Row: uint16(h)}); err != nil {
		m.Close()
		s.Close()
		t.Fatalf("set the pty's size: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}
