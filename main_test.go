package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the downtime binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	resolver = stubResolver{} // no test sends a DNS query (resolve_test.go)
	dir, err := os.MkdirTemp("", "downtime-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // the permission test runs the binary as nobody
	binary = filepath.Join(dir, "downtime")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	build := exec.CommandContext(ctx, "go", "build", "-race", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	err = build.Run()
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build downtime:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running downtime whose stdout lines the test reads.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	all    []string
	stderr strings.Builder
	done   chan struct{}
}

// runDeadline bounds every run of the binary: a hung downtime fails its
// test instead of the whole test binary's timeout.
const runDeadline = 3 * time.Minute

// start runs downtime with args in dir; it is killed at cleanup, or at
// runDeadline.
func start(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	return startCmd(t, dir, false, args...)
}

// startOwnNet is start in a network namespace of its own with loopback up
// (see inOwnNetns): for tests that depend on the ICMP settings, which
// another package's tests change for the machine while they run.
func startOwnNet(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	return startCmd(t, dir, true, args...)
}

func startCmd(t *testing.T, dir string, ownNet bool, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, args...)
	if ownNet {
		// The shell brings loopback up in the new namespace, then becomes
		// downtime (exec), so signals reach it.
		cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", `ip link set lo up && exec "$0" "$@"`, binary}, args...)...)
		inOwnNetns(cmd)
	}
	p := &proc{t: t, cmd: cmd, lines: make(chan string, 1000), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.all = append(p.all, sc.Text())
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
	}()
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("downtime %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), strings.Join(p.output(), "\n"), p.stderr.String())
		}
	})
	return p
}

func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.all...)
}

// waitFor returns the first new line containing every one of want, or fails
// the test after d.
func (p *proc) waitFor(d time.Duration, want ...string) string {
	p.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("downtime exited while waiting for %q", want)
			}
			if containsAll(line, want) {
				return line
			}
		case <-timeout:
			p.t.Fatalf("no line with %q within %v", want, d)
		}
	}
}

// stop sends sig and returns the exit code.
func (p *proc) stop(sig os.Signal) int {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Fatalf("downtime did not exit within 10s of %v", sig)
	}
	return p.cmd.ProcessState.ExitCode()
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// count returns how many lines seen so far contain every one of want.
func (p *proc) count(want ...string) int {
	n := 0
	for _, l := range p.output() {
		if containsAll(l, want) {
			n++
		}
	}
	return n
}

// runOnce runs downtime to completion and returns its exit code and output.
func runOnce(t *testing.T, dir string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Config errors exit 78 (EX_CONFIG), bad usage 2 (issue 11 attack 3: Go's
// runtime exits 2 on a panic, which the unit must restart).
func TestUsageAndConfigErrorsExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "hosts.toml"), "[defaults]\ninterval = \"1s\"\n\n[[host]]\nname = \"db1\"\naddress = \"198.18.0.7\"\nparent = \"core\"\n")
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"missing parent", []string{"--no-ui", "-c", bad}, 78, []string{"hosts.toml", "line 7", `parent "core" does not exist`}},
		{"check-config", []string{"check-config", "-c", bad}, 78, []string{"hosts.toml", "line 7", "parent"}},
		{"bad flag", []string{"--no-ui", "--frobnicate"}, 2, []string{"unknown flag: --frobnicate"}},
		{"bad log format", []string{"--no-ui", "--log-format", "xml"}, 2, []string{"--log-format", "text or json"}},
		{"CIDR too large", []string{"--no-ui", "--no-state", "198.18.0.0/16"}, 78, []string{"198.18.0.0/16", "4096"}},
		{"bad target", []string{"--no-ui", "--no-state", "tcp://host"}, 78, []string{"tcp://host", "port"}},
		{"missing target file", []string{"--no-ui", "--no-state", "-f", filepath.Join(dir, "nope.txt")}, 2, []string{"nope.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runOnce(t, dir, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
		})
	}
}

func TestCheckConfigPrintsResolvedHosts(t *testing.T) {
	dir := t.TempDir()
	targets := writeFile(t, filepath.Join(dir, "more.txt"), "# lab\n198.18.4.0/30\ntcp://127.0.0.1:22  # ssh\n")
	code, stdout, stderr := runOnce(t, dir, "", "check-config", "-c", filepath.Join(dir, "none.toml"))
	if code != 78 || !strings.Contains(stderr, "none.toml") {
		t.Fatalf("missing -c file: exit %d, stderr %q; want 78 naming the file", code, stderr)
	}
	code, stdout, stderr = runOnce(t, dir, "127.0.0.3\n", "check-config", "-f", targets, "-f", "-", "127.0.0.2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"127.0.0.2", "198.18.4.1", "198.18.4.2", "tcp://127.0.0.1:22", "127.0.0.3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check-config output lacks %s:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "198.18.4.0 ") || strings.Contains(stdout, "198.18.4.3") {
		t.Errorf("network or broadcast address of a /30 listed:\n%s", stdout)
	}
	wd, _ := os.Getwd()
	code, stdout, stderr = runOnce(t, dir, "", "check-config", "-c", filepath.Join(wd, "config.toml.example"))
	if code != 0 || !strings.Contains(stdout, "core-sw1") {
		t.Fatalf("config.toml.example: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runOnce(t, t.TempDir(), "", "--version")
	if code != 0 || !strings.HasPrefix(stdout, "downtime ") {
		t.Fatalf("--version: exit %d, %q", code, stdout)
	}
}

// requireICMP skips unless this process may open raw ICMP sockets (root).
func requireICMP(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for ICMP")
	}
}

var timeField = regexp.MustCompile(`^time=\S+ `)

// TestNoTargetsWatchesLoopbackAndExitsZeroOnSignals runs in a namespace of
// its own: with ping sockets closed there (a new namespace's default), root
// uses raw sockets, whatever another package's test set for the machine.
func TestNoTargetsWatchesLoopbackAndExitsZeroOnSignals(t *testing.T) {
	requireICMP(t)
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := startOwnNet(t, dir, "--no-ui", "--no-state")
			p.waitFor(5*time.Second, "no targets given", "127.0.0.1", "::1")
			line := p.waitFor(5*time.Second, `msg="monitor started"`, "hosts=2", "icmp=raw", "state=off", "telegram=off")
			if !timeField.MatchString(line) {
				t.Errorf("start line %q does not begin with time=", line)
			}
			if code := p.stop(sig); code != 0 {
				t.Fatalf("exit %d after %v, want 0", code, sig)
			}
			if n := p.count("host down"); n != 0 {
				t.Errorf("%d host down lines for loopback", n)
			}
		})
	}
}

