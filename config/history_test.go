package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHistorySection(t *testing.T) {
	cases := []struct {
		name, toml string
		want       History
		err        string // substring of the error; "" for none
	}{
		{"defaults", "", History{48 * time.Hour, 400 * 24 * time.Hour}, ""},
		{"days", "[history]\nkeep_minutes = \"3d\"\nkeep_hours = \"30d12h\"\n", History{72 * time.Hour, 30*24*time.Hour + 12*time.Hour}, ""},
		{"hours", "[history]\nkeep_minutes = \"90m\"\n", History{90 * time.Minute, 400 * 24 * time.Hour}, ""},
		{"not a duration", "[history]\nkeep_hours = \"a year\"\n", History{}, `line 2: [history] keep_hours "a year" is not a duration`},
		{"number", "[history]\nkeep_minutes = 48\n", History{}, `line 2: [history] keep_minutes must be a duration in quotes`},
		{"too short", "[history]\nkeep_minutes = \"10m\"\n", History{}, `keep_minutes = "10m" is too short (at least 1h)`},
		{"hours shorter", "[history]\nkeep_minutes = \"10d\"\nkeep_hours = \"2d\"\n", History{}, `line 3: [history] keep_hours (2d) must be at least keep_minutes (10d)`},
		{"typo", "[history]\nkeep_minute = \"1d\"\n", History{}, `keep_minutes`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(path, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.History != tc.want {
				t.Errorf("got %+v, want %+v", c.History, tc.want)
			}
		})
	}
	if Default().History != DefaultHistory {
		t.Error("Default() lacks the history defaults")
	}
}

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "48h": 48 * time.Hour, "1d30m": 24*time.Hour + 30*time.Minute, "90s": 90 * time.Second} {
		if got, err := ParseSpan(in); err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "7x", "1.5d", "-3h"} {
		if _, err := ParseSpan(bad); err == nil {
			t.Errorf("ParseSpan(%q) gave no error", bad)
		}
	}
}
