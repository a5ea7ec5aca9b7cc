//go:build bench

// Package bench holds the measurements that need real networks: RTT accuracy
// behind a TUN responder and detection latency over a veth, downtime next to
// fping. They are programs, not tests: they print their figures and fail
// only when a figure would mean nothing. Run them as root through
// bench/run.sh, or alone:
//
//	sudo go test -tags bench -run Accuracy -v -count=1 ./bench/
//	sudo go test -tags bench -run DetectionLatency -v -count=1 -timeout 30m ./bench/
//
// The build tag keeps them out of `go test ./...`.
package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// binary is the downtime under test: $DOWNTIME_BIN, or built by TestMain.
var binary string

func TestMain(m *testing.M) {
	binary = os.Getenv("DOWNTIME_BIN")
	if binary == "" {
		dir, err := os.MkdirTemp("", "downtime-bench-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binary = filepath.Join(dir, "downtime")
		build := exec.Command("go", "build", "-o", binary, "downtime")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build downtime:", err)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// envInt and envDuration read a setting, or give its default.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d >= 0 {
		return d
	}
	return def
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

// median of ds; zero for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// linked reports whether the downtime binary links the package (a feature
// that is not merged yet is not measured).
func linked(t *testing.T, pkg string) bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "downtime").Output()
	if err != nil {
		t.Fatalf("go list -deps downtime: %v", err)
	}
	return slices.Contains(strings.Fields(string(out)), pkg)
}