func TestJSONLinesCarryTheSameKeys(t *testing.T) {
	requireICMP(t)
	p := startOwnNet(t, t.TempDir(), "--no-ui", "--no-state", "--log-format", "json", "127.0.0.1")
	line := p.waitFor(5*time.Second, `"msg":"monitor started"`)
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%q is not JSON: %v", line, err)
	}
	for _, k := range []string{"time", "level", "msg", "hosts", "icmp", "state", "telegram"} {
		if _, ok := m[k]; !ok {
			t.Errorf("start line lacks key %q: %s", k, line)
		}
	}
	p.stop(syscall.SIGTERM)
}

func TestCorruptStateFileIsAnErrorThatSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	state := writeFile(t, filepath.Join(dir, "state.db"), strings.Repeat("not a database ", 100))
	code, _, stderr := runOnce(t, dir, "", "--no-ui", "--demo", "--state", state, "127.0.0.1")
	if code != 1 || !strings.Contains(stderr, state) || !strings.Contains(stderr, "--no-state") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the file and the way out", code, stderr)
	}
	if b, _ := os.ReadFile(state); !strings.HasPrefix(string(b), "not a database") {
		t.Fatal("the corrupt state file was changed")
	}
}

// TestSecondMonitorOnOneStateFileIsRefused: two monitors on one state file
// would both send every alert; the second exits 1 naming the file, the
// first one's pid and the way out, and once the first stops the file is
// free again.
func TestSecondMonitorOnOneStateFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	first := start(t, dir, "--no-ui", "--demo", "--state", state, "web-01")
	first.waitFor(10*time.Second, `msg="monitor started"`)

	second := start(t, dir, "--no-ui", "--demo", "--state", state, "web-01")
	select {
	case <-second.done:
	case <-time.After(10 * time.Second):
		t.Fatal("a second monitor is running on the same state file")
	}
	code, stderr := second.cmd.ProcessState.ExitCode(), second.stderr.String()
	pid := "pid " + strconv.Itoa(first.cmd.Process.Pid)
	if code != 1 || !containsAll(stderr, []string{state, "in use", pid, "--state", "--no-state"}) {
		t.Fatalf("second monitor: exit %d, stderr %q; want 1 naming %s, %q and the way out", code, stderr, state, pid)
	}
	if first.count(`msg="monitor stopped"`) != 0 {
		t.Fatal("the first monitor stopped")
	}

	if code := first.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("first monitor: exit %d on SIGTERM", code)
	}
	again := start(t, dir, "--no-ui", "--demo", "--state", state, "web-01")
	again.waitFor(10*time.Second, `msg="monitor started"`)
	if code := again.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("restarted monitor: exit %d on SIGTERM", code)
	}
}

// inOwnNetns runs cmd in a network namespace of its own, made for it at
// clone and gone with it. The ICMP settings are per namespace
// (ping_group_range), so a test that depends on them cannot be upset by
// another package's test changing the machine's; a new namespace starts
// with the kernel's defaults (ping sockets for nobody).
func inOwnNetns(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWNET
}

// TestWithoutICMPPermissionTheErrorNamesBothFixes runs downtime as nobody,
// in a namespace of its own where nobody may open ping sockets.
func TestWithoutICMPPermissionTheErrorNamesBothFixes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the binary as another user in a namespace of its own")
	}
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	// The premise, read inside such a namespace: ping sockets for nobody.
	check := exec.CommandContext(ctx, "cat", "/proc/sys/net/ipv4/ping_group_range")
	inOwnNetns(check)
	if out, err := check.Output(); err != nil || strings.Join(strings.Fields(string(out)), " ") != "1 0" {
		t.Fatalf("ping_group_range in a new namespace: %q, %v; want \"1 0\"", out, err)
	}
	// t.TempDir's parent is private to root; nobody needs a directory it
	// can enter.
	dir, err := os.MkdirTemp("", "downtime-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	cmd := exec.CommandContext(ctx, binary, "--no-ui", "--no-state", "127.0.0.1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	inOwnNetns(cmd)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	err = cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("as nobody: %v, want exit 1; stderr %q", err, stderr.String())
	}
	for _, fix := range []string{"setcap cap_net_raw+ep", "ping_group_range"} {
		if !strings.Contains(stderr.String(), fix) {
			t.Errorf("stderr does not name %q:\n%s", fix, stderr.String())
		}
	}
}
