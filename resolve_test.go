package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// stubResolver answers the names a test gave it (none: "no such host") and
// panics on any other, so that a test that would send a DNS query fails
// loudly instead. TestMain installs an empty one for the whole package.
type stubResolver map[string][]netip.Addr

func (r stubResolver) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := r[host]
	if !ok {
		panic(fmt.Sprintf("a test looked up %q: tests must not send DNS queries (use an IP literal, or give the name to withResolver)", host))
	}
	if ctx.Err() != nil { // as the real one: an interrupted lookup fails
		return nil, &net.DNSError{Err: ctx.Err().Error(), Name: host}
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// withResolver makes r answer lookups until t ends. Not for parallel tests:
// resolver is the package's.
func withResolver(t *testing.T, r stubResolver) {
	t.Helper()
	old := resolver
	resolver = r
	t.Cleanup(func() { resolver = old })
}

// TestNoDNSQueries: the package's tests run with a resolver that refuses,
// loudly, any name no test gave it; the real one is never reached.
func TestNoDNSQueries(t *testing.T) {
	if _, ok := resolver.(stubResolver); !ok {
		t.Fatalf("tests run with resolver %T, which may send DNS queries", resolver)
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, `looked up "db1.example"`) {
			t.Errorf("a lookup of a name no test gave did not panic: recovered %q", msg)
		}
	}()
	resolver.LookupNetIP(context.Background(), "ip", "db1.example")
	t.Error("lookup returned")
}
