package alert

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"downtime/config"
)

// Sentinel errors of the Telegram notifier; test them with errors.Is.
var (
	ErrTokenNotSet  = errors.New("telegram: no bot token (set token, token_file or " + config.EnvToken + ")")
	ErrChatIDNotSet = errors.New(`telegram: no chat_id (run "downtime telegram chat-id -c PATH" to find it)`)
	// ErrRefused: Telegram refused the request for good (a 4xx other than
	// 429, such as 400 chat not found, 401 bad token, 403 bot removed);
	// sending the same request again cannot succeed.
	ErrRefused = errors.New("refused by Telegram")
	// ErrOutcomeUnknown: the request was sent but no answer came (the
	// connection broke, or it timed out), so Telegram may have delivered
	// it. A retry may then deliver it twice.
	ErrOutcomeUnknown = errors.New("outcome unknown")
)

// APIError is Telegram's answer to a request it did not accept.
type APIError struct {
	Method      string
	Code        int           // HTTP status / error_code: 400, 401, 403, 429, 5xx…
	Description string        // Telegram's words, e.g. "Forbidden: bot was kicked from the group chat"
	RetryAfter  time.Duration // for 429: how long to wait before the next request
	MigrateTo   int64         // the group became a supergroup with this id
}

// Error is what the log shows: "telegram: 403 Forbidden: bot was kicked".
func (e *APIError) Error() string {
	s := fmt.Sprintf("telegram: %d %s", e.Code, e.Description)
	if e.MigrateTo != 0 {
		s += fmt.Sprintf(" (the group became a supergroup: set chat_id = \"%d\")", e.MigrateTo)
	}
	return s
}

// Is makes errors.Is(err, ErrRefused) true for a refusal for good.
func (e *APIError) Is(target error) bool { return target == ErrRefused && e.Refused() }

// Refused reports a refusal for good: a redirect or a 4xx other than 429
// and 408 (a proxy in front of the Bot API gave up waiting for the
// request: the same request may well succeed).
func (e *APIError) Refused() bool {
	return e.Code >= 300 && e.Code < 500 && e.Code != http.StatusTooManyRequests && e.Code != http.StatusRequestTimeout
}

// aboutMessage reports a refusal of this message alone (it cannot be
// parsed, is empty or too long): the next message may well go through.
// Other refusals concern the bot or the chat, and every message would meet
// them until someone fixes the config or the chat.
func (e *APIError) aboutMessage() bool {
	if e.Code != http.StatusBadRequest {
		return false
	}
	d := strings.ToLower(e.Description)
	for _, s := range []string{"parse entities", "message is too long", "text is empty", "text must be non-empty", "message text is empty"} {
		if strings.Contains(d, s) {
			return true
		}
	}
	return false
}

// NetError is a request that got no answer from Telegram.
type NetError struct {
	Method    string
	Msg       string // what went wrong, without the token
	MaybeSent bool   // the request was written: Telegram may have it
	Timeout   bool
}

func (e *NetError) Error() string {
	s := "telegram: " + e.Method + ": " + e.Msg
	if e.MaybeSent {
		s += " (the request was sent; it may have arrived)"
	}
	return s
}

// Is makes errors.Is(err, ErrOutcomeUnknown) true when the request may
// have been delivered.
func (e *NetError) Is(target error) bool { return target == ErrOutcomeUnknown && e.MaybeSent }
