//go:build bench

package bench

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/testnet"
	"downtime/monitor"
	"downtime/probe"
)

// TestAccuracy measures per-host RTT median and loss behind a TUN responder
// with a known delay, jitter and loss, from downtime's engine and monitor
// (exactly as the binary runs them) and from fping, both at the same time
// on the same targets, so that both see the same responder at the same
// moment. Two passes:
//
//   - the configured link (BENCH_DELAY ± BENCH_JITTER, BENCH_LOSS %; default
//     20 ms ± 2 ms, 10%): median and loss next to the configured values.
//     fping prints RTTs of 10 ms and more to 0.1 ms only, and the jitter
//     adds sampling noise (the median of n uniform ±j draws wanders by
//     about j/√n), so the tools' difference here is a rough one;
//   - the budget pass: BENCH_BIAS_DELAY (5 ms) without jitter or loss. Under
//     10 ms fping prints to 0.01 ms, and with nothing random the difference
//     between the two tools' medians is their measurement bias alone, which
//     the performance budget bounds at 0.1 ms.
//
// Each pass also prints the responder's own lateness (reply written − due),
// the fixture's error in the figures. Like every bench it fails only when a
// figure would mean nothing (no replies), never on the budget.
//
// BENCH_HOSTS targets (5), BENCH_PROBES probes each (600), one every
// BENCH_EVERY (100 ms).
func TestAccuracy(t *testing.T) {
	testnet.RequireRoot(t)
	testnet.RequireTool(t, "fping")
	delay := envDuration("BENCH_DELAY", 20*time.Millisecond)
	jitter := envDuration("BENCH_JITTER", 2*time.Millisecond)
	loss := envInt("BENCH_LOSS", 10)
	biasDelay := envDuration("BENCH_BIAS_DELAY", 5*time.Millisecond)
	hosts := envInt("BENCH_HOSTS", 5)
	probes := envInt("BENCH_PROBES", 600)
	every := envDuration("BENCH_EVERY", 100*time.Millisecond)

	h := testnet.NewDelayedHost(t, delay, jitter, loss, testnet.NoIPv6())
	var targets []netip.Addr
	for a := h.TargetPrefix4().Addr().Next(); len(targets) < hosts; a = a.Next() {
		targets = append(targets, a)
	}
	out, _ := exec.Command("fping", "-v").CombinedOutput()
	fmt.Printf("accuracy: %d hosts behind a TUN responder in a namespace, %d probes each, one every %v; downtime and fping at the same time\n",
		hosts, probes, every)
	fmt.Printf("  fping: %s; command: fping -C %d -p %d -t 1000 -q TARGETS\n", strings.TrimSpace(string(out)), probes, every.Milliseconds())
	fmt.Printf("  budget: downtime's RTT median within %s of fping's\n", msShort(budget))
	fmt.Println("  downtime reports RTTs to the microsecond; fping prints them to 0.001 ms under 1 ms, 0.01 ms under 10 ms, 0.1 ms under 100 ms")

	passes := []pass{
		{"link as configured", delay, jitter, loss},
		{"budget pass, no jitter, no loss", biasDelay, 0, 0},
	}
	for i, p := range passes {
		h.SetDelay(p.delay, p.jitter)
		h.SetLoss(p.loss)
		h.ResetLateness()
		var dt, fp map[netip.Addr]*series
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); dt = runDowntime(t, targets, probes, every) }()
		go func() { defer wg.Done(); fp = runFping(t, targets, probes, every) }()
		wg.Wait()
		fmt.Printf("\n  pass %d, %s\n", i+1, p)
		report(t, p, targets, dt, fp, h.Lateness())
	}
}

// budget is how far downtime's RTT median may be from fping's.
const budget = 100 * time.Microsecond

// pass is one setting of the responder.
type pass struct {
	name          string
	delay, jitter time.Duration
	loss          int
}

