package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
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
			p.keys("Escape")

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
