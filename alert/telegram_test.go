package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
)

func TestTelegramErrors(t *testing.T) {
	bot := fakebot.New(t, testToken)
	tg := newTelegram(bot, "4242", nil)
	for _, c := range []struct {
		fault     fakebot.Fault
		code      int
		text      string
		refused   bool
		maybeSent bool
		retry     time.Duration
	}{
		{fakebot.TooManyRequests(3), 429, "telegram: 429 Too Many Requests: retry after 3", false, false, 3 * time.Second},
		{fakebot.ServerError, 500, "telegram: 500 Internal Server Error", false, false, 0},
		{fakebot.BadGateway, 502, "telegram: 502 Bad Gateway", false, false, 0},
		{fakebot.ChatNotFound, 400, "telegram: 400 Bad Request: chat not found", true, false, 0},
		{fakebot.Unauthorized, 401, "telegram: 401 Unauthorized", true, false, 0},
		{fakebot.Kicked, 403, "telegram: 403 Forbidden: bot was kicked from the group chat", true, false, 0},
		{fakebot.Cut, 0, "telegram: sendMessage: ", false, true, 0},
	} {
		t.Run(c.text, func(t *testing.T) {
			bot.Script(c.fault)
			err := tg.Send(context.Background(), Message{Text: "x"})
			if err == nil || !strings.HasPrefix(err.Error(), c.text) {
				t.Fatalf("err = %v, want %q…", err, c.text)
			}
			if errors.Is(err, ErrRefused) != c.refused || errors.Is(err, ErrOutcomeUnknown) != c.maybeSent {
				t.Errorf("%v: refused %v, outcome unknown %v", err, errors.Is(err, ErrRefused), errors.Is(err, ErrOutcomeUnknown))
			}
			var apiErr *APIError
			if c.code != 0 && (!errors.As(err, &apiErr) || apiErr.Code != c.code || apiErr.RetryAfter != c.retry) {
				t.Errorf("%#v, want code %d retry %v", err, c.code, c.retry)
			}
		})
	}

	// Nobody listening: nothing was sent.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ln.Close()
	off := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: "http://" + ln.Addr().String()}, nil)
	err := off.Send(context.Background(), Message{Text: "x"})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable: %v", err)
	}

	// A wrong token: the fake, like Telegram, says 401.
	wrong := NewTelegram(config.Telegram{Token: "1:wrong", ChatID: "1", APIURL: bot.URL}, nil)
	if _, err := wrong.Me(context.Background()); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestTelegramTimeout: a Bot API server that never answers costs the
// client's timeout, and the outcome is unknown.
func TestTelegramTimeout(t *testing.T) {
	bot := fakebot.New(t, testToken)
	bot.FailAll(fakebot.Hang)
	client := DefaultHTTPClient()
	client.Timeout = 200 * time.Millisecond
	tg := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: bot.URL}, client)
	start := time.Now()
	err := tg.Send(context.Background(), Message{Text: "x"})
	var netErr *NetError
	if !errors.As(err, &netErr) || !netErr.Timeout || !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %#v, want a timeout with the outcome unknown", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// A cancelled context ends it too.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	tg = NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: bot.URL}, nil)
	if err := tg.Send(ctx, Message{Text: "x"}); err == nil {
		t.Error("no error after cancel")
	}
}

