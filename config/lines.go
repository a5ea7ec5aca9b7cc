package config

import (
	"strconv"
	"strings"
)

// keyLines maps a key path to the line that defines it. Paths join keys with
// "." and number array elements from 0: "defaults.interval",
// "defaults.reminders.1", "host.2" (the third [[host]] header),
// "host.2.parent".
//
// The TOML decoder keeps key positions to itself (MetaData has no position
// API in v1.6), so scanKeyLines re-reads the file. It runs only on files the
// decoder has already accepted, so it can be lenient: on anything it does not
// follow it skips to the next line, and a key it missed falls back to the
// line of its table (see at).
type keyLines map[string]int

// at returns the line of path, or of its closest enclosing table or array
// when path itself was not seen; 0 when nothing matches.
func (kl keyLines) at(path string) int {
	for path != "" {
		if n, ok := kl[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// lineScanner walks TOML source; see scanKeyLines.
type lineScanner struct {
	src    string
	i      int
	line   int
	out    keyLines
	arrays map[string]int // [[x]] headers seen so far, by resolved path
}

// scanKeyLines finds the line of every table header, key and array element
// in src.
func scanKeyLines(src string) keyLines {
	s := &lineScanner{src: src, line: 1, out: keyLines{}, arrays: map[string]int{}}
	table := ""
	for {
		s.skipBlank(true)
		if s.i >= len(s.src) {
			return s.out
		}
		start, line := s.i, s.line
		if s.src[s.i] == '[' {
			array := strings.HasPrefix(s.src[s.i:], "[[")
			if array {
				s.i += 2
			} else {
				s.i++
			}
			keys := s.keyPath()
			if len(keys) == 0 {
				s.skipLine()
				continue
			}
			table = join(s.resolve(keys[:len(keys)-1]), keys[len(keys)-1])
			if array {
				s.record(table, line) // "host": the first [[host]]
				n := s.arrays[table]
				s.arrays[table] = n + 1
				table += "." + strconv.Itoa(n)
			}
			s.record(table, line)
		} else if keys := s.keyPath(); len(keys) > 0 && s.peek() == '=' {
			s.i++
			path := join(table, strings.Join(keys, "."))
			s.record(path, line)
			s.value(path, 0)
		}
		s.skipLine()
		if s.i == start {
			s.i++ // always make progress, whatever the input
		}
	}
}

// resolve turns the leading keys of a header into a path, numbering the
// arrays of tables it passes through: for [host.extra] after the third
// [[host]], resolve(["host"]) is "host.2".
func (s *lineScanner) resolve(keys []string) string {
	path := ""
	for _, k := range keys {
		path = join(path, k)
		if n := s.arrays[path]; n > 0 {
			path += "." + strconv.Itoa(n-1)
		}
	}
	return path
}

func (s *lineScanner) record(path string, line int) {
	if _, ok := s.out[path]; !ok {
		s.out[path] = line
	}
}

// maxValueDepth is how deep into nested arrays and inline tables value
// records lines. The schema goes two levels deep (host = [{ name = … }]);
// deeper values are skipped flat, so that a hostile `x = [[[[…]]]]` costs
// memory and stack in proportion to its size, not to its depth squared.
const maxValueDepth = 8

// value skips one value, recording the lines of array elements and inline
// table keys under path; depth counts the arrays and inline tables around it.
func (s *lineScanner) value(path string, depth int) {
	s.skipBlank(false)
	if s.i >= len(s.src) {
		return
	}
	if c := s.src[s.i]; depth >= maxValueDepth && (c == '[' || c == '{') {
		s.skipNested()
		return
	}
	switch s.src[s.i] {
	case '"', '\'':
		s.str()
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.skipBlank(true)
			if s.i >= len(s.src) {
				return
			}
			if s.src[s.i] == ']' {
				s.i++
				return
			}
			elem := path + "." + strconv.Itoa(n)
			s.record(elem, s.line)
			before := s.i
			s.value(elem, depth+1)
			s.skipBlank(true)
			if s.peek() != ',' || s.i == before {
				if s.peek() == ']' {
					s.i++
				}
				return
			}
			s.i++
		}
	case '{':
		s.i++
		for {
			s.skipBlank(true)
			if s.i >= len(s.src) {
				return
			}
			if s.src[s.i] == '}' {
				s.i++
				return
			}
			line := s.line
			keys := s.keyPath()
			if len(keys) == 0 || s.peek() != '=' {
				return
			}
			s.i++
			p := join(path, strings.Join(keys, "."))
			s.record(p, line)
			s.value(p, depth+1)
			s.skipBlank(true)
			if s.peek() != ',' {
				if s.peek() == '}' {
					s.i++
				}
				return
			}
			s.i++
		}
	default:
		// A number, boolean or date: up to the next delimiter. A space
		// may separate a date from its time ("1979-05-27 07:32:00").
		for s.i < len(s.src) && !strings.ContainsRune(" \t\r\n,]}#", rune(s.src[s.i])) {
			s.i++
		}
		if strings.HasPrefix(s.src[s.i:], " ") && s.i+1 < len(s.src) && isDigit(s.src[s.i+1]) {
			s.i++
			s.value(path, depth)
		}
	}
}

// skipNested skips an array or inline table without recursion: up to the
// bracket that closes the one at s.i, past strings and comments.
func (s *lineScanner) skipNested() {
	open := 0
	for s.i < len(s.src) {
		switch c := s.src[s.i]; c {
		case '"', '\'':
			s.str()
			continue
		case '#':
			s.skipBlank(false)
			continue
		case '\n':
			s.line++
		case '[', '{':
			open++
		case ']', '}':
			open--
			if open == 0 {
				s.i++
				return
			}
		}
		s.i++
	}
}

// str skips a basic, literal or multi-line string, counting its newlines.
func (s *lineScanner) str() {
	defer func() { s.i = min(s.i, len(s.src)) }() // a "\" just before the end steps past it
	q := s.src[s.i]
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)) {
		s.i += 3
		for s.i < len(s.src) {
			c := s.src[s.i]
			switch {
			case c == '\\' && q == '"':
				s.i++
				if s.i < len(s.src) && s.src[s.i] == '\n' {
					s.line++
				}
			case c == '\n':
				s.line++
			case strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)):
				s.i += 3
				for k := 0; k < 2 && s.peek() == q; k++ { // """a"""" ends with a quote inside
					s.i++
				}
				return
			}
			s.i++
		}
		return
	}
	s.i++
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		c := s.src[s.i]
		s.i++
		if c == '\\' && q == '"' {
			if s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		} else if c == q {
			return
		}
	}
}

