package main

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"downtime/internal/testnet"
)

// page is one scrape of /metrics, parsed.
type page struct {
	text     string
	families map[string]*dto.MetricFamily
}

// scrape fetches and parses http://addr/metrics, failing the test on any
// error, and checks the page with the linter of `promtool check metrics`.
func scrape(t *testing.T, addr string) page {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s %v\n%s", resp.Status, err, body)
	}
	p := page{text: string(body)}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	if p.families, err = parser.TextToMetricFamilies(strings.NewReader(p.text)); err != nil {
		t.Fatalf("scrape: parse: %v\n%s", err, body)
	}
	problems, err := promlint.New(strings.NewReader(p.text)).Lint()
	if err != nil {
		t.Fatalf("lint: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("lint: %s: %s", pr.Metric, pr.Text)
	}
	return p
}

// metric finds the series of name whose labels include every pair of
// labels ("host", "a", "result", "ok"…).
func (p page) metric(name string, labels ...string) (*dto.Metric, bool) {
	f := p.families[name]
	if f == nil {
		return nil, false
	}
	for _, m := range f.GetMetric() {
		if hasLabels(m, labels) {
			return m, true
		}
	}
	return nil, false
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// value is the gauge or counter value of a series; NaN when it is absent.
func (p page) value(name string, labels ...string) float64 {
	m, ok := p.metric(name, labels...)
	switch {
	case !ok:
		return math.NaN()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return math.NaN()
}

// probes is a host's downtime_probes_total over every result.
func (p page) probes(host string) float64 {
	return p.value("downtime_probes_total", "host", host, "result", "ok") +
		p.value("downtime_probes_total", "host", host, "result", "timeout") +
		p.value("downtime_probes_total", "host", host, "result", "error")
}

// mentions reports whether any series of any family carries host=name.
func (p page) mentions(host string) bool {
	for _, f := range p.families {
		for _, m := range f.GetMetric() {
			if hasLabels(m, []string{"host", host}) {
				return true
			}
		}
	}
	return false
}

// waitMetrics scrapes until cond holds, failing the test after d; it
// returns the page that satisfied it.
func waitMetrics(t *testing.T, addr string, d time.Duration, what string, cond func(page) bool) page {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		p := scrape(t, addr)
		if cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics: no %s within %v; last page:\n%s", what, d, downtimeLines(p.text))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// downtimeLines keeps the page's downtime_ series, for failure messages.
func downtimeLines(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "downtime_") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var metricsAddrField = regexp.MustCompile(`addr=(\S+)`)

// metricsAddr waits for the "metrics listening" line and returns its address.
func metricsAddr(p *proc) string {
	p.t.Helper()
	line := p.waitFor(5*time.Second, `msg="metrics listening"`, "path=/metrics")
	return metricsAddrField.FindStringSubmatch(line)[1]
}

// TestMetricsOfARunningMonitor scrapes a monitor watching loopback and a
// namespace host whose link goes down, then up, and checks the values and
// labels the page gives at each step.
func TestMetricsOfARunningMonitor(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t, testnet.NoIPv6())
	ns := h.Addr4.String()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), fmt.Sprintf(`
[defaults]
interval = "100ms"
timeout = "100ms"
down_after = 3

[[host]]
name = "lo4"
address = "127.0.0.1"

[[host]]
name = "lo6"
address = "::1"

[[host]]
name = "ns"
address = "%s"
`, ns))
	p := start(t, dir, "--no-ui", "--no-state", "-c", cfg, "--metrics", "127.0.0.1:0")
	addr := metricsAddr(p)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("metrics on %s, want loopback as told", addr)
	}

	up := waitMetrics(t, addr, 5*time.Second, "three hosts up", func(m page) bool {
		return m.value("downtime_host_up", "host", "lo4", "address", "127.0.0.1") == 1 &&
			m.value("downtime_host_up", "host", "lo6", "address", "::1") == 1 &&
			m.value("downtime_host_up", "host", "ns", "address", ns) == 1 &&
			m.value("downtime_probes_total", "host", "lo4", "result", "ok") >= 5
	})
	for _, host := range []string{"lo4", "lo6", "ns"} {
		if rtt := up.value("downtime_host_rtt_seconds", "host", host); !(rtt > 0 && rtt < 0.05) {
			t.Errorf("%s: last RTT %v s, want a few hundred µs", host, rtt)
		}
		if _, ok := up.metric("downtime_host_down_since_timestamp_seconds", "host", host); ok {
			t.Errorf("%s is up but has a down_since", host)
		}
	}
	// The histogram counts every answered probe of lo4, in the buckets
	// of a loopback RTT.
	hist, ok := up.metric("downtime_probe_rtt_seconds", "host", "lo4", "address", "127.0.0.1")
	if !ok || hist.Histogram == nil {
		t.Fatalf("no RTT histogram for lo4:\n%s", downtimeLines(up.text))
	}
	okProbes := up.value("downtime_probes_total", "host", "lo4", "result", "ok")
	if float64(hist.Histogram.GetSampleCount()) != okProbes {
		t.Errorf("lo4: histogram count %d, probes_total{result=ok} %v: want equal", hist.Histogram.GetSampleCount(), okProbes)
	}
	var under10ms uint64
	for _, b := range hist.Histogram.GetBucket() {
		if b.GetUpperBound() == 0.01 {
			under10ms = b.GetCumulativeCount()
		}
	}
	if under10ms != hist.Histogram.GetSampleCount() {
		t.Errorf("lo4: %d of %d loopback RTTs at or under 10ms", under10ms, hist.Histogram.GetSampleCount())
	}
	if s := hist.Histogram.GetSampleSum(); !(s > 0 && s < okProbes*0.01) {
		t.Errorf("lo4: RTT sum %v s over %v probes", s, okProbes)
	}
	if v := up.value("downtime_hosts", "state", "up"); v != 3 {
		t.Errorf("downtime_hosts{state=up} = %v, want 3", v)
	}
	for _, name := range []string{"downtime_alerts_sent_total", "downtime_alerts_queued", "downtime_alerts_failed_total"} {
		if v := up.value(name); v != 0 {
			t.Errorf("%s = %v without alerts, want 0", name, v)
		}
	}
	if _, ok := up.metric("downtime_build_info", "version", "dev"); !ok {
		t.Error("no downtime_build_info{version=\"dev\"}")
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if _, ok := up.families[name]; !ok {
			t.Errorf("standard metric %s missing", name)
		}
	}

	// The namespace host goes down.
	h.LinkDown()
	line := p.waitFor(5*time.Second, `msg="host down"`, "host=ns")
	since, err := time.Parse(time.RFC3339, sinceField.FindStringSubmatch(line)[1])
	if err != nil {
		t.Fatal(err)
	}
	down := waitMetrics(t, addr, 5*time.Second, "ns down", func(m page) bool {
		return m.value("downtime_host_up", "host", "ns", "address", ns) == 0
	})
	ds := down.value("downtime_host_down_since_timestamp_seconds", "host", "ns", "address", ns)
	if d := ds - float64(since.Unix()); d < 0 || d >= 1 {
		t.Errorf("down_since %v, want the second of the log's since=%s", ds, since.Format(time.RFC3339))
	}
	if v := down.value("downtime_host_outages_total", "host", "ns", "address", ns); v != 1 {
		t.Errorf("ns outages_total = %v, want 1", v)
	}
	failed := down.value("downtime_probes_total", "host", "ns", "result", "timeout") +
		down.value("downtime_probes_total", "host", "ns", "result", "error")
	if failed < 3 {
		t.Errorf("ns: %v failed probes counted, want at least down_after = 3", failed)
	}
	if _, ok := down.metric("downtime_host_rtt_seconds", "host", "ns"); ok {
		t.Error("ns: a last RTT is shown for a probe that got no reply")
	}
	if down.value("downtime_hosts", "state", "down") != 1 || down.value("downtime_hosts", "state", "up") != 2 {
		t.Errorf("host counts by state wrong:\n%s", downtimeLines(down.text))
	}
	if down.value("downtime_host_up", "host", "lo4") != 1 || down.value("downtime_host_outages_total", "host", "lo4") != 0 {
		t.Error("lo4 is affected by ns going down")
	}

	// And comes back: up again, the outage counted once, no down_since.
	h.LinkUp()
	p.waitFor(5*time.Second, `msg="host up"`, "host=ns")
	back := waitMetrics(t, addr, 5*time.Second, "ns up again", func(m page) bool {
		return m.value("downtime_host_up", "host", "ns") == 1
	})
	if v := back.value("downtime_host_outages_total", "host", "ns"); v != 1 {
		t.Errorf("ns outages_total after recovery = %v, want 1", v)
	}
	if _, ok := back.metric("downtime_host_down_since_timestamp_seconds", "host", "ns"); ok {
		t.Error("ns is up but still has a down_since")
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d on SIGTERM", code)
	}
}

