package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"downtime/alert"
	"downtime/internal/fakebot"
)

// stallWriter blocks every Write until released, like a tmux pane paused
// with Ctrl-S.
type stallWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stallWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *stallWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Issue 11 attack 1: the log never makes its callers wait; what does not
// fit is dropped, counted and reported once the output keeps up again.
func TestLogWriterNeverBlocks(t *testing.T) {
	out := &stallWriter{release: make(chan struct{})}
	w := newLogWriter(out, 4)
	notices := make(chan uint64, 1)
	w.notice = func(n uint64) { notices <- n }
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			w.Write([]byte("line " + string(rune('a'+i%26)) + "\n"))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write blocked on a stalled output")
	}
	// One line is with the stalled Write, 4 wait: the rest were dropped.
	if got := w.Dropped(); got < 95 || got > 96 {
		t.Errorf("Dropped() = %d, want 95 or 96 of 100 lines with room for 5", got)
	}
	close(out.release)
	select {
	case n := <-notices:
		if n != w.Dropped() {
			t.Errorf("notice of %d dropped lines, want %d", n, w.Dropped())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notice of the dropped lines once the output kept up")
	}
	w.Write([]byte("last\n"))
	w.Close()
	if !strings.HasSuffix(out.String(), "last\n") {
		t.Errorf("Close did not flush the last line: %q", out.String())
	}
}

// Issue 11 attack 1: with stdout a pipe nobody reads (a tmux pane paused
// with Ctrl-S), a host that went down and up again twice reached Telegram
// not at all until stdout moved again. Every alert must go out.
func TestAlertsWithStalledStdout(t *testing.T) {
	bot := fakebot.New(t, e2eToken, fakebot.WithChats("4242"))
	web := newPort(t)
	web.down()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(bot, "4242", [2]string{"web", "tcp://" + web.addr}))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Shrink the pipe to one page and fill it: the first line downtime
	// writes blocks, and nobody ever reads.
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte("x"), 4096)); err != nil {
		t.Fatal(err)
	}
	metrics := freeAddr(t)
	cmd := exec.Command(binary, "--no-ui", "-c", cfg, "--no-state", "--metrics", metrics)
	cmd.Dir, cmd.Stdout = dir, w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	})

	want := []string{"🔴 web", "🟢 web", "🔴 web", "🟢 web"}
	for i, prefix := range want {
		msgs := bot.WaitMessages(t, i+1, 15*time.Second)
		if !strings.HasPrefix(msgs[i].Text, prefix) {
			t.Fatalf("message %d is %q, want %s…", i+1, msgs[i].Text, prefix)
		}
		if i%2 == 0 {
			web.up()
		} else {
			web.down()
		}
	}
	page := scrape(t, metrics)
	if _, ok := page.metric("downtime_log_lines_dropped_total"); !ok {
		t.Errorf("no downtime_log_lines_dropped_total in /metrics")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("downtime did not exit within 10 s of SIGTERM with stdout stalled")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}

// freeAddr is a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// openFIFOForWriting opens path for writing, which blocks until downtime
// opens it for reading; it fails the test after d.
func openFIFOForWriting(t *testing.T, path string, d time.Duration) *os.File {
	t.Helper()
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
		}
		opened <- f
	}()
	select {
	case f := <-opened:
		if f == nil {
			t.FailNow()
		}
		return f
	case <-time.After(d):
		t.Fatalf("downtime did not open %s within %v", path, d)
	}
	return nil
}

// Issue 11 attack 2: a SIGHUP while downtime was still starting (a
// `systemctl reload` right after the start) killed it with status 129.
// It is caught from main's first instruction and applied once the monitor
// runs. Here downtime is held in start-up reading a target file from a
// FIFO, and the SIGHUP comes then.
func TestSIGHUPDuringStartupReloads(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "targets")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, dir, "--no-ui", "--no-state", "--demo", "-f", fifo)
	f := openFIFOForWriting(t, fifo, 10*time.Second) // downtime is loading now
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	f.WriteString("127.0.0.1\n")
	f.Close()
	p.waitFor(10*time.Second, `msg="monitor started"`, "hosts=1")
	// The reload reads the target file again.
	f = openFIFOForWriting(t, fifo, 10*time.Second)
	f.WriteString("127.0.0.1\n127.0.0.2\n")
	f.Close()
	p.waitFor(10*time.Second, `msg="config reloaded"`, "added=1")
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}

