package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"downtime/config"
	"downtime/monitor"
)

// Command pacing: a chat gets answers to a burst of commandBurst, then one
// every commandEvery; commands past that are dropped, and only the first
// one dropped in a row is answered ("not done, try again in …"). Answers
// go out from the command goroutine, never through the outbox, so a flood
// delays no alert.
const (
	commandBurst   = 5
	commandEvery   = 3 * time.Second
	actTimeout     = 10 * time.Second // an ack or mute waits this long for the dispatcher
	pollTimeout    = 15 * time.Second // getUpdates long poll; under DefaultHTTPClient's ResponseHeaderTimeout (20 s)
	pollBackoffMax = 30 * time.Second
	maxMute        = 30 * 24 * time.Hour
)

// CommanderOptions configure a Commander.
type CommanderOptions struct {
	Telegram   *Telegram
	Dispatcher *Dispatcher
	// Allowed narrows who may act in the chat (allowed_users).
	Allowed config.Chat
	// Hosts gives the monitor's hosts now (for /status and names).
	Hosts func(ctx context.Context) (monitor.Snapshot, error)
	Log   *slog.Logger
	Clock Clock // nil is the wall clock
	// PollTimeout is getUpdates' long-poll wait (default 15s).
	PollTimeout time.Duration
}

// Commander reads commands and button presses from the configured chat
// (getUpdates long polling) and answers them there: /status, /ack, /mute,
// /unmute, /help. Everything from another chat, or from a user outside
// allowed_users, gets no answer at all and one log line.
type Commander struct {
	o       CommanderOptions
	buckets map[int64]*bucket // Run's goroutine only

	mu     sync.Mutex
	counts map[CommandKey]uint64
}

// CommandKey labels downtime_telegram_commands_total.
type CommandKey struct{ Command, Result string }

// bucket paces one chat's commands.
type bucket struct {
	tokens float64
	at     time.Time
	told   bool // the chat was told that its commands are being dropped
}

// NewCommander checks o and builds the command reader.
func NewCommander(o CommanderOptions) (*Commander, error) {
	if o.Telegram == nil || o.Dispatcher == nil || o.Hosts == nil {
		return nil, errors.New("alert: NewCommander needs Telegram, Dispatcher and Hosts")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = pollTimeout
	}
	return &Commander{o: o, buckets: map[int64]*bucket{}, counts: map[CommandKey]uint64{}}, nil
}

// Commands returns the commands counted so far by command and result (ok,
// error, refused, limited), for the metrics.
func (c *Commander) Commands() map[CommandKey]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[CommandKey]uint64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

func (c *Commander) count(command, result string) {
	switch command {
	case "status", "ack", "mute", "unmute", "help":
	case "start":
		command = "help"
	case "":
		command = "text" // not a command: someone writing to the bot
	default:
		command = "unknown" // never the user's word: a label's values must stay few
	}
	c.mu.Lock()
	c.counts[CommandKey{command, result}]++
	c.mu.Unlock()
}

// Run polls until ctx ends. Telegram's 409 Conflict means another process
// polls the same bot; it is logged once and retried with a backoff.
func (c *Commander) Run(ctx context.Context) error {
	offset := 0
	backoff := time.Duration(0)
	conflict := false
	for ctx.Err() == nil {
		ups, err := c.o.Telegram.Updates(ctx, offset, c.o.PollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict {
				if !conflict {
					c.o.Log.Warn("telegram commands: another process reads this bot's updates", "err", err.Error(),
						"fix", "run one monitor per bot; \"downtime telegram chat-id\" while this monitor runs finds its updates taken")
				}
				conflict = true
			} else if backoff == 0 {
				c.o.Log.Warn("telegram commands: getUpdates failed, retrying", "err", err.Error())
			}
			backoff = min(max(2*backoff, time.Second), pollBackoffMax)
			select {
			case <-ctx.Done():
				return nil
			case <-c.o.Clock.After(backoff):
			}
			continue
		}
		backoff, conflict = 0, false
		for _, u := range ups {
			offset = max(offset, u.UpdateID+1)
			c.handle(ctx, u)
		}
	}
	return nil
}