// TestTelegramHTMLAndLength: every name and address is escaped (the fake
// parses HTML as strictly as Telegram); a message over 4096 characters
// goes in parts.
func TestTelegramHTMLAndLength(t *testing.T) {
	bot := fakebot.New(t, testToken)
	tg := newTelegram(bot, "-1001", nil)
	pl := newPlan(t, nil)
	for _, name := range []string{"<script>", "a&b", `"q"`, "x>y", "t's"} {
		pl.p.observe(downAt(name, t0), t0)
	}
	for i := range 200 {
		// Names without digits: a numbered run would fold into "first … last".
		pl.p.observe(downAt(fmt.Sprintf("host-with-a-rather-long-name-%c%c.example.org", 'a'+i/26, 'a'+i%26), t0), t0)
	}
	msgs := pl.p.due(t0.Add(time.Minute))
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, m := range msgs {
		if err := tg.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	sent := bot.Messages()
	if len(sent) != len(msgs) {
		t.Fatalf("%d sent, %d made", len(sent), len(msgs))
	}
	for _, s := range sent {
		if s.ParseMode != "HTML" {
			t.Errorf("sent as plain text (HTML refused?): %.60q", s.Text)
		}
	}
	if !strings.Contains(sent[0].Text, "&lt;script&gt;") || !strings.Contains(sent[0].Text, "a&amp;b") {
		t.Errorf("names not escaped: %.300s", sent[0].Text)
	}

	// Send itself splits a text that is too long.
	long := strings.Repeat("word ", 2000)
	if err := tg.Send(context.Background(), Message{Text: long}); err != nil {
		t.Fatal(err)
	}
	if n := len(bot.Messages()) - len(sent); n != 3 {
		t.Errorf("a %d-character text went in %d parts, want 3", len(long), n)
	}
}

func TestTelegramAPIURLWithPath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		fmt.Fprint(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"b","username":"b_bot"}}`)
	}))
	defer srv.Close()
	tg := NewTelegram(config.Telegram{Token: testToken, ChatID: "1", APIURL: srv.URL + "/tg%2F/"}, nil)
	if _, err := tg.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "/tg%2F/bot" + testToken + "/getMe"; got != "/tg//bot"+testToken+"/getMe" && got != want {
		t.Errorf("path %q", got)
	}
}

func TestTelegramChatsAndMe(t *testing.T) {
	bot := fakebot.New(t, testToken)
	bot.AddChatMessage(4242, "private", "Ann @ann", "hi")
	bot.AddChatMessage(-1001234, "supergroup", "Ops <alerts>", "/start")
	bot.AddChatMessage(4242, "private", "Ann @ann", "again")
	bot.AddChatMessage(-1009, "channel", "Status", "post")
	tg := NewTelegram(config.Telegram{Token: testToken, APIURL: bot.URL}, nil)
	chats, err := tg.Chats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Chat{{4242, "private", "Ann @ann", 1}, {-1001234, "supergroup", "Ops <alerts>", 1}, {-1009, "channel", "Status", 1}} // the fake dates every update 1
	if fmt.Sprint(chats) != fmt.Sprint(want) {
		t.Errorf("Chats = %v, want %v", chats, want)
	}
	me, err := tg.Me(context.Background())
	if err != nil || me.UserName != "downtime_test_bot" {
		t.Errorf("Me = %+v, %v", me, err)
	}
}

func TestTelegramValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  config.Telegram
		want error
	}{
		{config.Telegram{ChatID: "1"}, ErrTokenNotSet},
		{config.Telegram{Token: testToken}, ErrChatIDNotSet},
		{config.Telegram{Token: testToken, ChatID: "1"}, nil},
		{config.Telegram{Token: testToken, ChatID: "@chan"}, nil},
	} {
		if err := NewTelegram(c.cfg, nil).Validate(); !errors.Is(err, c.want) {
			t.Errorf("Validate(%+v) = %v, want %v", c.cfg.ChatID, err, c.want)
		}
	}
	if err := NewTelegram(config.Telegram{Token: testToken, ChatID: "abc"}, nil).Validate(); err == nil {
		t.Error("chat_id abc accepted")
	}
	if err := NewTelegram(config.Telegram{Token: "12 34", ChatID: "1"}, nil).Validate(); err == nil || strings.Contains(err.Error(), "12 34") {
		t.Errorf("a token with a space: %v", err)
	}
}

// TestTelegramNeverPrintsItsToken: %v, %+v, %#v, %s, slog and the secret
// type's own spellings.
func TestTelegramNeverPrintsItsToken(t *testing.T) {
	tg := NewTelegram(config.Telegram{Token: testToken, ChatID: "1"}, nil)
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		fmt.Fprintf(&out, verb+"\n", tg)
		fmt.Fprintf(&out, verb+"\n", tg.token)
		fmt.Fprintf(&out, verb+"\n", struct{ S secret }{tg.token})
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("x", "tg", tg, "token", tg.token)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "tg", tg, "token", tg.token)
	if strings.Contains(out.String(), testToken) || strings.Contains(out.String(), "AAHdqTcv") {
		t.Errorf("token printed:\n%s", out.String())
	}
}
