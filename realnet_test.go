package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/testnet"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// waitState polls the state file until host has state want.
func waitState(t *testing.T, path, host string, want monitor.State, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		st, err := store.Open(path)
		if err == nil {
			saved, _ := st.Hosts()
			st.Close()
			if saved[host].State == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not %v in %s within %v", host, want, path, d)
}

var sinceField = regexp.MustCompile(`since=(\S+)`)
var outageField = regexp.MustCompile(`outage=(\d\d):(\d\d):(\d\d)`)

func TestHeadlessDownUpAndRestartDuringOutage(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t, testnet.NoIPv6())
	dir := t.TempDir()
	const interval, timeout, downAfter = 200 * time.Millisecond, 200 * time.Millisecond, 3
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), fmt.Sprintf(`
[defaults]
interval = "%v"
timeout = "%v"
down_after = %d

[[host]]
name = "ns-host"
address = "%v"
`, interval, timeout, downAfter, h.Addr4))
	state := filepath.Join(dir, "state.db")

	p := start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="monitor started"`, "hosts=1")
	waitState(t, state, "ns-host", monitor.Up, 5*time.Second)

	// DOWN within down_after × interval + timeout, plus a margin for the
	// race detector and a loaded CI machine.
	floor := downAfter*interval + timeout
	h.LinkDown()
	wentDown := time.Now()
	down := p.waitFor(floor+time.Second, `msg="host down"`, "host=ns-host", "address="+h.Addr4.String())
	took := time.Since(wentDown)
	t.Logf("DOWN after %v (floor %v)", took, floor)
	if took < floor-interval {
		t.Errorf("DOWN after %v: sooner than %d failed probes allow", took, downAfter)
	}
	since := sinceField.FindStringSubmatch(down)[1]

	// Restart during the outage: no second DOWN, the outage goes on.
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d on SIGTERM", code)
	}
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	still := p.waitFor(5*time.Second, `msg="host still down"`, "host=ns-host")
	if got := sinceField.FindStringSubmatch(still)[1]; got != since {
		t.Errorf("restored outage since %s, want the original %s", got, since)
	}
	// Let more than down_after probes fail after the restart.
	time.Sleep(floor + 2*interval)
	h.LinkUp()
	up := p.waitFor(interval+timeout+time.Second, `msg="host up"`, "host=ns-host", "since="+since)
	m := outageField.FindStringSubmatch(up)
	if m == nil {
		t.Fatalf("host up line %q has no outage=HH:MM:SS", up)
	}
	var hh, mm, ss int
	fmt.Sscan(m[1], &hh)
	fmt.Sscan(m[2], &mm)
	fmt.Sscan(m[3], &ss)
	outage := time.Duration(hh*3600+mm*60+ss) * time.Second
	sinceT, _ := time.Parse(time.RFC3339, since)
	if want := time.Since(sinceT).Round(time.Second); outage < want-2*time.Second || outage > want+time.Second {
		t.Errorf("outage %v, want about %v (counted from the original DOWN)", outage, want)
	}
	if n := p.count(`msg="host down"`); n != 0 {
		t.Errorf("%d new host down lines after the restart, want 0", n)
	}
	if code := p.stop(syscall.SIGINT); code != 0 {
		t.Fatalf("exit %d on SIGINT", code)
	}
}

func TestThirtyPercentLossIsReportedAndNeverDown(t *testing.T) {
	testnet.RequireRoot(t)
	testnet.RequireTool(t, "nft")
	h := testnet.NewHost(t, testnet.NoIPv6())
	h.DropEchoRequests(t, 30)

	eng, err := probe.NewEngine(probe.Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := config.ParseTarget(h.Addr4.String())
	host := config.Host{Name: "lossy", Address: h.Addr4.String(), Target: target,
		Interval: 5 * time.Millisecond, Timeout: 50 * time.Millisecond, DownAfter: 10, UpAfter: 1}
	m := monitor.New(realClock{}, []config.Host{host}, nil)
	for _, s := range m.Specs() {
		eng.Add(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan probe.Result, 1024)
	done := make(chan error)
	go func() { done <- eng.Run(ctx, results) }()
	defer func() { cancel(); <-done }()

	// The reported loss is over the last SampleWindow probes; average it
	// over consecutive, non-overlapping windows to see its bias, not its
	// noise.
	const windows = 10
	var sum float64
	n := 0
	deadline := time.After(60 * time.Second)
	for w := 0; w < windows; {
		select {
		case r := <-results:
			if tr, ok := m.Handle(r); ok && tr.To == monitor.Down {
				t.Fatalf("host reported DOWN at 30%% loss with down_after=10: %+v", tr)
			}
			if n++; n%monitor.SampleWindow == 0 {
				v := m.Snapshot().Hosts[0]
				sum += v.Loss
				w++
			}
		case <-deadline:
			t.Fatalf("only %d windows in 60s", w)
		}
	}
	loss := 100 * sum / windows
	t.Logf("mean reported loss %.1f%% over %d probes", loss, n)
	if loss < 25 || loss > 35 {
		t.Errorf("reported loss %.1f%%, want 30%% ± 5", loss)
	}
}
