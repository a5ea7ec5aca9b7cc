//go:build bench

// Measurements for bench/: run as root with
//
//	sudo go test -tags bench -run Bench -v -timeout 30m .
//
// They print their figures; they assert only what makes a figure
// meaningless (a trial that never saw its DOWN).
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/internal/testnet"
	"downtime/monitor"
	"downtime/probe"
)

func trials(t *testing.T, def int) int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_TRIALS")); err == nil && n > 0 {
		return n
	}
	return def
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestBenchDetectionLatency: from the moment a test host's link goes down
// to the DOWN log line and to the fake Bot API receiving the message.
func TestBenchDetectionLatency(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t, testnet.NoIPv6())
	bot := fakebot.New(t, e2eToken, fakebot.WithChats("4242"))
	dir := t.TempDir()
	const interval, timeout, downAfter = time.Second, time.Second, 3
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), fmt.Sprintf(`
[defaults]
interval = "1s"
timeout = "1s"
down_after = %d

[alerts]
group_window = "5s"

[telegram]
token = %q
chat_id = "4242"
api_url = %q

[[host]]
name = "target"
address = %q
`, downAfter, bot.Token, bot.URL, h.Addr4))
	p := start(t, dir, "--no-ui", "-c", cfg, "--no-state")
	p.waitFor(10*time.Second, `msg="monitor started"`)
	time.Sleep(3 * interval) // UP first

	n := trials(t, 20)
	var toLog, toBot []time.Duration
	for i := range n {
		before := len(bot.Messages())
		h.LinkDown()
		t0 := time.Now()
		p.waitFor(30*time.Second, `msg="host down"`, "host=target")
		toLog = append(toLog, time.Since(t0))
		msgs := bot.WaitMessages(t, before+1, 30*time.Second)
		toBot = append(toBot, msgs[before].At.Sub(t0))
		h.LinkUp()
		p.waitFor(30*time.Second, `msg="host up"`, "host=target")
		bot.WaitMessages(t, before+2, 30*time.Second)
		t.Logf("trial %d: log %v, bot %v", i+1, toLog[i].Round(time.Millisecond), toBot[i].Round(time.Millisecond))
	}
	floor := downAfter*interval + timeout
	fmt.Printf("detection latency, %d trials, interval %v, timeout %v, down_after %d, group_window 5s\n", n, interval, timeout, downAfter)
	fmt.Printf("  floor (down_after × interval + timeout): %v\n", floor)
	fmt.Printf("  link down → DOWN log line:   median %v  max %v\n", median(toLog).Round(time.Millisecond), slices.Max(toLog).Round(time.Millisecond))
	fmt.Printf("  link down → Bot API message: median %v  max %v  (includes the 5s group window)\n", median(toBot).Round(time.Millisecond), slices.Max(toBot).Round(time.Millisecond))
}

// TestBenchAccuracy: per-host RTT median and loss behind a TUN responder
// with known delay and loss, from downtime's engine and from fping.
func TestBenchAccuracy(t *testing.T) {
	testnet.RequireRoot(t)
	testnet.RequireTool(t, "fping")
	const delay, jitter, loss = 20 * time.Millisecond, 2 * time.Millisecond, 10
	h := testnet.NewDelayedHost(t, delay, jitter, loss, testnet.NoIPv6())
	target := h.Targets4()[0]
	count := trials(t, 400)
	const every = 100 * time.Millisecond

	// downtime's engine and monitor, as the binary runs them.
	eng, err := probe.NewEngine(probe.Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := config.ParseTarget(target.String())
	m := monitor.New(realClock{}, []config.Host{{Name: "t", Address: target.String(), Target: tg,
		Interval: every, Timeout: time.Second, DownAfter: 1000, UpAfter: 1}}, nil)
	for _, s := range m.Specs() {
		eng.Add(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan probe.Result, 1024)
	done := make(chan error)
	go func() { done <- eng.Run(ctx, results) }()
	var dtRTT []time.Duration
	lost := 0
	for range count {
		r := <-results
		m.Handle(r)
		if r.Err != nil {
			lost++
		} else {
			dtRTT = append(dtRTT, r.RTT)
		}
	}
	cancel()
	<-done

	// fping: -C count, one probe every 100 ms, per-probe RTTs on stderr.
	out, _ := exec.Command("fping", "-C", strconv.Itoa(count), "-p", "100", "-t", "1000", "-q", target.String()).CombinedOutput()
	var fpRTT []time.Duration
	fpLost := 0
	if i := strings.Index(string(out), ":"); i >= 0 {
		for _, f := range strings.Fields(string(out)[i+1:]) {
			if f == "-" {
				fpLost++
				continue
			}
			ms, err := strconv.ParseFloat(f, 64)
			if err == nil {
				fpRTT = append(fpRTT, time.Duration(ms*float64(time.Millisecond)))
			}
		}
	}
	if len(dtRTT) == 0 || len(fpRTT) == 0 {
		t.Fatalf("no RTTs: downtime %d, fping %d (%s)", len(dtRTT), len(fpRTT), out)
	}
	pct := func(l, n int) float64 { return 100 * float64(l) / float64(n) }
	fmt.Printf("accuracy, %d probes each, every %v, TUN responder: delay %v ± %v, loss %d%%\n", count, every, delay, jitter, loss)
	fmt.Printf("  %-10s median RTT %8.3f ms   loss %5.1f%%\n", "configured", float64(delay)/1e6, float64(loss))
	fmt.Printf("  %-10s median RTT %8.3f ms   loss %5.1f%%\n", "downtime", float64(median(dtRTT))/1e6, pct(lost, count))
	fmt.Printf("  %-10s median RTT %8.3f ms   loss %5.1f%%\n", "fping", float64(median(fpRTT))/1e6, pct(fpLost, fpLost+len(fpRTT)))
	fmt.Printf("  median difference downtime − fping: %+.3f ms\n", float64(median(dtRTT)-median(fpRTT))/1e6)
}
