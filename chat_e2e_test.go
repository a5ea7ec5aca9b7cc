package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"downtime/internal/fakebot"
	"downtime/internal/testnet"
)

var (
	chatAnn = fakebot.User{ID: 5, FirstName: "Ann", Username: "ann"}
	chatBob = fakebot.User{ID: 7, FirstName: "Bob"}
)

// chatGroup is the configured chat of these tests: a group where only Ann
// (allowed_users) may act.
const chatGroup = -100500

// chatConfig is alertConfig with commands on in group chatGroup, Ann
// allowed, and reminders after reminder.
func chatConfig(bot *fakebot.Server, reminder string, hosts ...[2]string) string {
	cfg := alertConfig(bot, fmt.Sprint(chatGroup), hosts...)
	cfg = strings.Replace(cfg, "down_after = 2\n", "down_after = 2\nreminders = [\""+reminder+"\"]\n", 1)
	return strings.Replace(cfg, "[telegram]\n", "[telegram]\ncommands = true\nallowed_users = [5]\n", 1)
}

// chatSay sends text from user and returns the bot's answer (the next
// message that is not an alert).
func chatSay(t *testing.T, bot *fakebot.Server, from fakebot.User, text string) string {
	t.Helper()
	n := len(bot.Messages())
	bot.AddCommand(chatGroup, from, text)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range bot.Messages()[n:] {
			if !strings.HasPrefix(m.Text, "🔴") && !strings.HasPrefix(m.Text, "🟢") {
				return m.Text
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no answer to %q", text)
	return ""
}

// waitSent polls for a message containing every one of want.
func waitSent(t *testing.T, bot *fakebot.Server, d time.Duration, want ...string) fakebot.Sent {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, m := range bot.Messages() {
			if containsAll(m.Text, want) {
				return m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no message with %q within %v:\n%s", want, d, strings.Join(sentTexts(bot.Messages()), "\n"))
	return fakebot.Sent{}
}

// TestChatNamespaceHost is issue 12's end-to-end test: the headless
// monitor, a test host in a network namespace, a loopback TCP host and the
// fake Bot API. /status lists the host that is down; strangers get
// nothing; /ack stops its reminders and its UP still comes; /mute of the
// second host holds its DOWN until the mute ends; the Ack button edits
// the message. The exchange is logged as the README's transcript.
func TestChatNamespaceHost(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t, testnet.NoIPv6())
	web := newPort(t)
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), chatConfig(bot, "4s",
		[2]string{"core-sw1", h.Addr4.String()}, [2]string{"web-03", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`, "telegram=on")
	waitState(t, filepath.Join(dir, "state.db"), "core-sw1", 1 /* monitor.Up */, 5*time.Second)

	var transcript []string
	say := func(from fakebot.User, text string) string {
		t.Helper()
		answer := chatSay(t, bot, from, text)
		transcript = append(transcript, from.FirstName+": "+text, "downtime: "+answer)
		return answer
	}

	if got := say(chatAnn, "/mute web-03 6s"); !strings.Contains(got, "<b>web-03</b> muted until") {
		t.Errorf("/mute answer %q", got)
	}
	p.waitFor(5*time.Second, `msg="host muted" host=web-03`, `by="Ann (@ann)"`)
	h.LinkDown()
	web.down()
	down := waitSent(t, bot, 5*time.Second, "🔴 core-sw1 (")
	transcript = append(transcript, "downtime: "+down.Text+"   [✔ Ack] [🔕 Mute 1h]")
	if !strings.Contains(down.Markup, "Mute 1h") {
		t.Errorf("DOWN without buttons: %+v", down)
	}
	p.waitFor(5*time.Second, `msg="host down"`, "host=web-03")

	// Strangers: another chat, and Bob, who is not in allowed_users.
	bot.AddCommand(99, chatBob, "/status")
	bot.AddCommand(chatGroup, chatBob, "/unmute web-03")
	p.waitFor(5*time.Second, `msg="telegram command refused" chat=99 user=7`)
	p.waitFor(5*time.Second, `msg="telegram command refused" chat=-100500 user=7`)

	status := say(chatAnn, "/status")
	if !strings.Contains(status, "0 up · 2 down · 0 paused · 1 muted") || !strings.Contains(status, "🔴 core-sw1 ("+h.Addr4.String()+") down 00:00:0") ||
		!strings.Contains(status, "🔴 web-03 (tcp://"+web.addr+") down") {
		t.Errorf("/status = %q", status)
	}
	if got := say(chatAnn, "/ack core-sw1"); !strings.Contains(got, "<b>core-sw1</b> acknowledged by Ann (@ann)") {
		t.Errorf("/ack answer %q", got)
	}
	p.waitFor(5*time.Second, `msg="outage acknowledged" host=core-sw1 by="Ann (@ann)"`)

	// The mute ends with web-03 still down: its DOWN now, marked.
	webDown := waitSent(t, bot, 10*time.Second, "🔴 web-03 (", "found during a mute")
	transcript = append(transcript, "downtime: "+webDown.Text)
	bot.PressButton(chatGroup, chatAnn, webDown, "ack\nweb-03")
	bot.WaitFor(t, 5*time.Second, "the edit", func() bool { return len(bot.Edits()) == 1 })
	edit := bot.Edits()[0]
	transcript = append(transcript, "Ann presses ✔ Ack → the message now ends: "+edit.Text[strings.LastIndex(edit.Text, "\n")+1:])
	if !strings.Contains(edit.Text, "✔ acknowledged by Ann at ") {
		t.Errorf("edit %+v", edit)
	}

	// Past core-sw1's reminder (4s): none came, the ack holds it.
	time.Sleep(5 * time.Second) // the reminder's time must pass for its absence to mean anything
	for _, m := range bot.Messages() {
		if strings.Contains(m.Text, "has been down for") {
			t.Errorf("a reminder after the ack: %q", m.Text)
		}
	}
	if n := len(bot.Messages()); n != 5 {
		t.Errorf("%d messages, want 5 (3 answers, 2 DOWN, no answer to strangers):\n%s", n, strings.Join(sentTexts(bot.Messages()), "\n"))
	}
	h.LinkUp()
	up := waitSent(t, bot, 10*time.Second, "🟢 core-sw1 is UP after")
	transcript = append(transcript, "downtime: "+up.Text)
	p.stop(syscall.SIGTERM)
	t.Logf("transcript:\n%s", strings.Join(transcript, "\n"))
}

// TestChatAckAndMuteSurviveSIGKILL: issue 12 item 6: an ack and a mute
// made in the chat survive a SIGKILL: after the restart the muted host's
// DOWN is still held, the acked outage gets no reminder, and /status shows
// both with their authors.
func TestChatAckAndMuteSurviveSIGKILL(t *testing.T) {
	db := newPort(t)
	web := newPort(t)
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), chatConfig(bot, "3s",
		[2]string{"db1", "tcp://" + db.addr}, [2]string{"web-03", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="monitor started"`)
	db.down()
	waitSent(t, bot, 5*time.Second, "🔴 db1 (")
	chatSay(t, bot, chatAnn, "/ack db1")
	chatSay(t, bot, chatAnn, "/mute web-03 1h")
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done

	web.down()
	p = start(t, dir, "--no-ui", "-c", cfg, "--state", state)
	p.waitFor(5*time.Second, `msg="host still down"`, "host=db1")
	p.waitFor(5*time.Second, `msg="host down"`, "host=web-03")
	status := chatSay(t, bot, chatAnn, "/status")
	if !strings.Contains(status, "🔴 db1 (tcp://"+db.addr+") down") || !strings.Contains(status, "✔ Ann (@ann)") ||
		!strings.Contains(status, "1 muted") || !strings.Contains(status, "🔕 until") {
		t.Errorf("/status after the restart = %q", status)
	}
	time.Sleep(4 * time.Second) // past db1's reminder (3s): its absence is the point
	for _, m := range bot.Messages() {
		if strings.Contains(m.Text, "has been down for") || strings.HasPrefix(m.Text, "🔴 web-03") {
			t.Errorf("after the restart: %q", m.Text)
		}
	}
	p.stop(syscall.SIGTERM)
}

// TestChatIDWhileAMonitorPolls: issue 12 item 8: with a monitor polling
// the same bot, Telegram answers getUpdates with 409; chat-id says so and
// points to the monitor's log, which names the refused chat with its id.
func TestChatIDWhileAMonitorPolls(t *testing.T) {
	web := newPort(t)
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), chatConfig(bot, "1h", [2]string{"web-03", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`)
	bot.AddCommand(4242, chatBob, "/start")
	p.waitFor(5*time.Second, `msg="telegram command refused" chat=4242 user=7`)
	bot.WaitFor(t, 5*time.Second, "the monitor's next long poll", func() bool { return bot.Pending() == 0 && bot.Polling() })

	code, out, errOut := runOnce(t, dir, "", "telegram", "chat-id", "-c", cfg)
	if code != 1 || !containsAll(errOut, []string{"another process is reading this bot's updates", "409", `msg="telegram command refused" chat=ID`}) {
		t.Errorf("chat-id beside a monitor: exit %d\n%s%s", code, out, errOut)
	}
	p.stop(syscall.SIGTERM)
}

// TestChatFloodDelaysNoAlertE2E: issue 12 item 3 in the real binary: 500
// commands arrive in the chat, then a host goes down: its DOWN arrives
// within 2 s of the monitor's "host down" (its group window included).
func TestChatFloodDelaysNoAlertE2E(t *testing.T) {
	web := newPort(t)
	bot := fakebot.New(t, e2eToken)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "hosts.toml"), chatConfig(bot, "1h", [2]string{"web-03", "tcp://" + web.addr}))
	p := start(t, dir, "--no-ui", "-c", cfg, "--state", filepath.Join(dir, "state.db"))
	p.waitFor(5*time.Second, `msg="monitor started"`)
	for i := range 500 {
		from := chatAnn
		if i%5 == 4 {
			from = chatBob // refused: logged, not answered
		}
		bot.AddCommand(chatGroup, from, []string{"/status", "/ack web-03", "/mute nothing 1h", "/help"}[i%4])
	}
	web.down()
	p.waitFor(5*time.Second, `msg="host down"`, "host=web-03")
	seen := time.Now()
	waitSent(t, bot, 5*time.Second, "🔴 web-03 (")
	if took := time.Since(seen); took > 2*time.Second {
		t.Errorf("the DOWN came %v after the transition, behind 500 commands; want ≤ 2s", took)
	}
	bot.WaitFor(t, 10*time.Second, "the flood to be read", func() bool { return bot.Pending() == 0 })
	if n := len(bot.Messages()); n > 8 {
		t.Errorf("%d messages for 500 commands and one DOWN: the pace did not hold", n)
	}
	p.stop(syscall.SIGTERM)
}
