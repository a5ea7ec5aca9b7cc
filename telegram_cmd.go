package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"downtime/alert"
	"downtime/config"
)

// telegramTimeout bounds each set-up command.
const telegramTimeout = 30 * time.Second

const telegramUsage = `Usage: downtime telegram chat-id -c PATH   list the chats that wrote to the bot (for chat_id)
       downtime telegram test -c PATH      send a test message and report Telegram's answer

The bot token comes from [telegram] token or token_file in PATH, or from
DOWNTIME_TELEGRAM_TOKEN.
`

// telegramCmd is `downtime telegram chat-id|test -c PATH`: the set-up
// helpers. Exit 0 when Telegram answered as hoped, 1 when it did not (the
// reason in words), 2 for bad usage, 78 for a config error.
func telegramCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, telegramUsage)
		return exitUsage
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, telegramUsage)
		return exitOK
	case "chat-id", "test":
	default:
		fmt.Fprintf(stderr, "downtime telegram: unknown command %q\n%s", sub, telegramUsage)
		return exitUsage
	}
	name := "downtime telegram " + sub
	o, _, err := parseFlags(name, args[1:], stdout)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	cfg, err := loadConfigCtx(ctx, o, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitCode(err)
	}
	if path, bad := cfg.TokenFileWorldReadable(); bad {
		fmt.Fprintf(stderr, "%s: warning: %s holds the bot token and other users may read it (chmod 600 %s)\n", name, path, path)
	}
	if cfg.TokenConflict() {
		fmt.Fprintf(stderr, "%s: note: the bot token is %s\n", name, cfg.TokenSource())
	}
	t := cfg.Telegram
	if t.Token == "" && cfg.Path == "" {
		// No config file: the environment may still hold the token (a
		// config file resolves it the same way when it names none).
		t.Token = strings.TrimSpace(os.Getenv(config.EnvToken))
	}
	if t.Token == "" {
		fmt.Fprintf(stderr, "%s: no bot token: set [telegram] token or token_file in the config (-c PATH), or %s. Create a bot with @BotFather in Telegram to get one.\n", name, config.EnvToken)
		return exitConfig
	}
	tg := alert.NewTelegram(t, nil)
	ctx, cancel := context.WithTimeout(ctx, telegramTimeout)
	defer cancel()
	if sub == "chat-id" {
		return listChats(ctx, name, t.Token, tg, cfg, stdout, stderr)
	}
	if t.ChatID == "" {
		fmt.Fprintf(stderr, "%s: no chat_id in [telegram]: run \"downtime telegram chat-id%s\" to find it\n", name, configFlag(cfg))
		return exitConfig
	}
	if err := tg.Validate(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitConfig
	}
	return sendTest(ctx, name, t.Token, tg, cfg, stdout, stderr)
}

// listChats prints the chats in the bot's recent updates.
func listChats(ctx context.Context, name, token string, tg *alert.Telegram, cfg *config.Config, stdout, stderr io.Writer) int {
	me, err := tg.Me(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, explainFailure(ctx, err, token, tg, cfg))
		return exitFailure
	}
	bot := "@" + me.UserName
	chats, err := tg.Chats(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, explainFailure(ctx, err, token, tg, cfg))
		return exitFailure
	}
	if len(chats) == 0 {
		fmt.Fprintf(stdout, "No chat has written to %s lately (Telegram keeps a bot's messages for 24 hours).\n"+
			"In Telegram, send any message to %s; for a group, add the bot to it and write there; for a\n"+
			"channel, make the bot an administrator and post. Then run this again.\n"+
			"A downtime monitor running with this bot ([telegram] commands = true) reads the messages first:\n"+
			"its log then names each chat it does not answer: msg=\"telegram command refused\" chat=ID user=ID.\n", bot, bot)
		return exitOK
	}
	fmt.Fprintf(stdout, "Chats that wrote to %s:\n\n", bot)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHAT ID\tTYPE\tLAST WROTE\tTITLE")
	for _, c := range chats {
		when := "-"
		if c.Last > 0 {
			when = time.Unix(c.Last, 0).Local().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", c.ID, c.Type, when, oneLine(c.Title))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nPut the one alerts should go to in the config (here the one that wrote last), then send a test:\n\n"+
		"  [telegram]\n  chat_id = \"%d\"\n\n  downtime telegram test%s\n", lastWriter(chats).ID, configFlag(cfg))
	return exitOK
}