// handle answers one update, if it may.
func (c *Commander) handle(ctx context.Context, u tgbotapi.Update) {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		m := u.Message
		cmd, args, ok := parseCommand(m.Text)
		if !ok && c.isOurChat(m.Chat) {
			return // not a command: people talking in the chat
		}
		if !c.admit(ctx, m.Chat, m.From, cmd) || !ok {
			return // a stranger's words are logged, whatever they are
		}
		answer, result := c.command(ctx, cmd, args, m.From)
		c.count(cmd, result)
		if err := c.o.Telegram.Reply(ctx, m.Chat.ID, answer); err != nil && ctx.Err() == nil {
			c.o.Log.Warn("telegram command not answered", "command", cmd, "err", err.Error())
		}
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		q := u.CallbackQuery
		what, hosts := parseButton(q.Data)
		cmd := "ack"
		if what == buttonMute1h {
			cmd = "mute"
		}
		if !c.admit(ctx, q.Message.Chat, q.From, cmd) {
			return
		}
		c.button(ctx, q, what, hosts)
	}
}

// admit reports whether the chat and user may act, and whether the chat
// is within its pace. A refusal is logged, never answered. A command over
// the pace is logged and answered, once until one is admitted again.
func (c *Commander) admit(ctx context.Context, chat *tgbotapi.Chat, from *tgbotapi.User, cmd string) bool {
	var user int64
	if from != nil {
		user = from.ID
	}
	if !c.isOurChat(chat) || from == nil || !c.o.Allowed.Allowed(user) {
		c.count(cmd, "refused")
		attrs := []any{"chat", chat.ID, "user", user}
		if cmd != "" {
			attrs = append(attrs, "command", cmd)
		}
		c.o.Log.Warn("telegram command refused", attrs...)
		return false
	}
	now := c.o.Clock.Now()
	b := c.buckets[chat.ID]
	if b == nil {
		b = &bucket{tokens: commandBurst, at: now}
		c.buckets[chat.ID] = b
	}
	b.tokens = min(commandBurst, b.tokens+float64(now.Sub(b.at))/float64(commandEvery))
	b.at = now
	if b.tokens < 1 {
		c.count(cmd, "limited")
		if !b.told {
			b.told = true
			wait := time.Duration(math.Ceil((1-b.tokens)*commandEvery.Seconds())) * time.Second
			c.o.Log.Warn("telegram commands limited", "chat", chat.ID, "command", cmd, "retry_in", wait.String())
			answer := fmt.Sprintf("⏳ Too many commands at once: /%s was not done, nor will the next ones be for %s. Send it again then.", cmd, wait)
			if err := c.o.Telegram.Reply(ctx, chat.ID, answer); err != nil && ctx.Err() == nil {
				c.o.Log.Warn("telegram command not answered", "command", cmd, "err", err.Error())
			}
		}
		return false
	}
	b.tokens--
	b.told = false
	return true
}

// loc is the time zone of the times in answers and notes: the messages'
// ([alerts] timezone).
func (c *Commander) loc() *time.Location { return c.o.Dispatcher.Location() }

// isOurChat reports whether chat is the configured chat_id.
func (c *Commander) isOurChat(chat *tgbotapi.Chat) bool {
	want := c.o.Telegram.ChatID()
	if strings.HasPrefix(want, "@") {
		return chat.UserName != "" && strings.EqualFold("@"+chat.UserName, want)
	}
	return strconv.FormatInt(chat.ID, 10) == want
}

// parseCommand splits "/mute@bot web-01 2h" into "mute" and its args.
func parseCommand(text string) (cmd string, args []string, ok bool) {
	f := strings.Fields(text)
	if len(f) == 0 || !strings.HasPrefix(f[0], "/") {
		return "", nil, false
	}
	cmd, _, _ = strings.Cut(strings.ToLower(f[0][1:]), "@")
	return cmd, f[1:], true
}