// String is the pass's heading.
func (p pass) String() string {
	return fmt.Sprintf("%s: configured delay %s ± %s, loss %d%%; fping prints these RTTs to %s",
		p.name, msShort(p.delay), msShort(p.jitter), p.loss, msShort(fpingResolution(p.delay+p.jitter)))
}

// fpingResolution is how finely fping prints an RTT of d: three
// significant digits from 1 ms up, microseconds below.
func fpingResolution(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return time.Microsecond
	case d < 10*time.Millisecond:
		return 10 * time.Microsecond
	case d < 100*time.Millisecond:
		return 100 * time.Microsecond
	}
	return time.Millisecond
}

// series is one host's probes as a tool saw them.
type series struct {
	rtts []time.Duration
	lost int
}

func (s *series) lossPct() float64 {
	n := len(s.rtts) + s.lost
	if n == 0 {
		return 0
	}
	return 100 * float64(s.lost) / float64(n)
}

// runDowntime probes targets with downtime's engine, each result going
// through the monitor as in the binary, until each has probes results.
func runDowntime(t *testing.T, targets []netip.Addr, probes int, every time.Duration) map[netip.Addr]*series {
	eng, err := probe.NewEngine(probe.Options{ICMP: true})
	if err != nil {
		t.Error(err)
		return nil
	}
	var cfgs []config.Host
	for _, a := range targets {
		tg, _ := config.ParseTarget(a.String())
		cfgs = append(cfgs, config.Host{Name: a.String(), Address: a.String(), Target: tg,
			Interval: every, Timeout: time.Second, DownAfter: 1 << 20, UpAfter: 1})
	}
	m := monitor.New(clock{}, cfgs, nil)
	addrOf := map[probe.HostID]netip.Addr{}
	for i, s := range m.Specs() {
		eng.Add(s)
		addrOf[s.ID] = targets[i]
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan probe.Result, 4096)
	done := make(chan error)
	go func() { done <- eng.Run(ctx, results) }()
	got := map[netip.Addr]*series{}
	for _, a := range targets {
		got[a] = &series{}
	}
	complete := 0
	deadline := time.After(time.Duration(probes+30)*every + 30*time.Second)
	for complete < len(targets) {
		select {
		case r := <-results:
			m.Handle(r)
			s := got[addrOf[r.ID]]
			if len(s.rtts)+s.lost >= probes {
				continue
			}
			if r.Err != nil {
				s.lost++
			} else {
				s.rtts = append(s.rtts, r.RTT)
			}
			if len(s.rtts)+s.lost == probes {
				complete++
			}
		case <-deadline:
			t.Errorf("downtime: %d of %d hosts complete", complete, len(targets))
			complete = len(targets)
		}
	}
	cancel()
	<-done
	return got
}

// runFping probes targets with fping -C, which prints every RTT per host
// ("-" for a loss) when it ends.
func runFping(t *testing.T, targets []netip.Addr, probes int, every time.Duration) map[netip.Addr]*series {
	args := []string{"-C", strconv.Itoa(probes), "-p", strconv.FormatInt(every.Milliseconds(), 10), "-t", "1000", "-q"}
	for _, a := range targets {
		args = append(args, a.String())
	}
	out, _ := exec.Command("fping", args...).CombinedOutput() // exits 1 when any probe was lost
	got := map[netip.Addr]*series{}
	for _, line := range strings.Split(string(out), "\n") {
		host, vals, ok := strings.Cut(line, " : ")
		if !ok {
			continue
		}
		a, err := netip.ParseAddr(strings.TrimSpace(host))
		if err != nil {
			continue
		}
		s := &series{}
		for _, f := range strings.Fields(vals) {
			if f == "-" {
				s.lost++
			} else if v, err := strconv.ParseFloat(f, 64); err == nil {
				s.rtts = append(s.rtts, time.Duration(v*float64(time.Millisecond)))
			}
		}
		got[a] = s
	}
	if len(got) != len(targets) {
		t.Errorf("fping: results for %d of %d hosts:\n%s", len(got), len(targets), out)
	}
	return got
}

