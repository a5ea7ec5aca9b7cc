//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // the profiles, on loopback only, in builds tagged pprof
	"os"
)

// With the build tag pprof (bench and profiling builds only), the profiles
// are served on DOWNTIME_PPROF, a loopback address such as 127.0.0.1:6060.
func init() {
	if addr := os.Getenv("DOWNTIME_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
