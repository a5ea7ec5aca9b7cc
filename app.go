package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"downtime/alert"
	"downtime/config"
	"downtime/history"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// app is one running monitor: the parts main wires together. Each feature
// is a setupX method in a file of its own, named for what it holds; it
// plugs in through onTransition and addService. newApp and setupServices
// list them.
type app struct {
	opts      *options
	cfg       *config.Config
	log       *slog.Logger
	store     *store.Store // nil with --no-state
	statePath string       // "off" with --no-state
	// releaseState gives up the claim on the state file (store.Lock).
	releaseState func()
	engine       *probe.Engine
	mon          *monitor.Monitor
	runner       *monitor.Runner

	// transitionSinks see every transition, in order, in one goroutine;
	// each must return quickly (the alert path queues, never sends inline).
	transitionSinks []func(monitor.Transition)
	// services run beside the monitor until the context ends.
	services []func(ctx context.Context) error
	// reloadMu serializes reloads (SIGHUP, the UI's r key).
	reloadMu sync.Mutex
	// snapshots, when set, reads the monitor's snapshots (the UI);
	// otherwise none are built.
	snapshots func(ctx context.Context, ch <-chan monitor.Snapshot)
	// alerts is the alert dispatcher (alerts.go); nil until setupAlerts.
	alerts *alert.Dispatcher
	// telegram sends the alerts (alerts.go); nil when they go to the log.
	telegram *alert.Telegram
	// hup carries the SIGHUPs that reload (reload.go); nil with the UI.
	hup <-chan os.Signal
	// state says whether the state file keeps what happens (statewatch.go).
	state stateHealth
	// logw queues log lines for the output, which may stall (logwriter.go).
	logw *logWriter
	// paths traces the path to a host that goes DOWN (paths.go); nil
	// without ICMP.
	paths *pathTracer
	// chat reads commands from Telegram (chat.go); nil when off.
	chat *alert.Commander
	// recordHistory takes every result into the history, stopHistory
	// stores its last minutes (history.go); both nil without a state file.
	recordHistory func(name string, interval time.Duration, r probe.Result)
	stopHistory   func()
	history       *history.Aggregator // what recordHistory feeds; nil without a state file
}

// onTransition adds a consumer of transitions.
func (a *app) onTransition(f func(monitor.Transition)) {
	a.transitionSinks = append(a.transitionSinks, f)
}

// addService runs f beside the monitor; its error is logged.
func (a *app) addService(f func(ctx context.Context) error) { a.services = append(a.services, f) }

