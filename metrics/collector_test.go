package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"

	"downtime/config"
	"downtime/monitor"
	"downtime/probe"
)

// fakeSource returns a fixed snapshot, or err.
type fakeSource struct {
	snap monitor.Snapshot
	err  error
}

func (s fakeSource) Snapshot(context.Context) (monitor.Snapshot, error) { return s.snap, s.err }

type fakeAlerts struct{}

func (fakeAlerts) Sent() uint64   { return 7 }
func (fakeAlerts) Queued() int    { return 2 }
func (fakeAlerts) Failed() uint64 { return 3 }

type fakeEngine struct{}

func (fakeEngine) Stats() probe.Stats { return probe.Stats{Sent: 100, Received: 90, Ignored: 4} }

var downSince = time.Date(2026, 11, 26, 21, 4, 5, 500_000_000, time.UTC)

// testSnapshot is made by a real monitor fed a script, so that the views
// carry exactly what the monitor would publish.
func testSnapshot(t *testing.T) monitor.Snapshot {
	t.Helper()
	host := func(name string) config.Host {
		return config.Host{Name: name, Address: "198.18.0." + name[len(name)-1:], Target: probe.Target{Host: name},
			Interval: time.Second, Timeout: time.Second, DownAfter: 2, UpAfter: 1}
	}
	clock := &fixedClock{t: downSince}
	m := monitor.New(clock, []config.Host{host("up1"), host("down2"), host("paused3"), host("pending4")}, nil)
	m.KeepCounters()
	ok := func(id probe.HostID, rtt time.Duration) probe.Result { return probe.Result{ID: id, RTT: rtt} }
	timeout := probe.Result{ID: 2, Err: probe.ErrTimeout}
	for _, r := range []probe.Result{
		ok(1, 300*time.Microsecond), ok(1, 700*time.Microsecond), ok(1, 3*time.Second),
		ok(1, 1500*time.Microsecond), // last RTT 1.5ms
		ok(2, 2*time.Millisecond), timeout, {ID: 2, Err: errors.New("send: network is unreachable")},
		ok(3, time.Millisecond),
		// issue 14 item 1: a probe answered by an ICMP error counts under its own result.
		{ID: 4, Err: &probe.ICMPError{From: netip.MustParseAddr("198.18.0.254"), Type: 3, Code: 13}},
	} {
		m.Handle(r)
	}
	if err := m.Pause(3); err != nil {
		t.Fatal(err)
	}
	return m.Snapshot()
}

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

