// Command downtime watches many hosts from one terminal and says when one
// stops answering. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
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

// oneProcessor runs all goroutines on one processor unless $GOMAXPROCS says
// otherwise. downtime's work comes in small bursts (a batch of sends, the
// replies, the monitor's update, a redraw) that hand over to each other.
// With a second processor the runtime wakes another thread for each
// hand-over, and each host's state moves between two CPUs' caches with it:
// at 4,000 hosts the monitor then spent most of its time waiting for memory,
// and the program used about half as much CPU again as on one processor
// (README, "Performance"). The whole program needs a few percent of one core,
// and this way its Go code never takes more than one core of the box it
// watches from.
func oneProcessor() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