// lastWriter is the chat that wrote last: the one the user just wrote in
// to find its id. Of chats that wrote in the same second, the later listed.
func lastWriter(chats []alert.Chat) alert.Chat {
	best := chats[0]
	for _, c := range chats[1:] {
		if c.Last >= best.Last {
			best = c
		}
	}
	return best
}

// sendTest sends one message to the configured chat.
func sendTest(ctx context.Context, name, token string, tg *alert.Telegram, cfg *config.Config, stdout, stderr io.Writer) int {
	host, _ := os.Hostname()
	if host == "" {
		host = "this machine"
	}
	msg := alert.Message{Kind: "test", Made: time.Now(),
		Text: "✅ downtime test message: alerts from " + html.EscapeString(host) + " will arrive in this chat."}
	if err := tg.Send(ctx, msg); err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, explainFailure(ctx, err, token, tg, cfg))
		return exitFailure
	}
	fmt.Fprintf(stdout, "Telegram accepted the test message for chat %s: it should be there now.\n", tg.ChatID())
	return exitOK
}

// explainFailure says what went wrong and what to do. An answer that
// came from a server but did not read as Telegram's may be a server that is
// not a Bot API at all (api_url pointing at a web server): one plain
// getMe tells, and then that is what is said, not Telegram's words.
func explainFailure(ctx context.Context, err error, token string, tg *alert.Telegram, cfg *config.Config) string {
	var apiErr *alert.APIError
	var netErr *alert.NetError
	answered := errors.As(err, &apiErr) || errors.As(err, &netErr) && strings.HasPrefix(netErr.Msg, "unreadable answer")
	if answered {
		if got, ok := notBotAPI(ctx, cfg.Telegram.APIURL, token); ok {
			return fmt.Sprintf("%s does not look like a Bot API server: asked for getMe, it answered %s, where a Bot API answers "+
				"JSON with \"ok\". Check [telegram] api_url (the server's base URL, without /bot…), or leave it empty for %s.",
				tg.APIURL(), got, config.DefaultAPIURL)
		}
	}
	return explainTelegram(err, tg, cfg)
}

