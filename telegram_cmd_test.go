package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cmdToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

// tgConfig writes a config for the telegram commands and returns its path.
func tgConfig(t *testing.T, chatID, apiURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tg.toml")
	text := fmt.Sprintf("[telegram]\ntoken = %q\nchat_id = %q\napi_url = %q\n", cmdToken, chatID, apiURL)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTelegramTestAgainstAServerThatIsNoBotAPI: issue 10 item 10, "telegram
// test against a server that is not a Bot API blames a problem that is
// usually brief": whatever such a server answers, the command says api_url
// does not look like a Bot API, and what came instead.
func TestTelegramTestAgainstAServerThatIsNoBotAPI(t *testing.T) {
	const page = "<!DOCTYPE html><html><body><h1>It works!</h1></body></html>"
	tests := []struct {
		name   string
		status int
		kind   string
		body   string
		said   string
	}{
		{"HTML 404", 404, "text/html; charset=utf-8", page, `"404 Not Found" (text/html)`},
		{"HTML 502", 502, "text/html", page, `"502 Bad Gateway" (text/html)`},
		{"HTML 503", 503, "text/html", page, `"503 Service Unavailable" (text/html)`},
		{"a web page", 200, "text/html", page, `"200 OK" (text/html)`},
		{"other JSON", 404, "application/json", `{"error":"no route"}`, `"404 Not Found" (application/json)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.kind)
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			for _, sub := range []string{"test", "chat-id"} {
				code, stdout, stderr := runCLI(t, "", "telegram", sub, "-c", tgConfig(t, "4242", srv.URL))
				want := srv.URL + " does not look like a Bot API server: asked for getMe, it answered " + tt.said
				if code != exitFailure || !strings.Contains(stderr, want) || !strings.Contains(stderr, "api_url") {
					t.Errorf("%s: exit %d, stderr %q; want 1 and %q", sub, code, stderr, want)
				}
				if strings.Contains(stderr, "usually brief") || strings.Contains(stdout+stderr, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw") {
					t.Errorf("%s: %q", sub, stderr)
				}
			}
		})
	}
}

// TestTelegramTestKeepsTelegramsWords: a Bot API that answers in its own
// JSON is explained by what it said, not called "not a Bot API".
func TestTelegramTestKeepsTelegramsWords(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			fmt.Fprint(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"x","username":"x_bot"}}`)
			return
		}
		w.WriteHeader(500)
		fmt.Fprint(w, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}))
	defer srv.Close()
	code, _, stderr := runCLI(t, "", "telegram", "test", "-c", tgConfig(t, "4242", srv.URL))
	if code != exitFailure || !strings.Contains(stderr, "usually brief") || strings.Contains(stderr, "does not look like") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestChatIDSuggestsTheChatThatWroteLast: issue 10 item 10, "telegram
// chat-id suggests the last chat listed, not the one that wrote last":
// chats are listed in the order they first wrote; the one suggested for
// chat_id is the one whose newest update is newest.
func TestChatIDSuggestsTheChatThatWroteLast(t *testing.T) {
	updates := `[
	 {"update_id":1,"message":{"message_id":1,"date":1764748800,"chat":{"id":-1001234,"type":"supergroup","title":"Ops alerts"},"text":"/start"}},
	 {"update_id":2,"message":{"message_id":2,"date":1764748860,"chat":{"id":4242,"type":"private","first_name":"Ann","username":"ann"},"text":"hi"}},
	 {"update_id":3,"message":{"message_id":3,"date":1764748920,"chat":{"id":-1001234,"type":"supergroup","title":"Ops alerts"},"text":"here"}}
	]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/bot"+cmdToken+"/getMe":
			fmt.Fprint(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Downtime","username":"downtime_test_bot"}}`)
		case r.URL.Path == "/bot"+cmdToken+"/getUpdates":
			fmt.Fprintf(w, `{"ok":true,"result":%s}`, updates)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		}
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI(t, "", "telegram", "chat-id", "-c", tgConfig(t, "", srv.URL))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	group, ann := strings.Index(stdout, "-1001234  supergroup"), strings.Index(stdout, "4242      private")
	if group < 0 || ann < 0 || group > ann {
		t.Errorf("chats not listed in the order they first wrote:\n%s", stdout)
	}
	if !strings.Contains(stdout, `chat_id = "-1001234"`) {
		t.Errorf("suggests another chat than the one that wrote last (-1001234):\n%s", stdout)
	}
}

// TestNotABotAPIBehindCredentials: an api_url with credentials is asked
// with them (the server answers otherwise), and shown without them.
func TestNotABotAPIBehindCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "s3cret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		fmt.Fprint(w, "<html>nginx</html>")
	}))
	defer srv.Close()
	api := strings.Replace(srv.URL, "http://", "http://ops:s3cret@", 1)
	code, stdout, stderr := runCLI(t, "", "telegram", "test", "-c", tgConfig(t, "4242", api))
	if code != exitFailure || !strings.Contains(stderr, "does not look like a Bot API server") || !strings.Contains(stderr, `"404 Not Found" (text/html)`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cret") {
		t.Errorf("the password is shown: %q", stderr)
	}
}
