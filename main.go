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
	oneProcessor()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
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
