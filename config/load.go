package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// EnvToken is the environment variable that holds the bot token when the
// config names neither token nor token_file.
const EnvToken = "DOWNTIME_TELEGRAM_TOKEN"

// DefaultAPIURL is the Telegram Bot API server used when api_url is empty.
const DefaultAPIURL = "https://api.telegram.org"

// Default returns the configuration used without a config file: every
// default, no hosts.
func Default() *Config {
	return &Config{
		Defaults: Defaults{
			Interval:  time.Second,
			Timeout:   time.Second,
			DownAfter: 3,
			UpAfter:   1,
			Reminders: []time.Duration{10 * time.Minute, 30 * time.Minute, time.Hour},
		},
		Telegram:  Telegram{APIURL: DefaultAPIURL},
		Chat:      Chat{Commands: true},
		Alerts:    Alerts{GroupWindow: 5 * time.Second},
		Heartbeat: Heartbeat{Interval: time.Minute},
		History:   DefaultHistory,
	}
}

// The raw structs mirror the file. Their leaves are `any` so that a value of
// the wrong type becomes our error, with its line and a fix, rather than the
// decoder's: the decoder stops at the first mismatch it meets while ranging
// over a map, so with two mistakes it would name a different one each run.
type (
	rawConfig struct {
		Defaults  rawTiming    `toml:"defaults"`
		Telegram  rawTelegram  `toml:"telegram"`
		Alerts    rawAlerts    `toml:"alerts"`
		Metrics   rawMetrics   `toml:"metrics"`
		Heartbeat rawHeartbeat `toml:"heartbeat"`
		History   rawHistory   `toml:"history"`
		Host      []rawHost    `toml:"host"`

		Maintenance []rawMaintenance `toml:"maintenance"` // maintenance.go
	}
	rawTiming struct {
		Interval  any `toml:"interval"`
		Timeout   any `toml:"timeout"`
		DownAfter any `toml:"down_after"`
		UpAfter   any `toml:"up_after"`
		Reminders any `toml:"reminders"`
	}
	rawTelegram struct {
		Token     any `toml:"token"`
		TokenFile any `toml:"token_file"`
		ChatID    any `toml:"chat_id"`
		APIURL    any `toml:"api_url"`

		Commands     any `toml:"commands"`
		AllowedUsers any `toml:"allowed_users"`
	}
	rawAlerts struct {
		GroupWindow any `toml:"group_window"`
		Timezone    any `toml:"timezone"`
	}
	rawMetrics struct {
		Listen any `toml:"listen"`
	}
	rawHeartbeat struct {
		URL      any `toml:"url"`
		Interval any `toml:"interval"`
	}
	rawHost struct {
		Name    any `toml:"name"`
		Address any `toml:"address"`
		Parent  any `toml:"parent"`
		rawTiming
	}
)

// sections lists the tables of the file in the order they are checked, with
// their keys taken from the raw structs' tags.
var sections = []struct {
	name string
	keys []string
}{
	{"defaults", tomlKeys(reflect.TypeFor[rawTiming]())},
	{"telegram", tomlKeys(reflect.TypeFor[rawTelegram]())},
	{"alerts", tomlKeys(reflect.TypeFor[rawAlerts]())},
	{"metrics", tomlKeys(reflect.TypeFor[rawMetrics]())},
	{"heartbeat", tomlKeys(reflect.TypeFor[rawHeartbeat]())},
	{"history", tomlKeys(reflect.TypeFor[rawHistory]())},
	{"host", tomlKeys(reflect.TypeFor[rawHost]())},
	{"maintenance", tomlKeys(reflect.TypeFor[rawMaintenance]())},
}

// tomlKeys lists the toml tags of a struct, embedded structs included.
func tomlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Anonymous && tag == "" {
			keys = append(keys, tomlKeys(f.Type)...)
		} else {
			keys = append(keys, tag)
		}
	}
	return keys
}

