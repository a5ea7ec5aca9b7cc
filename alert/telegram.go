package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"downtime/config"
)

// Notifier delivers messages somewhere a person reads them. It is the shape
// of Gatus' alerting providers, with a context: Validate checks the
// settings without the network, Send delivers one message.
type Notifier interface {
	Validate() error
	Send(ctx context.Context, m Message) error
}

var _ Notifier = (*Telegram)(nil)

// Telegram sends messages through the Bot API with the
// go-telegram-bot-api library, to one chat. It never calls the network
// when built, so a bot that cannot be reached at start-up stops nothing:
// the outbox tries again later. Every error it returns has the token
// removed (the library's errors carry the request URL, which holds it).
type Telegram struct {
	token    secret
	chatID   string
	apiURL   string // as shown: credentials in it replaced (config.RedactURL)
	userinfo string // the credentials of api_url ("user:pass"), kept out of errors
	endpoint string // the library's format: {api_url}/bot%s/%s
	client   *http.Client
	buttons  bool // DOWN messages carry Ack and Mute 1h (commands on)
}

// NewTelegram makes the notifier for cfg (token, chat_id, api_url). A nil
// client means DefaultHTTPClient; tests pass theirs.
func NewTelegram(cfg config.Telegram, client *http.Client) *Telegram {
	if client == nil {
		client = DefaultHTTPClient()
	}
	api := strings.TrimRight(cfg.APIURL, "/")
	if api == "" {
		api = config.DefaultAPIURL
	}
	var userinfo string
	if u, err := url.Parse(api); err == nil && u.User != nil {
		userinfo = u.User.String()
	}
	return &Telegram{
		token:    secret(cfg.Token),
		chatID:   cfg.ChatID,
		apiURL:   config.RedactURL(api),
		userinfo: userinfo,
		endpoint: strings.ReplaceAll(api, "%", "%%") + "/bot%s/%s",
		client:   client,
	}
}

