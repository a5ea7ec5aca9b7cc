package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"downtime/alert"
	"downtime/config"
	"downtime/history"
	"downtime/store"
)

// reportUsage heads `downtime report --help`.
const reportUsage = `Usage: downtime report [--since 7d | --from DATE --to DATE] [--format text|csv|json] [HOST ...]

Availability, outages, RTT and loss of each host from the state file, over
the time downtime watched it: time it was not running, or the host was
paused, is counted apart as unknown, never as up. Reads the state file while
a monitor runs, without disturbing it. For fleet-wide history across many
machines, scrape --metrics into Prometheus instead.

Flags:
`

// reportCmd is `downtime report`; now is the clock (injected by tests).
func reportCmd(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := pflag.NewFlagSet("downtime report", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, reportUsage)
		fs.PrintDefaults()
	}
	since := fs.String("since", "7d", "how far back from now (e.g. 24h, 7d, 30d)")
	fromS := fs.String("from", "", "start, as 2006-01-02, 2006-01-02T15:04 or RFC 3339 (UTC unless it says)")
	toS := fs.String("to", "", "end, like --from (default now)")
	format := fs.String("format", "text", "text | csv | json")
	statePath := fs.String("state", "", "SQLite state file (default $XDG_STATE_HOME/downtime/state.db)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "downtime report: %v\n", err)
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "downtime report: "+format+"\n", a...)
		return exitUsage
	}
	if *format != "text" && *format != "csv" && *format != "json" {
		return usage("--format %q: use text, csv or json", *format)
	}
	to := now().UTC().Truncate(time.Second)
	var from time.Time
	switch {
	case *fromS != "":
		if fs.Changed("since") {
			return usage("--since and --from contradict each other: pass one")
		}
		var err error
		if from, err = parseDate(*fromS); err != nil {
			return usage("--from %q: %v", *fromS, err)
		}
		if *toS != "" {
			if to, err = parseDate(*toS); err != nil {
				return usage("--to %q: %v", *toS, err)
			}
		}
	case *toS != "":
		return usage("--to needs --from")
	default:
		d, err := config.ParseSpan(*since)
		if err != nil || d <= 0 {
			return usage("--since %q is not a duration (e.g. 24h, 7d, 30d)", *since)
		}
		from = to.Add(-d)
	}
	if !to.After(from) {
		return usage("the range %s to %s is empty: --from must come before --to", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}

	path := *statePath
	if path == "" {
		var err error
		if path, err = defaultStatePath(); err != nil {
			return reportError(stderr, err)
		}
	}
	st, err := store.OpenReadOnly(path)
	if err != nil {
		return reportError(stderr, err)
	}
	defer st.Close()
	rows, err := reportRows(st, fs.Args(), from, to)
	if err != nil {
		return reportError(stderr, err)
	}
	switch *format {
	case "csv":
		err = writeReportCSV(stdout, rows)
	case "json":
		err = writeReportJSON(stdout, rows)
	default:
		err = writeReportText(stdout, rows, from, to)
	}
	if err != nil {
		return reportError(stderr, err)
	}
	return exitOK
}

// parseDate reads --from and --to.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a date (use 2026-11-26, 2026-11-26T21:00 or RFC 3339)")
}

// reportRow is one host's line of the report.
type reportRow struct {
	Host string
	history.Summary
}

// reportRows summarizes hosts (every host with history when none is named).
func reportRows(st *store.Store, hosts []string, from, to time.Time) ([]reportRow, error) {
	if len(hosts) == 0 {
		var err error
		if hosts, err = st.HistoryHosts(); err != nil {
			return nil, err
		}
	}
	rows := make([]reportRow, 0, len(hosts))
	for _, h := range hosts {
		slots, err := st.HistorySlots(h, from, to)
		if err != nil {
			return nil, err
		}
		outs, err := st.Outages(h, from)
		if err != nil {
			return nil, err
		}
		iv := make([]history.Interval, len(outs))
		for i, o := range outs {
			iv[i] = history.Interval{Start: o.Start, End: o.End}
		}
		rows = append(rows, reportRow{Host: h, Summary: history.Summarize(slots, iv, from, to)})
	}
	return rows, nil
}

const none = "–"

func fmtPct(r float64, ok bool, digits int) string {
	if !ok {
		return none
	}
	s := strconv.FormatFloat(100*r, 'f', digits, 64)
	if r < 1 && strings.HasPrefix(s, "100") {
		// Never round an imperfect availability up to 100 %.
		s = "99." + strings.Repeat("9", digits)
	}
	return s + "%"
}

// fmtMS writes an RTT in milliseconds with three significant digits or so.
func fmtMS(d time.Duration) string {
	if d <= 0 {
		return none
	}
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
}

