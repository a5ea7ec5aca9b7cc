// Package metrics exports the monitor as Prometheus metrics. The Collector
// reads one snapshot of the monitor per scrape rather than updating gauges
// on every probe, so metrics cost nothing between scrapes whatever the probe
// rate; the counters come from the monitor's running totals, which count
// every probe.
package metrics

import (
	"context"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"downtime/monitor"
	"downtime/probe"
)

// Source gives the monitor's current snapshot; *monitor.Runner is one.
type Source interface {
	Snapshot(ctx context.Context) (monitor.Snapshot, error)
}

// AlertStats are the alert path's running figures.
type AlertStats interface {
	Sent() uint64   // messages delivered
	Queued() int    // messages waiting in the outbox
	Failed() uint64 // delivery attempts that failed
}

// EngineStats are the probe engine's running totals; *probe.Engine is one.
type EngineStats interface {
	Stats() probe.Stats
}

// Options complete a Collector; the zero value is ready to use.
type Options struct {
	// Alerts feeds the downtime_alerts_* metrics; with nil they read 0
	// (nothing is sent when no alert channel is configured).
	Alerts AlertStats
	// Engine feeds the downtime_engine_* metrics; with nil they are left out.
	Engine EngineStats
	// LogDropped feeds downtime_log_lines_dropped_total; with nil it reads 0.
	LogDropped func() uint64
	// Version is the build's version, for downtime_build_info.
	Version string
	// Timeout bounds the wait for a snapshot (default 5s): a scrape fails
	// rather than hangs when the monitor does not answer.
	Timeout time.Duration
}

// Per-host label names.
var hostLabels = []string{"host", "address"}

var (
	descHostUp = prometheus.NewDesc("downtime_host_up",
		"Whether the host is up (1) or down (0); absent while it is pending or paused.", hostLabels, nil)
	descHostRTT = prometheus.NewDesc("downtime_host_rtt_seconds",
		"Round-trip time of the host's last probe; absent when it got no reply.", hostLabels, nil)
	descProbeRTT = prometheus.NewDesc("downtime_probe_rtt_seconds",
		"Round-trip times of the host's answered probes.", hostLabels, nil)
	descProbes = prometheus.NewDesc("downtime_probes_total",
		"Probes of the host by result: ok, timeout (no reply in time), unreachable, prohibited or ttl_exceeded (an ICMP error from a router or the host) or error (no route here, refused, unresolved).",
		append(hostLabels[:len(hostLabels):len(hostLabels)], "result"), nil)
	descOutages = prometheus.NewDesc("downtime_host_outages_total",
		"Times the host went down since it was added (an outage restored at start-up is not counted again).", hostLabels, nil)
	descDownSince = prometheus.NewDesc("downtime_host_down_since_timestamp_seconds",
		"Start of the host's running outage, in seconds since the epoch; absent unless it is down.", hostLabels, nil)
	descHosts = prometheus.NewDesc("downtime_hosts",
		"Hosts by state: pending, up, down or paused.", []string{"state"}, nil)

	descAlertsSent = prometheus.NewDesc("downtime_alerts_sent_total",
		"Alert messages delivered.", nil, nil)
	descAlertsQueued = prometheus.NewDesc("downtime_alerts_queued",
		"Alert messages waiting in the outbox to be delivered.", nil, nil)
	descAlertsFailed = prometheus.NewDesc("downtime_alerts_failed_total",
		"Alert delivery attempts that failed: a network error, a 5xx or a 429 is retried; a refusal (400, 401, 403) is kept as failed and not retried.", nil, nil)
	descLogDropped = prometheus.NewDesc("downtime_log_lines_dropped_total",
		"Log lines dropped because the log's reader (stdout, the journal) did not keep up; alerts never wait for it.", nil, nil)

	descEngineSent = prometheus.NewDesc("downtime_engine_probes_sent_total",
		"Probes sent by the engine, all hosts together.", nil, nil)
	descEngineReceived = prometheus.NewDesc("downtime_engine_replies_received_total",
		"Valid replies matched to a probe, all hosts together.", nil, nil)
	descEngineIgnored = prometheus.NewDesc("downtime_engine_replies_ignored_total",
		"Packets that matched no outstanding probe: late, duplicated, foreign or corrupted.", nil, nil)

	descBuildInfo = prometheus.NewDesc("downtime_build_info",
		"Always 1; the labels tell the version of downtime and of Go it was built with.", []string{"version", "goversion"}, nil)
)

// rttBounds are monitor.RTTBuckets in seconds, the histogram's bucket bounds.
var rttBounds = func() []float64 {
	b := make([]float64, len(monitor.RTTBuckets))
	for i, d := range monitor.RTTBuckets {
		b[i] = d.Seconds()
	}
	return b
}()

