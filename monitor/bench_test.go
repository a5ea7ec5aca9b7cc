package monitor

import (
	"fmt"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// benchMonitor is a monitor of n hosts that have all answered once.
func benchMonitor(n int) *Monitor {
	hosts := make([]config.Host, n)
	for i := range hosts {
		hosts[i] = hostCfg(fmt.Sprintf("h%05d", i), 3, 1)
	}
	m := New(newClock(), hosts, nil)
	for i := range n {
		m.Handle(okResult(probe.HostID(i+1), ms))
	}
	m.Snapshot()
	return m
}

// BenchmarkHandle is the cost of one probe result, the monitor's hot path.
func BenchmarkHandle(b *testing.B) {
	const n = 4000
	m := benchMonitor(n)
	results := make([]probe.Result, 64)
	for i := range results {
		results[i] = okResult(probe.HostID(i*61%n+1), time.Duration(500+i)*time.Microsecond)
		if i%16 == 0 {
			results[i] = failResult(results[i].ID)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Handle(results[i%len(results)])
	}
}

// BenchmarkSnapshot4000 is the cost of one Snapshot of 4000 hosts: idle
// (nothing changed) and busy (400 results since the previous one, what
// 4000 hosts at 1 s give between two snapshots 100 ms apart).
func BenchmarkSnapshot4000(b *testing.B) {
	const n = 4000
	b.Run("idle", func(b *testing.B) {
		m := benchMonitor(n)
		b.ReportAllocs()
		for b.Loop() {
			m.Snapshot()
		}
	})
	b.Run("400-changed", func(b *testing.B) {
		m := benchMonitor(n)
		next := 0
		b.ReportAllocs()
		for b.Loop() {
			for range n / 10 {
				m.Handle(okResult(probe.HostID(next%n+1), ms))
				next++
			}
			m.Snapshot()
		}
	})
}
