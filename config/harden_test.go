package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// allocatedBy returns the bytes f allocates on the heap.
func allocatedBy(t *testing.T, f func()) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 11 attack 4: `reminders = [[[…]]]` 40,000 deep (an 80 KB file) took
// 1.7 GB, because the line lookup built the key path of every level.
func TestDeepNestingMemory(t *testing.T) {
	const depth = 40_000
	src := "[defaults]\nreminders = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\ninterval = 5\n"
	t.Run("scanKeyLines", func(t *testing.T) {
		var lines keyLines
		n := allocatedBy(t, func() { lines = scanKeyLines(src) })
		if n > 16<<20 {
			t.Errorf("scanKeyLines of a %d KB file %d deep allocated %d MB; want under 16 MB", len(src)>>10, depth, n>>20)
		}
		if got := lines.at("defaults.interval"); got != 3 {
			t.Errorf("defaults.interval at line %d after the deep value, want 3", got)
		}
	})
	t.Run("Load", func(t *testing.T) {
		// 1,000,000 deep (2 MB): the decoder would recurse once a level.
		deep := strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000)
		path := writeConfig(t, "[defaults]\nreminders = "+deep+"\n", nil)
		var err error
		n := allocatedBy(t, func() { _, err = load(path, noEnv) })
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Line != 2 || !strings.Contains(cerr.Msg, "nested more than") {
			t.Fatalf("load: %v, want a config error at line 2 saying the nesting is too deep", err)
		}
		if n > 32<<20 {
			t.Errorf("loading a 2 MB file 1,000,000 deep allocated %d MB; want under 32 MB", n>>20)
		}
	})
}

// Issue 11 attack 5: a config or token_file that never ends (/dev/zero,
// /dev/urandom) was read until out of memory, and a FIFO blocked the start.
func TestLoadBoundedReads(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxConfigSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	longToken := filepath.Join(dir, "token")
	if err := os.WriteFile(longToken, []byte(strings.Repeat("1", MaxTokenFileSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	const tg = "[telegram]\nchat_id = 1\ntoken_file = "
	tests := []struct {
		name   string
		config string // a path, or else the text of a config with this token_file
		token  string
		want   []string
	}{
		{name: "config /dev/zero", config: "/dev/zero", want: []string{"/dev/zero", "character device", "regular TOML file"}},
		{name: "config FIFO", config: fifo, want: []string{fifo, "a FIFO", "regular TOML file"}},
		{name: "config directory", config: dir, want: []string{"a directory", "regular TOML file"}},
		{name: "config too large", config: big, want: []string{big, "too large", "4 MB"}},
		{name: "token_file /dev/urandom", token: "/dev/urandom", want: []string{"token_file", "/dev/urandom", "character device", "regular file holding only the bot token"}},
		{name: "token_file FIFO", token: fifo, want: []string{"token_file", "a FIFO"}},
		{name: "token_file too large", token: longToken, want: []string{"token_file", "too large", "512 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.config
			if tt.token != "" {
				path = writeConfig(t, tg+strconv.Quote(tt.token)+"\n", nil)
			}
			done := make(chan error, 1)
			go func() {
				_, err := load(path, noEnv)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("load is still reading after 10 s")
			}
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("load: %v, want a config error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// Issue 11 attack 7: interval = "1us" passed and wedged the monitor.
func TestProbeDurationFloor(t *testing.T) {
	tests := []struct {
		text string
		line int
		key  string
	}{
		{"[defaults]\ninterval = \"1us\"\ntimeout = \"1us\"\n", 2, "defaults.interval"},
		{"[defaults]\ntimeout = \"9ms\"\n", 2, "defaults.timeout"},
		{"[[host]]\naddress = \"127.0.0.1\"\ninterval = \"5ms\"\ntimeout = \"1ms\"\n", 3, "host.interval"},
	}
	for _, tt := range tests {
		_, err := load(writeConfig(t, tt.text, nil), noEnv)
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Line != tt.line || cerr.Key != tt.key || !strings.Contains(cerr.Msg, "the shortest is 10ms") {
			t.Errorf("%q: %v (line %d, key %q), want an error at line %d key %s naming the 10ms floor", tt.text, err, cerr.Line, cerr.Key, tt.line, tt.key)
		}
	}
	cfg, err := load(writeConfig(t, "[defaults]\ninterval = \"10ms\"\ntimeout = \"10ms\"\n", nil), noEnv)
	if err != nil || cfg.Defaults.Interval != MinProbeDuration {
		t.Errorf("10ms interval: %v, %v; want it accepted", cfg, err)
	}
}

// Issue 11 attack 12: names with U+202E or zero-width characters were
// accepted, so two hosts could look the same.
func TestNameFormatCharacters(t *testing.T) {
	for _, name := range []string{"web\u202e10", "db\u200b1", "a\u200db", "\ufeffcore"} {
		path := writeConfig(t, "[[host]]\nname = "+strconv.Quote(name)+"\naddress = \"127.0.0.1\"\n", nil)
		_, err := load(path, noEnv)
		var cerr *Error
		if !errors.As(err, &cerr) || cerr.Key != "host.name" || !strings.Contains(cerr.Msg, "format character") {
			t.Errorf("name %q: %v, want an error on host.name about a format character", name, err)
		}
		if _, err := Default().NewHost("127.0.0.1", name); err == nil || !strings.Contains(err.Error(), "format character") {
			t.Errorf("NewHost(%q): %v, want a format character error", name, err)
		}
	}
}

// Issue 11 attack 11: credentials in api_url were printed by check-config
// and in the config error.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:PASS@127.0.0.1:8081/x": "http://<credentials>@127.0.0.1:8081/x",
		"https://PASS@h":                    "https://<credentials>@h",
		"https://api.telegram.org":          "https://api.telegram.org",
		"http://u:PASS@[::1:bad/x@y":        "http://<credentials>@[::1:bad/x@y",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	cfg, err := load(writeConfig(t, "[telegram]\ntoken = \"1:abcdefghij\"\nchat_id = 1\napi_url = \"http://ops:PASS@127.0.0.1:8081\"\n", nil), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := cfg.Describe(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "PASS") || !strings.Contains(b.String(), "api_url http://<credentials>@127.0.0.1:8081") {
		t.Errorf("check-config shows:\n%s", b.String())
	}
	_, err = load(writeConfig(t, "[telegram]\napi_url = \"ftp://ops:PASS@127.0.0.1\"\n", nil), noEnv)
	if err == nil || strings.Contains(err.Error(), "PASS") {
		t.Errorf("bad api_url: %v, want an error without the password", err)
	}
}

// The flat skip of values nested past maxValueDepth steps over strings and
// comments that hold brackets, and counts their lines.
func TestScanKeyLinesPastMaxDepth(t *testing.T) {
	deep := strings.Repeat("[", maxValueDepth+2)
	src := "a = " + deep + "\"]]\", # ]]\n'}',\n{ k = \"\"\"\n]\n\"\"\" }" + strings.Repeat("]", maxValueDepth+2) + "\nb = 1\n"
	kl := scanKeyLines(src)
	if got := kl.at("b"); got != 6 {
		t.Errorf("b at line %d, want 6\n%s", got, src)
	}
	if got := kl.at("a.0.0"); got != 1 {
		t.Errorf("a.0.0 at line %d, want 1", got)
	}
}
