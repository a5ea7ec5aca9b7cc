package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadTargets reads a target file: one target per line, "#" starts a
// comment (on its own line or after a target), blank lines are ignored.
// Each target is checked as ExpandTarget would, so a mistake is reported as
// "name: line N: ...". name is what errors call the file ("-" for stdin is
// better given as "stdin").
func ReadTargets(name string, r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	var out []string
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF") // a byte order mark from some editors
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			return nil, &Error{File: name, Line: n, Msg: fmt.Sprintf("%q: one target per line (put each on a line of its own)", line)}
		}
		if _, err := ExpandTarget(line); err != nil {
			return nil, &Error{File: name, Line: n, Msg: err.Error()}
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &Error{File: name, Line: n + 1, Msg: "line too long (is this a target file?)", Err: err}
		}
		return nil, &Error{File: name, Msg: "cannot read: " + osErrText(err), Err: err}
	}
	return out, nil
}
