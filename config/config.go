// Package config reads the TOML config, the target arguments and target
// files, and validates them with errors that name the file, line and key.
package config

import (
	"strconv"
	"time"

	"downtime/probe"
)

// Origin says where a host was defined; only runtime hosts may be removed
// from the UI.
type Origin uint8

// The origins of a host.
const (
	OriginConfig  Origin = iota // [[host]] in the config file
	OriginArgs                  // a positional target on the command line
	OriginFile                  // a line of a -f target file
	OriginRuntime               // added while running (UI "a" key), kept in the store
	OriginDefault               // watched because no target was named anywhere (127.0.0.1, ::1)
	OriginDemo                  // a simulated host of the demo wall (--demo without a target)
)

// String names the origin for logs and messages: "config", "args", "file",
// "runtime", "default" or "demo".
func (o Origin) String() string {
	switch o {
	case OriginConfig:
		return "config"
	case OriginArgs:
		return "args"
	case OriginFile:
		return "file"
	case OriginRuntime:
		return "runtime"
	case OriginDefault:
		return "default"
	case OriginDemo:
		return "demo"
	}
	return "origin(" + strconv.Itoa(int(o)) + ")"
}

// Describe words where a host with this origin came from: "from the config
// file", "watched by default (no target was given)". It is the one place
// that words it: the UI, the log and errors call it.
func (o Origin) Describe() string {
	switch o {
	case OriginConfig:
		return "from the config file"
	case OriginArgs:
		return "from the command line"
	case OriginFile:
		return "from a target file"
	case OriginRuntime:
		return "added at runtime"
	case OriginDefault:
		return "watched by default (no target was given)"
	case OriginDemo:
		return "simulated by --demo"
	}
	return "of " + o.String()
}

// Remedy says, after a host's name, where it is defined and how it stops
// being watched: "lives in the config file PATH: remove it there". It
// answers "d" on a host that only its origin can remove; configPath may be "".
func (o Origin) Remedy(configPath string) string {
	switch o {
	case OriginConfig:
		where := "the config file"
		if configPath != "" {
			where += " " + configPath
		}
		return "lives in " + where + ": remove it there"
	case OriginArgs:
		return "was given on the command line: drop it there"
	case OriginFile:
		return "comes from a target file (-f): remove it there"
	case OriginRuntime:
		return "was added at runtime: d removes it"
	case OriginDefault:
		return "is watched by default because no target was given: add a host (a, or name targets at start) and the defaults go at the next start"
	case OriginDemo:
		return "is a simulated host of the demo wall: it goes when downtime runs without --demo"
	}
	return "is " + o.Describe() + " and cannot be removed here"
}

// Config is the whole resolved configuration.
type Config struct {
	Path     string // the file it was read from; "" when none
	Defaults Defaults
	Telegram Telegram
	Chat     Chat // [telegram] commands, allowed_users
	// Maintenance are the [[maintenance]] windows (maintenance.go).
	Maintenance []Maintenance
	Alerts      Alerts
	Metrics     Metrics
	Heartbeat   Heartbeat
	History     History
	Hosts       []Host // in the order they were given: config, args, files

	src            string // the file's text, rescanned for line numbers when an error needs one
	tokenInConfig  bool   // Telegram.Token came from the token key of this file
	envTokenUnused bool   // DOWNTIME_TELEGRAM_TOKEN was set too, and the file's token came first
}

// Defaults apply to every host that does not override them.
type Defaults struct {
	Interval  time.Duration   // default 1s
	Timeout   time.Duration   // default 1s; at most Interval
	DownAfter int             // default 3
	UpAfter   int             // default 1
	Reminders []time.Duration // default 10m, 30m, 1h; empty means none
}

// Telegram is the [telegram] section; Token is resolved from, in this
// order: token or token_file in the file (both set is an error), then
// DOWNTIME_TELEGRAM_TOKEN.
type Telegram struct {
	Token     string
	TokenFile string
	ChatID    string
	APIURL    string // default "https://api.telegram.org"
}

// Enabled reports whether alerts go to Telegram.
func (t Telegram) Enabled() bool { return t.Token != "" && t.ChatID != "" }

// Alerts is the [alerts] section.
type Alerts struct {
	GroupWindow time.Duration  // default 5s
	Timezone    string         // IANA name for times in messages; "" = the machine's
	Location    *time.Location // Timezone loaded; nil when Timezone is "" (use time.Local)
}

// Metrics is the [metrics] section.
type Metrics struct {
	Listen string // "" = off
}

// Heartbeat is the [heartbeat] section.
type Heartbeat struct {
	URL      string
	Interval time.Duration // default 1m
}

// Host is one monitored host with every default applied.
type Host struct {
	Name      string // unique; defaults to Address
	Address   string // as the user wrote it: IP, DNS name or tcp://host:port
	Target    probe.Target
	Parent    string // "" or the Name of another host
	Interval  time.Duration
	Timeout   time.Duration
	DownAfter int
	UpAfter   int
	Reminders []time.Duration
	Origin    Origin

	fileIndex int // 1 + its index among the file's [[host]] tables; 0 when not from the file
}