func writeReportText(w io.Writer, rows []reportRow, from, to time.Time) error {
	fmt.Fprintf(w, "downtime report  %s to %s UTC\n", from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"))
	fmt.Fprintln(w, "availability is over watched time; UNKNOWN is time downtime was not watching (stopped, host paused or not yet added)")
	fmt.Fprintln(w)
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no history recorded in this state file")
		return err
	}
	table := [][]string{{"HOST", "AVAILABLE", "WATCHED", "UNKNOWN", "OUTAGES", "DOWN", "LONGEST", "MTTR", "RTT MEDIAN", "RTT P95", "LOSS"}}
	for _, r := range rows {
		avail, aok := r.Availability()
		loss, lok := r.Loss()
		mttr := none
		if r.Recovered > 0 {
			mttr = alert.FormatOutage(r.MTTR)
		}
		table = append(table, []string{
			r.Host, fmtPct(avail, aok, 3), alert.FormatOutage(r.Watched), alert.FormatOutage(r.Unknown),
			strconv.Itoa(r.Outages), alert.FormatOutage(r.OutageTotal), alert.FormatOutage(r.Longest), mttr,
			fmtMS(r.P50), fmtMS(r.P95), fmtPct(loss, lok, 2),
		})
	}
	return writeAligned(w, table)
}

// writeAligned writes a table: the first column left-aligned, the others
// right-aligned, two spaces apart, widths counted in characters.
func writeAligned(w io.Writer, table [][]string) error {
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range table {
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case i == 0:
				b.WriteString(cell)
				if len(row) > 1 {
					b.WriteString(pad)
				}
			default:
				b.WriteString("  " + pad + cell)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// reportJSON is one host in --format json (and the columns of csv).
type reportJSON struct {
	Host         string   `json:"host"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	Availability *float64 `json:"availability"` // 0..1 over watched time; null when nothing was watched
	WatchedS     float64  `json:"watched_s"`
	UnknownS     float64  `json:"unknown_s"`
	DownS        float64  `json:"down_s"` // watched time inside outages
	Outages      int      `json:"outages"`
	OutageS      float64  `json:"outage_total_s"`
	LongestS     float64  `json:"longest_s"`
	MTTRS        *float64 `json:"mttr_s"` // null when none recovered in the range
	RTTMedianMS  *float64 `json:"rtt_median_ms"`
	RTTP95MS     *float64 `json:"rtt_p95_ms"`
	Sent         int      `json:"sent"`
	Lost         int      `json:"lost"`
	Loss         *float64 `json:"loss"` // 0..1; null without probes
}

func toJSON(r reportRow) reportJSON {
	j := reportJSON{
		Host: r.Host, From: r.From.Format(time.RFC3339), To: r.To.Format(time.RFC3339),
		WatchedS: r.Watched.Seconds(), UnknownS: r.Unknown.Seconds(), DownS: r.Down.Seconds(),
		Outages: r.Outages, OutageS: r.OutageTotal.Seconds(), LongestS: r.Longest.Seconds(),
		Sent: r.Sent, Lost: r.Lost,
	}
	opt := func(v float64, ok bool) *float64 {
		if !ok {
			return nil
		}
		return &v
	}
	j.Availability = opt(r.Availability())
	j.Loss = opt(r.Loss())
	j.MTTRS = opt(r.MTTR.Seconds(), r.Recovered > 0)
	ms := func(d time.Duration) *float64 { return opt(float64(d)/float64(time.Millisecond), d > 0) }
	j.RTTMedianMS, j.RTTP95MS = ms(r.P50), ms(r.P95)
	return j
}

func writeReportJSON(w io.Writer, rows []reportRow) error {
	out := make([]reportJSON, len(rows))
	for i, r := range rows {
		out[i] = toJSON(r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeReportCSV(w io.Writer, rows []reportRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"host", "from", "to", "availability", "watched_s", "unknown_s", "down_s", "outages", "outage_total_s", "longest_s", "mttr_s", "rtt_median_ms", "rtt_p95_ms", "sent", "lost", "loss"})
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return num(*p)
	}
	for _, r := range rows {
		j := toJSON(r)
		cw.Write([]string{j.Host, j.From, j.To, opt(j.Availability), num(j.WatchedS), num(j.UnknownS), num(j.DownS),
			strconv.Itoa(j.Outages), num(j.OutageS), num(j.LongestS), opt(j.MTTRS), opt(j.RTTMedianMS), opt(j.RTTP95MS),
			strconv.Itoa(j.Sent), strconv.Itoa(j.Lost), opt(j.Loss)})
	}
	cw.Flush()
	return cw.Error()
}
