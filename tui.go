package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"downtime/config"
	"downtime/monitor"
	"downtime/ui"
)

// logFileName is the log of a run with the UI, next to the state file.
const logFileName = "downtime.log"

// logRotateSize is the size above which the log is moved aside (to .1) at
// start-up, so a jump box does not fill its disk over the years.
const logRotateSize = 10 << 20

// runUI is the full-screen mode: the monitor runs as in headless mode, its
// snapshots feed the UI, and the log lines go to a file, never the screen.
// q, ctrl+c, SIGINT and SIGTERM end it with exit 0.
func runUI(ctx context.Context, hup <-chan os.Signal, o *options, cfg *config.Config, stdin io.Reader, stdout, stderr io.Writer) int {
	out, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		fmt.Fprintln(stderr, "downtime: the terminal UI needs a terminal on standard output; run with --no-ui for log lines")
		return exitUsage
	}
	logPath, err := uiLogPath(o)
	if err != nil {
		return reportError(stderr, err)
	}
	logFile, err := openLogFile(logPath)
	if err != nil {
		return reportError(stderr, err)
	}
	defer logFile.Close()

	named := len(cfg.Hosts) > 0
	a, err := newApp(o, cfg, logFile)
	if err != nil {
		return reportError(stderr, err)
	}
	defer a.close()
	// Here SIGHUP means the terminal hung up, and the UI quits, as
	// full-screen programs do. The UI's "r" key reloads.
	if err := a.setupServices(nil); err != nil {
		return reportError(stderr, err)
	}
	a.logStarted("ui", "on")

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hup:
			hungUp.Store(true)
			a.log.Info("terminal hung up")
			cancel()
		case <-ctx.Done():
		}
	}()

	// NO_COLOR takes the colours away, not bold and reverse: the styles
	// have no colour then, and the renderer keeps the attributes.
	r := lipgloss.NewRenderer(out)
	noColor := os.Getenv("NO_COLOR") != ""
	if noColor && r.Output().ColorProfile() != termenv.Ascii {
		r.SetColorProfile(termenv.ANSI)
	}
	opts := ui.Options{
		Context:    ctx,
		Commands:   logCommands(a.runner, a.log, "tui"),
		Defaults:   cfg.Defaults,
		ConfigPath: cfg.Path,
		LogPath:    logPath,
		Renderer:   r,
		NoColor:    noColor,
		Demo:       o.demo,
		Events:     ui.NewEvents(),
	}
	a.onTransition(opts.Events.Transition) // an append under a lock: the monitor never waits on the UI
	if h := a.liveHistory(); h != nil {
		opts.History = h
	}
	if a.paths != nil {
		opts.Tracer = a.engine
	}
	opts.Alerts = uiAlertStatus(a)
	opts.Silencer = a.uiSilencer()
	opts.Reload = func() (string, error) {
		res, err := a.reload() // logs the outcome itself
		if err != nil {
			return "", err
		}
		return reloadSummary(res), nil
	}
	switch {
	case !named && o.demo:
		opts.Notice = "demo: simulated hosts, nothing is probed; e lists what happened, ? the keys"
	case !named && watchingDefaults(cfg):
		opts.Notice = "no targets given, watching this machine: press a to add a host"
	default:
		if why := a.engine.ErrorsHidden(); why != "" {
			opts.Notice = why
		}
	}

	// Signals are main's (SIGINT, SIGTERM: ctx) and ours (SIGHUP): each
	// cancels ctx, the monitor stops and p.Quit below ends the screen.
	// Bubble Tea's own handler is left out: it can block forever sending
	// to a program that has just stopped reading. Its renderer is left out
	// too: the screen draws the frames (tui_screen.go).
	tty, err := openTerminal(stdin, out)
	if err != nil {
		return reportError(stderr, err)
	}
	defer tty.close()
	scr := &screen{out: out}
	p := tea.NewProgram(drawn{Model: ui.New(opts), scr: scr, size: tty.size()},
		tea.WithInput(tty.in), tea.WithoutSignalHandler(), tea.WithoutRenderer())
	tty.watchResize(ctx, p)
	// The runner coalesces snapshots (an unread one is replaced), so a
	// blocking Send never slows the monitor, and the UI gets at most ~10 a
	// second. Send returns at once when the program has ended.
	a.snapshots = func(_ context.Context, ch <-chan monitor.Snapshot) {
		for s := range ch {
			p.Send(ui.SnapshotMsg(s))
		}
	}

	runErr := make(chan error, 1)
	go func() {
		runErr <- a.run(ctx)
		p.Quit() // the monitor stopped (a signal, a failure): so does the screen
	}()
	_, uiErr := p.Run()
	tty.close() // before anything is said on stderr: it must land on the normal screen
	cancel()
	err = <-runErr

	if uiErr != nil && errors.Is(uiErr, syscall.EIO) {
		// The terminal went away: its input read fails with EIO, often
		// before the SIGHUP arrives. That is a hangup, not a failure.
		if !hungUp.Load() {
			a.log.Info("terminal hung up", "how", "input closed")
		}
		uiErr = nil
	} else if scr.lost != nil && !hungUp.Load() {
		// The screen could not be written: the terminal went away.
		a.log.Info("terminal hung up", "how", "output closed", "err", scr.lost)
	}
	if uiErr != nil && !errors.Is(uiErr, tea.ErrInterrupted) {
		a.log.Error("terminal UI failed", "err", uiErr)
		fmt.Fprintf(stderr, "downtime: terminal UI: %v\n", uiErr)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "downtime: %v\n", err) // the log is a file: say it on the screen too
	}
	return a.logStopped(err)
}

