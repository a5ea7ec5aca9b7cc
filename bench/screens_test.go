//go:build bench

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"downtime/internal/testnet"
)

// TestTraceScreen captures the UI's live trace of a host behind the router
// chain (enter, then t) in an 80×24 tmux pane, for the README.
func TestTraceScreen(t *testing.T) {
	testnet.RequireRoot(t)
	testnet.RequireTool(t, "tmux")
	dir := t.TempDir()
	bin := filepath.Join(dir, "downtime")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := testnet.NewChain(t)
	cfg := filepath.Join(dir, "hosts.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[[host]]\nname = \"db-west\"\naddress = %q\n\n[[host]]\nname = \"db-west6\"\naddress = %q\n", c.Target4(20), c.Target6(20))), 0o644)
	sess := fmt.Sprintf("dt-trace-%d", os.Getpid())
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-s", sess, "-x", "80", "-y", "24", "env", "TERM=xterm-256color", "NO_COLOR=1", bin, "--no-state", "-c", cfg)
	defer exec.Command("tmux", "kill-session", "-t", sess).Run()
	time.Sleep(3 * time.Second)
	tmux("send-keys", "-t", sess, "Enter")
	time.Sleep(500 * time.Millisecond)
	tmux("send-keys", "-t", sess, "t")
	time.Sleep(5500 * time.Millisecond)
	fmt.Printf("--- trace, whole chain\n%s", tmux("capture-pane", "-p", "-t", sess))
	c.CutLast()
	tmux("send-keys", "-t", sess, "Escape")
	time.Sleep(500 * time.Millisecond)
	tmux("send-keys", "-t", sess, "t")
	time.Sleep(6500 * time.Millisecond)
	fmt.Printf("--- trace, last link cut\n%s", tmux("capture-pane", "-p", "-t", sess))
	tmux("send-keys", "-t", sess, "Escape")
	tmux("send-keys", "-t", sess, "Escape")
	time.Sleep(500 * time.Millisecond)
	fmt.Printf("--- table, last link cut\n%s", tmux("capture-pane", "-p", "-t", sess))
	out := tmux("capture-pane", "-p", "-t", sess)
	if !strings.Contains(out, "db-west") {
		t.Errorf("no table on screen")
	}
}
