// Package fakebot is a Telegram Bot API server for tests (httptest): it
// answers getMe, sendMessage, getUpdates (long polling, offsets, 409 for a
// second poller), answerCallbackQuery and editMessageText at
// /bot{token}/{method} as Telegram does (updates.go plays the chat),
// checks what it is sent (the token, the chat, the HTML of parse_mode
// HTML, the 4096-character limit), records every sendMessage,
// and fails on demand: 429 with retry_after, 5xx, 400/401/403, a non-JSON
// error page, a connection cut before or after the message was taken, a
// request left hanging. Tests reach it through [telegram] api_url.
package fakebot

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Server is a fake Bot API server.
type Server struct {
	*httptest.Server
	Token string

	now func() time.Time

	mu       sync.Mutex
	chats    map[string]bool // chat_ids that exist; nil accepts any
	script   []Fault         // replies to the next sendMessage requests, in order
	always   *Fault          // the reply to every sendMessage while set
	requests []Request
	sent     []Sent
	nextMsg  int
	hung     chan struct{} // closed at Close: releases Hang requests

	chat chatState // updates.go: getUpdates, callbacks, edits
}

// Sent is a message the fake accepted (or took before cutting the
// connection: for the client its fate is unknown, for Telegram it arrived).
type Sent struct {
	ChatID    string
	Text      string
	ParseMode string
	At        time.Time
	MessageID int
	Markup    string // reply_markup as sent (JSON), "" without buttons
}

// Request is one sendMessage request and how it was answered.
type Request struct {
	ChatID string
	Text   string
	At     time.Time
	Reply  string // "ok", "429", "500", "cut", …
}

// Fault is how the fake answers a sendMessage instead of accepting it.
type Fault struct {
	Code        int    // HTTP status and error_code; 0 for the cuts and Hang
	Description string // Telegram's words
	RetryAfter  int    // seconds, for 429
	HTML        bool   // answer with an HTML error page, not JSON (a proxy)
	Cut         bool   // close the connection without an answer
	Record      bool   // with Cut: take the message first (the answer is lost)
	Hang        bool   // never answer (until the client gives up)
}

// The usual faults.
var (
	ServerError  = Fault{Code: 500, Description: "Internal Server Error"}
	BadGateway   = Fault{Code: 502, Description: "Bad Gateway", HTML: true}
	ChatNotFound = Fault{Code: 400, Description: "Bad Request: chat not found"}
	Unauthorized = Fault{Code: 401, Description: "Unauthorized"}
	Kicked       = Fault{Code: 403, Description: "Forbidden: bot was kicked from the group chat"}
	Cut          = Fault{Cut: true}               // the answer never comes; nothing was taken
	CutAfterSend = Fault{Cut: true, Record: true} // taken, but the answer is lost
	Hang         = Fault{Hang: true}
)

// TooManyRequests is a 429 asking to wait seconds.
func TooManyRequests(seconds int) Fault {
	return Fault{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", seconds), RetryAfter: seconds}
}

// Option configures a Server.
type Option func(*Server)

// WithClock stamps requests with now (a test's fake clock).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithChats makes only these chat_ids exist; others get 400 chat not found.
func WithChats(ids ...string) Option {
	return func(s *Server) {
		s.chats = map[string]bool{}
		for _, id := range ids {
			s.chats[id] = true
		}
	}
}

// New starts a fake for token; it is closed at the end of the test.
func New(t testing.TB, token string, opts ...Option) *Server {
	t.Helper()
	s := &Server{Token: token, now: time.Now, hung: make(chan struct{}), nextMsg: 1}
	s.chat.init()
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hung:
	default:
		close(s.hung)
	}
	s.mu.Unlock()
	s.Server.CloseClientConnections()
	s.Server.Close()
}

// Script makes the next sendMessage requests fail with faults, in order;
// after them, requests are accepted again.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	s.script = append(s.script, faults...)
	s.mu.Unlock()
}

// FailAll makes every sendMessage fail with f until Heal.
func (s *Server) FailAll(f Fault) {
	s.mu.Lock()
	s.always = &f
	s.mu.Unlock()
}

