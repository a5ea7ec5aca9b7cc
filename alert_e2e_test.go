package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"downtime/internal/fakebot"
	"downtime/internal/testnet"
)

// e2eToken looks like a bot token and is nobody's.
const e2eToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// tokenParts are the spellings of e2eToken that must never be printed.
var tokenParts = []string{e2eToken, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "110201543%3AAAH"}

// noToken fails t if any of texts holds the token.
func noToken(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, p := range tokenParts {
			if i := strings.Index(s, p); i >= 0 {
				t.Errorf("the token shows: …%s…", s[max(0, i-120):min(len(s), i+60)])
			}
		}
	}
}

// port is a loopback TCP port that can stop and start answering: a host
// for tcp:// probes that goes DOWN and UP on demand, without privileges.
type port struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	ln   net.Listener
}

func newPort(t *testing.T) *port {
	p := &port{t: t}
	p.up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

// up starts answering (on the same port as before).
func (p *port) up() {
	p.t.Helper()
	addr := "127.0.0.1:0"
	if p.addr != "" {
		addr = p.addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// down stops answering: connections are refused.
func (p *port) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
}

// alertConfig is a config with fast probes, a short group window and
// Telegram pointed at bot (no [telegram] when bot is nil).
func alertConfig(bot *fakebot.Server, chatID string, hosts ...[2]string) string {
	var b strings.Builder
	b.WriteString("[defaults]\ninterval = \"200ms\"\ntimeout = \"200ms\"\ndown_after = 2\n\n[alerts]\ngroup_window = \"300ms\"\n")
	if bot != nil {
		fmt.Fprintf(&b, "\n[telegram]\ntoken = %q\nchat_id = %q\napi_url = %q\n", bot.Token, chatID, bot.URL)
	}
	for _, h := range hosts {
		fmt.Fprintf(&b, "\n[[host]]\nname = %q\naddress = %q\n", h[0], h[1])
	}
	return b.String()
}

var outageText = regexp.MustCompile(`is UP after (\d\d):(\d\d):(\d\d)`)

// TestAlertsHeadless: a host goes DOWN and comes back; Telegram gets one
// message each, the log says they were sent.
func TestAlertsHeadless(t *testing.T) {
	bot := fakebot.New(t, e2eToken, fakebot.WithChats("4242"))
	web := newPort(t)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(bot, "4242", [2]string{"web<1>", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`, "telegram=on")
	p.waitFor(5*time.Second, `msg="telegram ready"`, "bot=@downtime_test_bot", "chat_id=4242")

	time.Sleep(time.Second) // UP for a while: nothing to say
	if n := len(bot.Messages()); n != 0 {
		t.Fatalf("%d messages for a host that is up", n)
	}
	web.down()
	wentDown := time.Now()
	p.waitFor(5*time.Second, `msg="host down"`, "host=web<1>")
	p.waitFor(5*time.Second, `msg="alert sent"`, "hosts=web<1>", "kind=down")
	msgs := bot.Messages()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, "🔴 web&lt;1&gt; (tcp://"+web.addr+") is DOWN since ") || msgs[0].ParseMode != "HTML" {
		t.Fatalf("DOWN: %+v", msgs)
	}
	time.Sleep(2 * time.Second)
	web.up()
	p.waitFor(5*time.Second, `msg="alert sent"`, "kind=up")
	took := time.Since(wentDown)
	msgs = bot.Messages()
	if len(msgs) != 2 {
		t.Fatalf("messages: %+v", msgs)
	}
	m := outageText.FindStringSubmatch(msgs[1].Text)
	if m == nil || !strings.HasPrefix(msgs[1].Text, "🟢 web&lt;1&gt; is UP after ") {
		t.Fatalf("UP: %q", msgs[1].Text)
	}
	var s int
	fmt.Sscan(m[3], &s)
	if got := time.Duration(s) * time.Second; got < took-2*time.Second || got > took+time.Second {
		t.Errorf("outage %v, want about %v", got, took)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
	noToken(t, strings.Join(p.output(), "\n"), p.stderr.String())
}

// TestQueuedAlertsSurviveSIGKILL: Telegram fails while a host goes DOWN;
// the process is killed with SIGKILL; after the restart the message goes
// out, once, and no second DOWN is made.
func TestQueuedAlertsSurviveSIGKILL(t *testing.T) {
	bot := fakebot.New(t, e2eToken)
	bot.FailAll(fakebot.ServerError)
	db := newPort(t)
	db.down()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(bot, "4242", [2]string{"db1", "tcp://" + db.addr}))
	state := filepath.Join(dir, "state.db")
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="host down"`, "host=db1")
	p.waitFor(5*time.Second, `msg="alert delivery failed"`, `err="telegram: 500 Internal Server Error"`, "retry_in=", "hosts=db1")
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done

	bot.Heal()
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="host still down"`, "host=db1")
	p.waitFor(10*time.Second, `msg="alert sent"`, "hosts=db1", "kind=down")
	time.Sleep(time.Second) // room for a second DOWN, which must not come
	msgs := bot.Messages()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, "🔴 db1 (tcp://") {
		t.Fatalf("after the restart: %+v", msgs)
	}
	db.up()
	p.waitFor(5*time.Second, `msg="alert sent"`, "hosts=db1", "kind=up")
	if msgs := bot.Messages(); len(msgs) != 2 || !strings.HasPrefix(msgs[1].Text, "🟢 db1 is UP after") {
		t.Fatalf("recovery: %+v", msgs)
	}
	p.stop(syscall.SIGTERM)
}

// TestAlertsWithoutTelegram: no [telegram]: the start line says so and
// the alerts are in the log.
func TestAlertsWithoutTelegram(t *testing.T) {
	web := newPort(t)
	web.down()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(nil, "", [2]string{"web", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--no-state")
	p.waitFor(5*time.Second, `msg="telegram off: alerts are written to this log"`)
	p.waitFor(5*time.Second, `msg="monitor started"`, "telegram=off")
	p.waitFor(5*time.Second, "level=WARN", "msg=alert", "kind=down", "hosts=web", `text="🔴 web (tcp://`)
	p.stop(syscall.SIGTERM)
}

// TestTelegramSetupCommands: chat-id lists the chats that wrote to the
// bot; test sends a message; each failure is told in words, never with
// the token.
func TestTelegramSetupCommands(t *testing.T) {
	bot := fakebot.New(t, e2eToken, fakebot.WithChats("4242", "-1001234"))
	bot.AddChatMessage(4242, "private", "Ann @ann", "hello")
	bot.AddChatMessage(-1001234, "supergroup", "Ops alerts", "/start")
	dir := t.TempDir()
	cfg := func(token, chat, api string) string {
		return writeFile(t, filepath.Join(dir, "tg.toml"), fmt.Sprintf("[telegram]\ntoken = %q\nchat_id = %q\napi_url = %q\n", token, chat, api))
	}
	var all []string
	runTG := func(args ...string) (int, string, string) {
		t.Helper()
		code, stdout, stderr := runOnce(t, dir, "", append([]string{"telegram"}, args...)...)
		all = append(all, stdout, stderr)
		return code, stdout, stderr
	}

	code, out, errOut := runTG("chat-id", "-c", cfg(e2eToken, "", bot.URL))
	if code != 0 || !containsAll(out, []string{"@downtime_test_bot", "4242", "private", "Ann @ann", "-1001234", "supergroup", "Ops alerts", `chat_id = "-1001234"`}) {
		t.Errorf("chat-id: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = runTG("test", "-c", cfg(e2eToken, "4242", bot.URL))
	if code != 0 || !strings.Contains(out, "accepted the test message for chat 4242") {
		t.Errorf("test: exit %d\n%s%s", code, out, errOut)
	}
	if msgs := bot.Messages(); len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, "✅ downtime test message") {
		t.Errorf("test message: %+v", msgs)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		name   string
		fault  *fakebot.Fault
		cfg    [3]string // token, chat_id, api_url
		args   string
		code   int
		expect []string
	}{
		{"wrong token", nil, [3]string{"110201543:AAwrongwrongwrongwrongwrongwrongwro", "4242", bot.URL}, "test", 1, []string{"does not know this bot token", "401"}},
		{"unknown chat", nil, [3]string{e2eToken, "777", bot.URL}, "test", 1, []string{"does not know chat 777", "chat-id -c"}},
		{"kicked", &fakebot.Kicked, [3]string{e2eToken, "4242", bot.URL}, "test", 1, []string{"may not write to chat 4242", "bot was kicked"}},
		{"rate limit", ptr(fakebot.TooManyRequests(7)), [3]string{e2eToken, "4242", bot.URL}, "test", 1, []string{"wait 7s"}},
		{"server error", &fakebot.ServerError, [3]string{e2eToken, "4242", bot.URL}, "test", 1, []string{"try again in a minute"}},
		{"cut", &fakebot.Cut, [3]string{e2eToken, "4242", bot.URL}, "test", 1, []string{"cannot reach the Bot API"}},
		{"unreachable", nil, [3]string{e2eToken, "4242", deadURL}, "test", 1, []string{"cannot reach the Bot API at " + deadURL, "connection refused"}},
		{"unreachable chat-id", nil, [3]string{e2eToken, "", deadURL}, "chat-id", 1, []string{"cannot reach the Bot API"}},
		{"no chat_id", nil, [3]string{e2eToken, "", bot.URL}, "test", 78, []string{"no chat_id", "telegram chat-id"}},
		{"no token", nil, [3]string{"", "4242", bot.URL}, "test", 78, []string{"no bot token", "@BotFather"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.fault != nil {
				bot.Script(*c.fault)
			}
			code, out, errOut := runTG(c.args, "-c", cfg(c.cfg[0], c.cfg[1], c.cfg[2]))
			bot.Heal()
			if code != c.code || !containsAll(errOut, c.expect) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s%s", code, c.code, c.expect, out, errOut)
			}
		})
	}

	// A token in a config others may read: a warning.
	path := cfg(e2eToken, "4242", bot.URL)
	os.Chmod(path, 0o644)
	_, _, errOut = runTG("test", "-c", path)
	if !strings.Contains(errOut, "other users may read it (chmod 600") {
		t.Errorf("no warning about a readable token file:\n%s", errOut)
	}
	noToken(t, all...)
}

func ptr[T any](v T) *T { return &v }

// TestTokenNeverInTheLog drives the headless monitor's failure paths with
// the token from the environment and from a config others may read: a bot
// that refuses it, a Bot API that is unreachable, one that fails in every
// way while alerts go out. Nothing it prints holds the token.
func TestTokenNeverInTheLog(t *testing.T) {
	web := newPort(t)
	web.down()
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	var all []string

	// The token from the environment; the bot refuses it.
	t.Setenv("DOWNTIME_TELEGRAM_TOKEN", "110201543:AAwrongwrongwrongwrongwrongwrongwro")
	cfg := writeFile(t, filepath.Join(dir, "env.toml"), strings.Replace(alertConfig(nil, "", [2]string{"web", "tcp://" + web.addr}),
		"[alerts]", fmt.Sprintf("[telegram]\nchat_id = \"4242\"\napi_url = %q\n\n[alerts]", bot.URL), 1))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="telegram refuses the bot"`, "401")
	p.waitFor(5*time.Second, `msg="alert delivery failed"`, "401 Unauthorized", `kept="failed, not retried"`)
	p.stop(syscall.SIGTERM)
	all = append(all, p.output()...)
	all = append(all, p.stderr.String())

	// The right token from the environment, every failure in turn.
	t.Setenv("DOWNTIME_TELEGRAM_TOKEN", e2eToken)
	bot.Script(fakebot.Cut, fakebot.ServerError, fakebot.BadGateway, fakebot.TooManyRequests(1), fakebot.CutAfterSend)
	web.up()
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="host up"`)
	p.waitFor(20*time.Second, `msg="alert sent"`, "kind=up")
	p.stop(syscall.SIGTERM)
	all = append(all, p.output()...)
	all = append(all, p.stderr.String())

	// The token in a config others may read; the Bot API unreachable.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	t.Setenv("DOWNTIME_TELEGRAM_TOKEN", "")
	open := writeFile(t, filepath.Join(dir, "open.toml"), alertConfig(bot, "4242", [2]string{"web", "tcp://" + web.addr}))
	os.WriteFile(open, []byte(strings.Replace(alertConfig(bot, "4242", [2]string{"web", "tcp://" + web.addr}), bot.URL, dead, 1)), 0o644)
	os.Chmod(open, 0o644)
	p = start(t, dir, "--no-ui", "-c", open, "--state", state)
	p.waitFor(5*time.Second, `msg="the file holding the telegram token is readable by other users"`, "chmod 600")
	p.waitFor(5*time.Second, `msg="telegram not reachable yet: alerts wait in the outbox"`, "connection refused")
	web.down()
	p.waitFor(10*time.Second, `msg="alert delivery failed"`, "connection refused", "retry_in=")
	p.stop(syscall.SIGTERM)
	all = append(all, p.output()...)
	all = append(all, p.stderr.String())

	code, out, errOut := runOnce(t, dir, "", "check-config", "-c", open)
	all = append(all, out, errOut)
	if code != 0 {
		t.Errorf("check-config: %d %s", code, errOut)
	}
	noToken(t, all...)
}

// TestNamespaceHostAlerts is the end-to-end test: the headless
// monitor, a test host in a network namespace and the fake Bot API. The
// host's link goes down: one DOWN message; it comes back: one UP message
// with the outage's length.
func TestNamespaceHostAlerts(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t, testnet.NoIPv6())
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), alertConfig(bot, "4242", [2]string{"ns-host", h.Addr4.String()}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`, "telegram=on")
	waitState(t, filepath.Join(dir, "state.db"), "ns-host", 1 /* monitor.Up */, 5*time.Second)

	h.LinkDown()
	wentDown := time.Now()
	p.waitFor(5*time.Second, `msg="alert sent"`, "hosts=ns-host", "kind=down")
	time.Sleep(3 * time.Second)
	h.LinkUp()
	p.waitFor(5*time.Second, `msg="alert sent"`, "hosts=ns-host", "kind=up")
	took := time.Since(wentDown)
	time.Sleep(time.Second) // room for a stray message, which must not come

	msgs := bot.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want one DOWN and one UP:\n%s", len(msgs), strings.Join(sentTexts(msgs), "\n"))
	}
	if want := "🔴 ns-host (" + h.Addr4.String() + ") is DOWN since "; !strings.HasPrefix(msgs[0].Text, want) {
		t.Errorf("DOWN message %q", msgs[0].Text)
	}
	m := outageText.FindStringSubmatch(msgs[1].Text)
	if m == nil || !strings.HasPrefix(msgs[1].Text, "🟢 ns-host is UP after ") {
		t.Fatalf("UP message %q", msgs[1].Text)
	}
	var s int
	fmt.Sscan(m[3], &s)
	if got := time.Duration(s) * time.Second; got < took-3*time.Second || got > took {
		t.Errorf("outage %v, want about %v (the link was down for about 3s)", got, took)
	}
	p.stop(syscall.SIGTERM)
}

func sentTexts(msgs []fakebot.Sent) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}
