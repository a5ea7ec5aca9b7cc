package main

import (
	"slices"
	"testing"
	"time"

	"downtime/config"
)

// TestReloadSaysChatAndMaintenanceNeedARestart: a reload does not apply
// [telegram] commands/allowed_users or [[maintenance]]; it says so rather
// than leaving them silently as they were.
func TestReloadSaysChatAndMaintenanceNeedARestart(t *testing.T) {
	base := config.Default()
	a := &app{opts: &options{}, cfg: base}
	tests := []struct {
		name string
		edit func(c *config.Config)
		want []string
	}{
		{"nothing", func(*config.Config) {}, nil},
		{"allowed_users", func(c *config.Config) { c.Chat.AllowedUsers = []int64{5} }, []string{"[telegram]"}},
		{"commands off", func(c *config.Config) { c.Chat.Commands = false }, []string{"[telegram]"}},
		{"a window", func(c *config.Config) {
			c.Maintenance = []config.Maintenance{{Hosts: []string{"web-*"}, Weekly: true, Duration: time.Hour, Location: time.UTC}}
		}, []string{"[[maintenance]]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.edit(c)
			if got := a.needsRestart(c); !slices.Equal(got, tt.want) {
				t.Errorf("needsRestart = %q, want %q", got, tt.want)
			}
		})
	}
}
