//go:build bench

package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"downtime/internal/fakebot"
	"downtime/internal/testnet"
)

// TestDetectionLatency measures, over BENCH_TRIALS trials (20), the time
// from a test host's link going down to downtime's DOWN log line and, when
// downtime has Telegram alerts (it links downtime/alert), to a fake Bot API
// receiving the DOWN message. The host is probed every second with a 1 s
// timeout and down_after 3, the defaults; the alerts use group_window
// BENCH_GROUP_WINDOW (5s, the default).
//
// The link goes down at a random moment of the probe interval, so that the
// trials sample where the first lost probe falls: DOWN comes after the
// third lost probe times out, between (down_after−1)×interval+timeout and
// down_after×interval+timeout after the link went down.
func TestDetectionLatency(t *testing.T) {
	testnet.RequireRoot(t)
	const interval, timeout, downAfter = time.Second, time.Second, 3
	trials := envInt("BENCH_TRIALS", 20)
	window := envDuration("BENCH_GROUP_WINDOW", 5*time.Second)
	withBot := linked(t, "downtime/alert")

	h := testnet.NewHost(t, testnet.NoIPv6())
	cfg := fmt.Sprintf("[defaults]\ninterval = %q\ntimeout = %q\ndown_after = %d\n\n[[host]]\nname = \"target\"\naddress = %q\n",
		interval, timeout, downAfter, h.Addr4)
	var bot *fakebot.Server
	if withBot {
		bot = fakebot.New(t, "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", fakebot.WithChats("4242"))
		cfg = fmt.Sprintf("[alerts]\ngroup_window = %q\n\n[telegram]\ntoken = %q\nchat_id = \"4242\"\napi_url = %q\n\n", window, bot.Token, bot.URL) + cfg
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startLogged(t, binary, "--no-ui", "--no-state", "-c", path)
	p.wait(t, 10*time.Second, time.Time{}, `msg="monitor started"`)
	time.Sleep(3 * interval) // the host is UP

	var toLog, toBot []time.Duration
	for i := range trials {
		time.Sleep(time.Duration(rand.Int64N(int64(interval))))
		h.LinkDown()
		t0 := time.Now()
		down := p.wait(t, 30*time.Second, t0, `msg="host down"`, "host=target")
		toLog = append(toLog, down.Sub(t0))
		line := fmt.Sprintf("trial %2d: DOWN log line after %v", i+1, ms(down.Sub(t0)))
		if bot != nil {
			m := waitMessage(t, bot, t0, "is DOWN", 60*time.Second)
			toBot = append(toBot, m.Sub(t0))
			line += fmt.Sprintf(", Bot API message after %v", ms(m.Sub(t0)))
		}
		t.Log(line)
		h.LinkUp()
		up := p.wait(t, 30*time.Second, t0, `msg="host up"`, "host=target")
		if bot != nil {
			// The UP message, so that the next DOWN is a message of its own.
			waitMessage(t, bot, up, "is UP", 60*time.Second)
		}
	}

	lo, hi := (downAfter-1)*interval+timeout, downAfter*interval+timeout
	fmt.Printf("detection latency: %d trials, link down at a random moment; interval %v, timeout %v, down_after %d\n",
		trials, interval, timeout, downAfter)
	fmt.Printf("  theoretical: between %v and %v (down_after × interval + timeout = %v)\n", lo, hi, hi)
	summary := func(name string, ds []time.Duration) {
		fmt.Printf("  %-28s median %s  min %s  max %s\n", name, ms(median(ds)), ms(slices.Min(ds)), ms(slices.Max(ds)))
	}
	summary("link down → DOWN log line:", toLog)
	if bot != nil {
		summary("link down → Bot API message:", toBot)
		fmt.Printf("  (the Bot API figure includes group_window = %v: transitions that close together go out as one message)\n", window)
	} else {
		fmt.Println("  link down → Bot API message: not measured: this downtime has no Telegram alerts (downtime/alert is not linked)")
	}
}

// logged is a running downtime whose stdout lines are kept with the time
// each was read.
type logged struct {
	mu    sync.Mutex
	lines []stamped
	cond  *sync.Cond
}

type stamped struct {
	at   time.Time
	text string
}

func startLogged(t *testing.T, bin string, args ...string) *logged {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &logged{}
	p.cond = sync.NewCond(&p.mu)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, stamped{time.Now(), sc.Text()})
			p.cond.Broadcast()
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	return p
}

// wait returns when the first line read after since that holds every one
// of want was read, or fails after d.
func (p *logged) wait(t *testing.T, d time.Duration, since time.Time, want ...string) time.Time {
	t.Helper()
	deadline := time.Now().Add(d)
	go func() { time.Sleep(d); p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() }()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for _, l := range p.lines {
			if l.at.Before(since) {
				continue
			}
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l.text, w)
			}
			if ok {
				return l.at
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q within %v", want, d)
		}
		p.cond.Wait()
	}
}

// waitMessage returns when the fake Bot API accepted a message holding text
// after since.
func waitMessage(t *testing.T, bot *fakebot.Server, since time.Time, text string, d time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, m := range bot.Messages() {
			if !m.At.Before(since) && strings.Contains(m.Text, text) {
				return m.At
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no Bot API message with %q within %v of %v", text, d, since)
	return time.Time{}
}