const wantHosts = `
# TYPE downtime_host_up gauge
downtime_host_up{address="198.18.0.1",host="up1"} 1
downtime_host_up{address="198.18.0.2",host="down2"} 0
# TYPE downtime_host_rtt_seconds gauge
downtime_host_rtt_seconds{address="198.18.0.1",host="up1"} 0.0015
# TYPE downtime_host_down_since_timestamp_seconds gauge
downtime_host_down_since_timestamp_seconds{address="198.18.0.2",host="down2"} 1.7957270455e+09
# TYPE downtime_host_outages_total counter
downtime_host_outages_total{address="198.18.0.1",host="up1"} 0
downtime_host_outages_total{address="198.18.0.2",host="down2"} 1
downtime_host_outages_total{address="198.18.0.3",host="paused3"} 0
downtime_host_outages_total{address="198.18.0.4",host="pending4"} 0
# TYPE downtime_probes_total counter
downtime_probes_total{address="198.18.0.1",host="up1",result="error"} 0
downtime_probes_total{address="198.18.0.1",host="up1",result="ok"} 4
downtime_probes_total{address="198.18.0.1",host="up1",result="prohibited"} 0
downtime_probes_total{address="198.18.0.1",host="up1",result="timeout"} 0
downtime_probes_total{address="198.18.0.1",host="up1",result="ttl_exceeded"} 0
downtime_probes_total{address="198.18.0.1",host="up1",result="unreachable"} 0
downtime_probes_total{address="198.18.0.2",host="down2",result="error"} 1
downtime_probes_total{address="198.18.0.2",host="down2",result="ok"} 1
downtime_probes_total{address="198.18.0.2",host="down2",result="prohibited"} 0
downtime_probes_total{address="198.18.0.2",host="down2",result="timeout"} 1
downtime_probes_total{address="198.18.0.2",host="down2",result="ttl_exceeded"} 0
downtime_probes_total{address="198.18.0.2",host="down2",result="unreachable"} 0
downtime_probes_total{address="198.18.0.3",host="paused3",result="error"} 0
downtime_probes_total{address="198.18.0.3",host="paused3",result="ok"} 1
downtime_probes_total{address="198.18.0.3",host="paused3",result="prohibited"} 0
downtime_probes_total{address="198.18.0.3",host="paused3",result="timeout"} 0
downtime_probes_total{address="198.18.0.3",host="paused3",result="ttl_exceeded"} 0
downtime_probes_total{address="198.18.0.3",host="paused3",result="unreachable"} 0
downtime_probes_total{address="198.18.0.4",host="pending4",result="error"} 0
downtime_probes_total{address="198.18.0.4",host="pending4",result="ok"} 0
downtime_probes_total{address="198.18.0.4",host="pending4",result="prohibited"} 1
downtime_probes_total{address="198.18.0.4",host="pending4",result="timeout"} 0
downtime_probes_total{address="198.18.0.4",host="pending4",result="ttl_exceeded"} 0
downtime_probes_total{address="198.18.0.4",host="pending4",result="unreachable"} 0
# TYPE downtime_hosts gauge
downtime_hosts{state="down"} 1
downtime_hosts{state="paused"} 1
downtime_hosts{state="pending"} 1
downtime_hosts{state="up"} 1
# TYPE downtime_alerts_sent_total counter
downtime_alerts_sent_total 7
# TYPE downtime_alerts_queued gauge
downtime_alerts_queued 2
# TYPE downtime_alerts_failed_total counter
downtime_alerts_failed_total 3
# TYPE downtime_engine_replies_ignored_total counter
downtime_engine_replies_ignored_total 4
`

const wantHistogram = `
# TYPE downtime_probe_rtt_seconds histogram
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.0001"} 0
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.00025"} 0
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.0005"} 1
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.001"} 2
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.0025"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.005"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.01"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.025"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.05"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.1"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.25"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="0.5"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="1"} 3
downtime_probe_rtt_seconds_bucket{address="198.18.0.1",host="up1",le="+Inf"} 4
downtime_probe_rtt_seconds_sum{address="198.18.0.1",host="up1"} 3.0025
downtime_probe_rtt_seconds_count{address="198.18.0.1",host="up1"} 4
`

func TestCollectorValues(t *testing.T) {
	c := NewCollector(fakeSource{snap: testSnapshot(t)}, Options{Alerts: fakeAlerts{}, Engine: fakeEngine{}, Version: "v1.2.3"})
	names := []string{"downtime_host_up", "downtime_host_rtt_seconds", "downtime_host_down_since_timestamp_seconds",
		"downtime_host_outages_total", "downtime_probes_total", "downtime_hosts",
		"downtime_alerts_sent_total", "downtime_alerts_queued", "downtime_alerts_failed_total",
		"downtime_engine_replies_ignored_total"}
	if got, want := exposition(t, c, names...), sortedFamilies(wantHosts); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// The histogram of one host: cumulative buckets, the 3s reply only in +Inf.
	got := exposition(t, c, "downtime_probe_rtt_seconds")
	var up1 []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "#") || strings.Contains(l, `host="up1"`) {
			up1 = append(up1, l)
		}
	}
	if g, w := strings.Join(up1, "\n"), strings.TrimSpace(wantHistogram); g != w {
		t.Errorf("histogram of up1:\n%s\nwant:\n%s", g, w)
	}
	if !strings.Contains(got, `downtime_probe_rtt_seconds_count{address="198.18.0.4",host="pending4"} 0`) {
		t.Error("a host with no reply yet has no empty histogram")
	}
	if n := testutil.CollectAndCount(c, "downtime_build_info"); n != 1 {
		t.Errorf("%d build_info series", n)
	}
}

