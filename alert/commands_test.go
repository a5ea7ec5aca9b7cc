package alert

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
)

var (
	ann = fakebot.User{ID: 5, FirstName: "Ann", Username: "ann"}
	bob = fakebot.User{ID: 7, FirstName: "Bob"}
)

// chatRig is a dispatcher sending to the fake bot and a Commander reading
// the same bot, both on a fake clock, with hosts the test sets.
type chatRig struct {
	t     *testing.T
	clk   *fakeClock
	bot   *fakebot.Server
	d     *running
	cmd   *Commander
	hosts []*monitor.HostView
	logs  *syncBuffer
	store *MemStore
}

func newChatRig(t *testing.T, chatID string, allowed []int64) *chatRig {
	t.Helper()
	return newChatRigIn(t, chatID, allowed, nil)
}

// newChatRigIn is newChatRig with the messages' time zone ([alerts]
// timezone; nil: UTC).
func newChatRigIn(t *testing.T, chatID string, allowed []int64, loc *time.Location) *chatRig {
	t.Helper()
	r := &chatRig{t: t, clk: newFakeClock(), store: NewMemStore()}
	r.bot = fakebot.New(t, testToken, fakebot.WithClock(r.clk.Now))
	log, logs := testLogger()
	r.logs = logs
	tg := newTelegram(r.bot, chatID, nil).WithButtons()
	r.d = start(t, Options{Notifier: tg, Clock: r.clk, Log: log, Store: r.store, Reminders: schedule(userSchedule), Location: loc})
	cmd, err := NewCommander(CommanderOptions{
		Telegram: tg, Dispatcher: r.d.Dispatcher, Allowed: config.Chat{Commands: true, AllowedUsers: allowed}, Log: log, Clock: r.clk,
		PollTimeout: time.Second,
		Hosts: func(context.Context) (monitor.Snapshot, error) {
			return monitor.Snapshot{At: r.clk.Now(), Hosts: r.hosts}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = cmd
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); cmd.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	r.hosts = []*monitor.HostView{
		{Name: "db1", Address: "198.18.0.7", State: monitor.Up},
		{Name: "web-01", Address: "198.18.0.11", State: monitor.Up},
		{Name: "web-02", Address: "198.18.0.12", State: monitor.Paused},
	}
	return r
}

// down takes host down at now, in the hosts /status sees and for the
// dispatcher.
func (r *chatRig) down(host string) {
	now := r.clk.Now()
	for i, h := range r.hosts {
		if h.Name == host {
			v := *h
			v.State, v.DownSince = monitor.Down, now
			r.hosts[i] = &v
		}
	}
	r.d.Transition(monitor.Transition{Host: host, Address: r.addr(host), From: monitor.Up, To: monitor.Down, At: now, DownSince: now})
}

func (r *chatRig) up(host string, since time.Time) {
	r.d.Transition(monitor.Transition{Host: host, Address: r.addr(host), From: monitor.Down, To: monitor.Up, At: r.clk.Now(), DownSince: since})
}

func (r *chatRig) addr(host string) string {
	for _, h := range r.hosts {
		if h.Name == host {
			return h.Address
		}
	}
	return ""
}

// say sends text from user in chat and returns the bot's answer.
func (r *chatRig) say(chat int64, from fakebot.User, text string) string {
	r.t.Helper()
	n := len(r.bot.Messages())
	r.bot.AddCommand(chat, from, text)
	return r.bot.WaitMessages(r.t, n+1, 5*time.Second)[n].Text
}

// sync makes one round trip through the dispatcher's goroutine: whatever
// it was due to send by now is in the outbox when it returns.
func (r *chatRig) sync() {
	r.t.Helper()
	if _, err := r.d.Unmute(context.Background(), "no-such-host", "test"); err != nil {
		r.t.Fatal(err)
	}
}

// TestChatAckStopsReminders: issue 12 "How it must be shown": /ack → no
// reminder afterwards, the UP still comes; the answer names who.
func TestChatAckStopsReminders(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	r.down("db1")
	msgs := delivered(t, r.bot, r.d, 1)
	if !strings.Contains(msgs[0].Text, "db1 (198.18.0.7) is DOWN") || !strings.Contains(msgs[0].Markup, `ack\ndb1`) {
		t.Fatalf("DOWN = %+v, want it with the Ack button", msgs[0])
	}
	r.clk.Advance(2 * time.Minute)
	got := r.say(4242, ann, "/ack db1")
	if !strings.Contains(got, "<b>db1</b> acknowledged by Ann (@ann) (down 00:02:00)") {
		t.Errorf("/ack answer = %q", got)
	}
	if got := r.say(4242, bob, "/ack db1"); !strings.Contains(got, "already acknowledged by Ann (@ann) at 21:06") {
		t.Errorf("second /ack answer = %q", got)
	}
	r.clk.Advance(2 * time.Hour) // every reminder step passes
	r.sync()
	r.up("db1", t0)
	all := r.bot.WaitMessages(t, 4, 5*time.Second)
	if got := all[3].Text; got != "🟢 db1 is UP after 02:02:00" {
		t.Errorf("after the ack: %q, want the UP and no reminder", got)
	}
	if !strings.Contains(r.logs.String(), `msg="outage acknowledged" host=db1 by="Ann (@ann)"`) {
		t.Errorf("log lacks the ack line:\n%s", r.logs)
	}
}

// TestChatMuteHoldsTheDown: /mute of a host → its DOWN is not sent, and is
// sent when the mute ends if it is still down; /status shows both.
func TestChatMuteHoldsTheDown(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	got := r.say(4242, ann, "/mute web-01 1h")
	if !strings.Contains(got, "<b>web-01</b> muted until 2026-11-26 22:04 UTC by Ann (@ann)") {
		t.Errorf("/mute answer = %q", got)
	}
	r.down("web-01")
	r.clk.Advance(time.Second)
	r.down("db1")
	r.sync()
	msgs := delivered(t, r.bot, r.d, 2)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "db1 (198.18.0.7) is DOWN") {
		t.Fatalf("messages = %q, want db1's DOWN only", texts(msgs))
	}
	r.clk.Advance(10 * time.Second)
	status := r.say(4242, ann, "/status")
	want := "<b>0 up · 2 down · 1 paused · 1 muted</b>\n" +
		"🔴 web-01 (198.18.0.11) down 00:00:11 · 🔕 until 22:04\n" +
		"🔴 db1 (198.18.0.7) down 00:00:10"
	if status != want {
		t.Errorf("/status =\n%s\nwant\n%s", status, want)
	}
	r.clk.Advance(time.Hour)
	all := r.bot.WaitMessages(t, 4, 5*time.Second)
	if got := all[3].Text; !strings.Contains(got, "web-01 (198.18.0.11) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe; found during a mute)") {
		t.Errorf("when the mute ended: %q", got)
	}
	if !strings.Contains(r.logs.String(), `msg="host muted" host=web-01 until=2026-11-26T22:04:05Z by="Ann (@ann)"`) {
		t.Errorf("log lacks the mute line:\n%s", r.logs)
	}
	waitFor(t, "the mute's end in the log", func() bool {
		return strings.Contains(r.logs.String(), `msg="host unmuted" host=web-01 by="Ann (@ann)" reason=ended`)
	})
	// The mute was kept in the store, and is gone once over.
	if s, _ := r.store.Silences(); len(s.Mutes) != 0 {
		t.Errorf("saved mutes after the end: %+v", s.Mutes)
	}
}

// TestChatStrangersGetNothing: issue 12 item 3: another chat, or a user
// outside allowed_users in the group, gets no answer; each is logged.
func TestChatStrangersGetNothing(t *testing.T) {
	r := newChatRig(t, "-100500", []int64{ann.ID})
	r.bot.AddCommand(98, bob, "hello")             // someone writing to the bot to find its chat id
	r.bot.AddCommand(99, bob, "/status")           // a private chat with the bot
	r.bot.AddCommand(-100500, bob, "/mute all 1h") // the group, but not allowed
	got := r.say(-100500, ann, "/status")
	if !strings.Contains(got, "0 down") {
		t.Errorf("/status from Ann = %q", got)
	}
	if n := len(r.bot.Messages()); n != 1 {
		t.Errorf("%d messages, want Ann's answer only: %q", n, texts(r.bot.Messages()))
	}
	if s := r.d.Silences(); len(s.Mutes) != 0 {
		t.Errorf("a refused /mute took effect: %+v", s)
	}
	out := r.logs.String()
	for _, want := range []string{`msg="telegram command refused" chat=98 user=7` + "\n", `msg="telegram command refused" chat=99 user=7 command=status`,
		`msg="telegram command refused" chat=-100500 user=7 command=mute`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if c := r.cmd.Commands(); c[CommandKey{"status", "refused"}] != 1 || c[CommandKey{"mute", "refused"}] != 1 || c[CommandKey{"status", "ok"}] != 1 {
		t.Errorf("command counts = %v", c)
	}
}

// TestChatAckButton: the Ack button acks the outage, answers the press and
// edits the message to say who and when.
func TestChatAckButton(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	r.down("db1")
	down := delivered(t, r.bot, r.d, 1)[0]
	r.clk.Advance(3 * time.Minute)
	r.bot.PressButton(4242, ann, down, "ack\ndb1")
	r.bot.WaitFor(t, 5*time.Second, "the edit", func() bool { return len(r.bot.Edits()) == 1 })
	e := r.bot.Edits()[0]
	if e.MessageID != down.MessageID || !strings.HasSuffix(e.Text, "\n✔ acknowledged by Ann at 21:07") || !strings.Contains(e.Text, "db1 (198.18.0.7) is DOWN") {
		t.Errorf("edit = %+v", e)
	}
	if !strings.Contains(e.Markup, "Mute 1h") || strings.Contains(e.Markup, `ack\ndb1`) {
		t.Errorf("the edit should keep Mute 1h and drop Ack, which is done: %q", e.Markup)
	}
	if a := r.bot.Answers(); len(a) != 1 || a[0].Text != "Acknowledged: db1" {
		t.Errorf("answers = %+v", a)
	}
	if _, ok := r.d.Silences().Acked("db1"); !ok {
		t.Error("db1 not acked")
	}
	// A stranger's press does nothing, not even an answer.
	r.bot.PressButton(99, bob, down, "mute1h\ndb1")
	r.say(4242, ann, "/help")
	if len(r.bot.Answers()) != 1 || len(r.d.Silences().Mutes) != 0 {
		t.Errorf("a stranger's press was answered or obeyed: %+v %+v", r.bot.Answers(), r.d.Silences())
	}
}

// TestChatUnknownHost: a name the config does not have gets close matches;
// bad arguments say how to write them; /mute all and /unmute all.
func TestChatUnknownHost(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	tests := []struct{ say, want string }{
		{"/ack web01", "No host <b>web01</b>. Did you mean: web-01, web-02?"},
		{"/mute dbx 1h", "No host <b>dbx</b>. Did you mean: db1?"},
		{"/mute db1 soon", `&#34;soon&#34; is not a duration`},
		{"/ack db1", "<b>db1</b> is not down: nothing to acknowledge."},
		{"/unmute 198.18.0.7", "<b>db1</b> was not muted."},
		{"/reboot db1", "Unknown command /reboot."},
		{"/mute all 30m", "🔕 All hosts muted until 2026-11-26 21:"},
		{"/unmute db1", "All hosts are muted until"},
		{"/unmute all", "🔔 Every mute ended by Ann (@ann)."},
		{"/mute db1 40d", "40d is too long: at most 30d"},
		{"/help", "/ack HOST — acknowledge its outage"},
	}
	for _, tt := range tests {
		if got := r.say(4242, ann, tt.say); !strings.Contains(got, tt.want) {
			t.Errorf("%s → %q, want %q", tt.say, got, tt.want)
		}
		r.clk.Advance(commandEvery) // within the pace
	}
	// The metric's label is never the user's word.
	if c := r.cmd.Commands(); c[CommandKey{"unknown", "error"}] != 1 || c[CommandKey{"reboot", "error"}] != 0 {
		t.Errorf("command counts = %v, want /reboot counted as unknown", c)
	}
}

// TestPollUnderTheHeaderTimeout: Telegram answers a long poll only when
// it ends, so it must end before the HTTP client gives up waiting for the
// answer's headers; else every idle poll would fail.
func TestPollUnderTheHeaderTimeout(t *testing.T) {
	tr := DefaultHTTPClient().Transport.(*http.Transport)
	if pollTimeout+5*time.Second > tr.ResponseHeaderTimeout {
		t.Errorf("long poll %v, the client waits %v for headers: leave a margin of 5s", pollTimeout, tr.ResponseHeaderTimeout)
	}
}

// TestStatusFolds: /status with more down hosts than one message holds
// ends with "and N more" and stays under Telegram's limit.
func TestStatusFolds(t *testing.T) {
	var snap monitor.Snapshot
	for i := range 500 {
		snap.Hosts = append(snap.Hosts, &monitor.HostView{Name: fmt.Sprintf("host-%03d", i), Address: fmt.Sprintf("198.18.1.%d", i%250),
			State: monitor.Down, DownSince: t0.Add(time.Duration(i) * time.Second)})
	}
	got := statusText(snap, Silences{}, t0.Add(time.Hour), time.UTC)
	if utf16Len(got) > MaxMessageLen {
		t.Fatalf("status is %d long", utf16Len(got))
	}
	lines := strings.Split(got, "\n")
	last := lines[len(lines)-1]
	shown := len(lines) - 2
	if want := fmt.Sprintf("… and %d more", 500-shown); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
	if !strings.HasPrefix(lines[1], "🔴 host-000 ") {
		t.Errorf("longest outage not first: %q", lines[1])
	}
}

// TestChatFloodDelaysNoAlert: issue 12 item 3: 500 commands in the chat,
// then a host goes down: its DOWN is not held up by them.
func TestChatFloodDelaysNoAlert(t *testing.T) {
	bot := fakebot.New(t, testToken)
	tg := newTelegram(bot, "4242", nil).WithButtons()
	d := start(t, Options{Notifier: tg})
	cmd, err := NewCommander(CommanderOptions{Telegram: tg, Dispatcher: d.Dispatcher, PollTimeout: time.Second,
		Hosts: func(context.Context) (monitor.Snapshot, error) {
			return monitor.Snapshot{Hosts: []*monitor.HostView{{Name: "db1", State: monitor.Up}}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); cmd.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for i := range 500 {
		text := []string{"/status", "/ack db1", "/mute db1 1h", "/help"}[i%4]
		bot.AddCommand(4242, ann, text)
	}
	start := time.Now()
	d.Transition(downAt("core-sw1", start))
	bot.WaitFor(t, 10*time.Second, "the DOWN", func() bool {
		for _, m := range bot.Messages() {
			if strings.Contains(m.Text, "core-sw1") {
				return true
			}
		}
		return false
	})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the DOWN took %v behind a flood of commands, want ≤ 2s", took)
	}
	bot.WaitFor(t, 10*time.Second, "the flood to be read", func() bool { return bot.Pending() == 0 })
	answered, told := 0, 0
	for _, m := range bot.Messages() {
		switch {
		case strings.HasPrefix(m.Text, "⏳ Too many commands"):
			told++
		case !strings.Contains(m.Text, "core-sw1"):
			answered++
		}
	}
	if answered > commandBurst+1 || told < 1 || told > 2 {
		t.Errorf("%d of the 500 commands answered and %d told they were dropped; want the burst (%d) or about, and one told per run of drops",
			answered, told, commandBurst)
	}
}

// TestChatOverPaceToldOnce: past the burst, the first command dropped is
// answered with when to try again and logged; the next ones dropped are
// not; once the pace allows, commands are answered again, and a new run
// of drops is told again.
func TestChatOverPaceToldOnce(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	for i := range commandBurst {
		if got := r.say(4242, ann, "/help"); !strings.Contains(got, "/ack") {
			t.Fatalf("command %d of the burst: %q", i+1, got)
		}
	}
	got := r.say(4242, ann, "/ack db1")
	if !strings.HasPrefix(got, "⏳ Too many commands at once: /ack was not done") || !strings.Contains(got, "for 3s") {
		t.Fatalf("first command over the pace answered %q", got)
	}
	n := len(r.bot.Messages())
	r.bot.AddCommand(4242, ann, "/status") // dropped, untold
	r.bot.WaitFor(t, 5*time.Second, "the command to be read", func() bool { return r.bot.Pending() == 0 })
	r.clk.Advance(commandEvery)
	// Commands are handled in order: once /help is answered, /status was
	// handled, and it must have sent nothing.
	if got := r.say(4242, ann, "/help"); !strings.Contains(got, "/ack") {
		t.Errorf("after %v the command was answered %q", commandEvery, got)
	}
	if m := r.bot.Messages(); len(m) != n+1 {
		t.Errorf("a second command over the pace was answered: %q", texts(m[n:]))
	}
	if c := strings.Count(r.logs.String(), `msg="telegram commands limited"`); c != 1 {
		t.Errorf("%d log lines for the commands dropped, want 1:\n%s", c, r.logs.String())
	}
	if got := r.say(4242, ann, "/help"); !strings.HasPrefix(got, "⏳ Too many commands") {
		t.Errorf("a new run of drops was answered %q", got)
	}
}

// TestChatMuteButton: Mute 1h mutes the hosts of the DOWN for an hour and
// says so in the message.
func TestChatMuteButton(t *testing.T) {
	r := newChatRig(t, "4242", nil)
	r.down("db1")
	down := delivered(t, r.bot, r.d, 1)[0]
	if !strings.Contains(down.Markup, `mute1h\ndb1`) {
		t.Fatalf("no Mute 1h button: %q", down.Markup)
	}
	r.bot.PressButton(4242, ann, down, "mute1h\ndb1")
	r.bot.WaitFor(t, 5*time.Second, "the edit", func() bool { return len(r.bot.Edits()) == 1 })
	if e := r.bot.Edits()[0]; !strings.HasSuffix(e.Text, "\n🔕 muted for 1h by Ann at 21:04") {
		t.Errorf("edit = %q", e.Text)
	} else if !strings.Contains(e.Markup, `ack\ndb1`) || strings.Contains(e.Markup, "mute1h") {
		t.Errorf("the edit should keep Ack and drop Mute 1h, which is done: %q", e.Markup)
	}
	m, ok := r.d.Silences().Muted("db1")
	if !ok || !m.Until.Equal(t0.Add(time.Hour)) || m.By != "Ann (@ann)" {
		t.Errorf("mute = %+v, %v", m, ok)
	}
	if a := r.bot.Answers(); len(a) != 1 || a[0].Text != "Muted until 22:04 UTC: db1" {
		t.Errorf("answers = %+v", a)
	}
}

// Review of main: the times in answers, button notes and /status were
// always UTC, while [alerts] timezone sets the zone of every other time in
// the messages (the DOWN above them said 22:04:05 CET, the note 21:04).
func TestChatTimesInTheConfiguredZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	r := newChatRigIn(t, "4242", nil, berlin)
	r.down("db1")
	down := r.bot.WaitMessages(t, 1, 5*time.Second)[0]
	if !strings.Contains(down.Text, "22:04:05 CET") {
		t.Fatalf("DOWN not in CET: %q", down.Text)
	}
	r.bot.PressButton(4242, ann, down, "mute1h\ndb1")
	r.bot.WaitFor(t, 5*time.Second, "the edit", func() bool { return len(r.bot.Edits()) == 1 })
	if e := r.bot.Edits()[0]; !strings.HasSuffix(e.Text, "\n🔕 muted for 1h by Ann at 22:04") {
		t.Errorf("edit = %q", e.Text)
	}
	if a := r.bot.Answers(); len(a) != 1 || a[0].Text != "Muted until 23:04 CET: db1" {
		t.Errorf("answers = %+v", a)
	}
	if got := r.say(4242, ann, "/status"); !strings.Contains(got, "🔕 until 23:04") {
		t.Errorf("/status = %q", got)
	}
	if got := r.say(4242, ann, "/mute web-01 2h"); !strings.Contains(got, "until 2026-11-27 00:04 CET") {
		t.Errorf("/mute = %q", got)
	}
}