// reloadSummary is the UI's status line after a reload: how many hosts
// were added, removed and changed, named when there are few.
func reloadSummary(res monitor.ReloadResult) string {
	part := func(names []string, what string) string {
		s := strconv.Itoa(len(names)) + " " + what
		if n := len(names); n > 0 && n <= 3 {
			s += " (" + strings.Join(names, ", ") + ")"
		}
		return s
	}
	return "config reloaded: " + part(res.Added, "added") + ", " + part(res.Removed, "removed") + ", " + part(res.Changed, "changed")
}

// watchingDefaults reports whether newApp fell back to this machine's
// addresses because no host was named anywhere.
func watchingDefaults(cfg *config.Config) bool {
	for _, h := range cfg.Hosts {
		if h.Origin == config.OriginDefault {
			return true
		}
	}
	return false
}

// uiLogPath is where the logs go while the UI is up: next to the state
// file, or, with --no-state, in a directory only this user can enter
// (privateDir).
func uiLogPath(o *options) (string, error) {
	if o.noState {
		dir, err := privateDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, logFileName), nil
	}
	path := o.statePath
	if path == "" {
		var err error
		if path, err = defaultStatePath(); err != nil {
			return "", err
		}
	}
	return filepath.Join(filepath.Dir(path), logFileName), nil
}

// privateDir is $XDG_RUNTIME_DIR/downtime, or else $TMPDIR/downtime-UID,
// each used only when it is a real directory (not a symlink) owned by this
// user with mode 0700; failing that, a new directory with a random name.
// The log is then never opened by a name someone else could have planted
// (a symlink in /tmp that makes root clobber a file of its choosing).
func privateDir() (string, error) {
	var candidates []string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		candidates = append(candidates, filepath.Join(rt, "downtime"))
	}
	candidates = append(candidates, filepath.Join(os.TempDir(), fmt.Sprintf("downtime-%d", os.Getuid())))
	for _, dir := range candidates {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			continue
		}
		if ownedPrivateDir(dir) {
			return dir, nil
		}
	}
	dir, err := os.MkdirTemp("", "downtime-")
	if err != nil {
		return "", fmt.Errorf("create a private directory for the log: %w (pass --state PATH to keep the log next to it)", err)
	}
	return dir, nil
}

// ownedPrivateDir reports whether dir is a directory, not a symlink, of
// this user's with no access for anyone else.
func ownedPrivateDir(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// openLogFile opens the log for appending (0600: it names the hosts),
// moving a large one aside first. It never follows a symlink at path.
func openLogFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for log file %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > logRotateSize {
		if err := os.Rename(path, path+".1"); err != nil {
			return nil, fmt.Errorf("rotate log file %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("open log file %s: it is a symlink, which downtime does not follow (remove it, or pass --no-ui to log to standard output)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open log file %s: %w (pass --no-ui to log to standard output)", path, err)
	}
	return f, nil
}