func TestCollectorWithoutAlertsOrEngine(t *testing.T) {
	c := NewCollector(fakeSource{}, Options{})
	want := `# TYPE downtime_alerts_queued gauge
downtime_alerts_queued 0
# TYPE downtime_alerts_sent_total counter
downtime_alerts_sent_total 0`
	if got := exposition(t, c, "downtime_alerts_sent_total", "downtime_alerts_queued"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if n := testutil.CollectAndCount(c, "downtime_engine_probes_sent_total"); n != 0 {
		t.Errorf("engine metrics without an engine: %d", n)
	}
}

// exposition is what c serves of the named metrics, in the text format,
// without the HELP lines: the values, labels and types are the contract.
// The help is prose; a copy of it here would only test itself, and
// TestExpositionIsLintClean checks that every metric has one.
func exposition(t *testing.T, c prometheus.Collector, names ...string) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	got, err := testutil.GatherAndFormat(reg, expfmt.TypeTextPlain, names...)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		if !strings.HasPrefix(l, "# HELP ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// sortedFamilies orders an exposition's metric families by name, as a
// registry gathers them, so that the expectation can be written in the
// order a reader finds natural.
func sortedFamilies(text string) string {
	var families [][]string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(l, "# TYPE ") || len(families) == 0 {
			families = append(families, nil)
		}
		families[len(families)-1] = append(families[len(families)-1], l)
	}
	slices.SortFunc(families, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	var out []string
	for _, f := range families {
		out = append(out, f...)
	}
	return strings.Join(out, "\n")
}

// TestExpositionIsLintClean runs the linter behind `promtool check metrics`
// over the whole page as served, the Go and process collectors included.
func TestExpositionIsLintClean(t *testing.T) {
	c := NewCollector(fakeSource{snap: testSnapshot(t)}, Options{Alerts: fakeAlerts{}, Engine: fakeEngine{}, Version: "dev"})
	reg, err := NewRegistry(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewMux(reg, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, body)
	}
	problems, err := promlint.New(strings.NewReader(string(body))).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes", "downtime_host_up", `downtime_build_info{goversion=`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestScrapeFailsWhenTheMonitorDoesNot(t *testing.T) {
	var logged strings.Builder
	c := NewCollector(fakeSource{err: monitor.ErrStopped}, Options{})
	reg, err := NewRegistry(c)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	NewMux(reg, slog.New(slog.NewTextHandler(&logged, nil))).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "runner stopped") {
		t.Errorf("scrape of a stopped monitor: %d %q, want 500 with the reason", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logged.String(), `msg="metrics scrape failed"`) {
		t.Errorf("failure not logged: %q", logged.String())
	}
}

// TestAlertsFailedHelpSaysWhatIsRetried: issue 11 reading item 5, the help
// of downtime_alerts_failed_total said each failure is retried, and
// refusals never are. The one help line that carried a defect is held to
// its words here; the others are prose (see exposition).
func TestAlertsFailedHelpSaysWhatIsRetried(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(fakeSource{}, Options{Alerts: fakeAlerts{}}))
	got, err := testutil.GatherAndFormat(reg, expfmt.TypeTextPlain, "downtime_alerts_failed_total")
	if err != nil {
		t.Fatal(err)
	}
	want := "# HELP downtime_alerts_failed_total Alert delivery attempts that failed: a network error, a 5xx or a 429 is retried; a refusal (400, 401, 403) is kept as failed and not retried.\n"
	if !strings.HasPrefix(string(got), want) {
		t.Errorf("got:\n%s\nwant it to start with:\n%s", got, want)
	}
}
