package config

// Chat is what [telegram] says of commands from the chat: Commands reads
// /status, /ack, /mute… and the buttons from chat_id (default true);
// AllowedUsers narrows who may act there (user ids), empty: everyone in
// chat_id.
type Chat struct {
	Commands     bool
	AllowedUsers []int64
}

// telegramCommands reads [telegram] commands and allowed_users: who may
// act on the monitor from the chat.
func (l *loader) telegramCommands(r rawTelegram, c *Config) error {
	f := func(key string) field { return sectionField("telegram", key) }
	switch x := r.Commands.(type) {
	case nil:
	case bool:
		c.Chat.Commands = x
	default:
		return l.errorf(f("commands"), "commands must be true or false, not %s", typeName(x))
	}
	if r.AllowedUsers == nil {
		return nil
	}
	list, ok := r.AllowedUsers.([]any)
	if !ok {
		return l.errorf(f("allowed_users"), "allowed_users must be a list of user ids, like [123456789], not %s", typeName(r.AllowedUsers))
	}
	seen := map[int64]bool{}
	for i, v := range list {
		id, ok := v.(int64)
		if !ok || id <= 0 {
			return l.errorf(f("allowed_users"), "allowed_users[%d] must be a user id (a positive number, without quotes; the monitor's log names the id of everyone refused)", i)
		}
		if !seen[id] {
			c.Chat.AllowedUsers = append(c.Chat.AllowedUsers, id)
		}
		seen[id] = true
	}
	return nil
}

// Allowed reports whether user may act in the chat: everyone when
// allowed_users is empty, else only the users it lists.
func (t Chat) Allowed(user int64) bool {
	if len(t.AllowedUsers) == 0 {
		return true
	}
	for _, u := range t.AllowedUsers {
		if u == user {
			return true
		}
	}
	return false
}
