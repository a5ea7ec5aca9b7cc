package probe

import (
	"net"
	"net/netip"
	"testing"
)

// TestIsLocal: loopback and this machine's interface addresses are local;
// an address of no interface here (from the benchmark range, which the
// tests' namespaces use, not this one's interfaces) is not.
func TestIsLocal(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.4.5.6", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"198.19.255.254", false},
		{"2001:2:ffff::1", false},
	} {
		if got := IsLocal(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("IsLocal(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
	if IsLocal(netip.Addr{}) {
		t.Error("the zero address is local")
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok && !n.IP.IsLoopback() {
			if a, _ := netip.AddrFromSlice(n.IP); !IsLocal(a) {
				t.Errorf("IsLocal(%s) = false for an address of this machine's interfaces", a)
			}
		}
	}
}

func TestEndWords(t *testing.T) {
	for _, c := range []struct {
		hop   int
		addr  string
		local bool
		want  string
	}{
		{0, "", false, "no hop answered"},
		{2, "198.18.0.6", false, "path ends at hop 2: 198.18.0.6"},
		{1, "198.18.0.1", true, "path ends at this machine (198.18.0.1)"},
	} {
		if got := EndWords(c.hop, c.addr, c.local); got != c.want {
			t.Errorf("EndWords(%d, %q, %v) = %q, want %q", c.hop, c.addr, c.local, got, c.want)
		}
	}
}