// TestMetricsAddress checks where metrics are served: [metrics] listen,
// --metrics over it, nowhere by default, and the errors.
func TestMetricsAddress(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := writeFile(t, filepath.Join(dir, "busy.toml"), fmt.Sprintf("[metrics]\nlisten = %q\n", busy.Addr().String()))
	// The config takes no port 0: borrow a free port for it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := l.Addr().String()
	l.Close()
	free := writeFile(t, filepath.Join(dir, "free.toml"), fmt.Sprintf("[metrics]\nlisten = %q\n", freeAddr))
	demo := []string{"--no-ui", "--no-state", "--demo", "web-01"}

	t.Run("config", func(t *testing.T) {
		p := start(t, dir, append(demo, "-c", free)...)
		addr := metricsAddr(p)
		if addr != freeAddr {
			t.Errorf("metrics on %s, want the config's %s", addr, freeAddr)
		}
		m := scrape(t, addr)
		if _, ok := m.metric("downtime_probes_total", "host", "web-01", "address", "web-01", "result", "ok"); !ok {
			t.Errorf("no probes_total for web-01:\n%s", downtimeLines(m.text))
		}
	})
	t.Run("flag overrides config", func(t *testing.T) {
		p := start(t, dir, append(demo, "-c", cfg, "--metrics", "127.0.0.1:0")...)
		if addr := metricsAddr(p); addr == busy.Addr().String() {
			t.Errorf("metrics on the config's %s despite --metrics", addr)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		p := start(t, dir, demo...)
		p.waitFor(5*time.Second, `msg="monitor started"`)
		if n := p.count("metrics listening"); n != 0 {
			t.Error("metrics served without being asked")
		}
	})
	t.Run("address in use", func(t *testing.T) {
		code, _, stderr := runOnce(t, dir, "", append(demo, "-c", cfg)...)
		if code != 1 || !strings.Contains(stderr, "metrics") || !strings.Contains(stderr, "address already in use") {
			t.Errorf("exit %d, stderr %q; want 1 naming the metrics address in use", code, stderr)
		}
	})
	t.Run("bad flag", func(t *testing.T) {
		code, _, stderr := runOnce(t, dir, "", append(demo, "--metrics", "9115")...)
		if code != 2 || !strings.Contains(stderr, "--metrics") {
			t.Errorf("exit %d, stderr %q; want 2 naming --metrics", code, stderr)
		}
	})
}
