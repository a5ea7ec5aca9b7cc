package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"downtime/config"
	"downtime/probe"
)

// traceUsage heads `downtime trace --help`.
const traceUsage = `Usage: downtime trace [-c COUNT] [--json] HOST

Trace the path to HOST as mtr -r does: COUNT rounds of TTL-limited ICMP echo
requests, one a second (a round waits up to --timeout for late answers), then
a report of every hop (loss, sent, last, average, best and worst round-trip
time). Needs what ICMP probing needs (a raw socket or
net.ipv4.ping_group_range), nothing more.

Exit status: 0 with a report (also when interrupted: the rounds done so
far), 2 for bad usage, 78 for a HOST that is no IP or DNS name or does not
resolve, 1 when no trace can be sent.

Flags:
`

// traceCmd is `downtime trace`: exit 0 with a report, 2 for bad usage, 78
// for a HOST that is no valid target or does not resolve (as the monitor
// exits for a bad target), 1 when no trace can be sent.
func traceCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("downtime trace", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, traceUsage)
		fs.PrintDefaults()
	}
	count := fs.IntP("count", "c", 10, "rounds to send (mtr's -c)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	maxHops := fs.Int("max-hops", 30, "highest TTL tried")
	timeout := fs.Duration("timeout", 2*time.Second, "how long a round waits for late answers")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "downtime trace: %v\n", err)
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "downtime trace: name one HOST (an IP or a DNS name), e.g. downtime trace 198.18.0.1\n")
		return exitUsage
	}
	if *count < 1 || *maxHops < 1 || *maxHops > 255 || *timeout <= 0 {
		fmt.Fprintf(stderr, "downtime trace: -c must be at least 1, --max-hops 1..255 and --timeout above 0\n")
		return exitUsage
	}
	host := fs.Arg(0)
	addr, err := resolveTraceHost(ctx, host)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "downtime trace: interrupted while looking up %s\n", host)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "downtime trace: %v\n", err)
		return exitConfig
	}
	eng, err := probe.NewEngine(probe.Options{ICMP: true})
	if err != nil {
		fmt.Fprintf(stderr, "downtime trace: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	results := make(chan probe.Result)
	go func() { done <- eng.Run(ctx, results) }()
	defer func() { cancel(); <-done }()

	started := time.Now()
	p := &probe.Path{Dest: addr}
	opts := probe.TraceOptions{MaxHops: *maxHops, Timeout: *timeout}
	for round := 0; round < *count; round++ {
		next := time.Now().Add(time.Second)
		err := eng.TraceRound(ctx, p, opts)
		for errors.Is(err, probe.ErrNotRunning) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond) // Run is starting
			err = eng.TraceRound(ctx, p, opts)
		}
		if err != nil {
			if ctx.Err() != nil {
				break // interrupted: report what we have
			}
			fmt.Fprintf(stderr, "downtime trace: %v\n", err)
			return exitFailure
		}
		if round+1 < *count {
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(next)):
			}
		}
	}
	if why := eng.ErrorsHidden(); why != "" {
		fmt.Fprintf(stderr, "downtime trace: %s\n", why)
	}
	if *asJSON {
		return writeJSONTrace(stdout, stderr, host, started, p)
	}
	writeTraceReport(stdout, host, started, p)
	return exitOK
}

// resolveTraceHost turns HOST into one address: an IP literal as it is, a
// name by the resolver (IPv4 first, as mtr does). What is not an IP or a
// DNS name (config.ParseTarget) is refused before any lookup.
func resolveTraceHost(ctx context.Context, host string) (netip.Addr, error) {
	t, err := config.ParseTarget(host)
	if err != nil {
		return netip.Addr{}, err
	}
	if t.Kind != probe.KindICMP {
		return netip.Addr{}, fmt.Errorf("%q: trace takes a host (an IP or a DNS name), not a tcp:// target", host)
	}
	if a, err := netip.ParseAddr(t.Host); err == nil {
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", t.Host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("resolve %s: no address", host)
	}
	return addrs[0], nil
}