// Issue 11 attack 5: with a target file that never ends (a FIFO nobody
// writes), SIGINT and SIGTERM were ignored while loading.
func TestSignalsWorkWhileLoading(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "targets")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			p := start(t, dir, "--no-ui", "--no-state", "--demo", "-f", fifo)
			f := openFIFOForWriting(t, fifo, 10*time.Second) // and never write
			defer f.Close()
			if code := p.stop(sig); code != 0 {
				t.Errorf("exit %d after %v while loading, want 0", code, sig)
			}
			if !strings.Contains(p.stderr.String(), "interrupted while reading the config") {
				t.Errorf("stderr %q does not say the load was interrupted", p.stderr.String())
			}
		})
	}
}

// Issue 11 attack 3: the unit must restart a crash (Go exits 2) and not a
// bad config, whose exit status is its own.
func TestServiceUnitPreventsRestartOnConfigErrorOnly(t *testing.T) {
	unit, err := os.ReadFile("contrib/downtime.service")
	if err != nil {
		t.Fatal(err)
	}
	want := "RestartPreventExitStatus=" + strconv.Itoa(exitConfig)
	if !strings.Contains(string(unit), "\n"+want+"\n") || exitConfig == 2 {
		t.Errorf("contrib/downtime.service lacks %s (and config errors must not exit 2, Go's crash status)", want)
	}
}

// Issue 11 reading 3: with --no-state the UI's log was the predictable
// /tmp/downtime-UID.log, opened by name as root: a symlink planted there
// made root append to a file of the planter's choosing.
func TestUILogPathIsPrivate(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_RUNTIME_DIR", "")
	o := &options{noState: true}

	path, err := uiLogPath(o)
	if err != nil {
		t.Fatal(err)
	}
	if !ownedPrivateDir(filepath.Dir(path)) || !strings.HasPrefix(path, tmp) {
		t.Errorf("log at %s: want it in a 0700 directory of ours under %s", path, tmp)
	}

	// Someone else's directory (here: one open to all) is not used.
	t.Setenv("TMPDIR", t.TempDir())
	planted := filepath.Join(os.TempDir(), fmt.Sprintf("downtime-%d", os.Getuid()))
	if err := os.Mkdir(planted, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(planted, 0o777)
	path, err = uiLogPath(o)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) == planted || !ownedPrivateDir(filepath.Dir(path)) {
		t.Errorf("log at %s: the planted world-writable %s was used", path, planted)
	}
	os.RemoveAll(filepath.Dir(path))

	// $XDG_RUNTIME_DIR comes first.
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	if path, err = uiLogPath(o); err != nil || path != filepath.Join(rt, "downtime", logFileName) {
		t.Errorf("with XDG_RUNTIME_DIR: %s, %v; want %s", path, err, filepath.Join(rt, "downtime", logFileName))
	}

	// A symlink at the log's path is never followed.
	victim := filepath.Join(t.TempDir(), "victim")
	writeFile(t, victim, "precious\n")
	link := filepath.Join(t.TempDir(), logFileName)
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if f, err := openLogFile(link); err == nil || !strings.Contains(err.Error(), "symlink") {
		if f != nil {
			f.Close()
		}
		t.Errorf("openLogFile on a symlink: %v, want an error naming the symlink", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("the symlink's target was written: %q", b)
	}
}

// Issue 11 attack 10: the state file deleted while running went unnoticed;
// the next start sent a second DOWN. It is said loudly, once.
func TestStateFileDeletedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	p := start(t, dir, "--no-ui", "--demo", "--state", state, "127.0.0.1")
	p.waitFor(10*time.Second, `msg="monitor started"`)
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	p.waitFor(10*time.Second, "level=ERROR", `msg="state not saved"`, "deleted while downtime runs", state)
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
	if n := p.count(`msg="state not saved"`, "deleted"); n != 1 {
		t.Errorf("said %d times that the state file was deleted, want once", n)
	}
}

