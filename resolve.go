package main

import (
	"net"

	"downtime/probe"
)

// resolver looks up the DNS names of targets: the monitor's (the engine's
// Options.Resolver) and downtime trace's. Tests replace it with a stub
// that refuses every name it was not given (resolve_test.go), so that no
// test sends a DNS query.
var resolver probe.Resolver = net.DefaultResolver
