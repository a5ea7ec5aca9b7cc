package heartbeat

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a log destination safe to read while Run writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond until it holds or fails the test after 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// start runs Run in the background; the returned func stops it and
// returns what Run returned.
func start(t *testing.T, o Options) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	var (
		once   sync.Once
		runErr error
	)
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(5 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestHeartbeatBeatsFailsAndRecovers(t *testing.T) {
	const secret = "/ping/5b3c-secret-key"
	var hits, fail atomic.Int32
	var badRequest atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != secret || r.Header.Get("User-Agent") != "downtime/test" {
			badRequest.Store(r.Method + " " + r.URL.Path + " " + r.Header.Get("User-Agent"))
		}
		hits.Add(1)
		if fail.Load() > 0 {
			fail.Add(-1)
			http.Error(w, "nope", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	var log syncBuffer
	fail.Store(2)
	stop := start(t, Options{
		URL:       srv.URL + secret,
		Interval:  20 * time.Millisecond,
		UserAgent: "downtime/test",
		Log:       slog.New(slog.NewTextHandler(&log, nil)),
	})
	eventually(t, "five heartbeats", func() bool { return hits.Load() >= 5 })
	eventually(t, "the recovery line", func() bool { return strings.Contains(log.String(), `msg="heartbeat ok again"`) })
	if err := stop(); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if v := badRequest.Load(); v != nil {
		t.Errorf("unexpected request %q", v)
	}
	out := log.String()
	if n := strings.Count(out, `msg="heartbeat failed"`); n != 2 {
		t.Errorf("%d failure lines, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, "503 Service Unavailable") {
		t.Errorf("failure lines do not give the status:\n%s", out)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("the URL's secret path is in the log:\n%s", out)
	}
}

func TestHeartbeatWithheldWhileTheMonitorDoesNotAnswer(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	var log syncBuffer
	var healthy atomic.Bool
	start(t, Options{
		URL:      srv.URL,
		Interval: 10 * time.Millisecond,
		Check: func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return errors.New("runner stopped")
		},
		Log: slog.New(slog.NewTextHandler(&log, nil)),
	})
	eventually(t, "three withheld beats", func() bool { return strings.Count(log.String(), "heartbeat withheld") >= 3 })
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests while the monitor did not answer", n)
	}
	healthy.Store(true)
	eventually(t, "a heartbeat once the monitor answers", func() bool { return hits.Load() > 0 })
}

func TestHeartbeatTimeoutAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	var log syncBuffer
	start(t, Options{URL: slow.URL, Interval: 50 * time.Millisecond, Timeout: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	eventually(t, "a timed-out heartbeat", func() bool { return strings.Contains(log.String(), "deadline exceeded") })

	// A port nobody listens on: refused at once, logged, retried.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	var log2 syncBuffer
	start(t, Options{URL: url, Interval: 10 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log2, nil))})
	eventually(t, "two refused heartbeats", func() bool { return strings.Count(log2.String(), "connection refused") >= 2 })
}

func TestHeartbeatRejectsABadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://example.invalid/x", "not a url", "http://"} {
		if err := Run(context.Background(), Options{URL: u}); err == nil {
			t.Errorf("Run with url %q succeeded", u)
		}
	}
}
