package main

import (
	"context"
	"strings"
	"testing"
)

// runCLI runs the program in-process with args and returns its exit code,
// stdout and stderr. Only for command lines that end before monitoring.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), nil, args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestBareWordsAreNotHosts: issue 10 item 10, "downtime help monitors a host
// named help": a bare word that is a command, nearly one, or a flag without
// its dashes is a usage error (exit 2) that names what was meant, and never
// a host to watch.
func TestBareWordsAreNotHosts(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./downtime.toml
	tests := []struct {
		args  []string
		wants []string
	}{
		{[]string{"--no-ui", "--no-state", "help"}, []string{`"help" is not a target`, "downtime --help", `write "help."`}},
		{[]string{"chek-config", "-c", "hosts.toml"}, []string{`did you mean "downtime check-config"?`}},
		{[]string{"check_config"}, []string{`did you mean "downtime check-config"?`}},
		{[]string{"telegarm", "test"}, []string{`did you mean "downtime telegram"?`}},
		{[]string{"hepl"}, []string{"downtime --help"}},
		{[]string{"--no-ui", "--no-state", "report"}, []string{`"report" is not a command of this version`, "check-config, telegram"}},
		{[]string{"--no-ui", "-c", "hosts.toml", "telegram", "test"}, []string{`"telegram" is a command: it goes first`}},
		{[]string{"--no-state", "demo"}, []string{"did you mean --demo?"}},
		{[]string{"web-01", "No_UI"}, []string{"did you mean --no-ui?"}},
		{[]string{"--no-iu", "web-01"}, []string{"unknown flag: --no-iu", "did you mean --no-ui?"}},
		{[]string{"--frobnicate"}, []string{"unknown flag: --frobnicate", "--help lists the flags"}},
		{[]string{"check-config", "--verison"}, []string{"did you mean --version?"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tt.args...)
			if code != exitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing on stdout", code, stdout)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
		})
	}
}

// TestNearWordsThatAreHosts: names that only look a little like a command,
// or a near miss after the first argument, stay hosts; so does a name with
// the final dot.
func TestNearWordsThatAreHosts(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"check-config", "repo", "db1", "gw", "state1"},
		{"check-config", "web-01", "telegraf", "chek-config"},
		{"check-config", "help.", "demo."},
	} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitOK {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
			continue
		}
		for _, h := range args[1:] {
			if !strings.Contains(stdout, h+" ") {
				t.Errorf("%q: %s not listed:\n%s", args, h, stdout)
			}
		}
	}
}

func TestNearWord(t *testing.T) {
	cands := []string{"help", "check-config", "telegram", "trace", "report"}
	for word, want := range map[string]string{
		"help": "help", "hlep": "help", "hel": "help", "chekc-config": "check-config",
		"check_config": "check-config", "checkconfig": "check-config", "chk-config": "check-config",
		"telegarm": "telegram", "tarce": "trace", "reprot": "report",
		"repo": "", "db1": "", "web01": "", "tele": "", "checker": "", "": "",
	} {
		if got := nearWord(word, cands); got != want {
			t.Errorf("nearWord(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestHelpGoesToStdout: issue 10 item 10, "--help writes to stderr": the
// usage asked for is output (downtime --help | less), exit 0, for the
// program and for each command.
func TestHelpGoesToStdout(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage: downtime [flags] [target ...]"},
		{[]string{"-h"}, "--no-ui"},
		{[]string{"help"}, "Usage: downtime [flags] [target ...]"},
		{[]string{"check-config", "--help"}, "--config"},
		{[]string{"telegram", "--help"}, "downtime telegram chat-id"},
		{[]string{"help", "telegram"}, "downtime telegram chat-id"},
		{[]string{"telegram", "test", "--help"}, "--config"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", tt.args...)
			if code != exitOK || stderr != "" || !strings.Contains(stdout, tt.want) {
				t.Errorf("exit %d, stderr %q, stdout %q; want 0, nothing on stderr and %q on stdout", code, stderr, stdout, tt.want)
			}
		})
	}
}

// TestCheckConfigWithoutTargetsListsTheDefaults: issue 10 item 10,
// "check-config with no config prints 0 hosts while a run watches two, and
// hides per-host reminders".
func TestCheckConfigWithoutTargetsListsTheDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "", "check-config")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `NAME       ADDRESS    KIND  INTERVAL  TIMEOUT  DOWN_AFTER  UP_AFTER  PARENT  REMINDERS
127.0.0.1  127.0.0.1  icmp  1s        1s       3           1         -       10m,30m,1h
::1        ::1        icmp  1s        1s       3           1         -       10m,30m,1h

2 hosts (2 icmp, 0 tcp)
no target was given: a run watches this machine (name hosts as arguments, with -f FILE or in -c CONFIG)
`
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("got:\n%s\nwant it to start with:\n%s", stdout, want)
	}
	// Named targets replace the defaults.
	_, stdout, _ = runCLI(t, "", "check-config", "127.0.0.2")
	if strings.Contains(stdout, "::1") || strings.Contains(stdout, "no target was given") {
		t.Errorf("defaults listed beside a named target:\n%s", stdout)
	}
}

// TestDefaultHostsSayTheyAreDefaults: issue 10 item 10, "d on a default host
// says it was given on the command line": the hosts watched because nobody
// named one have their own origin, worded by config.Origin.
func TestDefaultHostsSayTheyAreDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	o, _, err := parseFlags("downtime", nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(o, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if err := addDefaultTargets(cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Hosts) != 2 || !watchingDefaults(cfg) {
		t.Fatalf("hosts %v: want the two defaults, marked as such", cfg.Hosts)
	}
	for _, h := range cfg.Hosts {
		if d := h.Origin.Describe(); d != "watched by default (no target was given)" {
			t.Errorf("%s: origin %q", h.Name, d)
		}
	}
	// A host named on the command line is not a default.
	o.targets = []string{"127.0.0.2"}
	if cfg, err = loadConfig(o, strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if watchingDefaults(cfg) {
		t.Error("a target given on the command line counts as watching the defaults")
	}
}
