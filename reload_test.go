package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
	"downtime/store"
)

// tcpTarget is a loopback TCP port that answers: every connection is
// accepted and closed. It is closed at cleanup.
func tcpTarget(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// deadTarget is a loopback TCP port nobody listens on: refused at once.
func deadTarget(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "tcp://" + addr
}

func hostsConfig(hosts ...[2]string) string {
	var b strings.Builder
	b.WriteString("[defaults]\ninterval = \"100ms\"\ntimeout = \"100ms\"\ndown_after = 2\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "\n[[host]]\nname = %q\naddress = %q\n", h[0], h[1])
	}
	return b.String()
}

// TestReloadOnSIGHUP is the scenario: hosts alpha (DOWN) and bravo;
// the file becomes alpha and charlie and SIGHUP arrives: bravo is gone,
// charlie is probed, alpha's outage and counters go on untouched, and a
// host added at runtime stays. Then an invalid file: the error is logged and
// alpha and charlie keep running. TCP targets on loopback, so it needs no
// privileges.
func TestReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	alpha, bravo, charlie, runtimeAddr := deadTarget(t), tcpTarget(t), tcpTarget(t), tcpTarget(t)
	cfgPath := filepath.Join(dir, "hosts.toml")
	writeFile(t, cfgPath, hostsConfig([2]string{"alpha", alpha}, [2]string{"bravo", bravo}))

	// A host added at runtime in an earlier run, as the UI's "a" leaves it.
	state := filepath.Join(dir, "state.db")
	st, err := store.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddRuntimeHost(config.Host{Name: "rt", Address: runtimeAddr, Interval: 100 * time.Millisecond,
		Timeout: 100 * time.Millisecond, DownAfter: 2, UpAfter: 1}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	p := start(t, dir, "--no-ui", "-c", cfgPath, "--state", state, "--metrics", "127.0.0.1:0")
	addr := metricsAddr(p)
	p.waitFor(5*time.Second, `msg="monitor started"`, "hosts=3")
	down := p.waitFor(5*time.Second, `msg="host down"`, "host=alpha")
	since := sinceField.FindStringSubmatch(down)[1]
	before := waitMetrics(t, addr, 5*time.Second, "bravo and rt up, alpha down", func(m page) bool {
		return m.value("downtime_host_up", "host", "bravo") == 1 && m.value("downtime_host_up", "host", "rt") == 1 &&
			m.value("downtime_host_up", "host", "alpha") == 0
	})
	alphaSince := before.value("downtime_host_down_since_timestamp_seconds", "host", "alpha", "address", alpha)
	alphaProbes := before.probes("alpha")

	writeFile(t, cfgPath, hostsConfig([2]string{"alpha", alpha}, [2]string{"charlie", charlie}))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(5*time.Second, `msg="config reloaded"`, "added=1", "removed=1", "changed=0")
	after := waitMetrics(t, addr, 5*time.Second, "charlie probed and up", func(m page) bool {
		return m.value("downtime_host_up", "host", "charlie", "address", charlie) == 1 &&
			m.value("downtime_probes_total", "host", "charlie", "result", "ok") > 0
	})
	if after.mentions("bravo") {
		t.Errorf("bravo still exported after the reload:\n%s", downtimeLines(after.text))
	}
	if v := after.value("downtime_host_down_since_timestamp_seconds", "host", "alpha", "address", alpha); v != alphaSince {
		t.Errorf("alpha's outage start moved from %v to %v", alphaSince, v)
	}
	if v := after.value("downtime_host_outages_total", "host", "alpha"); v != 1 {
		t.Errorf("alpha outages_total = %v after the reload, want still 1", v)
	}
	if v := after.probes("alpha"); v < alphaProbes {
		t.Errorf("alpha's probe count went back from %v to %v: its history was reset", alphaProbes, v)
	}
	if after.value("downtime_host_up", "host", "rt") != 1 {
		t.Errorf("the runtime host did not survive the reload:\n%s", downtimeLines(after.text))
	}
	if n := p.count(`msg="host down"`, "host=alpha"); n != 1 {
		t.Errorf("%d host down lines for alpha, want the one before the reload", n)
	}
	if n := p.count(`msg="host up"`, "host=alpha"); n != 0 {
		t.Error("alpha came up on the reload")
	}

	// An invalid file: logged, nothing changes, everything keeps running.
	writeFile(t, cfgPath, hostsConfig([2]string{"alpha", alpha}, [2]string{"charlie", charlie}, [2]string{"delta", tcpTarget(t)})+
		"parent = \"nobody\"\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	failed := p.waitFor(5*time.Second, `msg="reload failed"`, "hosts.toml", "line", `parent \"nobody\" does not exist`)
	if !strings.HasPrefix(failed, "time=") || !strings.Contains(failed, "level=ERROR") {
		t.Errorf("reload failure line %q is not a logfmt ERROR line", failed)
	}
	still := waitMetrics(t, addr, 5*time.Second, "alpha and charlie still probed", func(m page) bool {
		return m.probes("alpha") > after.probes("alpha") && m.probes("charlie") > after.probes("charlie")
	})
	if still.mentions("delta") || still.mentions("bravo") {
		t.Errorf("the invalid config was partly applied:\n%s", downtimeLines(still.text))
	}
	if v := still.value("downtime_host_down_since_timestamp_seconds", "host", "alpha"); v != alphaSince {
		t.Errorf("alpha's outage start moved to %v after a failed reload", v)
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d on SIGTERM", code)
	}
	// The state file agrees: alpha's outage keeps its start, bravo is
	// forgotten.
	st, err = store.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := st.Hosts()
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if a := saved["alpha"]; a.State != monitor.Down || a.DownSince.UTC().Format(time.RFC3339) != since {
		t.Errorf("alpha saved %v since %v, want down since %s", a.State, a.DownSince, since)
	}
	if _, ok := saved["bravo"]; ok {
		t.Error("bravo's state is still saved after it left the config")
	}
}

func TestStdinTargetsAreKeptForReloads(t *testing.T) {
	o, _, err := parseFlags("downtime", []string{"--no-ui", "-f", "-", "127.0.0.9"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	first, err := loadConfig(o, o.keepStdin(strings.NewReader("198.18.7.1\n# a comment\ntcp://127.0.0.1:22\n")))
	if err != nil {
		t.Fatal(err)
	}
	again, err := loadConfig(o, o.stdinAgain())
	if err != nil {
		t.Fatal(err)
	}
	names := func(c *config.Config) string {
		var s []string
		for _, h := range c.Hosts {
			s = append(s, h.Name)
		}
		return strings.Join(s, " ")
	}
	if names(first) != "127.0.0.9 198.18.7.1 tcp://127.0.0.1:22" || names(again) != names(first) {
		t.Errorf("hosts at start %q, on reload %q: want the same three", names(first), names(again))
	}
}

// TestHeartbeatWhileRunning runs the binary with a heartbeat URL on an
// httptest server: it is requested every interval while the monitor runs,
// and the URL's secret never reaches the log.
func TestHeartbeatWhileRunning(t *testing.T) {
	var hits atomic.Int32
	var agent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping/s3cr3t" {
			agent.Store(r.Header.Get("User-Agent"))
			hits.Add(1)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hb.toml"), fmt.Sprintf("[heartbeat]\nurl = %q\ninterval = \"50ms\"\n", srv.URL+"/ping/s3cr3t"))
	p := start(t, dir, "--no-ui", "--no-state", "--demo", "-c", cfg, "web-01")
	p.waitFor(5*time.Second, `msg="heartbeat on"`)
	deadline := time.Now().Add(5 * time.Second)
	for hits.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d heartbeats in 5s at a 50ms interval", hits.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a, _ := agent.Load().(string); a != "downtime/dev" {
		t.Errorf("User-Agent %q, want downtime/dev", a)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := strings.Join(p.output(), "\n"); strings.Contains(out, "s3cr3t") {
		t.Errorf("the heartbeat URL's secret is in the log:\n%s", out)
	}
}

// TestReloadGivesAlertsNewReminders: the alert path takes a reload's
// reminders. alpha is down with reminders at 1 h; the file makes them 3 s
// and adds bravo (down) with 2 s: both reminders come within seconds,
// which the start's schedule (1 h, and the 10-minute default) would not
// send. The fake Bot API on loopback stands in for Telegram.
func TestReloadGivesAlertsNewReminders(t *testing.T) {
	bot := fakebot.New(t, e2eToken)
	alpha, bravo := deadTarget(t), deadTarget(t)
	dir := t.TempDir()
	conf := func(hosts ...[3]string) string {
		var b strings.Builder
		b.WriteString(alertConfig(bot, "4242"))
		for _, h := range hosts {
			fmt.Fprintf(&b, "\n[[host]]\nname = %q\naddress = %q\nreminders = [%q]\n", h[0], h[1], h[2])
		}
		return b.String()
	}
	cfgPath := writeFile(t, filepath.Join(dir, "hosts.toml"), conf([3]string{"alpha", alpha, "1h"}))
	p := start(t, dir, "--no-ui", "--no-state", "-c", cfgPath)
	p.waitFor(5*time.Second, `msg="alert sent"`, "hosts=alpha", "kind=down")

	writeFile(t, cfgPath, conf([3]string{"alpha", alpha, "3s"}, [3]string{"bravo", bravo, "2s"}))
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(5*time.Second, `msg="config reloaded"`, "added=1", "removed=0", "changed=1")
	msgs := sentTexts(bot.WaitMessages(t, 4, 10*time.Second))
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"🔴 bravo (" + bravo + ") is DOWN since", "🔴 bravo has been down for 00:00:02 (last reminder",
		"🔴 alpha has been down for 00:00:0"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in:\n%s", want, all)
		}
	}
	p.stop(syscall.SIGTERM)
	noToken(t, strings.Join(p.output(), "\n"), p.stderr.String())
}