// Issue 11 attack 11: credentials in api_url were printed by check-config,
// in `telegram test` errors and in the start-up warning.
func TestAPIURLCredentialsNeverPrinted(t *testing.T) {
	const pass = "Pa55w0rdInURL"
	dir := t.TempDir()
	dead := freeAddr(t) // nobody listens
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), fmt.Sprintf("[telegram]\ntoken = %q\nchat_id = \"4242\"\napi_url = \"http://ops:%s@%s\"\n", e2eToken, pass, dead))
	var out []string
	for _, args := range [][]string{{"check-config", "-c", cfg}, {"telegram", "test", "-c", cfg}} {
		_, stdout, stderr := runOnce(t, dir, "", args...)
		out = append(out, stdout, stderr)
	}
	p := start(t, dir, "--no-ui", "--no-state", "--demo", "-c", cfg, "127.0.0.1")
	p.waitFor(20*time.Second, `msg="telegram not reachable yet`, "api_url=http://<credentials>@"+dead)
	p.stop(syscall.SIGTERM)
	out = append(out, p.output()...)
	all := strings.Join(out, "\n")
	if strings.Contains(all, pass) || strings.Contains(all, "ops:") {
		t.Errorf("the api_url credentials were printed:\n%s", all)
	}
	if !strings.Contains(all, "<credentials>@"+dead) {
		t.Errorf("the api_url is not shown with its credentials replaced:\n%s", all)
	}
}

// Issue 11 attack 10: a failed write of the alert path (a full disk) marks
// the state not saved, for the UI header, as the monitor's do.
func TestAlertStoreFailureMarksStateNotSaved(t *testing.T) {
	mem := alert.NewMemStore()
	var state stateHealth
	s := alertStore{Store: mem, state: &state}
	if _, err := s.AddOutbox([]alert.Message{{Text: "x"}}, nil, nil); err != nil || state.problem() != "" {
		t.Fatalf("a write that worked: %v, state problem %q", err, state.problem())
	}
	mem.FailWith(errors.New("database or disk is full"))
	for _, write := range []func() error{
		func() error { _, err := s.AddOutbox([]alert.Message{{Text: "y"}}, nil, nil); return err },
		func() error { return s.MarkSent(1, time.Now()) },
		func() error { return s.MarkFailed(1, time.Now(), "403") },
		func() error { return s.RecordAttempt(1, time.Now(), "500") },
	} {
		state = stateHealth{}
		if err := write(); err == nil || !strings.Contains(state.problem(), "disk is full") {
			t.Errorf("a failed write: %v, state problem %q; want it marked not saved", err, state.problem())
		}
	}
}

// Issue 11 attack 10: on a full disk a restart sent a second DOWN and said
// nothing; the start line now says the state is not saved.
func TestStartLineSaysStateNotSavedOnFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	state := filepath.Join(dir, "state.db")
	p := start(t, t.TempDir(), "--no-ui", "--demo", "--state", state, "127.0.0.1")
	line := p.waitFor(10*time.Second, `msg="monitor started"`)
	if strings.Contains(line, "state not saved") {
		t.Fatalf("with room: %s", line)
	}
	p.stop(syscall.SIGTERM)

	// Fill the file system, leaving room for the -shm file (8 pages) and a
	// page: the state file opens, the first write does not fit.
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var n int64
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
		n += int64(len(buf))
	}
	if err := f.Truncate(n - 9*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p = start(t, t.TempDir(), "--no-ui", "--demo", "--state", state, "127.0.0.1")
	p.waitFor(10*time.Second, "level=ERROR", `msg="state not saved"`, "cannot be written")
	p.waitFor(10*time.Second, `msg="monitor started"`, `warning="state not saved: state file `+state+` cannot be written`)
	p.stop(syscall.SIGTERM)
}

// Issue 11 attack 5: a reload that reads a target file nobody writes (a
// FIFO) must not keep SIGTERM from ending the monitor.
func TestSIGTERMDuringBlockedReload(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "targets")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, dir, "--no-ui", "--no-state", "--demo", "-f", fifo)
	f := openFIFOForWriting(t, fifo, 10*time.Second)
	f.WriteString("127.0.0.1\n")
	f.Close()
	p.waitFor(10*time.Second, `msg="monitor started"`)
	p.cmd.Process.Signal(syscall.SIGHUP)
	f = openFIFOForWriting(t, fifo, 10*time.Second) // the reload reads it; nothing comes
	defer f.Close()
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}
