package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"downtime/probe"
)

// writeConfig writes text as hosts.toml (plus extra files) in a new
// directory and returns the config's path.
func writeConfig(t *testing.T, text string, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "hosts.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func noEnv(string) string { return "" }

func TestLoadErrors(t *testing.T) {
	const twoHosts = "[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\n\n"
	tests := []struct {
		name  string
		text  string
		extra map[string]string
		line  int      // 0: no line expected
		key   string   // Error.Key
		want  []string // substrings of the message: the key and the fix
		never []string // must not appear (secrets)
	}{
		{
			name: "syntax error, unquoted duration",
			text: "[defaults]\ninterval = 10m\n",
			line: 2, key: "defaults",
			want: []string{"TOML syntax error", `interval = "10m"`},
		},
		{
			name: "syntax error in the token does not show it",
			text: "[telegram]\ntoken = 987654:SECRETabc\n",
			line: 2, key: "telegram.token",
			want:  []string{"syntax error in the token", "value not shown", "double quotes"},
			never: []string{"SECRET", "987654"},
		},
		{
			name: "key defined twice",
			text: "[defaults]\ninterval = \"1s\"\ninterval = \"2s\"\n",
			line: 3, key: "defaults.interval",
			want: []string{"already been defined", "remove one"},
		},
		{
			name: "unknown key with a suggestion",
			text: "[defaults]\ninterval = \"1s\"\ndownafter = 3\n",
			line: 3, key: "defaults.downafter",
			want: []string{"[defaults]", `unknown key "downafter"`, "did you mean down_after?"},
		},
		{
			name: "unknown key that differs in case",
			text: "[defaults]\n\nInterval = \"2s\"\n",
			line: 3, key: "defaults.Interval",
			want: []string{`unknown key "Interval"`, "did you mean interval?"},
		},
		{
			name: "unknown key in the second host",
			text: twoHosts + "[[host]]\nname = \"b\"\nadress = \"198.18.0.2\"\n",
			line: 7, key: "host.adress",
			want: []string{`host "b"`, `unknown key "adress"`, "did you mean address?"},
		},
		{
			name: "key in the wrong table",
			text: "[defaults]\ngroup_window = \"5s\"\n",
			line: 2, key: "defaults.group_window",
			want: []string{`unknown key "group_window"`, "belongs in [alerts]"},
		},
		{
			name: "unknown key without a near match",
			text: "[metrics]\nport = 9115\n",
			line: 2, key: "metrics.port",
			want: []string{`unknown key "port"`, "valid keys: listen"},
		},
		{
			name: "unknown table",
			text: "# hosts\n[default]\ninterval = \"1s\"\n",
			line: 2, key: "default",
			want: []string{"unknown table [default]", "did you mean [defaults]?"},
		},
		{
			name: "hosts for host",
			text: "[[hosts]]\naddress = \"198.18.0.1\"\n",
			line: 1, key: "hosts",
			want: []string{"unknown table [[hosts]]", "did you mean [[host]]?"},
		},
		{
			name: "single brackets around host",
			text: "[defaults]\n[host]\naddress = \"198.18.0.1\"\n",
			line: 2, key: "host",
			want: []string{"[host] must be written [[host]]"},
		},
		{
			name: "a section written as a value",
			text: "defaults = 5\n",
			line: 1, key: "defaults",
			want: []string{"defaults must be a table", "[defaults]"},
		},
		{
			name: "top-level key that belongs in a table",
			text: "interval = \"1s\"\n",
			line: 1, key: "interval",
			want: []string{`unknown top-level key "interval"`, "put it in [defaults]"},
		},
		{
			name: "bad duration",
			text: "[defaults]\ninterval = \"10 minutes\"\n",
			line: 2, key: "defaults.interval",
			want: []string{`[defaults] interval "10 minutes" is not a duration`, `Go durations like "10m"`},
		},
		{
			name: "duration without unit",
			text: "[defaults]\ntimeout = 5\n",
			line: 2, key: "defaults.timeout",
			want: []string{"timeout = 5", `timeout = "5s"`},
		},
		{
			name: "bad duration inside a multi-line list",
			text: "[defaults]\nreminders = [\n  \"10m\", # first\n  \"30 minutes\",\n]\n",
			line: 4, key: "defaults.reminders",
			want: []string{`[defaults] reminders: "30 minutes" is not a duration`, `"10m"`},
		},
		{
			name: "zero interval",
			text: "[defaults]\ninterval = \"0s\"\n",
			line: 2, key: "defaults.interval",
			want: []string{"interval must be longer than 0", `interval = "1s"`},
		},
		{
			name: "negative timeout",
			text: "[defaults]\ntimeout = \"-1s\"\n",
			line: 2, key: "defaults.timeout",
			want: []string{"timeout must be longer than 0"},
		},
		{
			name: "timeout longer than interval",
			text: "[defaults]\ninterval = \"1s\"\ntimeout = \"2s\"\n",
			line: 3, key: "defaults.timeout",
			want: []string{"timeout 2s is longer than interval 1s", "make timeout at most the interval"},
		},
		{
			name: "host interval shorter than the default timeout",
			text: "[[host]]\naddress = \"198.18.0.1\"\ninterval = \"500ms\"\n",
			line: 3, key: "host.interval",
			want: []string{`host "198.18.0.1"`, "timeout 1s is longer than interval 500ms", "timeout is from [defaults]"},
		},
		{
			name: "down_after zero",
			text: "[defaults]\ndown_after = 0\n",
			line: 2, key: "defaults.down_after",
			want: []string{"down_after = 0 must be at least 1"},
		},
		{
			name: "up_after negative in a host",
			text: "[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\nup_after = -1\n",
			line: 4, key: "host.up_after",
			want: []string{`host "a": up_after = -1 must be at least 1`},
		},
		{
			name: "down_after as a string",
			text: "[defaults]\ndown_after = \"3\"\n",
			line: 2, key: "defaults.down_after",
			want: []string{"without quotes", "down_after = 3"},
		},
		{
			name: "reminders out of order",
			text: "[defaults]\nreminders = [\"30m\", \"10m\", \"1h\"]\n",
			line: 2, key: "defaults.reminders",
			want: []string{"increasing order", `"10m" comes after "30m"`, `reminders = ["10m", "30m", "1h"]`},
		},
		{
			name: "reminder twice",
			text: "[defaults]\nreminders = [\"10m\", \"10m\"]\n",
			line: 2, key: "defaults.reminders",
			want: []string{`"10m" is listed twice`, `reminders = ["10m"]`},
		},
		{
			name: "negative reminder",
			text: "[defaults]\nreminders = [\"-5m\"]\n",
			line: 2, key: "defaults.reminders",
			want: []string{`"-5m" must be longer than 0`},
		},
		{
			name: "reminders not a list",
			text: "[defaults]\nreminders = \"10m\"\n",
			line: 2, key: "defaults.reminders",
			want: []string{`reminders must be a list like ["10m", "30m", "1h"]`},
		},
		{
			name: "duplicate host name",
			text: twoHosts + "[[host]]\nname = \"a\"\naddress = \"198.18.0.2\"\n",
			line: 6, key: "host.name",
			want: []string{`host "a": the name is used twice`, "also at line 2", "another name"},
		},
		{
			name: "duplicate name from the same address",
			text: "[[host]]\naddress = \"198.18.0.1\"\n[[host]]\naddress = \"::ffff:198.18.0.1\"\n",
			line: 4, key: "host.name",
			want: []string{`host "198.18.0.1": the name is used twice`, "also at line 2"},
		},
		{
			name: "host without address",
			text: twoHosts + "[[host]]\nname = \"b\"\n",
			line: 5, key: "host",
			want: []string{`host "b": address is missing`, `address = "IP, DNS name or tcp://host:port"`},
		},
		{
			name: "host without anything",
			text: "[[host]]\n",
			line: 1, key: "host",
			want: []string{"[[host]] #1: address is missing"},
		},
		{
			name: "tcp target without port",
			text: "[[host]]\nname = \"db1\"\naddress = \"tcp://x\"\n",
			line: 3, key: "host.address",
			want: []string{`host "db1": address "tcp://x": missing port (write tcp://x:port)`},
		},
		{
			name: "mistyped IPv4 address",
			text: "[[host]]\naddress = \"198.18.0.300\"\n",
			line: 2, key: "host.address",
			want: []string{`"198.18.0.300": not a valid IPv4 address`},
		},
		{
			name: "network as a host address",
			text: "[[host]]\naddress = \"198.18.0.0/28\"\n",
			line: 2, key: "host.address",
			want: []string{"is a network, not one host", "command-line targets"},
		},
		{
			name: "name of the wrong type",
			text: "[[host]]\nname = 5\naddress = \"198.18.0.1\"\n",
			line: 2, key: "host.name",
			want: []string{"name must be a string in double quotes, not a number"},
		},
		{
			name: "parent that does not exist",
			text: "[[host]]\naddress = \"198.18.0.2\"\n\n[[host]]\nname = \"db1\"\naddress = \"198.18.0.1\"\nparent = \"core\"\n",
			line: 7, key: "host.parent",
			want: []string{`host "db1": parent "core" does not exist (parent must be the name of another [[host]])`},
		},
		{
			name: "parent is the host itself",
			text: "[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\nparent = \"a\"\n",
			line: 4, key: "host.parent",
			want: []string{`host "a": parent "a" is the host itself`},
		},
		{
			name: "parent cycle",
			text: "[[host]]\nname = \"x\"\naddress = \"198.18.0.9\"\nparent = \"b\"\n" +
				"[[host]]\nname = \"b\"\naddress = \"198.18.0.2\"\nparent = \"c\"\n" +
				"[[host]]\nname = \"c\"\naddress = \"198.18.0.3\"\nparent = \"a\"\n" +
				"[[host]]\nname = \"a\"\naddress = \"198.18.0.1\"\nparent = \"b\"\n",
			line: 8, key: "host.parent",
			want: []string{`host "b": parents form a loop: b → c → a → b`, "remove parent from one of them"},
		},
		{
			name: "token and token_file",
			text: "[telegram]\ntoken = \"123456:SECRET\"\ntoken_file = \"tok\"\n",
			line: 3, key: "telegram.token_file",
			want:  []string{"token and token_file are both set", "keep one"},
			never: []string{"SECRET"},
		},
		{
			name: "token_file missing",
			text: "[telegram]\ntoken_file = \"nope.token\"\n",
			line: 2, key: "telegram.token_file",
			want: []string{`token_file "nope.token" cannot be read: no such file or directory`, "relative to the config file"},
		},
		{
			name:  "token_file empty",
			text:  "[telegram]\ntoken_file = \"tok\"\n",
			extra: map[string]string{"tok": "\n"},
			line:  2, key: "telegram.token_file",
			want: []string{`token_file "tok" is empty`, "@BotFather"},
		},
		{
			name:  "token_file with more than a token",
			text:  "[telegram]\ntoken_file = \"tok\"\n",
			extra: map[string]string{"tok": "123456:SECRET\nchat 42\n"},
			line:  2, key: "telegram.token_file",
			want:  []string{"holds more than the token", "contents not shown"},
			never: []string{"SECRET"},
		},
		{
			name: "chat_id that is neither",
			text: "[telegram]\ntoken = \"123456:SECRET\"\nchat_id = \"mychannel\"\n",
			line: 3, key: "telegram.chat_id",
			want:  []string{`chat_id "mychannel" is neither a numeric id nor "@channelname"`, "downtime telegram chat-id"},
			never: []string{"SECRET"},
		},
		{
			name: "chat_id float",
			text: "[telegram]\nchat_id = 1.5\n",
			line: 2, key: "telegram.chat_id",
			want: []string{`chat_id must be a number or "@channelname", not a number`},
		},
		{
			name: "api_url not http",
			text: "[telegram]\napi_url = \"ftp://127.0.0.1\"\n",
			line: 2, key: "telegram.api_url",
			want: []string{`api_url "ftp://127.0.0.1" must start with http:// or https://`, "http://127.0.0.1:8081"},
		},
		{
			name: "api_url without host",
			text: "[telegram]\napi_url = \"http://\"\n",
			line: 2, key: "telegram.api_url",
			want: []string{"has no host"},
		},
		{
			name: "metrics listen without port",
			text: "[metrics]\nlisten = \"9115\"\n",
			line: 2, key: "metrics.listen",
			want: []string{`listen "9115" is not host:port`, `"127.0.0.1:9115"`},
		},
		{
			name: "metrics listen port zero",
			text: "[metrics]\nlisten = \"127.0.0.1:0\"\n",
			line: 2, key: "metrics.listen",
			want: []string{"out of range (1-65535)"},
		},
		{
			name: "heartbeat url without scheme",
			text: "[heartbeat]\nurl = \"hc-ping.com/abc\"\n",
			line: 2, key: "heartbeat.url",
			want: []string{"must start with http:// or https://"},
		},
		{
			name: "heartbeat interval zero",
			text: "[heartbeat]\ninterval = \"0s\"\n",
			line: 2, key: "heartbeat.interval",
			want: []string{"interval must be longer than 0"},
		},
		{
			name: "down_after with a fraction",
			text: "[defaults]\ndown_after = 2.5\n",
			line: 2, key: "defaults.down_after",
			want: []string{"down_after must be a whole number, like down_after = 3"},
		},
		{
			name: "up_after as a boolean",
			text: "[defaults]\nup_after = true\n",
			line: 2, key: "defaults.up_after",
			want: []string{"up_after must be a whole number, not true/false"},
		},
		{
			name: "reminders as numbers",
			text: "[defaults]\nreminders = [10, 30]\n",
			line: 2, key: "defaults.reminders",
			want: []string{`reminders: 10 needs a unit and quotes (e.g. "10m")`},
		},
		{
			name: "duration written as a table",
			text: "[defaults.interval]\nx = 1\n",
			line: 1, key: "defaults.interval",
			want: []string{`interval must be a duration in quotes like "10s", not a table`},
		},
		{
			name: "telegram key left under a host",
			text: "[[host]]\naddress = \"198.18.0.1\"\nchat_id = 5\n",
			line: 3, key: "host.chat_id",
			want: []string{`host "198.18.0.1": unknown key "chat_id"`, "belongs in [telegram]", "keys after a [[host]] line belong to that host"},
		},
		{
			name: "hosts as a list of strings",
			text: "# hosts\n\nhost = [\"198.18.0.1\"]\n",
			line: 3, key: "host",
			want: []string{"host must be [[host]] blocks"},
		},
		{
			name: "a table name as a key",
			text: "[defaults]\nhost = \"198.18.0.1\"\n",
			line: 2, key: "defaults.host",
			want: []string{`[defaults] unknown key "host"`, "host is a table: start it with [[host]] on a line of its own"},
		},
		{
			name: "unknown top-level key",
			text: "verbose = true\n",
			line: 1, key: "verbose",
			want: []string{`unknown top-level key "verbose"`, "keys go inside [defaults]", "[history]", "[[host]] or [[maintenance]])"},
		},
		{
			name: "unknown table lists every table",
			text: "[paging]\nurl = \"x\"\n",
			line: 1, key: "paging",
			want: []string{"unknown table [paging] (tables are [defaults], [telegram], [alerts], [metrics], [heartbeat], [history], [[host]] and [[maintenance]])"},
		},
		{
			name: "a misspelled array of tables",
			text: "[[maintenence]]\nhosts = [\"a\"]\n",
			line: 1, key: "maintenence",
			want: []string{"unknown table [[maintenence]] (did you mean [[maintenance]]?)"},
		},
		{
			name: "negative group window",
			text: "[alerts]\ngroup_window = \"-1s\"\n",
			line: 2, key: "alerts.group_window",
			want: []string{"group_window must not be negative"},
		},
		{ // issue 10 item 7
			name: "unknown time zone",
			text: "[alerts]\ngroup_window = \"5s\"\ntimezone = \"Europe/Berln\"\n",
			line: 3, key: "alerts.timezone",
			want: []string{`[alerts] timezone "Europe/Berln" is not a time zone`, `"Europe/Berlin"`, "leave it empty"},
		},
		{
			name: "time zone not a string",
			text: "[alerts]\ntimezone = 1\n",
			line: 2, key: "alerts.timezone",
			want: []string{"timezone must be a string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text, tt.extra)
			_, err := load(path, noEnv)
			if err == nil {
				t.Fatal("loaded without error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			msg := err.Error()
			if e.File != path || !strings.HasPrefix(msg, path+": ") {
				t.Errorf("error does not name the file %s: %q", path, msg)
			}
			if e.Line != tt.line {
				t.Errorf("line = %d, want %d: %q", e.Line, tt.line, msg)
			}
			if tt.line > 0 && !strings.Contains(msg, ": line "+strconv.Itoa(tt.line)+": ") {
				t.Errorf("message does not name line %d: %q", tt.line, msg)
			}
			if e.Key != tt.key {
				t.Errorf("key = %q, want %q: %q", e.Key, tt.key, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(msg, n) {
					t.Errorf("message shows %q:\n%s", n, msg)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want an *Error wrapping fs.ErrNotExist", err)
	}
	if want := path + ": cannot read config: no such file or directory (check the -c path)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestLoadResolves(t *testing.T) {
	path := writeConfig(t, `
[defaults]
interval   = "2s"
down_after = 5
reminders  = ["5m", "1h"]

[telegram]
token_file = "secrets/bot.token"
chat_id    = -1001234567890
api_url    = "http://127.0.0.1:8081/"

[alerts]
group_window = "0s"

[metrics]
listen = "[::1]:9115"

[heartbeat]
url      = "https://hc.example/ping/abc"
interval = "30s"

[[host]]
name    = "uplink"
address = "198.18.0.254"

[[host]]
name      = "db1"
address   = " tcp://[2001:2::7]:5432 "
parent    = "uplink"
timeout   = "500ms"
up_after  = 2
reminders = []

[[host]]
address  = "::ffff:198.18.0.9"
interval = "10s"
timeout  = "10s"
`, nil)
	if err := os.MkdirAll(filepath.Join(filepath.Dir(path), "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	tokenPath := filepath.Join(filepath.Dir(path), "secrets", "bot.token")
	if err := os.WriteFile(tokenPath, []byte("  123456:ABC-def_ghi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(path, func(string) string { return "from-env-not-used" })
	if err != nil {
		t.Fatal(err)
	}
	wantDefaults := Defaults{Interval: 2 * time.Second, Timeout: time.Second, DownAfter: 5, UpAfter: 1,
		Reminders: []time.Duration{5 * time.Minute, time.Hour}}
	if !reflect.DeepEqual(c.Defaults, wantDefaults) {
		t.Errorf("defaults = %+v, want %+v", c.Defaults, wantDefaults)
	}
	wantTelegram := Telegram{Token: "123456:ABC-def_ghi", TokenFile: tokenPath, ChatID: "-1001234567890", APIURL: "http://127.0.0.1:8081"}
	if c.Telegram != wantTelegram {
		t.Errorf("telegram = %+v, want %+v", c.Telegram, wantTelegram)
	}
	if c.Alerts.GroupWindow != 0 || c.Metrics.Listen != "[::1]:9115" {
		t.Errorf("alerts/metrics = %+v %+v", c.Alerts, c.Metrics)
	}
	if c.Heartbeat != (Heartbeat{URL: "https://hc.example/ping/abc", Interval: 30 * time.Second}) {
		t.Errorf("heartbeat = %+v", c.Heartbeat)
	}
	want := []Host{
		{Name: "uplink", Address: "198.18.0.254", Target: probe.Target{Host: "198.18.0.254"},
			Interval: 2 * time.Second, Timeout: time.Second, DownAfter: 5, UpAfter: 1,
			Reminders: []time.Duration{5 * time.Minute, time.Hour}, fileIndex: 1},
		{Name: "db1", Address: "tcp://[2001:2::7]:5432", Target: probe.Target{Kind: probe.KindTCP, Host: "2001:2::7", Port: 5432},
			Parent: "uplink", Interval: 2 * time.Second, Timeout: 500 * time.Millisecond, DownAfter: 5, UpAfter: 2,
			Reminders: []time.Duration{}, fileIndex: 2},
		{Name: "198.18.0.9", Address: "::ffff:198.18.0.9", Target: probe.Target{Host: "198.18.0.9"},
			Interval: 10 * time.Second, Timeout: 10 * time.Second, DownAfter: 5, UpAfter: 1,
			Reminders: []time.Duration{5 * time.Minute, time.Hour}, fileIndex: 3},
	}
	if !reflect.DeepEqual(c.Hosts, want) {
		t.Errorf("hosts:\n got %+v\nwant %+v", c.Hosts, want)
	}
	if c.Path != path {
		t.Errorf("Path = %q", c.Path)
	}
	// Hosts must not share the defaults' slice: the monitor may keep them.
	c.Hosts[0].Reminders[0] = 0
	if c.Defaults.Reminders[0] != 5*time.Minute || c.Hosts[2].Reminders[0] != 5*time.Minute {
		t.Error("hosts share a reminders slice")
	}
}

func TestLoadTokenSources(t *testing.T) {
	tests := []struct {
		name, text, env string
		token           string
		inConfig        bool
	}{
		{"in the file", "[telegram]\ntoken = \" 123:abc \"\nchat_id = \"@ops_channel\"\n", "999:env", "123:abc", true},
		{"from the environment", "[telegram]\nchat_id = \"42\"\n", " 999:env\n", "999:env", false},
		{"empty token falls back to the environment", "[telegram]\ntoken = \"\"\ntoken_file = \"\"\n", "999:env", "999:env", false},
		{"none", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvToken, tt.env)
			c, err := Load(writeConfig(t, tt.text, nil))
			if err != nil {
				t.Fatal(err)
			}
			if c.Telegram.Token != tt.token || c.tokenInConfig != tt.inConfig {
				t.Errorf("token = %q (in config %v), want %q (%v)", c.Telegram.Token, c.tokenInConfig, tt.token, tt.inConfig)
			}
		})
	}
}

func TestLoadEmptyFileIsDefault(t *testing.T) {
	path := writeConfig(t, "# nothing yet\n", nil)
	c, err := load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Path, want.src = path, "# nothing yet\n"
	want.Hosts = []Host{}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v, want %+v", c, want)
	}
}

func TestLoadInlineHosts(t *testing.T) {
	path := writeConfig(t, "host = [\n  {name = \"a\", address = \"198.18.0.1\"},\n  {name = \"b\", address = \"198.18.0.2\", parent = \"a\", down_after = 1},\n]\n", nil)
	c, err := load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hosts) != 2 || c.Hosts[1].Parent != "a" || c.Hosts[1].DownAfter != 1 {
		t.Errorf("hosts = %+v", c.Hosts)
	}

	// A later error still finds its line inside the inline table.
	path = writeConfig(t, "host = [\n  {name = \"a\", address = \"198.18.0.1\"},\n  {name = \"b\", address = \"198.18.0.2\", parent = \"c\"},\n]\n", nil)
	_, err = load(path, noEnv)
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 || !strings.Contains(e.Msg, `parent "c" does not exist`) {
		t.Errorf("got %v", err)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := load("../config.toml.example", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hosts) == 0 {
		t.Fatal("the example has no hosts")
	}
	// The example shows every default; loading it must change nothing.
	want := Default()
	if !reflect.DeepEqual(c.Defaults, want.Defaults) || c.Telegram != want.Telegram ||
		c.Alerts != want.Alerts || c.Metrics != want.Metrics || c.Heartbeat != want.Heartbeat {
		t.Errorf("the example's values differ from Default():\n%+v\n%+v", c, want)
	}
	// And it mentions every key there is.
	data, err := os.ReadFile("../config.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sections {
		for _, k := range s.keys {
			if !strings.Contains(string(data), k) {
				t.Errorf("the example does not mention %s.%s", s.name, k)
			}
		}
	}
}

func TestSchemaKeys(t *testing.T) {
	keys, _ := sectionKeys("host")
	want := []string{"name", "address", "parent", "interval", "timeout", "down_after", "up_after", "reminders"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("host keys = %v, want %v", keys, want)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"interval", "timeout", "down_after", "up_after", "reminders"}
	for key, want := range map[string]string{
		"down-after": "down_after",
		"DOWN_AFTER": "down_after",
		"intervall":  "interval",
		"timout":     "timeout",
		"reminder":   "reminders",
		"colour":     "",
		"x":          "",
	} {
		if got := suggest(key, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestOriginString(t *testing.T) {
	for o, want := range map[Origin]string{OriginConfig: "config", OriginArgs: "args", OriginFile: "file", OriginRuntime: "runtime", OriginDefault: "default", 9: "origin(9)"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q, want %q", o, o.String(), want)
		}
	}
}

// TestOriginWording: one method words where a host comes from (issue 11,
// one fact, one place); a default host is not "from the command line"
// (issue 10 item 10).
func TestOriginWording(t *testing.T) {
	tests := []struct {
		o                Origin
		describe, remedy string
	}{
		{OriginConfig, "from the config file", "lives in the config file /etc/downtime.toml: remove it there"},
		{OriginArgs, "from the command line", "was given on the command line: drop it there"},
		{OriginFile, "from a target file", "comes from a target file (-f): remove it there"},
		{OriginRuntime, "added at runtime", "was added at runtime: d removes it"},
		{OriginDefault, "watched by default (no target was given)",
			"is watched by default because no target was given: add a host (a, or name targets at start) and the defaults go at the next start"},
		{9, "of origin(9)", "is of origin(9) and cannot be removed here"},
	}
	for _, tt := range tests {
		if got := tt.o.Describe(); got != tt.describe {
			t.Errorf("%v.Describe() = %q, want %q", tt.o, got, tt.describe)
		}
		if got := tt.o.Remedy("/etc/downtime.toml"); got != tt.remedy {
			t.Errorf("%v.Remedy() = %q, want %q", tt.o, got, tt.remedy)
		}
	}
	if got := OriginConfig.Remedy(""); got != "lives in the config file: remove it there" {
		t.Errorf("Remedy without a path = %q", got)
	}
}

// TestAlertsTimezone covers issue 10 item 7: [alerts] timezone names the
// zone of the times in messages; empty keeps the machine's (nil Location).
func TestAlertsTimezone(t *testing.T) {
	for _, tc := range []struct {
		text, want string
	}{
		{"[alerts]\ntimezone = \"Europe/Berlin\"\n", "Europe/Berlin"},
		{"[alerts]\ntimezone = \"UTC\"\n", "UTC"},
		{"[alerts]\ntimezone = \"\"\n", ""},
		{"", ""},
	} {
		c, err := load(writeConfig(t, tc.text, nil), noEnv)
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		got := ""
		if c.Alerts.Location != nil {
			got = c.Alerts.Location.String()
		}
		if got != tc.want || c.Alerts.Timezone != tc.want {
			t.Errorf("%q: timezone %q location %q, want %q", tc.text, c.Alerts.Timezone, got, tc.want)
		}
	}
}