// DefaultHTTPClient bounds every step of a request, so that a Bot API
// server that hangs delays the outbox by half a minute at most, and
// follows no redirect (a redirect would carry the token's URL elsewhere).
func DefaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   2,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Validate checks the settings without the network.
func (t *Telegram) Validate() error {
	if t.token == "" {
		return ErrTokenNotSet
	}
	if strings.ContainsAny(string(t.token), " \t\r\n/?#%") {
		return errors.New("telegram: the token has characters a bot token never has (compare it with what @BotFather gave)")
	}
	if t.chatID == "" {
		return ErrChatIDNotSet
	}
	if _, _, err := t.chat(); err != nil {
		return err
	}
	u, err := url.Parse(strings.ReplaceAll(strings.TrimSuffix(t.endpoint, "/bot%s/%s"), "%%", "%"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("telegram: api_url %q is not an http(s) URL", t.apiURL)
	}
	return nil
}

// ChatID is the chat messages go to.
func (t *Telegram) ChatID() string { return t.chatID }

// APIURL is the Bot API server's base URL (never with the token, nor the
// credentials it may hold).
func (t *Telegram) APIURL() string { return t.apiURL }

// Group reports whether the chat is a group or a channel (a negative id or
// "@name"): Telegram allows those 20 messages a minute, private chats about
// one a second.
func (t *Telegram) Group() bool {
	return strings.HasPrefix(t.chatID, "-") || strings.HasPrefix(t.chatID, "@")
}

// pace is the outbox's pacing for this chat (see Group).
func (t *Telegram) pace() (gap time.Duration, perMinute int) {
	if t.Group() {
		return time.Second, 20
	}
	return time.Second, 0
}

// chat splits chat_id into the library's two ways of naming a chat.
func (t *Telegram) chat() (id int64, channel string, err error) {
	if strings.HasPrefix(t.chatID, "@") {
		return 0, t.chatID, nil
	}
	id, err = strconv.ParseInt(t.chatID, 10, 64)
	if err != nil || id == 0 {
		return 0, "", fmt.Errorf(`telegram: chat_id %q is neither a numeric id nor "@channelname"`, t.chatID)
	}
	return id, "", nil
}

// Send delivers m to the chat with parse_mode HTML, in parts when it is
// longer than MaxMessageLen. If Telegram cannot parse the HTML (a bug of
// ours), the part goes again as plain text rather than not at all.
func (t *Telegram) Send(ctx context.Context, m Message) error {
	id, channel, err := t.chat()
	if err != nil {
		return err
	}
	parts := split(m.Text, MaxMessageLen)
	for i, part := range parts {
		msg := tgbotapi.MessageConfig{
			BaseChat:              tgbotapi.BaseChat{ChatID: id, ChannelUsername: channel},
			Text:                  part,
			ParseMode:             tgbotapi.ModeHTML,
			DisableWebPagePreview: true,
		}
		if kb := buttons(m.Down); kb != nil && i == len(parts)-1 && t.buttons {
			msg.ReplyMarkup = kb // Ack, Mute 1h (telegram_chat.go)
		}
		_, err := t.request(ctx, msg)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == http.StatusBadRequest && strings.Contains(strings.ToLower(apiErr.Description), "parse entities") {
			msg.Text, msg.ParseMode = plainText(part), ""
			_, err = t.request(ctx, msg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Me asks Telegram who the bot is (getMe): it checks the token.
func (t *Telegram) Me(ctx context.Context) (tgbotapi.User, error) {
	var u tgbotapi.User
	err := t.call(ctx, "getMe", func(bot *tgbotapi.BotAPI) (err error) {
		u, err = bot.GetMe()
		return err
	})
	return u, err
}

// Chat is a chat that wrote to the bot, for `downtime telegram chat-id`.
type Chat struct {
	ID    int64
	Type  string // private, group, supergroup, channel
	Title string // the group's title, or the person's name and @username
	Last  int64  // when it last wrote: the newest of its updates' dates, Unix seconds
}

// Chats lists the chats in the bot's pending updates (getUpdates, which
// Telegram keeps for 24 hours), each once, in the order they first wrote.
// It does not confirm the updates, so it takes nothing from anyone else.
func (t *Telegram) Chats(ctx context.Context) ([]Chat, error) {
	var updates []tgbotapi.Update
	err := t.call(ctx, "getUpdates", func(bot *tgbotapi.BotAPI) (err error) {
		updates, err = bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 100})
		return err
	})
	if err != nil {
		return nil, err
	}
	var chats []Chat
	seen := map[int64]bool{}
	last := map[int64]int64{}
	add := func(c *tgbotapi.Chat, date int) {
		if c != nil {
			last[c.ID] = max(last[c.ID], int64(date))
		}
		if c == nil || seen[c.ID] {
			return
		}
		seen[c.ID] = true
		title := c.Title
		if title == "" {
			title = strings.TrimSpace(c.FirstName + " " + c.LastName)
			if c.UserName != "" {
				title = strings.TrimSpace(title + " @" + c.UserName)
			}
		}
		chats = append(chats, Chat{ID: c.ID, Type: c.Type, Title: title})
	}
	for _, u := range updates {
		for _, m := range []*tgbotapi.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
			if m != nil {
				add(m.Chat, max(m.Date, m.EditDate))
			}
		}
		for _, cm := range []*tgbotapi.ChatMemberUpdated{u.MyChatMember, u.ChatMember} {
			if cm != nil {
				add(&cm.Chat, cm.Date)
			}
		}
	}
	for i := range chats {
		chats[i].Last = last[chats[i].ID]
	}
	return chats, nil
}

// request sends one Chattable and keeps only whether Telegram accepted it.
func (t *Telegram) request(ctx context.Context, c tgbotapi.MessageConfig) (*tgbotapi.APIResponse, error) {
	var resp *tgbotapi.APIResponse
	err := t.call(ctx, "sendMessage", func(bot *tgbotapi.BotAPI) (err error) {
		resp, err = bot.Request(c)
		return err
	})
	return resp, err
}

// call runs one library call with a BotAPI made for it: its HTTP client
// carries ctx (the library makes requests without one) and records what
// the error alone cannot tell, the HTTP status and whether the request
// was written. Building the BotAPI by hand, not with NewBotAPI, skips the
// getMe that NewBotAPI makes, so nothing here needs the network up front.
func (t *Telegram) call(ctx context.Context, method string, f func(*tgbotapi.BotAPI) error) error {
	d := &doer{ctx: ctx, client: t.client}
	bot := &tgbotapi.BotAPI{Token: string(t.token), Client: d, Buffer: 100}
	bot.SetAPIEndpoint(t.endpoint)
	err := f(bot)
	if err == nil {
		return nil
	}
	return t.classify(method, err, d)
}

// classify turns a library error into an APIError or a NetError without
// the token.
func (t *Telegram) classify(method string, err error, d *doer) error {
	status := int(d.status.Load())
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		code := tgErr.Code
		if code == 0 {
			code = status
		}
		desc := t.redact(tgErr.Message)
		switch {
		case desc == "" && code == http.StatusOK:
			desc = `answered {"ok":false} without a description`
		case desc == "":
			desc = http.StatusText(code)
		}
		return &APIError{
			Method: method, Code: code, Description: desc,
			// Bounded so that a huge retry_after cannot overflow (the
			// outbox applies its own ceiling).
			RetryAfter: time.Duration(min(max(tgErr.RetryAfter, 0), 1<<30)) * time.Second,
			MigrateTo:  tgErr.MigrateToChatID,
		}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		// Never uerr.Error(): it starts with the URL, token and all.
		return &NetError{Method: method, Msg: t.redact(uerr.Err.Error()), MaybeSent: d.wrote.Load(), Timeout: uerr.Timeout()}
	}
	switch {
	case status >= 300 && status != http.StatusOK:
		// An answer that is not the Bot API's JSON: a proxy's error page,
		// a redirect (api_url wrong), a 502 from a load balancer.
		desc := http.StatusText(status)
		if status < 400 {
			desc += " (not the Bot API: check api_url)"
		}
		return &APIError{Method: method, Code: status, Description: desc}
	case status == http.StatusOK:
		// Telegram said 200 but the body did not read: the request got
		// there, so it may well have been delivered.
		return &NetError{Method: method, Msg: "unreadable answer: " + t.redact(err.Error()), MaybeSent: true}
	}
	return &NetError{Method: method, Msg: t.redact(err.Error()), MaybeSent: d.wrote.Load()}
}

// redact removes the token from s, in every spelling a URL may give it,
// and the credentials of api_url.
func (t *Telegram) redact(s string) string {
	s = t.token.redact(s)
	if t.userinfo != "" {
		s = strings.ReplaceAll(s, t.userinfo, config.RedactedCredentials)
		if _, pass, ok := strings.Cut(t.userinfo, ":"); ok && len(pass) >= 4 {
			s = strings.ReplaceAll(s, pass, config.RedactedCredentials)
		}
	}
	return s
}

// Format prints a Telegram without its token, whatever the verb.
func (t *Telegram) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "telegram(chat_id=%s api_url=%s)", t.chatID, t.apiURL)
}

