package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets of the config loader and the target parsing (issue 11,
// found by attack). Plain `go test` runs their seed corpora in
// testdata/fuzz; `go test -fuzz=FuzzLoad ./config/` looks further.

// FuzzLoad: whatever the file holds, Load returns a config or an *Error
// with a message, never panics, and says the same thing twice; a config
// it returns is valid.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"",
		"[defaults]\ninterval = \"1s\"\n\n[[host]]\nname = \"core-sw1\"\naddress = \"198.18.0.1\"\n",
	} {
		f.Add(s)
	}
	// One file, rewritten for each input: a worker runs its inputs one at
	// a time, and a directory per input costs more than the load.
	path := filepath.Join(f.TempDir(), "hosts.toml")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := load(path, noEnv)
		again, err2 := load(path, noEnv)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("error %#v is not an *Error with a message", err)
			}
			if err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("two loads disagree: %v, then %v", err, err2)
			}
			return
		}
		if err2 != nil {
			t.Fatalf("two loads disagree: ok, then %v", err2)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load returned a config that Validate refuses: %v", err)
		}
		for _, h := range c.Hosts {
			if h.Name == "" || h.Timeout > h.Interval || h.Interval <= 0 || h.DownAfter < 1 || h.UpAfter < 1 {
				t.Fatalf("host %+v escaped validation", h)
			}
		}
		var a, b strings.Builder
		if c.Describe(&a) != nil || again.Describe(&b) != nil || a.String() != b.String() {
			t.Fatalf("two loads describe differently:\n%s\n%s", a.String(), b.String())
		}
		if c.Describe(io.Discard) != nil {
			t.Fatal("Describe failed")
		}
	})
}

// FuzzExpandTarget: a target either fails with a message or stands for 1
// to MaxExpand hosts, each of which parses back to itself from its
// String; a single host parses the same with ParseTarget.
func FuzzExpandTarget(f *testing.F) {
	for _, s := range []string{"198.18.0.1", "tcp://[2001:2::1]:22", "198.18.0.0/30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ExpandTarget(s)
		one, oneErr := ParseTarget(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			if oneErr == nil {
				t.Fatalf("ParseTarget takes %q (%v), ExpandTarget refuses it: %v", s, one, err)
			}
			return
		}
		if len(ts) == 0 || len(ts) > MaxExpand {
			t.Fatalf("%q stands for %d hosts", s, len(ts))
		}
		if oneErr == nil && (len(ts) != 1 || ts[0] != one) {
			t.Fatalf("%q: ExpandTarget %v, ParseTarget %v", s, ts, one)
		}
		for _, tg := range ts {
			back, err := ParseTarget(tg.String())
			if err != nil || back != tg {
				t.Fatalf("%q: host %#v prints as %q, which parses as %#v, %v", s, tg, tg.String(), back, err)
			}
		}
	})
}

// FuzzReadTargets: a target file is read, or refused naming a line;
// every target it returns expands.
func FuzzReadTargets(f *testing.F) {
	f.Add("# lab\n198.18.4.0/30\ntcp://127.0.0.1:22  # ssh\n")
	f.Fuzz(func(t *testing.T, text string) {
		ts, err := ReadTargets("targets.txt", strings.NewReader(text))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" || e.File != "targets.txt" {
				t.Fatalf("error %#v does not name the file", err)
			}
			return
		}
		for _, s := range ts {
			if _, err := ExpandTarget(s); err != nil {
				t.Fatalf("ReadTargets returned %q, which does not expand: %v", s, err)
			}
		}
	})
}