// helpText lists the commands, one line each.
const helpText = `/status — what is down, longest first, and the counts
/ack HOST — acknowledge its outage: no more reminders (the UP still comes)
/mute HOST DURATION — no alerts for it until then (/mute web-01 2h, /mute all 30m)
/unmute HOST — alerts again (/unmute all ends every mute)
/help — this list
HOST is a name or an address as in the config.`

// command runs one command and returns its answer (HTML) and its result
// for the metrics.
func (c *Commander) command(ctx context.Context, cmd string, args []string, from *tgbotapi.User) (string, string) {
	by := who(from)
	switch cmd {
	case "help", "start":
		return esc(helpText), "ok"
	case "status":
		snap, err := c.o.Hosts(ctx)
		if err != nil {
			return "The monitor did not answer: " + esc(err.Error()), "error"
		}
		return statusText(snap, c.o.Dispatcher.Silences(), c.o.Clock.Now(), c.loc()), "ok"
	case "ack", "unmute":
		if len(args) != 1 {
			return esc("Usage: /" + cmd + " HOST"), "error"
		}
	case "mute":
		if len(args) != 2 {
			return esc("Usage: /mute HOST DURATION, e.g. /mute web-01 2h or /mute all 30m"), "error"
		}
	default:
		return esc("Unknown command /" + cmd + ". The commands:\n" + helpText), "error"
	}

	ctx, cancel := context.WithTimeout(ctx, actTimeout)
	defer cancel()
	host := MuteAll
	if cmd == "ack" || !strings.EqualFold(args[0], "all") {
		name, answer := c.resolve(ctx, args[0])
		if name == "" {
			return answer, "error"
		}
		host = name
	}
	now := c.o.Clock.Now()
	switch cmd {
	case "ack":
		a, fresh, err := c.o.Dispatcher.Acknowledge(ctx, host, by)
		switch {
		case errors.Is(err, ErrNotDown):
			return "<b>" + esc(host) + "</b> is not down: nothing to acknowledge.", "error"
		case err != nil:
			return "Not done: " + esc(err.Error()), "error"
		case !fresh:
			return "✔ <b>" + esc(host) + "</b> was already acknowledged by " + esc(a.By) + " at " + hhmm(a.At, c.loc()) + ".", "ok"
		}
		return "✔ <b>" + esc(host) + "</b> acknowledged by " + esc(by) + " (down " + FormatOutage(now.Sub(a.DownSince)) +
			"): no more reminders; the UP will still come.", "ok"
	case "mute":
		d, err := parseMuteDuration(args[1])
		if err != nil {
			return esc(err.Error()), "error"
		}
		until := now.Add(d)
		if err := c.o.Dispatcher.Mute(ctx, Mute{Host: host, Until: until, By: by}); err != nil {
			return "Not done: " + esc(err.Error()), "error"
		}
		what := "<b>" + esc(host) + "</b> muted"
		if host == MuteAll {
			what = "All hosts muted"
		}
		return "🔕 " + what + " until " + until.In(c.loc()).Format("2006-01-02 15:04 MST") + " by " + esc(by) +
			": no alerts until then; an outage still running then is sent then.", "ok"
	default: // unmute
		was, err := c.o.Dispatcher.Unmute(ctx, host, by)
		if err != nil {
			return "Not done: " + esc(err.Error()), "error"
		}
		name := "<b>" + esc(host) + "</b>"
		if host == MuteAll {
			name = "No host"
		}
		if !was {
			if m, ok := c.o.Dispatcher.Silences().Muted(host); ok && m.Host == MuteAll {
				return "All hosts are muted until " + hhmmZone(m.Until, c.loc()) + ": /unmute all ends it.", "error"
			}
			return name + " was not muted.", "error"
		}
		if host == MuteAll {
			return "🔔 Every mute ended by " + esc(by) + ".", "ok"
		}
		return "🔔 " + name + " unmuted by " + esc(by) + ": its alerts come again.", "ok"
	}
}

