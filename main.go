// Command downtime watches many hosts from one terminal and says when one
// stops answering. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

func main() {
	// Signals are caught first of all: a SIGHUP (systemctl reload) or a
	// SIGTERM while the config or a large state file loads must not kill
	// the monitor with the default action. Headless, a SIGHUP waits in hup
	// until the monitor runs, then reloads.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	oneProcessor()
	code := run(ctx, hup, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// oneProcessor runs Go code on one processor unless $GOMAXPROCS is set:
// the work is small bursts that hand over to each other, and a second
// processor costs a thread wake-up and a cache move per hand-over (README,
// "Performance").
func oneProcessor() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// collectSooner, headless, collects garbage when the heap has grown by a
// quarter since the last collection rather than doubled (GOGC=25), unless
// $GOGC is set. Once started, a headless monitor makes almost no garbage,
// so this costs a collection every few minutes, and the heap, most of the
// memory at thousands of hosts, stays within a quarter of what it holds
// (README, "What a host costs in memory"). The UI makes garbage with every
// frame, so it keeps Go's default.
func collectSooner() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}
