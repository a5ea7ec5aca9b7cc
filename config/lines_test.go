package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanKeyLines(t *testing.T) {
	src := `# comment = "not a key"
top = 1
[defaults]  # trailing comment
interval = "1s"
"quoted key" = 'x'
dotted.inner = 2
reminders = [
  "10m",   # a comment inside a list
  # a comment line inside a list
  "30m", "1h",
]
note = """
fake = "not a key"
[not.a.table]
"""
lit = '''
also = "not"'''
esc = "a \" b = c"

[[host]]
name = "a"
nested = { x = 1, y = [1, 2] }

[[host]]
name = "b" # after
when = 1979-05-27 07:32:00
after = 1

[host.extra]
k = 1

[[host]]
`
	// The scanner relies on input the decoder accepts.
	var v map[string]any
	if _, err := toml.Decode(src, &v); err != nil {
		t.Fatalf("test input is not TOML: %v", err)
	}
	got := scanKeyLines(src)
	want := map[string]int{
		"top":                   2,
		"defaults":              3,
		"defaults.interval":     4,
		"defaults.quoted key":   5,
		"defaults.dotted.inner": 6,
		"defaults.reminders":    7,
		"defaults.reminders.0":  8,
		"defaults.reminders.1":  10,
		"defaults.reminders.2":  10,
		"defaults.note":         12,
		"defaults.lit":          16,
		"defaults.esc":          18,
		"host":                  20,
		"host.0":                20,
		"host.0.name":           21,
		"host.0.nested":         22,
		"host.0.nested.x":       22,
		"host.0.nested.y":       22,
		"host.0.nested.y.0":     22,
		"host.0.nested.y.1":     22,
		"host.1":                24,
		"host.1.name":           25,
		"host.1.when":           26,
		"host.1.after":          27,
		"host.1.extra":          29,
		"host.1.extra.k":        30,
		"host.2":                32,
	}
	for path, line := range want {
		if got[path] != line {
			t.Errorf("%s: line %d, want %d", path, got[path], line)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("unexpected key %q (line %d)", path, got[path])
		}
	}
	if n := got.at("host.1.missing.deeper"); n != 24 {
		t.Errorf("at falls back to line %d, want 24", n)
	}
	if n := got.at("nothing"); n != 0 {
		t.Errorf("at(nothing) = %d", n)
	}
}

// The scanner must end, without panicking, on whatever it is given.
func FuzzScanKeyLines(f *testing.F) {
	for _, s := range []string{"a = [", "a = \"\"\"", "[[", "a = {", "x = '''\n", "[a.b]\nc = [1,\n{d=2}]", "a = \"\"\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scanKeyLines(s)
	})
}
