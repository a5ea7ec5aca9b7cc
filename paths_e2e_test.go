package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"downtime/internal/fakebot"
	"downtime/internal/testnet"
)

// issue 14 item 2: cut the last link of a chain of routers; the DOWN (log
// line and Telegram) says where the path now ends, and how far it went.
func TestDownSaysWhereThePathEnds(t *testing.T) {
	c := testnet.NewChain(t)
	bot := fakebot.New(t, e2eToken, fakebot.WithChats("4242"))
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(bot, "4242",
		[2]string{"far4", c.Target4(5).String()}, [2]string{"far6", c.Target6(5).String()}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`)
	p.waitFor(10*time.Second, `msg="paths traced"`, "hosts=2", "reached=2")

	c.CutLast()
	cut := time.Now()
	// The two DOWNs come in either order.
	downs := map[string]string{}
	for range 2 {
		line := p.waitFor(10*time.Second, `msg="host down"`)
		for _, name := range []string{"far4", "far6"} {
			if strings.Contains(line, "host="+name+" ") {
				downs[name] = line
			}
		}
	}
	for _, h := range []struct{ name, hop string }{{"far4", c.Hops4[1].String()}, {"far6", c.Hops6[1].String()}} {
		line := downs[h.name]
		for _, want := range []string{"reason=timeout", "path_ends=" + h.hop, "hop=2", "used_to_reach=3"} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: %q lacks %s", h.name, line, want)
			}
		}
	}
	// down_after 2 × 200 ms, a timeout, then at most 2 s for the trace.
	if took := time.Since(cut); took > 4*time.Second {
		t.Errorf("the DOWNs took %v after the cut", took)
	}
	p.waitFor(5*time.Second, `msg="alert sent"`, "kind=down")
	var all []string
	for _, m := range bot.Messages() {
		all = append(all, m.Text)
	}
	text := strings.Join(all, "\n")
	t.Logf("Telegram:\n%s", text)
	for _, want := range []string{
		fmt.Sprintf("path ends at hop 2: %s (it used to reach hop 3)", c.Hops4[1]),
		fmt.Sprintf("path ends at hop 2: %s (it used to reach hop 3)", c.Hops6[1]),
		"└ why: timeout",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Telegram lacks %q:\n%s", want, text)
		}
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// watchFar runs downtime headless in dir on "far", the third hop of c
// (probed every 300 ms, DOWN after 3 losses), with a state file, and waits
// for the first trace of its path. It returns the config and state paths.
func watchFar(t *testing.T, c *testnet.Chain, dir string) (cfg, state string, p *proc) {
	t.Helper()
	cfg = writeFile(t, filepath.Join(dir, "hosts.toml"), fmt.Sprintf(`
[defaults]
interval = "300ms"
timeout = "300ms"
down_after = 3

[[host]]
name = "far"
address = "%v"
`, c.Target4(3)))
	state = filepath.Join(dir, "state.db")
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="monitor started"`)
	p.waitFor(10*time.Second, `msg="paths traced"`, "hosts=1", "reached=1")
	return cfg, state, p
}

// issue 14 item 1: a router that rejects with "administratively
// prohibited": the DOWN says so and by whom. (That the error ends a probe
// long before its timeout is TestICMPErrorsFailProbesAtOnceWithTheReason,
// in probe: the config does not allow a timeout longer than the interval.)
func TestProhibitedIsTheReasonAndComesAtOnce(t *testing.T) {
	c := testnet.NewChain(t)
	dir := t.TempDir()
	_, _, p := watchFar(t, c, dir)
	c.Reject(1)
	line := p.waitFor(10*time.Second, `msg="host down"`, "host=far")
	if want := `reason="prohibited by ` + c.Hops4[1].String() + `"`; !strings.Contains(line, want) {
		t.Errorf("%q lacks %s", line, want)
	}
	if want := "path_ends=" + c.Hops4[1].String(); !strings.Contains(line, want) {
		t.Errorf("%q lacks %s", line, want)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// issue 14 item 4: downtime trace prints the hops of the chain, v4 and v6,
// as a report or as JSON.
func TestTraceCommandReportsTheChain(t *testing.T) {
	c := testnet.NewChain(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		target netip.Addr
		hops   [2]netip.Addr
	}{{c.Target4(4), c.Hops4}, {c.Target6(4), c.Hops6}} {
		p := start(t, dir, "trace", "-c", "2", tt.target.String())
		<-p.done
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit %d: %s", code, p.stderr.String())
		}
		out := strings.Join(p.output(), "\n")
		for i, want := range []string{tt.hops[0].String(), tt.hops[1].String(), tt.target.String()} {
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^ +%d\.\|-- %s +0\.0%% +2 `, i+1, regexp.QuoteMeta(want))).MatchString(out) {
				t.Errorf("no hop %d at %s with 2 sent, none lost:\n%s", i+1, want, out)
			}
		}
		if !strings.Contains(out, "reached in 3 hops") {
			t.Errorf("report does not say the host was reached:\n%s", out)
		}
	}
	c.CutLast()
	p := start(t, dir, "trace", "-c", "1", "--json", c.Target4(4).String())
	<-p.done
	var rep traceJSON
	if err := json.Unmarshal([]byte(strings.Join(p.output(), "\n")), &rep); err != nil {
		t.Fatalf("--json: %v: %s", err, strings.Join(p.output(), "\n"))
	}
	// The path ends at r2: hop 3 is silent, or r2 answers for it that it
	// cannot reach r3 (once its neighbour discovery gave up, ~1 s).
	silent := rep.Hops[len(rep.Hops)-1].LossPct == 100
	refused := strings.HasPrefix(rep.Hops[len(rep.Hops)-1].Error, "host unreachable from "+c.Hops4[1].String())
	if rep.Reached || rep.EndHop != 2 || rep.EndAddr != c.Hops4[1].String() || len(rep.Hops) != 3 || !(silent || refused) {
		t.Errorf("cut path: %+v", rep)
	}
}

// A host that is down when downtime starts again goes DOWN before its path
// could be traced up: the DOWN still says how far the path used to go,
// from the good path the first run kept in the state file.
func TestDownAfterRestartSaysHowFarThePathWent(t *testing.T) {
	c := testnet.NewChain(t)
	dir := t.TempDir()
	cfg, state, p := watchFar(t, c, dir)
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}

	c.CutLast()
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	line := p.waitFor(10*time.Second, `msg="host down"`, "host=far")
	for _, want := range []string{"path_ends=" + c.Hops4[1].String(), "hop=2", "used_to_reach=3"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %s", line, want)
		}
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("second run: exit %d", code)
	}
}
