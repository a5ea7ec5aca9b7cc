package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"downtime/config"
	"downtime/probe"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes of the contract. A config error is sysexits' EX_CONFIG, a
// status Go's runtime never uses (it exits 2 on a panic or a fatal error),
// so that systemd's RestartPreventExitStatus=78 stops a broken config's
// restart loop and still restarts a crashed monitor.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitConfig  = 78
)

// usageError is bad command-line usage: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// options are the parsed command line.
type options struct {
	configPath string
	files      []string
	targets    []string
	noUI       bool
	logFormat  string
	statePath  string
	noState    bool
	metrics    string
	demo       bool
	version    bool

	stdinCopy *bytes.Buffer // what '-f -' read at start, for reloads (reload.go)
}

// usageText heads the --help output.
const usageText = `Usage: downtime [flags] [target ...]
       downtime check-config -c PATH       validate; exit 0, or 78 when invalid
       downtime telegram chat-id -c PATH   list the chats that wrote to the bot
       downtime telegram test -c PATH      send a test message
       downtime trace [-c COUNT] [--json] HOST
                                           the path to HOST, mtr-style report
       downtime report [--since 7d | --from DATE --to DATE] [--format text|csv|json] [HOST ...]
                                           availability, outages, RTT and loss from the state file

Watch hosts and say when one stops answering. A target is an IP, a DNS name,
tcp://host:port or a CIDR (at most 4096 addresses).

Exit status: 0 normal end (q, SIGINT, SIGTERM), 78 bad config or target,
2 bad usage, 1 any other failure. Headless, SIGHUP reloads the config.

From the Telegram chat ([telegram] commands = true, chat_id only; allowed_users
narrows it in a group): /status, /ack HOST, /mute HOST 2h (or all 30m),
/unmute HOST, /help, and the Ack / Mute 1h buttons under each DOWN. In the UI,
m mutes the selected host and M lists the mutes.

Flags:
`

// parseFlags parses the flags of the program or of a subcommand (name).
// On -h or --help it writes the usage to help (stdout: "downtime --help |
// less" works) and returns pflag.ErrHelp; errors are returned, not printed.
func parseFlags(name string, args []string, help io.Writer) (*options, *pflag.FlagSet, error) {
	o := &options{}
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(help)
	fs.Usage = func() {
		fmt.Fprint(help, usageText)
		fs.PrintDefaults()
	}
	fs.StringVarP(&o.configPath, "config", "c", "", "TOML config (default ./downtime.toml if present)")
	fs.StringArrayVarP(&o.files, "file", "f", nil, "more targets, one per line ('-' = stdin), # comments")
	fs.BoolVar(&o.noUI, "no-ui", false, "headless: one log line per event on stdout")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text (logfmt) | json")
	fs.StringVar(&o.statePath, "state", "", "SQLite state file (default $XDG_STATE_HOME/downtime/state.db)")
	fs.BoolVar(&o.noState, "no-state", false, "keep nothing on disk")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9115)")
	fs.BoolVar(&o.demo, "demo", false, "simulated hosts that go up and down (no target: a wall of 40); no network, no privileges")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, fs, flagError(fs, err)
	}
	o.targets = fs.Args()
	if err := checkBareWords(fs, args, o.targets); err != nil {
		return nil, fs, err
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return nil, fs, &usageError{fmt.Sprintf("--log-format %q: use text or json", o.logFormat)}
	}
	if o.noState && o.statePath != "" {
		return nil, fs, &usageError{"--state and --no-state contradict each other: pass one"}
	}
	if _, _, err := net.SplitHostPort(o.metrics); o.metrics != "" && err != nil {
		return nil, fs, &usageError{fmt.Sprintf("--metrics %q is not host:port: %v (e.g. 127.0.0.1:9115)", o.metrics, err)}
	}
	return o, fs, nil
}

// flagError words a flag parsing error, with the flag meant when an unknown
// one is a near miss ("--no-iu": did you mean --no-ui?).
func flagError(fs *pflag.FlagSet, err error) error {
	if errors.Is(err, pflag.ErrHelp) {
		return err
	}
	var nx *pflag.NotExistError
	if errors.As(err, &nx) && nx.GetSpecifiedName() != "" {
		if near := nearWord(nx.GetSpecifiedName(), flagNames(fs)); near != "" {
			return &usageError{fmt.Sprintf("%v: did you mean --%s?", err, near)}
		}
	}
	return &usageError{err.Error() + " (--help lists the flags)"}
}