func sectionKeys(name string) ([]string, bool) {
	for _, s := range sections {
		if s.name == name {
			return s.keys, true
		}
	}
	return nil, false
}

// Load reads, resolves and validates the config file at path. Every problem
// is an *Error naming the file, line, key and fix; Load reports the first
// one in a fixed order (unknown keys in file order, then the sections, then
// the hosts in file order).
func Load(path string) (*Config, error) {
	return load(path, os.Getenv)
}

func load(path string, getenv func(string) string) (*Config, error) {
	data, err := readRegular(path, MaxConfigSize)
	switch {
	case errors.Is(err, errNotRegular), errors.Is(err, errTooLarge):
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %v (-c must name a regular TOML file of at most %d MB)", err, MaxConfigSize>>20), Err: err}
	case err != nil:
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %s (check the -c path)", osErrText(err)), Err: err}
	}
	l := &loader{file: path, src: string(data)}
	if n := tooDeep(l.src); n > 0 {
		return nil, &Error{File: path, Line: n, Msg: fmt.Sprintf("arrays or inline tables nested more than %d deep (no key of the config needs more than two; compare with config.toml.example)", maxNesting)}
	}
	var raw rawConfig
	md, err := toml.Decode(l.src, &raw)
	if err != nil {
		return nil, l.decodeError(err, &md)
	}
	if err := l.unknownKeys(&md, &raw); err != nil {
		return nil, err
	}

	c := Default()
	c.Path, c.src = path, l.src
	if c.Defaults, err = l.timing(raw.Defaults, c.Defaults, "the built-in default", func(key string) field {
		return sectionField("defaults", key)
	}); err != nil {
		return nil, err
	}
	if err := l.telegram(raw.Telegram, c, getenv); err != nil {
		return nil, err
	}
	if err := l.alerts(raw.Alerts, c); err != nil {
		return nil, err
	}
	if err := l.metrics(raw.Metrics, c); err != nil {
		return nil, err
	}
	if err := l.heartbeat(raw.Heartbeat, c); err != nil {
		return nil, err
	}
	if err := l.history(raw.History, c); err != nil {
		return nil, err
	}
	c.Hosts = make([]Host, 0, len(raw.Host))
	for i, rh := range raw.Host {
		h, err := l.host(i, rh, c.Defaults)
		if err != nil {
			return nil, err
		}
		c.Hosts = append(c.Hosts, h)
	}
	if err := c.checkHosts(); err != nil {
		return nil, err
	}
	if err := l.maintenance(raw.Maintenance, c); err != nil {
		return nil, err
	}
	return c, nil
}

// loader holds what error messages need while one file is resolved.
type loader struct {
	file  string
	src   string
	lines keyLines // scanned on the first error that needs a line
}

func (l *loader) line(path string) int {
	if l.lines == nil {
		l.lines = scanKeyLines(l.src)
	}
	return l.lines.at(path)
}

// field names one value in messages and finds its line.
type field struct {
	path   string // for the line: "defaults.interval", "host.2.parent"
	key    string // Error.Key: "defaults.interval", "host.parent"
	name   string // the key alone, as messages say it: "interval"
	prefix string // how messages about it start: "[defaults] " or `host "db1": `
	elem   bool   // an element of the list name, not name itself
}

func sectionField(section, key string) field {
	return field{path: join(section, key), key: join(section, key), name: key, prefix: "[" + section + "] "}
}

func (l *loader) errorf(f field, format string, args ...any) *Error {
	return &Error{File: l.file, Line: l.line(f.path), Key: f.key, Msg: f.prefix + fmt.Sprintf(format, args...)}
}

