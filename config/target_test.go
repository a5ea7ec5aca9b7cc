package config

import (
	"strings"
	"testing"

	"downtime/probe"
)

func TestParseTarget(t *testing.T) {
	icmp := func(h string) probe.Target { return probe.Target{Kind: probe.KindICMP, Host: h} }
	tcp := func(h string, p uint16) probe.Target { return probe.Target{Kind: probe.KindTCP, Host: h, Port: p} }
	good := []struct {
		in   string
		want probe.Target
	}{
		{"198.18.0.1", icmp("198.18.0.1")},
		{" 198.18.0.1\t", icmp("198.18.0.1")},
		{"2001:2::1", icmp("2001:2::1")},
		{"2001:0002:0000::0001", icmp("2001:2::1")},
		{"::ffff:198.18.0.1", icmp("198.18.0.1")},
		{"::1", icmp("::1")},
		{"db1.example", icmp("db1.example")},
		{"db1.example.", icmp("db1.example.")},
		{"localhost", icmp("localhost")},
		{"web-01", icmp("web-01")},
		{"3com.example", icmp("3com.example")},
		{"tcp://db1.example:5432", tcp("db1.example", 5432)},
		{"TCP://db1:1", tcp("db1", 1)},
		{"tcp://198.18.0.1:65535", tcp("198.18.0.1", 65535)},
		{"tcp://[2001:2::1]:22", tcp("2001:2::1", 22)},
		{"tcp://[::ffff:198.18.0.1]:80", tcp("198.18.0.1", 80)},
	}
	for _, tt := range good {
		got, err := ParseTarget(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}

	bad := []struct {
		in   string
		want string // the whole message, or a part of it after "..."
	}{
		{"", "empty target (write an IP address, a DNS name or tcp://host:port)"},
		{"tcp://x", `"tcp://x": missing port (write tcp://x:port)`},
		{"tcp://x:", `"tcp://x:": missing port (write tcp://host:port)`},
		{"tcp://", `"tcp://": missing host and port (write tcp://host:port)`},
		{"tcp://:22", `"tcp://:22": missing host (write tcp://host:22)`},
		{"tcp://h:0", `"tcp://h:0": port 0 is out of range (1-65535)`},
		{"tcp://h:65536", `"tcp://h:65536": port 65536 is out of range (1-65535)`},
		{"tcp://h:ssh", `"tcp://h:ssh": port "ssh" is not a number (1-65535)`},
		{"tcp://h:22/x", `"tcp://h:22/x": port "22/x" is not a number (1-65535)`},
		{"tcp://2001:2::1:22", `"tcp://2001:2::1:22": an IPv6 address needs brackets (write tcp://[2001:2::1]:22)`},
		{"tcp://[198.18.0.1]:22", `brackets are only for IPv6`},
		{"tcp://[2001:2::1]", `"tcp://[2001:2::1]": missing port (write tcp://[2001:2::1]:port)`},
		{"tcp://[2001:2::1]22", `unexpected "22" after "]"`},
		{"tcp://[2001:2::1:22", `missing "]" after the IPv6 address`},
		{"tcp://bad_host:22", `"tcp://bad_host:22": '_' is not allowed in a DNS name`},
		{"http://example.test", `"http://example.test": unknown scheme "http" (a target is an IP address, a DNS name or tcp://host:port)`},
		{"198.18.0.0/24", `"198.18.0.0/24" is a network, not one host`},
		{"fe80::1%eth0", `"fe80::1%eth0": IPv6 zones (%eth0) are not supported (use an address without a zone)`},
		{"198.18.0.300", `"198.18.0.300": not a valid IPv4 address`},
		{"198.18.0", `"198.18.0": not a valid IPv4 address`},
		{"example.123", `"example.123": not a valid DNS name (the last label "123" is all digits)`},
		{"2001:db8::zz", `"2001:db8::zz": not a valid IPv6 address`},
		{"db1:5432", `"db1:5432": a port needs tcp:// (write tcp://db1:5432)`},
		{"-a.example", `DNS label "-a" starts or ends with "-"`},
		{"a..example", `empty label`},
		{".", `not a valid DNS name`},
		{strings.Repeat("a", 64) + ".example", `is 64 characters long (at most 63)`},
		{strings.Repeat("abcdefg.", 32) + "example", `DNS name is 263 characters long (at most 253)`},
		{"db 1", `' ' is not allowed in a DNS name`},
	}
	for _, tt := range bad {
		_, err := ParseTarget(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTarget(%q) error = %v; want %q", tt.in, err, tt.want)
		}
	}
}

func TestHostnameLimits(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	name253 := strings.Join([]string{label63, label63, label63, strings.Repeat("b", 61)}, ".")
	if len(name253) != 253 {
		t.Fatalf("test name is %d long", len(name253))
	}
	if _, err := ParseTarget(name253); err != nil {
		t.Errorf("253 characters: %v", err)
	}
	if _, err := ParseTarget(name253 + "."); err != nil {
		t.Errorf("253 characters and a final dot: %v", err)
	}
	if _, err := ParseTarget(name253 + "b"); err == nil {
		t.Error("254 characters accepted")
	}
}

func TestExpandTarget(t *testing.T) {
	tests := []struct {
		in          string
		n           int
		first, last string
	}{
		{"198.18.0.1", 1, "198.18.0.1", "198.18.0.1"},
		{"tcp://[2001:2::1]:22", 1, "tcp://[2001:2::1]:22", "tcp://[2001:2::1]:22"},
		{"198.18.0.0/30", 2, "198.18.0.1", "198.18.0.2"},
		{"198.18.0.5/30", 2, "198.18.0.5", "198.18.0.6"}, // host bits are masked off, as fping does
		{"198.18.0.0/31", 2, "198.18.0.0", "198.18.0.1"}, // a point-to-point link: both are hosts
		{"198.18.0.7/32", 1, "198.18.0.7", "198.18.0.7"},
		{"198.18.0.0/28", 14, "198.18.0.1", "198.18.0.14"},
		{"198.18.0.0/20", 4094, "198.18.0.1", "198.18.15.254"},
		{"2001:2::/126", 4, "2001:2::", "2001:2::3"},
		{"2001:2::/116", 4096, "2001:2::", "2001:2::fff"},
		{"2001:2::1/128", 1, "2001:2::1", "2001:2::1"},
		{"::ffff:198.18.0.0/126", 2, "198.18.0.1", "198.18.0.2"},
		{"255.255.255.252/30", 2, "255.255.255.253", "255.255.255.254"},
	}
	for _, tt := range tests {
		got, err := ExpandTarget(tt.in)
		if err != nil {
			t.Errorf("ExpandTarget(%q): %v", tt.in, err)
			continue
		}
		if len(got) != tt.n || got[0].String() != tt.first || got[len(got)-1].String() != tt.last {
			t.Errorf("ExpandTarget(%q) = %d targets %v … %v; want %d, %s … %s",
				tt.in, len(got), got[0], got[len(got)-1], tt.n, tt.first, tt.last)
		}
		seen := map[probe.Target]bool{}
		for _, tg := range got {
			if seen[tg] {
				t.Errorf("ExpandTarget(%q): %v twice", tt.in, tg)
			}
			seen[tg] = true
		}
	}

	bad := []struct{ in, want string }{
		{"198.18.0.0/19", `"198.18.0.0/19" has 8192 addresses, more than 4096 in one target (split it into /20 networks: 198.18.0.0/20, 198.18.16.0/20, ...)`},
		{"2001:2::/115", `"2001:2::/115" has 8192 addresses, more than 4096 in one target (split it into /116 networks: 2001:2::/116, 2001:2::1000/116, ...)`},
		{"0.0.0.0/0", `has 4294967296 addresses`},
		{"::/0", `has 2^128 addresses`},
		{"198.18.0.0/33", `prefix length "33" must be a number from 0 to 32`},
		{"198.18.0.0/", `prefix length "" must be a number from 0 to 32`},
		{"198.18.0.0/+8", `prefix length "+8" must be a number`},
		{"2001:2::/129", `from 0 to 128`},
		{"198.18.0/24", `"198.18.0" is not an IP address`},
		{"fe80::%eth0/64", `IPv6 zones (%eth0) are not supported`},
		{"::ffff:0.0.0.0/64", `at least 96`},
		{"tcp://198.18.0.0/30:22", `'/' is not allowed in a DNS name`}, // tcp targets are one host, never a network
	}
	for _, tt := range bad {
		_, err := ExpandTarget(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ExpandTarget(%q) error = %v; want %q", tt.in, err, tt.want)
		}
	}
}