// Heal ends FailAll and drops what is left of a Script.
func (s *Server) Heal() {
	s.mu.Lock()
	s.always, s.script = nil, nil
	s.mu.Unlock()
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Requests returns every sendMessage request so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitMessages polls until at least n messages were accepted and returns
// them; it fails t after d.
func (s *Server) WaitMessages(t testing.TB, n int, d time.Duration) []Sent {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakebot: %d messages within %v, want %d: %+v", len(s.Messages()), d, n, s.Messages())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitRequests polls until at least n sendMessage requests came.
func (s *Server) WaitRequests(t testing.TB, n int, d time.Duration) []Request {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if r := s.Requests(); len(r) >= n {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakebot: %d requests within %v, want %d", len(s.Requests()), d, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// AddChatMessage queues an update: someone wrote text in a chat.
func (s *Server) AddChatMessage(chatID int64, chatType, title, text string) {
	chat := map[string]any{"id": chatID, "type": chatType}
	if chatType == "private" {
		first, user, _ := strings.Cut(title, " @")
		chat["first_name"], chat["username"] = first, user
	} else {
		chat["title"] = title
	}
	key := "message"
	if chatType == "channel" {
		key = "channel_post"
	}
	s.addUpdate(key, map[string]any{"date": 1, "chat": chat, "text": text})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		reply(w, 404, "Not Found", 0)
		return
	}
	if token != s.Token {
		reply(w, 401, "Unauthorized", 0)
		return
	}
	if err := r.ParseForm(); err != nil {
		reply(w, 400, "Bad Request: "+err.Error(), 0)
		return
	}
	switch method {
	case "getMe":
		result(w, map[string]any{"id": 123456, "is_bot": true, "first_name": "Downtime", "username": "downtime_test_bot"})
	case "getUpdates":
		s.getUpdates(w, r)
	case "answerCallbackQuery":
		s.answerCallback(w, r)
	case "editMessageText":
		s.editMessage(w, r)
	case "sendMessage":
		s.sendMessage(w, r)
	default:
		reply(w, 404, "Not Found: method not found", 0)
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	chat, text, mode := r.Form.Get("chat_id"), r.Form.Get("text"), r.Form.Get("parse_mode")
	s.mu.Lock()
	req := Request{ChatID: chat, Text: text, At: s.now()}
	var f *Fault
	switch {
	case len(s.script) > 0:
		f = &s.script[0]
		s.script = s.script[1:]
	case s.always != nil:
		f = s.always
	}
	var fault Fault
	if f != nil {
		fault = *f
	}
	s.mu.Unlock()

	record := func(replyWord string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		req.Reply = replyWord
		s.requests = append(s.requests, req)
		if replyWord == "ok" || replyWord == "cut after taking it" {
			s.sent = append(s.sent, Sent{ChatID: chat, Text: text, ParseMode: mode, At: req.At,
				MessageID: s.nextMsg, Markup: r.Form.Get("reply_markup")})
			s.nextMsg++
		}
	}

	switch {
	case f == nil:
	case fault.Hang:
		record("hang")
		select {
		case <-r.Context().Done():
		case <-s.hung:
		}
		return
	case fault.Cut:
		if fault.Record {
			record("cut after taking it")
		} else {
			record("cut")
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("fakebot: cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, as a dropped link looks
			}
			conn.Close()
		}
		return
	case fault.HTML:
		record(strconv.Itoa(fault.Code))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(fault.Code)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", fault.Code, fault.Description)
		return
	default:
		record(strconv.Itoa(fault.Code))
		reply(w, fault.Code, fault.Description, fault.RetryAfter)
		return
	}

	// Accepted only if Telegram would accept it.
	if chat == "" {
		record("400")
		reply(w, 400, "Bad Request: chat_id is empty", 0)
		return
	}
	s.mu.Lock()
	known := s.chats == nil || s.chats[chat]
	s.mu.Unlock()
	if !known {
		record("400")
		reply(w, 400, "Bad Request: chat not found", 0)
		return
	}
	if text == "" {
		record("400")
		reply(w, 400, "Bad Request: message text is empty", 0)
		return
	}
	n := utf16Len(text)
	if mode == "HTML" {
		var err error
		if n, err = checkHTML(text); err != nil {
			record("400")
			reply(w, 400, "Bad Request: can't parse entities: "+err.Error(), 0)
			return
		}
	}
	if n > 4096 {
		record("400")
		reply(w, 400, "Bad Request: message is too long", 0)
		return
	}
	record("ok")
	s.mu.Lock()
	id := s.nextMsg - 1
	s.mu.Unlock()
	result(w, map[string]any{"message_id": id, "date": 1, "chat": map[string]any{"id": 1, "type": "private"}, "text": text})
}

func reply(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

func result(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": v})
}

var (
	allowedTags = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
		"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true, "a": true, "code": true,
		"pre": true, "blockquote": true, "tg-emoji": true}
	entity = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`)
	named  = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": `"`}
)

// checkHTML parses text as Telegram's parse_mode HTML does, strictly: only
// its tags, balanced; only its entities; no bare '<', '>' or '&'. It
// returns the length of the text that would be shown, in UTF-16 units.
func checkHTML(text string) (int, error) {
	var stack []string
	n := 0
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return 0, fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			tag := text[i+1 : i+end]
			closing := strings.HasPrefix(tag, "/")
			name := strings.ToLower(strings.Fields(strings.TrimPrefix(tag, "/") + " ")[0])
			if !allowedTags[name] {
				return 0, fmt.Errorf("Unsupported start tag %q at byte offset %d", name, i)
			}
			if closing {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return 0, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, last(stack), name)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += end + 1
		case '>':
			return 0, fmt.Errorf("Character '>' is reserved at byte offset %d", i)
		case '&':
			m := entity.FindStringSubmatch(text[i:])
			if m == nil {
				return 0, fmt.Errorf("Character entity expected at byte offset %d", i)
			}
			if v, ok := named[m[1]]; ok {
				n += utf16Len(v)
			} else {
				n++ // a numeric entity: one character (close enough for a limit check)
			}
			i += len(m[0])
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			n += utf16Len(string(r))
			i += size
		}
	}
	if len(stack) > 0 {
		return 0, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", last(stack))
	}
	return n, nil
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
