package metrics

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry holds c and the standard Go runtime and process collectors.
// It is a registry of its own, not the global default, so that tests and
// two monitors in one process never share metrics.
func NewRegistry(c *Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, col := range []prometheus.Collector{
		c,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(col); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return reg, nil
}

// Handler serves the metrics of g at any path it is mounted on. A scrape
// that fails (the monitor did not answer in time) is a 500 with the reason,
// and is logged.
func Handler(g prometheus.Gatherer, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:            errorLog{log},
		ErrorHandling:       promhttp.HTTPErrorOnError,
		MaxRequestsInFlight: 4, // each scrape takes a snapshot; more at once gains nothing
	})
}

// NewMux serves the metrics at /metrics and a pointer to them at /.
func NewMux(g prometheus.Gatherer, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", Handler(g, log))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "downtime: Prometheus metrics are at /metrics")
	})
	return mux
}

// errorLog adapts slog to promhttp's Logger.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) {
	if l.log != nil {
		l.log.Error("metrics scrape failed", "err", fmt.Sprint(v...))
	}
}
