package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ChatStats are the acks, mutes and chat commands of the alert path.
type ChatStats interface {
	// Silenced returns, as of now, whether a host is muted and whether
	// its running outage is acknowledged.
	Silenced() func(host string) (muted, acked bool)
	// Commands are the chat's commands so far by command and result.
	Commands() []CommandCount
}

// CommandCount is one series of downtime_telegram_commands_total.
type CommandCount struct {
	Command, Result string
	N               uint64
}

var (
	descHostMuted = prometheus.NewDesc("downtime_host_muted",
		"Whether the host is muted (1: no alerts for it; /mute, the UI's m key, a maintenance window) or not (0).", hostLabels, nil)
	descAcked = prometheus.NewDesc("downtime_outage_acknowledged",
		"Whether the host's running outage is acknowledged (1: no more reminders) or not (0).", hostLabels, nil)
	descCommands = prometheus.NewDesc("downtime_telegram_commands_total",
		"Commands and button presses read from Telegram, by command and result (ok, error, refused, limited).",
		[]string{"command", "result"}, nil)
)

// ChatCollector exports ChatStats, per host from the monitor's snapshot.
type ChatCollector struct {
	src  Source
	chat ChatStats
}

// NewChatCollector exports chat's figures for the hosts src has.
func NewChatCollector(src Source, chat ChatStats) *ChatCollector {
	return &ChatCollector{src: src, chat: chat}
}

// Describe sends every metric's description.
func (c *ChatCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descHostMuted
	ch <- descAcked
	ch <- descCommands
}

// Collect reads one snapshot and the silences in force.
func (c *ChatCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.chat.Commands() {
		ch <- prometheus.MustNewConstMetric(descCommands, prometheus.CounterValue, float64(n.N), n.Command, n.Result)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	snap, err := c.src.Snapshot(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descHostMuted, err)
		return
	}
	silenced := c.chat.Silenced()
	for _, h := range snap.Hosts {
		muted, acked := silenced(h.Name)
		ch <- prometheus.MustNewConstMetric(descHostMuted, prometheus.GaugeValue, b2f(muted), h.Name, h.Address)
		ch <- prometheus.MustNewConstMetric(descAcked, prometheus.GaugeValue, b2f(acked), h.Name, h.Address)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