// newApp opens the state file, restores runtime hosts and saved states, and
// builds the engine and the monitor. The caller closes a.store.
func newApp(o *options, cfg *config.Config, logw io.Writer) (*app, error) {
	a := &app{opts: o, cfg: cfg, logw: newLogWriter(logw, logBuffer), statePath: "off"}
	a.log = newLogger(o.logFormat, a.logw)
	a.logw.notice = func(n uint64) { // set before the first line: see logWriter.run
		a.log.Warn("log lines dropped", "lines", n, "why", "the log's reader did not keep up (alerts never wait for it)")
	}
	saved := map[string]monitor.Saved{}
	if !o.noState {
		path := o.statePath
		if path == "" {
			var err error
			if path, err = defaultStatePath(); err != nil {
				return nil, err
			}
		}
		release, err := store.Lock(path)
		if err != nil {
			return nil, err
		}
		a.releaseState = release
		st, err := store.Open(path)
		if err != nil {
			a.close()
			return nil, err
		}
		a.store, a.statePath = st, path
		if saved, err = st.Hosts(); err != nil {
			a.close()
			return nil, err
		}
		runtimeHosts, err := st.RuntimeHosts()
		if err != nil {
			a.close()
			return nil, err
		}
		for _, h := range runtimeHosts {
			if err := cfg.AddRuntime(h); err != nil {
				a.log.Warn("runtime host not restored", "host", h.Name, "err", err)
			}
		}
	}
	var demoRoles map[string]probe.DemoRole
	if len(cfg.Hosts) == 0 && o.demo {
		var err error
		if demoRoles, err = addDemoWall(cfg); err != nil {
			a.close()
			return nil, err
		}
	}
	if len(cfg.Hosts) == 0 {
		if err := addDefaultTargets(cfg); err != nil {
			a.close()
			return nil, err
		}
		a.log.Info("no targets given: watching this machine (127.0.0.1, ::1); name hosts as arguments, with -f FILE or in -c CONFIG")
	}

	engOpts := probe.Options{ICMP: needsICMP(cfg.Hosts), Resolver: resolver}
	if o.demo {
		demo := probe.NewDemo(time.Now().UnixNano(), time.Now)
		demo.SetRoles(demoRoles)
		engOpts.Prober = demo
	}
	eng, err := probe.NewEngine(engOpts)
	if err != nil {
		a.close()
		return nil, err
	}
	a.engine = eng
	a.mon = monitor.New(realClock{}, cfg.Hosts, saved)
	if a.store != nil {
		a.mon.SetStore(a.store, func(err error) {
			a.state.fail(err.Error())
			a.log.Error("state not saved", "err", err)
		})
	}
	if err := a.setupHistory(); err != nil {
		a.close()
		return nil, err
	}
	a.runner = monitor.NewRunner(a.mon, eng, monitor.RunnerOptions{OnResult: a.recordHistory})
	for _, setup := range []func() error{
		a.setupPaths,         // paths.go
		a.setupTransitionLog, // logsink.go
	} {
		if err := setup(); err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

// close flushes and closes the state file.
func (a *app) close() {
	if a.stopHistory != nil {
		a.stopHistory()
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Error("state not flushed", "err", err)
		}
	}
	if a.releaseState != nil {
		a.releaseState()
	}
	a.logw.Close()
}

// run runs everything until ctx is cancelled and every part has stopped.
func (a *app) run(ctx context.Context) error {
	results := make(chan probe.Result, 4096)
	var wg sync.WaitGroup
	engineErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		engineErr <- a.engine.Run(ctx, results)
	}()
	for _, svc := range a.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := svc(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("service failed", "err", err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		deliver := func(t monitor.Transition) {
			for _, sink := range a.transitionSinks {
				sink(t)
			}
		}
		if a.paths != nil {
			a.paths.relay(ctx, a.runner.Transitions(), deliver)
			return
		}
		for t := range a.runner.Transitions() {
			deliver(t)
		}
	}()
	// Only the UI reads snapshots; headless, the runner builds none. The UI
	// subscribes before Run, so its first snapshot comes at once.
	if a.snapshots != nil {
		snaps := a.runner.Snapshots()
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.snapshots(ctx, snaps)
			for range snaps { // until the runner stops
			}
		}()
	}
	runErr := a.runner.Run(ctx, results)
	if a.stopHistory != nil {
		a.stopHistory()
	}
	wg.Wait()
	if err := <-engineErr; err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// setupServices plugs in the features that run beside the monitor, in
// order: each may use what an earlier one built. hup, when not nil,
// carries the SIGHUPs that reload (the UI takes SIGHUP as the terminal
// going away and reloads with its r key instead).
func (a *app) setupServices(hup <-chan os.Signal) error {
	a.hup = hup
	for _, setup := range []func() error{
		a.setupAlerts,     // alerts.go: the dispatcher, Telegram
		a.setupChat,       // chat.go: commands from the Telegram chat
		a.setupMetrics,    // metricsrv.go: /metrics
		a.setupReload,     // reload.go: SIGHUP
		a.setupHeartbeat,  // heartbeat.go
		a.setupStateWatch, // statewatch.go: the state file deleted or full
	} {
		if err := setup(); err != nil {
			return err
		}
	}
	return nil
}

// logStarted writes the start line.
func (a *app) logStarted(extra ...any) {
	attrs := []any{"hosts", len(a.cfg.Hosts), "icmp", a.engine.Mode(), "state", a.statePath, "telegram", onOff(a.cfg.Telegram.Enabled())}
	if why := a.state.problem(); why != "" {
		attrs = append(attrs, "warning", "state not saved: "+why)
	}
	if why := a.engine.ErrorsHidden(); why != "" {
		attrs = append(attrs, "icmp_errors", "hidden: "+why)
	}
	a.log.Info("monitor started", append(attrs, extra...)...)
}

// logStopped writes the last line, "monitor stopped" or, when run
// returned err, "monitor failed", and returns the exit code.
func (a *app) logStopped(err error) int {
	if err != nil {
		a.log.Error("monitor failed", "err", err)
		return exitFailure
	}
	st := a.engine.Stats()
	a.log.Info("monitor stopped", "sent", st.Sent, "received", st.Received, "ignored", st.Ignored)
	return exitOK
}

// monitorHosts is headless mode: run until ctx is cancelled.
func monitorHosts(ctx context.Context, hup <-chan os.Signal, o *options, cfg *config.Config, stdout, stderr io.Writer) int {
	collectSooner()
	a, err := newApp(o, cfg, stdout)
	if err != nil {
		return reportError(stderr, err)
	}
	defer a.close()
	if err := a.setupServices(hup); err != nil {
		return reportError(stderr, err)
	}
	a.logStarted()
	return a.logStopped(a.run(ctx))
}
