package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
)

// Issue 11 attack 6: a 429 with retry_after = 3600 held alerts for an hour,
// and 9223372036 until a restart. retry_after is honoured up to
// MaxRetryAfter, and the log says the ceiling applied.
func TestRetryAfterCeiling(t *testing.T) {
	for _, seconds := range []int{3600, 9223372036} {
		t.Run(fmt.Sprint(seconds), func(t *testing.T) {
			clk := newFakeClock()
			bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
			log, logs := testLogger()
			d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Log: log})
			bot.Script(fakebot.TooManyRequests(seconds))
			d.Transition(downAt("a", t0))
			first := bot.WaitRequests(t, 1, 5*time.Second)[0]
			if first.Reply != "429" {
				t.Fatalf("first reply %s", first.Reply)
			}
			clk.waitWaiter(t, first.At.Add(MaxRetryAfter))
			clk.Advance(MaxRetryAfter)
			second := bot.WaitRequests(t, 2, 5*time.Second)[1]
			if gap := second.At.Sub(first.At); gap != MaxRetryAfter || second.Reply != "ok" {
				t.Errorf("second try %v after the 429 (%s), want %v", gap, second.Reply, MaxRetryAfter)
			}
			if !containsAll(logs.String(), "longer than the ceiling", "ceiling=5m0s", "retry_in=5m0s") {
				t.Errorf("the log does not say the ceiling applied:\n%s", logs)
			}
		})
	}
}

// Issue 11 attack 12: a 200 {"ok":false} was logged as "telegram: 200 OK",
// without Telegram's description.
func TestTelegramOKFalse(t *testing.T) {
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"ok": false, "description": "Bad Request: the proxy says no"}, "telegram: 200 Bad Request: the proxy says no"},
		{map[string]any{"ok": false}, `telegram: 200 answered {"ok":false} without a description`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(c.body)
		}))
		tg := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: srv.URL}, nil)
		err := tg.Send(context.Background(), Message{Text: "x"})
		srv.Close()
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: err = %v, want %q", c.body, err, c.want)
		}
	}
}

// Issue 11 attack 11: credentials in api_url (http://user:PASS@…) were
// printed in errors and warnings.
func TestTelegramRedactsAPIURLCredentials(t *testing.T) {
	bot := fakebot.New(t, testToken)
	const pass = "S3cretPassw0rd"
	api := strings.Replace(bot.URL, "://", "://ops:"+pass+"@", 1)
	tg := NewTelegram(config.Telegram{Token: testToken, ChatID: "4242", APIURL: api}, nil)
	if err := tg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	var shown []string
	shown = append(shown, tg.APIURL(), fmt.Sprint(tg), fmt.Sprintf("%+v", tg), tg.LogValue().String())
	bot.Script(fakebot.Unauthorized)
	if err := tg.Send(context.Background(), Message{Text: "x"}); err != nil {
		shown = append(shown, err.Error())
	}
	// Nobody listening: the transport's error.
	off := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: "http://ops:" + pass + "@127.0.0.1:1"}, nil)
	if err := off.Send(context.Background(), Message{Text: "x"}); err != nil {
		shown = append(shown, err.Error())
	}
	bad := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: "ftp://ops:" + pass + "@host"}, nil)
	if err := bad.Validate(); err != nil {
		shown = append(shown, err.Error())
	}
	for _, s := range shown {
		if strings.Contains(s, pass) || strings.Contains(s, "ops:") {
			t.Errorf("printed with the credentials: %s", s)
		}
	}
	if !strings.Contains(tg.APIURL(), config.RedactedCredentials+"@127.0.0.1") {
		t.Errorf("APIURL() = %s, want the credentials replaced by %s", tg.APIURL(), config.RedactedCredentials)
	}
	bot.Heal()
	if err := tg.Send(context.Background(), Message{Text: "y"}); err != nil {
		t.Errorf("a send with credentials in api_url: %v", err)
	}
}

// Issue 11 attack 8: a message pending in the outbox, and a restart without
// Telegram (an EnvironmentFile that went missing): it was written to the
// log and marked sent, and never reached Telegram. It stays pending, the
// start says so, and the alerts of this run still go to the log.
func TestQueuedAlertsWaitForTelegram(t *testing.T) {
	st := NewMemStore()
	if _, err := st.AddOutbox([]Message{
		{Made: t0, Kind: "down", Hosts: []string{"db1"}, Text: "🔴 db1 is DOWN"},
		{Made: t0, Kind: "down", Hosts: []string{"db2"}, Text: "🔴 db2 is DOWN"},
	}, nil, nil); err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	log, logs := testLogger()
	d := start(t, Options{Store: st, Clock: clk, Log: log})
	if !strings.Contains(logs.String(), `msg="2 alerts wait for Telegram, which is not configured"`) {
		t.Errorf("the start does not say the queued alerts wait:\n%s", logs)
	}
	d.Transition(downAt("web", t0))
	clk.Advance(time.Minute) // past the group window
	waitFor(t, "the alert of this run in the log", func() bool { return strings.Contains(logs.String(), "hosts=web") })
	d.stop()
	if strings.Contains(logs.String(), "db1") || strings.Contains(logs.String(), "db2") {
		t.Errorf("the queued alerts went to the log:\n%s", logs)
	}
	pending, err := st.PendingOutbox()
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].Hosts[0] != "db1" || pending[1].Hosts[0] != "db2" {
		t.Errorf("pending after a run without Telegram: %+v, want db1 and db2 still queued", pending)
	}
}
