package alert

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
)

// TestTokenNeverShows drives every failure path of the Telegram path (every
// fault the fake can make, an unreachable server, a timeout, a wrong
// token, a refused chat, a store that fails) and scans everything it wrote
// for the token: the log, every error, every status.
func TestTokenNeverShows(t *testing.T) {
	clk := newFakeClock()
	clk.auto = true
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now), fakebot.WithChats("4242"))
	link := &switchable{}
	log, logs := testLogger()
	var seen strings.Builder
	st := NewMemStore()
	tg := newTelegram(bot, "4242", link)
	tg.client.Timeout = 300 * time.Millisecond
	d := start(t, Options{Notifier: tg, Clock: clk, Log: log, Store: st})

	faults := []fakebot.Fault{fakebot.TooManyRequests(1), fakebot.ServerError, fakebot.BadGateway, fakebot.Cut,
		fakebot.CutAfterSend, fakebot.Hang, fakebot.ChatNotFound, fakebot.Unauthorized, fakebot.Kicked,
		{Code: 404, Description: "Not Found"}, {Code: 302, Description: "Found", HTML: true}}
	for i, f := range faults {
		bot.Script(f)
		d.Transition(downAt(fmt.Sprintf("h%d", i), clk.Now()))
		waitFor(t, "the fault to be met", func() bool { return len(bot.Requests()) > i })
		fmt.Fprintln(&seen, d.Status(), d.Status().Reason)
	}
	link.down.Store(true)
	d.Transition(downAt("unreachable", clk.Now()))
	waitFor(t, "a refused connection", func() bool { return strings.Contains(logs.String(), "connection refused") })
	fmt.Fprintln(&seen, d.Status())
	link.down.Store(false)
	st.FailWith(fmt.Errorf("disk full"))
	d.Transition(downAt("nostore", clk.Now()))
	waitFor(t, "the store failure", func() bool { return strings.Contains(logs.String(), "alert not saved") })
	st.FailWith(nil)
	waitFor(t, "the queue to drain", func() bool { return d.Status().Queued == 0 })

	// Errors returned directly, by every method, in every failure.
	ctx := context.Background()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ln.Close()
	client := DefaultHTTPClient()
	client.Timeout = 300 * time.Millisecond
	for _, n := range []*Telegram{
		tg,
		NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: "http://" + ln.Addr().String()}, client),
		NewTelegram(config.Telegram{Token: testToken, ChatID: "999", APIURL: bot.URL}, client),
		NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: bot.URL + "/nope"}, client),
		NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: "http://[::1"}, client),
	} {
		for _, f := range faults {
			bot.Heal()
			bot.Script(f)
			fmt.Fprintln(&seen, n.Send(ctx, Message{Text: "x"}))
			_, err := n.Me(ctx)
			fmt.Fprintln(&seen, err)
			_, err = n.Chats(ctx)
			fmt.Fprintln(&seen, err)
			fmt.Fprintf(&seen, "%v %+v %#v\n", n, n, n)
		}
		fmt.Fprintln(&seen, n.Validate())
	}
	for _, r := range st.Failed() {
		fmt.Fprintln(&seen, r)
	}

	all := logs.String() + seen.String()
	for _, secret := range []string{testToken, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", strings.ReplaceAll(testToken, ":", "%3A")} {
		if i := strings.Index(all, secret); i >= 0 {
			t.Errorf("the token shows: …%s…", all[max(0, i-200):min(len(all), i+100)])
		}
	}
	// The scan saw the failures it was meant to see.
	for _, want := range []string{"429", "500", "502", "400", "401", "403", "404", "connection refused", "Client.Timeout", "disk full"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the output: a failure path was not driven", want)
		}
	}
}