// commands are the subcommands run dispatches; plannedCommands are words
// a user may expect as commands that this version does not have (none
// now). A bare word that is one of them, or nearly, is a slip, not a host
// to watch.
var (
	commands        = []string{"check-config", "telegram", "trace", "report"}
	plannedCommands []string
)

// checkBareWords refuses targets that look like a command or a flag
// without its dashes: watching a host named "help" is never what was meant.
// Any target that is exactly such a word is refused; the first argument,
// where a command goes, also when it nearly is one ("chek-config"). Names
// with a dot, IPs and tcp:// targets are never questioned, so "help."
// watches a host named help.
func checkBareWords(fs *pflag.FlagSet, args, targets []string) error {
	words := slices.Concat([]string{"help"}, commands, plannedCommands)
	for i, t := range targets {
		if strings.ContainsAny(t, ".:/") {
			continue
		}
		word := strings.ToLower(t)
		exact := func(c string) bool { return c == strings.ReplaceAll(word, "_", "-") }
		near := ""
		if first := i == 0 && len(args) > 0 && args[0] == t; first {
			near = nearWord(word, words)
		} else if j := slices.IndexFunc(words, exact); j >= 0 {
			near = words[j]
		}
		var msg string
		switch {
		case near == "help":
			msg = fmt.Sprintf("%q is not a target: \"downtime --help\" shows the usage.", t)
		case near == word && slices.Contains(commands, near):
			msg = fmt.Sprintf("%q is a command: it goes first (downtime %s ...).", t, near)
		case near == word:
			msg = fmt.Sprintf("%q is not a command of this version (its commands: %s).", t, strings.Join(commands, ", "))
		case near != "":
			msg = fmt.Sprintf("%q is not a target: did you mean \"downtime %s\"?", t, near)
		case slices.ContainsFunc(flagNames(fs), exact):
			msg = fmt.Sprintf("%q is not a target: did you mean --%s?", t, strings.ReplaceAll(word, "_", "-"))
		}
		if msg != "" {
			escape := fmt.Sprintf("To watch a host named %q, write %q (with the final dot) or name it in a [[host]] table.", t, t+".")
			return &usageError{msg + " " + escape}
		}
	}
	return nil
}

// flagNames lists the long names of fs's flags.
func flagNames(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	return names
}