// notBotAPI asks apiURL (as configured, credentials and all) for getMe and
// reports what it answered when that is not the Bot API's JSON object with
// "ok". The URL holds the token, so neither it nor a transport error
// (which quotes it) is ever shown; no answer at all is not a verdict.
func notBotAPI(ctx context.Context, apiURL, token string) (got string, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(apiURL, "/")+"/bot"+token+"/getMe", nil)
	if err != nil {
		return "", false
	}
	resp, err := alert.DefaultHTTPClient().Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", false
	}
	var answer struct {
		OK *bool `json:"ok"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.OK != nil {
		return "", false
	}
	kind := resp.Header.Get("Content-Type")
	if kind == "" {
		kind = "no content type"
	}
	kind, _, _ = strings.Cut(kind, ";")
	return fmt.Sprintf("%q (%s)", resp.Status, kind), true
}

// explainTelegram says what Telegram's answer means and what to do.
func explainTelegram(err error, tg *alert.Telegram, cfg *config.Config) string {
	var apiErr *alert.APIError
	var netErr *alert.NetError
	said := ""
	if errors.As(err, &apiErr) {
		said = fmt.Sprintf("%d %s", apiErr.Code, apiErr.Description)
	}
	desc := ""
	if apiErr != nil {
		desc = strings.ToLower(apiErr.Description)
	}
	switch {
	case apiErr != nil && apiErr.MigrateTo != 0:
		return fmt.Sprintf("the group became a supergroup with a new id (Telegram said %q): set [telegram] chat_id = \"%d\"", said, apiErr.MigrateTo)
	case apiErr != nil && (apiErr.Code == http.StatusUnauthorized || apiErr.Code == http.StatusNotFound && tg.APIURL() == config.DefaultAPIURL):
		return fmt.Sprintf("Telegram does not know this bot token (it said %q). Check [telegram] token, token_file or %s: "+
			"it must be the whole token @BotFather gave, like 123456789:AAE…", said, config.EnvToken)
	case apiErr != nil && apiErr.Code == http.StatusNotFound:
		return fmt.Sprintf("%s does not answer like a Bot API server (it said %q): check [telegram] api_url, or leave it empty for %s", tg.APIURL(), said, config.DefaultAPIURL)
	case apiErr != nil && apiErr.Code == http.StatusBadRequest && strings.Contains(desc, "chat not found"):
		return fmt.Sprintf("Telegram does not know chat %s for this bot (it said %q). Write to the bot first (or add it to the group), "+
			"then run \"downtime telegram chat-id%s\" for the right id.", tg.ChatID(), said, configFlag(cfg))
	case apiErr != nil && apiErr.Code == http.StatusForbidden:
		return fmt.Sprintf("the bot may not write to chat %s (Telegram said %q): it was removed from the group or channel, "+
			"is not an administrator of the channel, or the person blocked it. Add it back (or unblock it) and try again.", tg.ChatID(), said)
	case apiErr != nil && apiErr.Code == http.StatusConflict && strings.Contains(desc, "getupdates request"):
		return pollingElsewhere(said)
	case apiErr != nil && apiErr.Code == http.StatusConflict:
		return fmt.Sprintf("the bot has a webhook, so its updates go there, not here (Telegram said %q). "+
			"Find the chat id where the webhook's updates arrive, or remove the webhook (deleteWebhook) and write to the bot again.", said)
	case apiErr != nil && apiErr.Code == http.StatusTooManyRequests:
		return fmt.Sprintf("Telegram asks to wait %s before the next message (it said %q); try again then.", apiErr.RetryAfter, said)
	case apiErr != nil && apiErr.Code == http.StatusRequestTimeout:
		return fmt.Sprintf("the request timed out on its way (it said %q), often at a proxy; try again. Alerts retry on their own.", said)
	case apiErr != nil && apiErr.Code >= 500:
		return fmt.Sprintf("the Bot API server had a problem (it said %q); that is usually brief: try again in a minute.", said)
	case apiErr != nil:
		return fmt.Sprintf("Telegram refused (it said %q).", said)
	case errors.As(err, &netErr):
		return fmt.Sprintf("cannot reach the Bot API at %s: %s. Check the network, a proxy (HTTPS_PROXY), or [telegram] api_url.",
			tg.APIURL(), strings.TrimPrefix(netErr.Msg, "telegram: "))
	}
	return err.Error()
}

// configFlag is " -c PATH" for the hints, when a config file was read.
func configFlag(cfg *config.Config) string {
	if cfg.Path == "" {
		return ""
	}
	return " -c " + cfg.Path
}

// oneLine keeps a chat title on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// pollingElsewhere explains Telegram's 409 to getUpdates: another process
// (a downtime monitor reading commands) polls the same bot, and takes the
// updates this command would list.
func pollingElsewhere(said string) string {
	return fmt.Sprintf("another process is reading this bot's updates (Telegram said %q): a downtime monitor "+
		"with [telegram] commands = true does, and takes the messages this command would list. Its log names "+
		"every chat it does not answer, with the id to put in chat_id: "+
		"msg=\"telegram command refused\" chat=ID user=ID (journalctl -u downtime | grep 'command refused'). "+
		"Or stop the monitor, write to the bot again and run this command.", said)
}
