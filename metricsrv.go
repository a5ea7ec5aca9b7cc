package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"downtime/metrics"
)

// setupMetrics serves Prometheus metrics at /metrics on --metrics ADDR, or
// else [metrics] listen; neither set, it does nothing. It binds at once, so
// an address in use fails the start rather than a minute later, and logs
// the address bound (with port 0, the port the kernel chose). It runs
// after setupAlerts and setupChat, whose counts it exports.
func (a *app) setupMetrics() error {
	addr := a.opts.metrics
	if addr == "" {
		addr = a.cfg.Metrics.Listen
	}
	if addr == "" {
		return nil
	}
	a.mon.KeepCounters() // the runner has not started: the monitor is still ours
	reg, err := metrics.NewRegistry(metrics.NewCollector(a.runner, metrics.Options{
		Alerts:     a.alertStats(),
		Engine:     a.engine,
		LogDropped: a.logw.Dropped,
		Version:    version,
	}))
	if err != nil {
		return err
	}
	if chat := a.chatStats(); chat != nil {
		if err := reg.Register(metrics.NewChatCollector(a.runner, chat)); err != nil {
			return fmt.Errorf("metrics: register: %w", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: %w (choose another address with --metrics or [metrics] listen)", err)
	}
	srv := &http.Server{
		Handler:           metrics.NewMux(reg, a.log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	a.addService(func(ctx context.Context) error {
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			return fmt.Errorf("metrics: %w", err)
		case <-ctx.Done():
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdown)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		return err
	})
	return nil
}
