package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"downtime/probe"
)

// newTestApp builds the app that `downtime ARGS` would run, in this
// process, with its log discarded; the test closes it at its end.
func newTestApp(t *testing.T, args ...string) *app {
	t.Helper()
	o, _, err := parseFlags("downtime", args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(o, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(o, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	return a
}

// TestLogStopped: headless and UI runs end through the one logStopped, which
// writes the last line and picks the exit code.
func TestLogStopped(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		line string
	}{
		{"normal end", nil, exitOK, `level=INFO msg="monitor stopped" sent=0 received=0 ignored=0`},
		{"failure", errors.New("socket gone"), exitFailure, `level=ERROR msg="monitor failed" err="socket gone"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng, err := probe.NewEngine(probe.Options{Prober: probe.NewDemo(1, time.Now)})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			a := &app{engine: eng, log: newLogger("text", &b)}
			if code := a.logStopped(tt.err); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if got := b.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.line) {
				t.Errorf("log %q, want one line with %q", got, tt.line)
			}
		})
	}
}