// button acts on a press of Ack or Mute 1h: it answers the press and edits
// the message to say who did what and when.
func (c *Commander) button(ctx context.Context, q *tgbotapi.CallbackQuery, what string, hosts []string) {
	ctx, cancel := context.WithTimeout(ctx, actTimeout)
	defer cancel()
	by, name := who(q.From), q.From.FirstName
	now := c.o.Clock.Now()
	var done []string
	var note, answer, cmd string
	switch what {
	case buttonAck:
		cmd = "ack"
		for _, h := range hosts {
			if _, _, err := c.o.Dispatcher.Acknowledge(ctx, h, by); err == nil {
				done = append(done, h)
			}
		}
		note = "✔ acknowledged by " + name + " at " + hhmm(now, c.loc())
		answer = "Acknowledged: " + strings.Join(done, ", ")
		if len(done) == 0 {
			answer = "Nothing to acknowledge: " + strings.Join(hosts, ", ") + " not down any more"
		}
	case buttonMute1h:
		cmd = "mute"
		for _, h := range hosts {
			if err := c.o.Dispatcher.Mute(ctx, Mute{Host: h, Until: now.Add(time.Hour), By: by}); err == nil {
				done = append(done, h)
			}
		}
		note = "🔕 muted for 1h by " + name + " at " + hhmm(now, c.loc())
		answer = "Muted until " + hhmmZone(now.Add(time.Hour), c.loc()) + ": " + strings.Join(done, ", ")
	default:
		c.count("unknown", "error")
		return
	}
	result := "ok"
	if len(done) == 0 {
		result = "error"
	}
	c.count(cmd, result)
	if err := c.o.Telegram.AnswerButton(ctx, q.ID, answer); err != nil && ctx.Err() == nil {
		c.o.Log.Warn("telegram button not answered", "err", err.Error())
	}
	if len(done) == 0 {
		return
	}
	c.o.Log.Info("telegram button", "button", cmd, "hosts", strings.Join(done, ","), "by", by)
	text := strings.TrimRight(q.Message.Text, "\n") + "\n" + note
	if err := c.o.Telegram.Edit(ctx, q.Message.Chat.ID, q.Message.MessageID, text, withoutButton(q.Message.ReplyMarkup, what)); err != nil && ctx.Err() == nil {
		c.o.Log.Warn("telegram message not edited", "err", err.Error())
	}
}

// withoutButton is markup less the buttons of kind what (the one pressed:
// done, it has nothing more to do); nil, no keyboard, when none is left.
func withoutButton(markup *tgbotapi.InlineKeyboardMarkup, what string) *tgbotapi.InlineKeyboardMarkup {
	if markup == nil {
		return nil
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, row := range markup.InlineKeyboard {
		var keep []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			if b.CallbackData != nil {
				if kind, _ := parseButton(*b.CallbackData); kind == what {
					continue
				}
			}
			keep = append(keep, b)
		}
		if len(keep) > 0 {
			rows = append(rows, keep)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// resolve finds the host named arg (a name or an address, as in the
// config); else it returns "" and an answer naming close matches.
func (c *Commander) resolve(ctx context.Context, arg string) (string, string) {
	snap, err := c.o.Hosts(ctx)
	if err != nil {
		return "", "The monitor did not answer: " + esc(err.Error())
	}
	for _, h := range snap.Hosts {
		if h.Name == arg {
			return h.Name, ""
		}
	}
	for _, h := range snap.Hosts {
		if h.Address == arg || strings.EqualFold(h.Name, arg) {
			return h.Name, ""
		}
	}
	var close []string
	low := strings.ToLower(arg)
	for _, h := range snap.Hosts {
		n := strings.ToLower(h.Name)
		if strings.Contains(n, low) || strings.Contains(low, n) || config.EditDistance(n, low) <= 2 ||
			strings.Contains(strings.ToLower(h.Address), low) {
			close = append(close, h.Name)
		}
	}
	answer := "No host <b>" + esc(arg) + "</b>."
	if len(close) > 0 {
		if len(close) > 8 {
			close = append(close[:8], "…")
		}
		answer += " Did you mean: " + esc(strings.Join(close, ", ")) + "?"
	}
	return "", answer
}
