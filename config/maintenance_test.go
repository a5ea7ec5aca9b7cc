package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const maintHosts = "[[host]]\nname = \"web-01\"\naddress = \"198.18.0.1\"\n\n[[host]]\nname = \"db1\"\naddress = \"198.18.0.2\"\n\n"

func loadMaint(t *testing.T, text string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return load(path, func(string) string { return "" })
}

// TestMaintenanceErrors: issue 12 item 5: a bad window is refused with its
// line, key and fix.
func TestMaintenanceErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"no hosts", "[[maintenance]]\nevery = \"Sun 02:00\"\nduration = \"2h\"\n", "line 9: [[maintenance]] #1: hosts must list the hosts"},
		{"unknown host", "[[maintenance]]\nhosts = [\"web-1\"]\nevery = \"Sun 02:00\"\nduration = \"2h\"\n", `line 10: [[maintenance]] #1: "web-1" is not the name of a [[host]]`},
		{"bad glob", "[[maintenance]]\nhosts = [\"web-[\"]\nevery = \"Sun 02:00\"\nduration = \"2h\"\n", `"web-[" is not a valid glob`},
		{"bad every", "[[maintenance]]\nhosts = [\"web-*\"]\nevery = \"Sunday at 2\"\nduration = \"2h\"\n", `line 11: [[maintenance]] #1: every "Sunday at 2" is not a weekday and a time`},
		{"both", "[[maintenance]]\nhosts = [\"db1\"]\nevery = \"Sun 02:00\"\nstart = 2026-12-01T02:00:00Z\nduration = \"2h\"\n", "start and every are both set"},
		{"neither", "[[maintenance]]\nhosts = [\"db1\"]\nduration = \"2h\"\n", "needs start"},
		{"no duration", "[[maintenance]]\nhosts = [\"db1\"]\nevery = \"Sun 02:00\"\n", "duration is missing"},
		{"bad zone", "[[maintenance]]\nhosts = [\"db1\"]\nevery = \"Sun 02:00\"\ntimezone = \"Mars/Olympus\"\nduration = \"2h\"\n", `line 12: [[maintenance]] #1: timezone "Mars/Olympus" is unknown`},
		{"bad start", "[[maintenance]]\nhosts = [\"db1\"]\nstart = \"tomorrow\"\nduration = \"2h\"\n", `start "tomorrow" is not a time`},
		{"too long", "[[maintenance]]\nhosts = [\"db1\"]\nevery = \"Sun 02:00\"\nduration = \"200h\"\n", "longer than the week"},
		{"unknown key", "[[maintenance]]\nhosts = [\"db1\"]\nevry = \"Sun 02:00\"\n", `line 11: [[maintenance]] unknown key "evry" (did you mean every?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMaint(t, maintHosts+tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestMaintenanceWindows: a weekly window in its zone, a one-off window,
// and what check-config says of them.
func TestMaintenanceWindows(t *testing.T) {
	c, err := loadMaint(t, maintHosts+"[[maintenance]]\nhosts = [\"web-*\"]\nevery = \"Sun 02:00\"\ntimezone = \"Europe/Berlin\"\nduration = \"2h\"\n\n"+
		"[[maintenance]]\nhosts = [\"db1\"]\nstart = \"2026-12-01T02:00:00Z\"\nduration = \"30m\"\n")
	if err != nil {
		t.Fatal(err)
	}
	weekly, once := c.Maintenance[0], c.Maintenance[1]
	if !weekly.Matches("web-01") || weekly.Matches("db1") || !once.Matches("db1") {
		t.Errorf("matches wrong: %+v %+v", weekly, once)
	}
	// Sunday 2026-11-29 02:00 in Berlin is 01:00 UTC.
	tests := []struct {
		at     string
		active bool
		end    string
		next   string
	}{
		{"2026-11-29T00:59:00Z", false, "", "2026-11-29T01:00:00Z"},
		{"2026-11-29T01:00:00Z", true, "2026-11-29T03:00:00Z", "2026-12-06T01:00:00Z"},
		{"2026-11-29T02:59:59Z", true, "2026-11-29T03:00:00Z", "2026-12-06T01:00:00Z"},
		{"2026-11-29T03:00:00Z", false, "", "2026-12-06T01:00:00Z"},
		{"2026-12-02T12:00:00Z", false, "", "2026-12-06T01:00:00Z"},
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.at)
		end, active := weekly.Active(now)
		if active != tt.active || (active && end.UTC().Format(time.RFC3339) != tt.end) {
			t.Errorf("at %s: active %v until %v, want %v until %s", tt.at, active, end.UTC(), tt.active, tt.end)
		}
		if !active {
			if s, _, ok := weekly.Next(now); !ok || s.UTC().Format(time.RFC3339) != tt.next {
				t.Errorf("at %s: next %v, want %s", tt.at, s.UTC(), tt.next)
			}
		}
	}
	at := time.Date(2026, 12, 1, 2, 10, 0, 0, time.UTC)
	if end, ok := once.Active(at); !ok || !end.Equal(at.Add(20*time.Minute)) {
		t.Errorf("one-off at 02:10: %v %v", end, ok)
	}
	var b strings.Builder
	if err := c.DescribeMaintenance(&b, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := "maintenance: web-*, every Sun 02:00 Europe/Berlin for 2h; next Sun 2026-12-06 02:00 CET\n" +
		"maintenance: db1, once at 2026-12-01 02:00 UTC for 30m; next Tue 2026-12-01 02:00 UTC\n"
	if b.String() != want {
		t.Errorf("check-config says:\n%s\nwant\n%s", b.String(), want)
	}
}