// TestRuntimeHostGetsAlertsAndDefaultReminders: a host added while
// running, as the UI's "a" adds it (config.NewHost with the start's
// defaults, then Runner.Add), gets its DOWN and the default reminders.
func TestRuntimeHostGetsAlertsAndDefaultReminders(t *testing.T) {
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	text := strings.Replace(alertConfig(bot, "4242", [2]string{"web", tcpTarget(t)}), "down_after = 2\n", "down_after = 2\nreminders = [\"2s\"]\n", 1)
	cfgPath := writeFile(t, filepath.Join(dir, "hosts.toml"), text)
	a := newTestApp(t, "--no-ui", "--no-state", "-c", cfgPath)
	if err := a.setupAlerts(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	defer func() { cancel(); <-done }()

	target := deadTarget(t)
	h, err := (&config.Config{Defaults: a.cfg.Defaults}).NewHost(target, "rt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.runner.Add(ctx, h); err != nil {
		t.Fatal(err)
	}
	msgs := sentTexts(bot.WaitMessages(t, 2, 10*time.Second))
	if !strings.HasPrefix(msgs[0], "🔴 rt ("+target+") is DOWN since ") || msgs[1] != "🔴 rt has been down for 00:00:02 (last reminder: no more until it recovers)" {
		t.Errorf("messages:\n%s", strings.Join(msgs, "\n"))
	}
}
