package main

import (
	"fmt"

	"downtime/config"
	"downtime/probe"
)

// demoHost is one host of the demo wall.
type demoHost struct {
	name, addr, parent string
	role               probe.DemoRole
}

// demoWall is what `--demo` watches when no target is named: some 40
// hosts across a few sites, each site behind its gateway, with one of
// each kind of trouble in the first minute. The addresses are from
// 198.18.0.0/15 (benchmarking); the demo prober sends nothing anywhere.
var demoWall = []demoHost{
	{"uplink", "198.18.0.1", "", probe.DemoFar},
	{"core-sw1", "198.18.0.2", "uplink", probe.DemoSteady},
	{"core-sw2", "198.18.0.3", "uplink", probe.DemoSteady},

	{"gw-ams", "198.18.1.1", "core-sw1", probe.DemoSteady},
	{"lb-ams", "198.18.1.2", "gw-ams", probe.DemoSteady},
	{"web-01", "198.18.1.11", "gw-ams", probe.DemoSteady},
	{"web-02", "198.18.1.12", "gw-ams", probe.DemoSteady},
	{"web-03", "198.18.1.13", "gw-ams", probe.DemoSteady},
	{"web-04", "198.18.1.14", "gw-ams", probe.DemoSteady},
	{"db-01", "198.18.1.21", "gw-ams", probe.DemoSteady},
	{"db-02", "198.18.1.22", "gw-ams", probe.DemoDown},
	{"cache-01", "198.18.1.31", "gw-ams", probe.DemoSteady},
	{"cache-02", "198.18.1.32", "gw-ams", probe.DemoSteady},
	{"mail-01", "198.18.1.41", "gw-ams", probe.DemoSteady},
	{"dns-01", "198.18.1.53", "gw-ams", probe.DemoSteady},

	{"gw-fra", "198.18.2.1", "core-sw2", probe.DemoSteady},
	{"app-01", "198.18.2.11", "gw-fra", probe.DemoSteady},
	{"app-02", "198.18.2.12", "gw-fra", probe.DemoSteady},
	{"app-03", "198.18.2.13", "gw-fra", probe.DemoSteady},
	{"app-04", "198.18.2.14", "gw-fra", probe.DemoSteady},
	{"kafka-01", "198.18.2.21", "gw-fra", probe.DemoSteady},
	{"kafka-02", "198.18.2.22", "gw-fra", probe.DemoSteady},
	{"kafka-03", "198.18.2.23", "gw-fra", probe.DemoFlapping},
	{"mq-01", "198.18.2.31", "gw-fra", probe.DemoSteady},
	{"search-01", "198.18.2.41", "gw-fra", probe.DemoSteady},
	{"dns-02", "198.18.2.53", "gw-fra", probe.DemoSteady},

	{"gw-lab", "198.18.3.1", "core-sw2", probe.DemoSteady},
	{"ap-lab", "198.18.3.2", "gw-lab", probe.DemoLossy},
	{"build-01", "198.18.3.11", "gw-lab", probe.DemoSteady},
	{"build-02", "198.18.3.12", "gw-lab", probe.DemoSteady},
	{"build-03", "198.18.3.13", "gw-lab", probe.DemoRecovering},
	{"ci-runner", "198.18.3.21", "gw-lab", probe.DemoSteady},
	{"nas-01", "198.18.3.31", "gw-lab", probe.DemoSteady},
	{"nas-02", "198.18.3.32", "gw-lab", probe.DemoSteady},
	{"printer", "198.18.3.41", "gw-lab", probe.DemoSteady},

	{"vpn-sgp", "198.18.4.1", "uplink", probe.DemoSlow},
	{"vpn-nyc", "198.18.4.2", "uplink", probe.DemoFar},
	{"backup-offsite", "198.18.4.3", "uplink", probe.DemoFar},
	{"status-page", "tcp://198.18.4.10:443", "uplink", probe.DemoFar},
	{"git", "tcp://198.18.4.11:22", "uplink", probe.DemoFar},
}

// addDemoWall gives cfg, which names no host, the demo wall, and returns
// the demo prober's script for it.
func addDemoWall(cfg *config.Config) (map[string]probe.DemoRole, error) {
	roles := make(map[string]probe.DemoRole, len(demoWall))
	for _, d := range demoWall {
		h, err := cfg.NewHost(d.addr, d.name)
		if err != nil {
			return nil, fmt.Errorf("demo host %s: %w", d.name, err)
		}
		h.Origin, h.Parent = config.OriginDemo, d.parent
		cfg.Hosts = append(cfg.Hosts, h)
		roles[h.Target.String()] = d.role
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo hosts: %w", err)
	}
	return roles, nil
}
