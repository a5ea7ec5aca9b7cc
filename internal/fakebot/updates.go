package fakebot

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// chatState is the fake's side of a chat with the bot: the updates not yet
// confirmed, the long polls waiting for them, the answers to button
// presses and the edits of messages.
type chatState struct {
	updates  []update
	nextID   int
	arrived  chan struct{} // closed and replaced when an update is added
	polling  bool          // a getUpdates is waiting (a second one gets 409)
	answers  []Answer
	edits    []Edit
	polls    int
	conflict int // getUpdates answered 409
}

type update struct {
	id   int
	body json.RawMessage
}

func (c *chatState) init() {
	c.nextID = 1000
	c.arrived = make(chan struct{})
}

// User is who wrote a message or pressed a button.
type User struct {
	ID        int64
	FirstName string
	Username  string
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.Username != "" {
		m["username"] = u.Username
	}
	return m
}

// Answer is an answerCallbackQuery the bot made.
type Answer struct {
	CallbackID string
	Text       string
}

// Edit is an editMessageText the bot made.
type Edit struct {
	ChatID    string
	MessageID int
	Text      string
	Markup    string
}

// addUpdate queues an update of kind key ("message", "callback_query"…);
// a message gets its message_id and update_id here.
func (s *Server) addUpdate(key string, body map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.chat.nextID
	s.chat.nextID++
	if key == "message" || key == "channel_post" {
		body["message_id"] = id
	}
	u, _ := json.Marshal(map[string]any{"update_id": id, key: body})
	s.chat.updates = append(s.chat.updates, update{id: id, body: u})
	close(s.chat.arrived)
	s.chat.arrived = make(chan struct{})
}

// AddCommand queues a message from user in chat chatID (a group when the
// id is negative, else the user's private chat).
func (s *Server) AddCommand(chatID int64, from User, text string) {
	chat := map[string]any{"id": chatID, "type": "private", "first_name": from.FirstName}
	if chatID < 0 {
		chat = map[string]any{"id": chatID, "type": "supergroup", "title": "ops"}
	}
	s.addUpdate("message", map[string]any{"date": 1, "chat": chat, "from": from.json(), "text": text})
}

// PressButton queues a callback_query: user pressed the button with data
// under the bot's message msg (as Messages returned it) in chat chatID.
// It returns the callback's id.
func (s *Server) PressButton(chatID int64, from User, msg Sent, data string) string {
	s.mu.Lock()
	id := "cb" + strconv.Itoa(s.chat.nextID)
	s.mu.Unlock()
	chat := map[string]any{"id": chatID, "type": "private", "first_name": from.FirstName}
	if chatID < 0 {
		chat = map[string]any{"id": chatID, "type": "supergroup", "title": "ops"}
	}
	m := map[string]any{"message_id": msg.MessageID, "date": 1, "chat": chat, "text": msg.Text}
	if msg.Markup != "" {
		m["reply_markup"] = json.RawMessage(msg.Markup)
	}
	s.addUpdate("callback_query", map[string]any{"id": id, "from": from.json(), "chat_instance": "1", "message": m, "data": data})
	return id
}

// getUpdates answers as Telegram does: it confirms the updates before
// offset, returns those after (at most limit), and with timeout > 0 waits
// up to that long for one. A second getUpdates while one waits gets 409
// Conflict, as when two processes poll the same bot.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	deadline := time.After(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	if s.chat.polling {
		s.chat.conflict++
		s.mu.Unlock()
		reply(w, http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0)
		return
	}
	s.chat.polls++
	s.chat.polling = true
	defer func() {
		s.mu.Lock()
		s.chat.polling = false
		s.mu.Unlock()
	}()
	for {
		if offset > 0 {
			k := 0
			for k < len(s.chat.updates) && s.chat.updates[k].id < offset {
				k++
			}
			s.chat.updates = s.chat.updates[k:]
		}
		var out []json.RawMessage
		for _, u := range s.chat.updates {
			if len(out) < limit {
				out = append(out, u.body)
			}
		}
		arrived := s.chat.arrived
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			result(w, out)
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			result(w, []json.RawMessage{})
			return
		case <-r.Context().Done():
			return
		case <-s.hung:
			return
		}
		s.mu.Lock()
	}
}

func (s *Server) answerCallback(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.chat.answers = append(s.chat.answers, Answer{CallbackID: r.Form.Get("callback_query_id"), Text: r.Form.Get("text")})
	s.mu.Unlock()
	result(w, true)
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.Form.Get("message_id"))
	e := Edit{ChatID: r.Form.Get("chat_id"), MessageID: id, Text: r.Form.Get("text"), Markup: r.Form.Get("reply_markup")}
	if e.Text == "" {
		reply(w, 400, "Bad Request: message text is empty", 0)
		return
	}
	s.mu.Lock()
	s.chat.edits = append(s.chat.edits, e)
	s.mu.Unlock()
	result(w, map[string]any{"message_id": id, "date": 1, "chat": map[string]any{"id": 1, "type": "private"}, "text": e.Text})
}

// Answers returns the bot's answers to button presses so far.
func (s *Server) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Answer(nil), s.chat.answers...)
}

// Edits returns the bot's edits of messages so far.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.chat.edits...)
}

// Polls is how many getUpdates requests were served (409s not counted).
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chat.polls
}

// Pending is how many updates wait to be confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.chat.updates)
}

// WaitFor polls cond until it holds; it fails t after d.
func (s *Server) WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("fakebot: not within %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Polling reports whether a getUpdates long poll is waiting now.
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chat.polling
}