// LogValue keeps the token out of slog too.
func (t *Telegram) LogValue() slog.Value {
	return slog.GroupValue(slog.String("chat_id", t.chatID), slog.String("api_url", t.apiURL))
}

// doer is the http client of one library call (see Telegram.call).
type doer struct {
	ctx    context.Context
	client *http.Client
	status atomic.Int64
	wrote  atomic.Bool // set from the transport's goroutine
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			d.wrote.Store(true)
		}
	}}
	resp, err := d.client.Do(req.WithContext(httptrace.WithClientTrace(d.ctx, trace)))
	if resp != nil {
		d.status.Store(int64(resp.StatusCode))
	}
	return resp, err
}

// secret is the bot token: printed, logged or marshalled, it shows nothing.
type secret string

const redacted = "<token>"

func (secret) String() string                 { return redacted }
func (secret) GoString() string               { return `"` + redacted + `"` }
func (secret) LogValue() slog.Value           { return slog.StringValue(redacted) }
func (secret) MarshalText() ([]byte, error)   { return []byte(redacted), nil }
func (s secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// redact replaces the token in s: as is, escaped for a path or a query,
// and its secret half alone (after the bot id and the colon).
func (s secret) redact(text string) string {
	if s == "" {
		return text
	}
	tok := string(s)
	for _, v := range []string{tok, url.PathEscape(tok), url.QueryEscape(tok)} {
		text = strings.ReplaceAll(text, v, redacted)
	}
	if _, half, ok := strings.Cut(tok, ":"); ok && len(half) >= 8 {
		text = strings.ReplaceAll(text, half, redacted)
	}
	return text
}
