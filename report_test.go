package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"downtime/history"
	"downtime/probe"
	"downtime/store"
)

// reportState writes a state file a monitor would have left: core-sw1
// watched every second 10:00–12:00 and 14:00–16:00 (a 2 h stop between),
// every tenth probe lost and the others taking 1–9 ms, down 10:30–10:40 and
// 14:10:00–14:12:30. The store stays open and locked, as under a running
// monitor.
func reportState(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	release, err := store.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, start := range []time.Time{day.Add(10 * time.Hour), day.Add(14 * time.Hour)} {
		ch := make(chan []history.Minute, 256)
		agg := history.NewAggregator(ch)
		for i := range 2 * 3600 {
			r := probe.Result{ID: 1, At: start.Add(time.Duration(i) * time.Second)}
			if i%10 == 0 {
				r.Err = probe.ErrTimeout
			} else {
				r.RTT = time.Duration(i%10) * time.Millisecond
			}
			agg.Record("core-sw1", time.Second, r)
		}
		agg.Flush()
		close(ch)
		for b := range ch {
			if err := st.WriteMinutes(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, o := range [][2]time.Duration{{10*time.Hour + 30*time.Minute, 10*time.Hour + 40*time.Minute}, {14*time.Hour + 10*time.Minute, 14*time.Hour + 12*time.Minute + 30*time.Second}} {
		if err := st.OutageEnded("core-sw1", day.Add(o[0]), day.Add(o[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Maintain(day.Add(16*time.Hour+time.Minute), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	return path
}

// Issue 15, "How it must be shown": the report's figures, against a hand
// computation on the same data, in all three formats. By hand: 4 h watched
// (14,400 s), 2 h unknown; down 600 + 150 = 750 s, so 1 − 750/14,400 =
// 94.7916…%; 2 outages, longest 10:00, MTTR 375 s; 14,400 probes, 1,440
// lost (10 %); the median reply 5 ms and p95 9 ms, as stored (quantized to
// codes 2.2 % apart: 4.978 and 8.933 ms). "ghost" has no history at all.
func TestReportFigures(t *testing.T) {
	path := reportState(t)
	now := func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }
	run := func(format string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := reportCmd([]string{"--state", path, "--from", "2026-11-26T10:00", "--to", "2026-11-26T16:00", "--format", format, "core-sw1", "ghost"}, &out, &errb, now)
		if code != exitOK {
			t.Fatalf("--format %s: exit %d: %s", format, code, errb.String())
		}
		return out.String()
	}

	wantText := `downtime report  2026-11-26 10:00 to 2026-11-26 16:00 UTC
availability is over watched time; UNKNOWN is time downtime was not watching (stopped, host paused or not yet added)

HOST      AVAILABLE   WATCHED   UNKNOWN  OUTAGES      DOWN   LONGEST      MTTR  RTT MEDIAN  RTT P95    LOSS
core-sw1    94.792%  04:00:00  02:00:00        2  00:12:30  00:10:00  00:06:15      4.98ms   8.93ms  10.00%
ghost             –  00:00:00  06:00:00        0  00:00:00  00:00:00         –           –        –       –
`
	if got := run("text"); got != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", got, wantText)
	}

	wantCSV := `host,from,to,availability,watched_s,unknown_s,down_s,outages,outage_total_s,longest_s,mttr_s,rtt_median_ms,rtt_p95_ms,sent,lost,loss
core-sw1,2026-11-26T10:00:00Z,2026-11-26T16:00:00Z,0.9479166666666666,14400,7200,750,2,750,600,375,4.978,8.933,14400,1440,0.1
ghost,2026-11-26T10:00:00Z,2026-11-26T16:00:00Z,,0,21600,0,0,0,0,,,,0,0,
`
	if got := run("csv"); got != wantCSV {
		t.Errorf("csv:\n%s\nwant:\n%s", got, wantCSV)
	}

	got := run("json")
	for _, want := range []string{
		`"host": "core-sw1"`, `"availability": 0.9479166666666666`, `"watched_s": 14400`, `"unknown_s": 7200`,
		`"down_s": 750`, `"outages": 2`, `"longest_s": 600`, `"mttr_s": 375`, `"rtt_median_ms": 4.978`,
		`"rtt_p95_ms": 8.933`, `"sent": 14400`, `"lost": 1440`, `"loss": 0.1`,
		`"host": "ghost"`, `"availability": null`, `"unknown_s": 21600`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("json lacks %s:\n%s", want, got)
		}
	}
}

func TestReportUsageErrors(t *testing.T) {
	path := reportState(t)
	now := func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml"}, `--format "xml": use text, csv or json`},
		{[]string{"--since", "a week"}, `--since "a week" is not a duration`},
		{[]string{"--since", "7d", "--from", "2026-11-01"}, `--since and --from contradict`},
		{[]string{"--to", "2026-11-01"}, `--to needs --from`},
		{[]string{"--from", "yesterday"}, `--from "yesterday": not a date`},
		{[]string{"--from", "2026-11-27", "--to", "2026-11-26"}, `is empty: --from must come before --to`},
	} {
		var out, errb bytes.Buffer
		code := reportCmd(append([]string{"--state", path}, tc.args...), &out, &errb, now)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var out, errb bytes.Buffer
	if code := reportCmd([]string{"--state", filepath.Join(t.TempDir(), "none.db")}, &out, &errb, now); code != exitFailure ||
		!strings.Contains(errb.String(), "pass --state with the monitor's state file") {
		t.Errorf("missing state file: exit %d, %q", code, errb.String())
	}
}
