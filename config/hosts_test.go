package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"downtime/probe"
)

// loadText loads a config written to a temporary hosts.toml.
func loadText(t *testing.T, text string) *Config {
	t.Helper()
	c, err := load(writeConfig(t, text, nil), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func names(hs []Host) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	return out
}

func TestAddTargets(t *testing.T) {
	c := loadText(t, "[defaults]\ninterval = \"2s\"\n\n[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.254\"\n")
	err := c.AddTargets([]string{"198.18.0.1", " 198.18.0.1 ", "198.18.0.0/30", "tcp://db1.example:5432", "::ffff:198.18.0.2"}, OriginArgs, "command line")
	if err != nil {
		t.Fatal(err)
	}
	// 198.18.0.1 twice and again in the /30, and 198.18.0.2 in the /30 and
	// as a mapped address: each is one host.
	want := []string{"core-sw1", "198.18.0.1", "198.18.0.2", "tcp://db1.example:5432"}
	if got := names(c.Hosts); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("hosts = %q, want %q", got, want)
	}
	h := c.Hosts[3]
	if h.Address != "tcp://db1.example:5432" || h.Target != (probe.Target{Kind: probe.KindTCP, Host: "db1.example", Port: 5432}) ||
		h.Origin != OriginArgs || h.Interval != 2*time.Second || h.Timeout != time.Second || h.DownAfter != 3 || h.UpAfter != 1 ||
		len(h.Reminders) != 3 || h.Parent != "" {
		t.Errorf("host = %+v", h)
	}
	// A loaded config is read-only: hosts with the defaults' reminders
	// share the defaults' slice rather than each holding a copy (20,000
	// hosts from a target list would hold 20,000 copies).
	if &c.Hosts[1].Reminders[0] != &c.Defaults.Reminders[0] || &c.Hosts[2].Reminders[0] != &c.Defaults.Reminders[0] {
		t.Error("each host from a target holds its own copy of the default reminders")
	}

	// A file may repeat what the arguments gave.
	if err := c.AddTargets([]string{"198.18.0.2", "198.18.0.3"}, OriginFile, "more.txt"); err != nil {
		t.Fatal(err)
	}
	if got := names(c.Hosts); len(got) != 5 || got[4] != "198.18.0.3" || c.Hosts[4].Origin != OriginFile {
		t.Errorf("hosts = %q", got)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestAddTargetsConflicts(t *testing.T) {
	text := "[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.1\"\n\n[[host]]\naddress = \"198.18.0.9\"\nname = \"198.18.0.5\"\n"
	tests := []struct {
		target string
		want   []string
	}{
		// The same address as a config host, under another name.
		{"198.18.0.1", []string{"command line: ", `target "198.18.0.1" is also [[host]] "core-sw1"`, "hosts.toml, line 3", "remove one of them"}},
		// The name of a config host, for another address.
		{"198.18.0.4/30", []string{`target "198.18.0.5" is also [[host]] "198.18.0.5"`, "hosts.toml, line 6", `address "198.18.0.9"`}},
		{"tcp://x", []string{`command line: "tcp://x": missing port`}},
	}
	for _, tt := range tests {
		c := loadText(t, text)
		err := c.AddTargets([]string{tt.target}, OriginArgs, "command line")
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("AddTargets(%q) = %v, want an *Error", tt.target, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("AddTargets(%q) error lacks %q:\n%s", tt.target, w, err)
			}
		}
	}
}

// TestOneAddressOneHost: issue 10 item 10, "a CIDR that overlaps a config
// host is fatal while two [[host]] with one address pass silently": one
// rule, an error naming both places, whichever way the address came twice;
// plain targets that repeat each other still merge.
func TestOneAddressOneHost(t *testing.T) {
	tests := []struct {
		name, text string
		targets    []string
		want       []string // "" : no error
	}{
		{"two [[host]] with one address",
			"[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n\n[[host]]\nname = \"b\"\naddress = \"198.18.0.1\"\n", nil,
			[]string{"hosts.toml: line 7: ", `host "b": 198.18.0.1 is also the address of host "a" (line 3)`, "one address is watched by one host", "remove one of them"}},
		{"two [[host]] with one address, spelled differently",
			"[[host]]\nname = \"a\"\naddress = \"tcp://[::ffff:198.18.0.1]:22\"\n\n[[host]]\nname = \"b\"\naddress = \"tcp://198.18.0.1:22\"\n", nil,
			[]string{"line 7: ", `host "b": tcp://198.18.0.1:22 is also the address of host "a" (line 3)`}},
		{"a network that includes a [[host]]",
			"[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n", []string{"198.18.0.0/30"},
			[]string{"command line: ", `target "198.18.0.1" is also [[host]] "a"`, "hosts.toml, line 3", "one address is watched by one host", "network 198.18.0.0/30 includes it"}},
		{"an argument that is a [[host]]",
			"[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n", []string{"198.18.0.1"},
			[]string{"command line: ", `target "198.18.0.1" is also [[host]] "a"`, "one address is watched by one host", "remove one of them"}},
		{"overlapping networks merge", "", []string{"198.18.0.0/30", "198.18.0.0/29", "198.18.0.2"}, nil},
		{"one address as ICMP and as TCP", "[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n[[host]]\nname = \"a-ssh\"\naddress = \"tcp://198.18.0.1:22\"\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.text, nil))
			if err == nil {
				err = c.AddTargets(tt.targets, OriginArgs, "command line")
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want an *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	c := loadText(t, "[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.1\"\n")
	if err := c.AddTargets([]string{"198.18.0.2"}, OriginArgs, "command line"); err != nil {
		t.Fatal(err)
	}
	h, err := c.NewHost("198.18.0.3", "")
	if err != nil {
		t.Fatal(err)
	}
	c.Hosts = append(c.Hosts, h)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"runtime host named like an argument", func(c *Config) {
			c.Hosts[2].Name = "198.18.0.2"
		}, `host "198.18.0.2" is given twice: from the command line (198.18.0.2) and added at runtime (198.18.0.3)`},
		{"runtime host named like a config host", func(c *Config) {
			c.Hosts[2].Name = "core-sw1"
		}, `hosts.toml: line 2: host "core-sw1": the name is also used by a host added at runtime (198.18.0.3)`},
		{"parent that went away", func(c *Config) {
			c.Hosts[1].Parent = "gone"
		}, `host "198.18.0.2" (from the command line): parent "gone" does not exist`},
		{"cycle through runtime hosts", func(c *Config) {
			c.Hosts[1].Parent = "198.18.0.3"
			c.Hosts[2].Parent = "198.18.0.2"
		}, `parents form a loop: 198.18.0.2 → 198.18.0.3 → 198.18.0.2`},
		{"timeout above interval", func(c *Config) {
			c.Hosts[2].Timeout = 2 * time.Second
		}, `timeout 2s is longer than interval 1s`},
		{"empty name", func(c *Config) {
			c.Hosts[1].Name = ""
		}, `name is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := *c
			cc.Hosts = append([]Host(nil), c.Hosts...)
			tt.change(&cc)
			err := cc.Validate()
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an *Error with %q", err, tt.want)
			}
		})
	}
}

func TestNewHost(t *testing.T) {
	c := loadText(t, "[defaults]\ndown_after = 5\n[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.1\"\n")
	h, err := c.NewHost(" tcp://[2001:2::7]:22 ", " db1 ")
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "db1" || h.Address != "tcp://[2001:2::7]:22" || h.Origin != OriginRuntime || h.DownAfter != 5 || h.Interval != time.Second {
		t.Errorf("NewHost = %+v", h)
	}
	if len(c.Hosts) != 1 {
		t.Error("NewHost added the host itself")
	}
	h, err = c.NewHost("198.18.0.2", "")
	if err != nil || h.Name != "198.18.0.2" {
		t.Errorf("NewHost without a name = %+v, %v", h, err)
	}

	for _, tt := range []struct{ target, name, want string }{
		{"198.18.0.2", "core-sw1", `name "core-sw1" is already used by 198.18.0.1`},
		{"198.18.0.1", "other", `198.18.0.1 is already watched as "core-sw1"`},
		{"198.18.0.0/30", "", "is a network, not one host"},
		{"tcp://x", "", "missing port"},
		{"198.18.0.2", "a\tb", "control character"},
	} {
		if _, err := c.NewHost(tt.target, tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewHost(%q, %q) = %v, want %q", tt.target, tt.name, err, tt.want)
		}
	}
}

func TestAddRuntime(t *testing.T) {
	c := loadText(t, "[defaults]\nup_after = 2\n[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.1\"\n")
	// As the store returns it: no Target, timing as saved.
	stored := Host{Name: "db1", Address: "tcp://198.18.0.7:5432", Parent: "core-sw1",
		Interval: 5 * time.Second, Timeout: 2 * time.Second, DownAfter: 2, Origin: OriginRuntime}
	if err := c.AddRuntime(stored); err != nil {
		t.Fatal(err)
	}
	h := c.Hosts[1]
	if h.Target != (probe.Target{Kind: probe.KindTCP, Host: "198.18.0.7", Port: 5432}) || h.Origin != OriginRuntime ||
		h.Interval != 5*time.Second || h.Timeout != 2*time.Second || h.DownAfter != 2 || h.UpAfter != 2 {
		t.Errorf("restored = %+v", h)
	}
	// A second runtime host may name the first as its parent.
	if err := c.AddRuntime(Host{Name: "db2", Address: "198.18.0.8", Parent: "db1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	for _, tt := range []struct {
		h    Host
		want string
	}{
		{Host{Name: "x", Address: "198.18.0.1"}, `runtime host "x": 198.18.0.1 is already watched as "core-sw1"`},
		{Host{Name: "core-sw1", Address: "198.18.0.9"}, `runtime host "core-sw1": name "core-sw1" is already used`},
		{Host{Name: "y", Address: "198.18.0.9", Parent: "gone"}, `runtime host "y": parent "gone" does not exist`},
		{Host{Name: "z", Address: "tcp://x"}, `runtime host "z": "tcp://x": missing port`},
		{Host{Name: "w", Address: "198.18.0.10", Interval: time.Second, Timeout: 2 * time.Second}, "timeout 2s is longer than interval 1s"},
	} {
		n := len(c.Hosts)
		if err := c.AddRuntime(tt.h); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AddRuntime(%+v) = %v, want %q", tt.h, err, tt.want)
		}
		if len(c.Hosts) != n {
			t.Errorf("AddRuntime(%+v) added the host despite the error", tt.h)
		}
	}
}
