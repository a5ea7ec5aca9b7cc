package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	path := writeConfig(t, `
[telegram]
token   = "123456:SECRET"
chat_id = -100123

[heartbeat]
url = "https://hc.example/ping/SECRETUUID"

[[host]]
name    = "uplink"
address = "198.18.0.254"

[[host]]
name    = "db1"
address = "tcp://198.18.0.7:5432"
parent  = "uplink"
timeout = "500ms"
reminders = ["1m", "5m"]
`, nil)
	c, err := load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := `NAME    ADDRESS                KIND  INTERVAL  TIMEOUT  DOWN_AFTER  UP_AFTER  PARENT  REMINDERS
uplink  198.18.0.254           icmp  1s        1s       3           1         -       10m,30m,1h
db1     tcp://198.18.0.7:5432  tcp   1s        500ms    3           1         uplink  1m,5m

2 hosts (1 icmp, 1 tcp)
telegram: on, chat_id -100123
token: from token in ` + path + `
reminders: 10m 30m 1h, group window 5s
metrics: off
heartbeat: every 1m to https://hc.example/…
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "SECRET") {
		t.Error("Describe shows a secret")
	}
}

func TestDescribeTelegramOff(t *testing.T) {
	for _, tt := range []struct {
		tg   Telegram
		want string
	}{
		{Telegram{}, "telegram: off (no token or chat_id)"},
		{Telegram{ChatID: "42"}, "telegram: off (no token: set token, token_file or DOWNTIME_TELEGRAM_TOKEN)"},
		{Telegram{Token: "1:SECRET"}, `telegram: off (no chat_id; "downtime telegram chat-id" lists the chats that wrote to the bot)`},
	} {
		c := Default()
		c.Telegram = tt.tg
		var b strings.Builder
		if err := c.Describe(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "0 hosts (0 icmp, 0 tcp)\n"+tt.want+"\n") || strings.Contains(b.String(), "SECRET") {
			t.Errorf("got:\n%s\nwant %q", b.String(), tt.want)
		}
	}
}

func TestTokenFileWorldReadable(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		tokenMode  os.FileMode // of the token file, when there is one
		configMode os.FileMode
		wantFile   string // "config", "token" or ""
		wantBad    bool
	}{
		{"token file 0600", "[telegram]\ntoken_file = \"tok\"\n", 0o600, 0o644, "token", false},
		{"token file 0640", "[telegram]\ntoken_file = \"tok\"\n", 0o640, 0o600, "token", true},
		{"token file 0604", "[telegram]\ntoken_file = \"tok\"\n", 0o604, 0o600, "token", true},
		{"token in config 0644", "[telegram]\ntoken = \"1:a\"\n", 0, 0o644, "config", true},
		{"token in config 0600", "[telegram]\ntoken = \"1:a\"\n", 0, 0o600, "config", false},
		{"token from the environment", "", 0, 0o644, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text, map[string]string{"tok": "1:a\n"})
			tok := filepath.Join(filepath.Dir(path), "tok")
			for p, m := range map[string]os.FileMode{tok: tt.tokenMode, path: tt.configMode} {
				if m != 0 {
					if err := os.Chmod(p, m); err != nil {
						t.Fatal(err)
					}
				}
			}
			c, err := load(path, func(string) string { return "9:env" })
			if err != nil {
				t.Fatal(err)
			}
			got, bad := c.TokenFileWorldReadable()
			want := map[string]string{"config": path, "token": tok, "": ""}[tt.wantFile]
			if got != want || bad != tt.wantBad {
				t.Errorf("got %q, %v; want %q, %v", got, bad, want, tt.wantBad)
			}
		})
	}
}

// TestTokenSourceSaysWhichWon: issue 10 item 10, "token beats the
// environment, with no message": one order (the file's token or token_file,
// then DOWNTIME_TELEGRAM_TOKEN), and when both hold a token, the one used
// is said.
func TestTokenSourceSaysWhichWon(t *testing.T) {
	tests := []struct {
		name, text, env string
		token           string
		source          string // %s: the config file's path, %d: its directory
		conflict        bool
	}{
		{"token and environment", "[telegram]\ntoken = \"1:file\"\n", "2:env", "1:file",
			"from token in %s (DOWNTIME_TELEGRAM_TOKEN is also set and is not used: the config file comes first)", true},
		{"token_file and environment", "[telegram]\ntoken_file = \"tok\"\n", "2:env", "3:tokfile",
			"from token_file %d/tok (DOWNTIME_TELEGRAM_TOKEN is also set and is not used: the config file comes first)", true},
		{"token only", "[telegram]\ntoken = \"1:file\"\n", "", "1:file", "from token in %s", false},
		{"environment only", "[telegram]\nchat_id = \"42\"\n", "2:env", "2:env", "from DOWNTIME_TELEGRAM_TOKEN", false},
		{"none", "", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text, map[string]string{"tok": "3:tokfile\n"})
			c, err := load(path, func(k string) string {
				if k == EnvToken {
					return tt.env
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.NewReplacer("%s", path, "%d", filepath.Dir(path)).Replace(tt.source)
			if c.Telegram.Token != tt.token || c.TokenSource() != want || c.TokenConflict() != tt.conflict {
				t.Errorf("token %q, source %q, conflict %v; want %q, %q, %v",
					c.Telegram.Token, c.TokenSource(), c.TokenConflict(), tt.token, want, tt.conflict)
			}
			var b strings.Builder
			if err := c.Describe(&b); err != nil {
				t.Fatal(err)
			}
			if want != "" && !strings.Contains(b.String(), "token: "+want+"\n") {
				t.Errorf("check-config does not say where the token came from:\n%s", b.String())
			}
		})
	}
}