// Collector is a prometheus.Collector for the monitor.
type Collector struct {
	src  Source
	opts Options
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector exports the hosts src reports.
func NewCollector(src Source, opts Options) *Collector {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	return &Collector{src: src, opts: opts}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descHostUp, descHostRTT, descProbeRTT, descProbes, descOutages, descDownSince, descHosts,
		descAlertsSent, descAlertsQueued, descAlertsFailed, descLogDropped, descBuildInfo,
	} {
		ch <- d
	}
	if c.opts.Engine != nil {
		ch <- descEngineSent
		ch <- descEngineReceived
		ch <- descEngineIgnored
	}
}

// Collect asks the monitor for a snapshot and sends the metrics of every
// host in it, then the process-wide ones.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descBuildInfo, prometheus.GaugeValue, 1, c.opts.Version, runtime.Version())
	c.collectAlerts(ch)
	var dropped uint64
	if c.opts.LogDropped != nil {
		dropped = c.opts.LogDropped()
	}
	ch <- prometheus.MustNewConstMetric(descLogDropped, prometheus.CounterValue, float64(dropped))
	if e := c.opts.Engine; e != nil {
		s := e.Stats()
		ch <- prometheus.MustNewConstMetric(descEngineSent, prometheus.CounterValue, float64(s.Sent))
		ch <- prometheus.MustNewConstMetric(descEngineReceived, prometheus.CounterValue, float64(s.Received))
		ch <- prometheus.MustNewConstMetric(descEngineIgnored, prometheus.CounterValue, float64(s.Ignored))
	}

	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	snap, err := c.src.Snapshot(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descHostUp, err)
		return
	}
	var byState [monitor.Paused + 1]int
	seen := make(map[string]bool, len(snap.Hosts))
	for _, v := range snap.Hosts {
		if seen[v.Name] {
			continue // one series per name; config keeps names unique
		}
		seen[v.Name] = true
		if int(v.State) < len(byState) {
			byState[v.State]++
		}
		collectHost(ch, v)
	}
	for st, n := range byState {
		ch <- prometheus.MustNewConstMetric(descHosts, prometheus.GaugeValue, float64(n), monitor.State(st).String())
	}
}

func (c *Collector) collectAlerts(ch chan<- prometheus.Metric) {
	var sent, failed uint64
	var queued int
	if a := c.opts.Alerts; a != nil {
		sent, queued, failed = a.Sent(), a.Queued(), a.Failed()
	}
	ch <- prometheus.MustNewConstMetric(descAlertsSent, prometheus.CounterValue, float64(sent))
	ch <- prometheus.MustNewConstMetric(descAlertsQueued, prometheus.GaugeValue, float64(queued))
	ch <- prometheus.MustNewConstMetric(descAlertsFailed, prometheus.CounterValue, float64(failed))
}

// collectHost sends one host's metrics.
func collectHost(ch chan<- prometheus.Metric, v *monitor.HostView) {
	labels := []string{v.Name, v.Address}
	switch v.State {
	case monitor.Up:
		ch <- prometheus.MustNewConstMetric(descHostUp, prometheus.GaugeValue, 1, labels...)
	case monitor.Down:
		ch <- prometheus.MustNewConstMetric(descHostUp, prometheus.GaugeValue, 0, labels...)
		ch <- prometheus.MustNewConstMetric(descDownSince, prometheus.GaugeValue, unixSeconds(v.DownSince), labels...)
	}
	if n := len(v.Samples); n > 0 && v.State != monitor.Paused && v.Samples[n-1] != monitor.Lost {
		ch <- prometheus.MustNewConstMetric(descHostRTT, prometheus.GaugeValue, v.Samples[n-1].RTT().Seconds(), labels...)
	}

	c := &v.Counters
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.OK), v.Name, v.Address, "ok")
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.Timeout), v.Name, v.Address, "timeout")
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.Error), v.Name, v.Address, "error")
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.Unreachable), v.Name, v.Address, "unreachable")
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.Prohibited), v.Name, v.Address, "prohibited")
	ch <- prometheus.MustNewConstMetric(descProbes, prometheus.CounterValue, float64(c.TTLExceeded), v.Name, v.Address, "ttl_exceeded")
	ch <- prometheus.MustNewConstMetric(descOutages, prometheus.CounterValue, float64(c.Outages), labels...)

	buckets := make(map[float64]uint64, len(rttBounds))
	var cum uint64
	for i, bound := range rttBounds {
		cum += c.RTTCounts[i]
		buckets[bound] = cum
	}
	ch <- prometheus.MustNewConstHistogram(descProbeRTT, c.OK, c.RTTSum.Seconds(), buckets, labels...)
}

// unixSeconds is t in seconds since the epoch, with its fraction.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