// decodeError turns the decoder's error into an *Error: a syntax error, or
// a table written as something else.
func (l *loader) decodeError(err error, md *toml.MetaData) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		text := lineText(l.src, pe.Position.Line)
		key, value, _ := strings.Cut(text, "=")
		key = strings.Trim(strings.TrimSpace(key), `"'`)
		msg := pe.Message
		isToken := key == "token" || pe.LastKey == "token" || strings.HasSuffix(pe.LastKey, ".token")
		if isToken && !strings.Contains(msg, "already been defined") {
			// The decoder quotes the text it choked on, which here would be
			// part of the token.
			return &Error{File: l.file, Line: pe.Position.Line, Key: pe.LastKey,
				Msg: `TOML syntax error in the token (value not shown; write token = "123456:ABC..." in double quotes)`}
		}
		return &Error{File: l.file, Line: pe.Position.Line, Key: pe.LastKey,
			Msg: "TOML syntax error: " + msg + syntaxHint(msg, key, value)}
	}
	for _, s := range sections {
		typ := md.Type(s.name)
		switch {
		case typ == "":
		case s.name == "host" && typ == "Hash":
			return &Error{File: l.file, Line: l.line("host"), Key: "host",
				Msg: "[host] must be written [[host]] (two brackets, one [[host]] block per host)"}
		case s.name == "host" && typ != "ArrayHash":
			// An array of inline tables decodes; this one did not, so
			// something in it is not a table.
			return &Error{File: l.file, Line: l.line("host"), Key: "host",
				Msg: "host must be [[host]] blocks (one per host, with name and address)"}
		case s.name != "host" && typ != "Hash":
			return &Error{File: l.file, Line: l.line(s.name), Key: s.name,
				Msg: fmt.Sprintf("%s must be a table (write [%s] on a line of its own, then key = value lines)", s.name, s.name)}
		}
	}
	return &Error{File: l.file, Msg: err.Error() + " (compare with config.toml.example)", Err: err}
}

// syntaxHint adds a fix to a TOML syntax error where a likely one is known.
func syntaxHint(msg, key, value string) string {
	if strings.Contains(msg, "already been defined") {
		return " (each key may appear once per table; remove one)"
	}
	if value, _, _ = strings.Cut(value, "#"); key != "" {
		value = strings.TrimSpace(value)
		// An unquoted word or duration ("interval = 10m") is the usual slip.
		if value != "" && !strings.ContainsAny(value[:1], `"'[{+-`) && !isNumber(value) && value != "true" && value != "false" {
			return fmt.Sprintf(` (strings and durations need double quotes: %s = "%s")`, key, value)
		}
	}
	return ""
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	return err == nil
}

// lineText returns line n (1-based) of src, or "".
func lineText(src string, n int) string {
	for i := 1; i < n; i++ {
		_, rest, ok := strings.Cut(src, "\n")
		if !ok {
			return ""
		}
		src = rest
	}
	text, _, _ := strings.Cut(src, "\n")
	return text
}

// unknownKeys reports the first key, in file order, that is not part of the
// schema. It walks md.Keys() rather than md.Undecoded(): the decoder matches
// struct fields case-insensitively, so "Interval" would count as decoded and
// silently replace "interval".
func (l *loader) unknownKeys(md *toml.MetaData, raw *rawConfig) error {
	inline := md.Type("host") == "Array" // host = [{...}]: keys cannot be told apart by host
	host, maint := -1, -1
	for _, k := range md.Keys() {
		keys, ok := sectionKeys(k[0])
		if !ok {
			return l.unknownSection(k, md.Type(k[0]))
		}
		if len(k) == 1 {
			if k[0] == "host" {
				host++
			}
			if k[0] == "maintenance" {
				maint++
			}
			continue
		}
		if slices.Contains(keys, k[1]) {
			continue // anything deeper is a type error, reported with its key
		}
		f := sectionField(k[0], k[1])
		f.path = strings.Join(k, ".")
		if k[0] == "host" {
			f.key = "host." + k[1]
			f.prefix = "[[host]] "
			if !inline {
				f.path = fmt.Sprintf("host.%d.%s", max(host, 0), strings.Join(k[1:], "."))
				if host >= 0 && host < len(raw.Host) {
					f.prefix = hostLabel(host, raw.Host[host]) + ": "
				}
			}
		}
		if k[0] == "maintenance" {
			f.key, f.prefix = "maintenance."+k[1], "[[maintenance]] "
			f.path = fmt.Sprintf("maintenance.%d.%s", max(maint, 0), strings.Join(k[1:], "."))
		}
		hint := keyHint(k[0], k[1], keys)
		if k[0] == "host" && strings.Contains(hint, "belongs in") {
			hint += "; keys after a [[host]] line belong to that host"
		}
		return l.errorf(f, "unknown key %q (%s)", k[1], hint)
	}
	return nil
}