// nearWord returns the candidate that word is, or nearly is: one edit
// away (a letter missing, extra, wrong or two swapped; "_" for "-"), two
// for words of six letters or more. "" when none is that close.
func nearWord(word string, candidates []string) string {
	word = strings.ReplaceAll(strings.ToLower(word), "_", "-")
	limit := 1
	if len(word) >= 6 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := config.EditDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// run is the whole program; main only adds the signals and the exit. ctx
// ends on SIGINT and SIGTERM; hup receives the SIGHUPs caught since main's
// first instruction: headless they reload the config once the monitor
// runs, with the UI they end it (the terminal went away).
func run(ctx context.Context, hup <-chan os.Signal, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "help" {
		if len(args) > 1 && args[1] == "telegram" {
			fmt.Fprint(stdout, telegramUsage)
			return exitOK
		}
		_, fs, _ := parseFlags("downtime", nil, stdout)
		fs.Usage()
		return exitOK
	}
	if len(args) > 0 && args[0] == "check-config" {
		signal.Reset(syscall.SIGHUP) // a one-shot command ends on a hang-up
		return checkConfig(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "telegram" {
		signal.Reset(syscall.SIGHUP)
		return telegramCmd(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "trace" {
		return traceCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "report" {
		return reportCmd(args[1:], stdout, stderr, time.Now)
	}
	o, _, err := parseFlags("downtime", args, stdout)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "downtime: %v\n", err)
		return exitUsage
	}
	if o.version {
		fmt.Fprintf(stdout, "downtime %s\n", version)
		return exitOK
	}
	cfg, err := loadConfigCtx(ctx, o, o.keepStdin(stdin))
	if errors.Is(err, errInterrupted) {
		fmt.Fprintf(stderr, "downtime: %v\n", err)
		return exitOK
	}
	if err != nil {
		return reportError(stderr, err)
	}
	if o.noUI {
		return monitorHosts(ctx, hup, o, cfg, stdout, stderr)
	}
	return runUI(ctx, hup, o, cfg, stdin, stdout, stderr)
}

// reportError prints err and picks the exit code (see exitCode).
func reportError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "downtime: %v\n", err)
	return exitCode(err)
}

// exitCode is 78 for a config error, 2 for bad usage, 1 for anything else.
func exitCode(err error) int {
	var cerr *config.Error
	var uerr *usageError
	switch {
	case errors.As(err, &cerr):
		return exitConfig
	case errors.As(err, &uerr):
		return exitUsage
	}
	return exitFailure
}

// errInterrupted is a SIGINT or SIGTERM that came while the config was
// being read.
var errInterrupted = errors.New("interrupted while reading the config and targets")

// loadConfigCtx is loadConfig that gives up when ctx ends: a target file
// on a FIFO or a terminal may never end, and SIGINT and SIGTERM must still
// stop the program.
func loadConfigCtx(ctx context.Context, o *options, stdin io.Reader) (*config.Config, error) {
	type loaded struct {
		cfg *config.Config
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		cfg, err := loadConfig(o, stdin)
		done <- loaded{cfg, err}
	}()
	select {
	case l := <-done:
		return l.cfg, l.err
	case <-ctx.Done():
		return nil, errInterrupted
	}
}

// loadConfig reads the config file (explicit, or ./downtime.toml when it
// exists), then adds the positional targets and the target files.
func loadConfig(o *options, stdin io.Reader) (*config.Config, error) {
	path := o.configPath
	if path == "" {
		if _, err := os.Stat("downtime.toml"); err == nil {
			path = "downtime.toml"
		}
	}
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	if err := cfg.AddTargets(o.targets, config.OriginArgs, "command line"); err != nil {
		return nil, err
	}
	for _, f := range o.files {
		if err := addTargetFile(cfg, f, stdin); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

func addTargetFile(cfg *config.Config, name string, stdin io.Reader) error {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return &usageError{fmt.Sprintf("--file %s: %v", name, err)}
		}
		defer f.Close()
		r = f
	} else {
		name = "stdin"
	}
	targets, err := config.ReadTargets(name, r)
	if err != nil {
		return err
	}
	return cfg.AddTargets(targets, config.OriginFile, name)
}

// checkConfig is `downtime check-config -c PATH`: validate and print the
// resolved host list; exit 0 when valid, 78 when not (2 for bad usage).
func checkConfig(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, _, err := parseFlags("downtime check-config", args, stdout)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitUsage
	}
	cfg, err := loadConfigCtx(ctx, o, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitCode(err)
	}
	if len(cfg.Hosts) == 0 {
		// What a run would watch (it adds the hosts added at runtime, kept
		// in the state file, first; check-config does not open it).
		if err := addDefaultTargets(cfg); err != nil {
			fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
			return exitFailure
		}
	}
	if err := cfg.Describe(stdout); err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitFailure
	}
	if err := cfg.DescribeMaintenance(stdout, time.Now()); err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// defaultStatePath is $XDG_STATE_HOME/downtime/state.db, falling back to
// ~/.local/state as the XDG spec says. Under systemd with StateDirectory=,
// $STATE_DIRECTORY names the directory to use.
func defaultStatePath() (string, error) {
	if dir := os.Getenv("STATE_DIRECTORY"); dir != "" {
		// systemd may list several, separated by colons; the first is ours.
		return filepath.Join(strings.Split(dir, ":")[0], "state.db"), nil
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the state directory: %w (pass --state PATH or --no-state)", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "downtime", "state.db"), nil
}

// defaultTargets is what is watched when nobody named a host: this machine
// itself, never an address nobody asked for.
var defaultTargets = []string{"127.0.0.1", "::1"}

// addDefaultTargets adds defaultTargets to a config that names no host.
func addDefaultTargets(cfg *config.Config) error {
	return cfg.AddTargets(defaultTargets, config.OriginDefault, "default")
}

func needsICMP(hosts []config.Host) bool {
	for _, h := range hosts {
		if h.Target.Kind == probe.KindICMP {
			return true
		}
	}
	return false
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// newLogger builds the headless logger: logfmt or JSON with the same keys.
func newLogger(format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			a.Value = slog.StringValue(a.Value.Time().UTC().Format(time.RFC3339))
		}
		return a
	}}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