func report(t *testing.T, p pass, targets []netip.Addr, dt, fp map[netip.Addr]*series, late testnet.Lateness) {
	fmt.Printf("  %-14s | %12s %12s %10s | %8s %8s\n", "host", "dt median", "fp median", "dt − fp", "dt loss", "fp loss")
	var dtAll, fpAll []time.Duration
	var dtLost, fpLost, dtN, fpN int
	worst := time.Duration(0)
	for _, a := range targets {
		d, f := dt[a], fp[a]
		if d == nil || f == nil || len(d.rtts) == 0 || len(f.rtts) == 0 {
			t.Errorf("%v: no RTTs (downtime %v, fping %v)", a, d, f)
			continue
		}
		diff := median(d.rtts) - median(f.rtts)
		worst = max(worst, diff, -diff)
		fmt.Printf("  %-14s | %12s %12s %+10.3f | %7.1f%% %7.1f%%\n", a, ms(median(d.rtts)), ms(median(f.rtts)),
			float64(diff)/float64(time.Millisecond), d.lossPct(), f.lossPct())
		dtAll, fpAll = append(dtAll, d.rtts...), append(fpAll, f.rtts...)
		dtLost, fpLost = dtLost+d.lost, fpLost+f.lost
		dtN, fpN = dtN+len(d.rtts)+d.lost, fpN+len(f.rtts)+f.lost
	}
	if len(dtAll) == 0 || len(fpAll) == 0 {
		return
	}
	diff := median(dtAll) - median(fpAll)
	fmt.Printf("  %-14s | %12s %12s %+10.3f | %7.1f%% %7.1f%%\n", "all hosts", ms(median(dtAll)), ms(median(fpAll)),
		float64(diff)/float64(time.Millisecond), 100*float64(dtLost)/float64(dtN), 100*float64(fpLost)/float64(fpN))
	fmt.Printf("  %-14s | %12s %12s %10s | %7d%% %7d%%\n", "configured", ms(p.delay), ms(p.delay), "", p.loss, p.loss)
	fmt.Printf("  all hosts over the configured delay: downtime %+.3f ms, fping %+.3f ms (the path through veth and responder, plus its lateness)\n",
		float64(median(dtAll)-p.delay)/float64(time.Millisecond), float64(median(fpAll)-p.delay)/float64(time.Millisecond))
	fmt.Printf("  responder lateness (reply written − due): %v\n", late)
	fmt.Printf("  largest per-host |dt − fp|: %.3f ms", float64(worst)/float64(time.Millisecond))
	if p.jitter > 0 {
		// The median of n draws uniform in ±j has a standard error of
		// about j/√n; the difference of two such medians, √2 as much.
		n := float64(len(dtAll)) / float64(len(targets))
		fmt.Printf(" (sampling noise alone: about ±%.3f ms per host at %.0f replies each)", noise(p.jitter, n), n)
	}
	fmt.Println()
	verdict := "within"
	if diff > budget || diff < -budget {
		verdict = "NOT within"
	}
	fmt.Printf("  overall |dt − fp| = %.3f ms: %s the %s budget", math.Abs(float64(diff))/float64(time.Millisecond), verdict, msShort(budget))
	if p.jitter > 0 {
		fmt.Printf(" (sampling noise alone: about ±%.3f ms; fping rounds to %s)", noise(p.jitter, float64(len(dtAll))), msShort(fpingResolution(p.delay+p.jitter)))
	}
	fmt.Println()
}

// msShort formats a duration in milliseconds with as few digits as it needs.
func msShort(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms"
}

// noise is the standard error, in ms, of the difference between two
// medians of n draws each, uniform in ±jitter.
func noise(jitter time.Duration, n float64) float64 {
	return math.Sqrt2 * float64(jitter) / float64(time.Millisecond) / math.Sqrt(n)
}

// clock is the wall clock for the monitor.
type clock struct{}

func (clock) Now() time.Time { return time.Now() }