// keyHint suggests what a user meant by an unknown key in a section.
func keyHint(section, key string, keys []string) string {
	if s := suggest(key, keys); s != "" {
		return "did you mean " + s + "?"
	}
	if _, ok := sectionKeys(key); ok {
		h := "[" + key + "]"
		if key == "host" {
			h = "[[host]]"
		}
		return fmt.Sprintf("%s is a table: start it with %s on a line of its own", key, h)
	}
	for _, s := range sections {
		if s.name != section && slices.Contains(s.keys, key) {
			return key + " belongs in " + sectionHeader(s.name)
		}
	}
	return "valid keys: " + strings.Join(keys, ", ")
}

func sectionHeader(name string) string {
	if h := tableHeader(name); strings.HasPrefix(h, "[[") {
		return "a " + h + " block"
	}
	return "[" + name + "]"
}

// tableHeader is how a section's table is written: [[host]] and
// [[maintenance]] are arrays of tables, the others tables.
func tableHeader(name string) string {
	if name == "host" || name == "maintenance" {
		return "[[" + name + "]]"
	}
	return "[" + name + "]"
}

// tableList names every section's table, "[defaults], …, [[host]] and
// [[maintenance]]", with last ("and", "or") before the last one.
func tableList(last string) string {
	hs := make([]string, len(sections))
	for i, s := range sections {
		hs[i] = tableHeader(s.name)
	}
	return strings.Join(hs[:len(hs)-1], ", ") + " " + last + " " + hs[len(hs)-1]
}

// unknownSection reports a top-level key or table outside the schema.
func (l *loader) unknownSection(k toml.Key, typ string) error {
	e := &Error{File: l.file, Line: l.line(strings.Join(k, ".")), Key: k[0]}
	var names []string
	for _, s := range sections {
		names = append(names, s.name)
	}
	if len(k) == 1 && typ != "Hash" && typ != "ArrayHash" {
		// A key above the first table, or a value where a table belongs.
		for _, s := range sections {
			if slices.Contains(s.keys, k[0]) {
				e.Msg = fmt.Sprintf("unknown top-level key %q (put it in %s)", k[0], sectionHeader(s.name))
				return e
			}
		}
		e.Msg = fmt.Sprintf("unknown top-level key %q (keys go inside %s)", k[0], tableList("or"))
		return e
	}
	header := "[" + k[0] + "]"
	if typ == "ArrayHash" {
		header = "[[" + k[0] + "]]"
	}
	if s := suggest(k[0], names); s != "" {
		e.Msg = fmt.Sprintf("unknown table %s (did you mean %s?)", header, tableHeader(s))
		return e
	}
	e.Msg = fmt.Sprintf("unknown table %s (tables are %s)", header, tableList("and"))
	return e
}

// hostLabel names the i-th [[host]] in messages, before its name is known to
// be valid: by its name, else its address, else its number.
func hostLabel(i int, r rawHost) string {
	for _, v := range []any{r.Name, r.Address} {
		if s, ok := v.(string); ok && s != "" {
			return fmt.Sprintf("host %q", s)
		}
	}
	return fmt.Sprintf("[[host]] #%d", i+1)
}

// osErrText is an os error without the path, which the message already names.
func osErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