// writeTraceReport prints the report the way mtr -r does:
//
//	Start: 2026-12-03T09:30:00Z
//	HOST: jump                      Loss%   Snt   Last   Avg  Best  Wrst
//	  1.|-- 198.18.0.2               0.0%     5    0.1   0.1   0.1   0.1
//	  3.|-- ???                     100.0     5    0.0   0.0   0.0   0.0
func writeTraceReport(w io.Writer, host string, started time.Time, p *probe.Path) {
	me, _ := os.Hostname()
	ms := func(d time.Duration) string { return fmt.Sprintf("%5.1f", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "Start: %s\n", started.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "HOST: %-28s Loss%%   Snt   Last   Avg  Best  Wrst\n", me)
	for _, h := range p.Visible() {
		addr := "???"
		if h.Addr.IsValid() {
			addr = h.Addr.String()
		}
		loss := fmt.Sprintf("%5.1f%%", 100*h.Loss())
		if h.Received == 0 {
			loss = "100.0 "
		}
		line := fmt.Sprintf("%3d.|-- %-26s %s %5d  %s %s %s %s", h.TTL, addr, loss, h.Sent, ms(h.Last), ms(h.Avg()), ms(h.Best), ms(h.Worst))
		if h.Err != nil {
			line += "  " + h.Err.Error()
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	switch hop, addr := p.End(); {
	case p.Reached():
		fmt.Fprintf(w, "%s reached in %d hops\n", host, p.DestTTL)
	default:
		fmt.Fprintf(w, "%s not reached: %s\n", host, probe.EndWords(hop, addr.String(), probe.IsLocal(addr)))
	}
}

// traceJSON is the --json report.
type traceJSON struct {
	Host    string    `json:"host"`
	Address string    `json:"address"`
	Start   time.Time `json:"start"`
	Rounds  int       `json:"rounds"`
	Reached bool      `json:"reached"`
	EndHop  int       `json:"end_hop"`
	EndAddr string    `json:"end_address,omitempty"`
	EndHere bool      `json:"end_is_this_machine,omitempty"` // the last answer was this machine's own (probe.IsLocal)
	Hops    []hopJSON `json:"hops"`
}

type hopJSON struct {
	Hop      int     `json:"hop"`
	Address  string  `json:"address,omitempty"`
	LossPct  float64 `json:"loss_pct"`
	Sent     int     `json:"sent"`
	Received int     `json:"received"`
	LastMS   float64 `json:"last_ms"`
	AvgMS    float64 `json:"avg_ms"`
	BestMS   float64 `json:"best_ms"`
	WorstMS  float64 `json:"worst_ms"`
	Error    string  `json:"error,omitempty"`
}

func writeJSONTrace(stdout, stderr io.Writer, host string, started time.Time, p *probe.Path) int {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	hop, end := p.End()
	out := traceJSON{Host: host, Address: p.Dest.String(), Start: started.UTC(), Rounds: p.Rounds,
		Reached: p.Reached(), EndHop: hop, Hops: []hopJSON{}}
	if end.IsValid() {
		out.EndAddr, out.EndHere = end.String(), !p.Reached() && probe.IsLocal(end)
	}
	for _, h := range p.Visible() {
		j := hopJSON{Hop: h.TTL, LossPct: 100 * h.Loss(), Sent: h.Sent, Received: h.Received,
			LastMS: ms(h.Last), AvgMS: ms(h.Avg()), BestMS: ms(h.Best), WorstMS: ms(h.Worst)}
		if h.Addr.IsValid() {
			j.Address = h.Addr.String()
		}
		if h.Err != nil {
			j.Error = h.Err.Error()
		}
		out.Hops = append(out.Hops, j)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(stderr, "downtime trace: %v\n", err)
		return exitFailure
	}
	return exitOK
}
