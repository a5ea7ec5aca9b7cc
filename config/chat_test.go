package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTelegramCommandsKeys(t *testing.T) {
	tests := []struct {
		name, toml string
		commands   bool
		users      []int64
		err        string
	}{
		{name: "defaults", toml: "[telegram]\n", commands: true},
		{name: "off", toml: "[telegram]\ncommands = false\n", commands: false},
		{name: "users", toml: "[telegram]\nallowed_users = [123, 456, 123]\n", commands: true, users: []int64{123, 456}},
		{name: "commands not bool", toml: "[telegram]\ncommands = \"yes\"\n", err: "line 2: [telegram] commands must be true or false"},
		{name: "users not list", toml: "[telegram]\n\nallowed_users = 123\n", err: "line 3: [telegram] allowed_users must be a list"},
		{name: "user quoted", toml: "[telegram]\nallowed_users = [\"ann\"]\n", err: "line 2: [telegram] allowed_users[0] must be a user id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(path, []byte(tt.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := load(path, func(string) string { return "" })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Chat.Commands != tt.commands || !slices.Equal(c.Chat.AllowedUsers, tt.users) {
				t.Errorf("commands=%v users=%v, want %v %v", c.Chat.Commands, c.Chat.AllowedUsers, tt.commands, tt.users)
			}
		})
	}
}