// keyPath reads a dotted key (bare or quoted parts) and the blanks after it.
func (s *lineScanner) keyPath() []string {
	var keys []string
	for {
		s.skipBlank(false)
		if s.i >= len(s.src) {
			return keys
		}
		switch c := s.src[s.i]; c {
		case '"', '\'':
			start := s.i
			s.str()
			raw := s.src[start:s.i]
			if k, err := strconv.Unquote(raw); err == nil && c == '"' {
				keys = append(keys, k)
			} else {
				keys = append(keys, strings.Trim(raw, string(c)))
			}
		default:
			start := s.i
			for s.i < len(s.src) && !strings.ContainsRune(" \t\r\n=.[]#,{}\"'", rune(s.src[s.i])) {
				s.i++
			}
			if s.i == start {
				return keys
			}
			keys = append(keys, s.src[start:s.i])
		}
		s.skipBlank(false)
		if s.peek() != '.' {
			return keys
		}
		s.i++
	}
}

// skipBlank skips spaces, tabs and comments, and newlines too when nl.
func (s *lineScanner) skipBlank(nl bool) {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\r':
		case '\n':
			if !nl {
				return
			}
			s.line++
		case '#':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
			continue
		default:
			return
		}
		s.i++
	}
}

// skipLine skips to the start of the next line.
func (s *lineScanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
	if s.i < len(s.src) {
		s.i++
		s.line++
	}
}

func (s *lineScanner) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	if key == "" {
		return prefix
	}
	return prefix + "." + key
}

// maxNesting is the deepest nesting of arrays and inline tables a config may
// have. The schema needs two; the TOML decoder recurses once per level, so a
// bound keeps a hostile file from taking its stack to gigabytes.
const maxNesting = 64

// tooDeep returns the line where src's arrays and inline tables nest deeper
// than maxNesting, or 0 when they never do.
func tooDeep(src string) int {
	s := &lineScanner{src: src, line: 1}
	depth := 0
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '"', '\'':
			s.str()
			continue
		case '#':
			s.skipBlank(false)
			continue
		case '\n':
			s.line++
		case '[', '{':
			if depth++; depth > maxNesting {
				return s.line
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
		s.i++
	}
	return 0
}
