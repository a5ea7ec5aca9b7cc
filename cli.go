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
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"downtime/config"
	"downtime/probe"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes of the contract.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
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
       downtime check-config -c PATH
       downtime telegram chat-id -c PATH   list the chats that wrote to the bot
       downtime telegram test -c PATH      send a test message
       downtime report [--since 7d | --from DATE --to DATE] [--format text|csv|json] [HOST ...]
                                           availability, outages, RTT and loss from the state file

Watch hosts and say when one stops answering. A target is an IP, a DNS name,
tcp://host:port or a CIDR (at most 4096 addresses).

Flags:
`

func parseFlags(name string, args []string, stderr io.Writer) (*options, *pflag.FlagSet, error) {
	o := &options{}
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVarP(&o.configPath, "config", "c", "", "TOML config (default ./downtime.toml if present)")
	fs.StringArrayVarP(&o.files, "file", "f", nil, "more targets, one per line ('-' = stdin), # comments")
	fs.BoolVar(&o.noUI, "no-ui", false, "headless: one log line per event on stdout")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text (logfmt) | json")
	fs.StringVar(&o.statePath, "state", "", "SQLite state file (default $XDG_STATE_HOME/downtime/state.db)")
	fs.BoolVar(&o.noState, "no-state", false, "keep nothing on disk")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9115)")
	fs.BoolVar(&o.demo, "demo", false, "simulated hosts that go up and down; no network, no privileges")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	o.targets = fs.Args()
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

// run is the whole program; main only adds the signal context and exit.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check-config" {
		return checkConfig(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "telegram" {
		return telegramCmd(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "report" {
		return reportCmd(args[1:], stdout, stderr, time.Now)
	}
	o, _, err := parseFlags("downtime", args, stderr)
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
	cfg, err := loadConfig(o, o.keepStdin(stdin))
	if err != nil {
		return reportError(stderr, err)
	}
	if o.noUI {
		return monitorHosts(ctx, o, cfg, stdout, stderr)
	}
	return runUI(ctx, o, cfg, stdin, stdout, stderr)
}

// reportError prints err and picks the exit code: 2 for usage and config
// errors, 1 for anything else.
func reportError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "downtime: %v\n", err)
	var cerr *config.Error
	var uerr *usageError
	if errors.As(err, &cerr) || errors.As(err, &uerr) {
		return exitUsage
	}
	return exitFailure
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
// resolved host list; exit 0 when valid, 2 when not.
func checkConfig(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, _, err := parseFlags("downtime check-config", args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitUsage
	}
	cfg, err := loadConfig(o, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "downtime check-config: %v\n", err)
		return exitUsage
	}
	if err := cfg.Describe(stdout); err != nil {
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
