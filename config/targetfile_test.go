package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadTargets(t *testing.T) {
	in := "\uFEFF# core network\r\n" +
		"198.18.0.1\r\n" +
		"\n" +
		"   tcp://[2001:2::7]:5432   # the database\n" +
		"\t# indented comment\n" +
		"198.18.1.0/30#no space before the comment\n" +
		"db1.example"
	got, err := ReadTargets("targets.txt", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"198.18.0.1", "tcp://[2001:2::7]:5432", "198.18.1.0/30", "db1.example"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadTargetsErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		want     string
	}{
		{"bad target", "# list\n198.18.0.1\n\ntcp://x # db\n", 4, `targets.txt: line 4: "tcp://x": missing port (write tcp://x:port)`},
		{"network too large", "198.18.0.0/16\n", 1, `targets.txt: line 1: "198.18.0.0/16" has 65536 addresses`},
		{"two targets on a line", "198.18.0.1\n198.18.0.2 198.18.0.3\n", 2, `targets.txt: line 2: "198.18.0.2 198.18.0.3": one target per line`},
		{"line too long", "198.18.0.1\n" + strings.Repeat("a", 70000) + "\n", 2, "targets.txt: line 2: line too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTargets("targets.txt", strings.NewReader(tt.in))
			var e *Error
			if !errors.As(err, &e) || e.Line != tt.line || e.File != "targets.txt" {
				t.Fatalf("got %#v, want an *Error at targets.txt line %d", err, tt.line)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %q, want %q…", err, tt.want)
			}
		})
	}

	_, err := ReadTargets("stdin", iotest.ErrReader(errors.New("boom")))
	if err == nil || err.Error() != "stdin: cannot read: boom" {
		t.Errorf("read error: got %v", err)
	}
}

func TestReadTargetsEmpty(t *testing.T) {
	got, err := ReadTargets("empty", strings.NewReader("# nothing\n\n"))
	if err != nil || len(got) != 0 {
		t.Errorf("got %q, %v", got, err)
	}
}
