package alert

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
)

// testToken looks like a real token and is nobody's.
const testToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

// switchable is an http.RoundTripper that can be unplugged: while down,
// every request fails to connect (connection refused), as when the link to
// Telegram is gone.
type switchable struct {
	base http.RoundTripper
	down atomic.Bool
}

func (s *switchable) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return s.base.RoundTrip(r)
}

// newTelegram is a notifier that talks to bot through link.
func newTelegram(bot *fakebot.Server, chatID string, link *switchable) *Telegram {
	client := DefaultHTTPClient()
	if link != nil {
		link.base = client.Transport
		client.Transport = link
	}
	return NewTelegram(config.Telegram{Token: bot.Token, ChatID: chatID, APIURL: bot.URL}, client)
}

// running is a Dispatcher running in the background until the test ends.
type running struct {
	*Dispatcher
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

func start(t *testing.T, o Options) *running {
	t.Helper()
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Dispatcher: d, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		d.Run(ctx)
	}()
	t.Cleanup(r.stop)
	return r
}

// stop cancels Run and waits for it; safe to call twice.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			panic("Dispatcher.Run did not return after cancel")
		}
	})
}

func schedule(s []time.Duration) func(string) []time.Duration {
	return func(string) []time.Duration { return s }
}

func downAt(host string, at time.Time) monitor.Transition {
	return monitor.Transition{Host: host, Address: host + ".lan", From: monitor.Up, To: monitor.Down, At: at, DownSince: at}
}

func upAt(host string, since, at time.Time) monitor.Transition {
	return monitor.Transition{Host: host, Address: host + ".lan", From: monitor.Down, To: monitor.Up, At: at, DownSince: since}
}

func texts(sent []fakebot.Sent) []string {
	out := make([]string, len(sent))
	for i, s := range sent {
		out[i] = s.Text
	}
	return out
}

func containsAll(s string, want ...string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// count is how many messages were ever written to the outbox.
func (s *MemStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}
