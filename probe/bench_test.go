package probe

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// benchEngine is an engine with no sockets and n ICMP hosts, each with one
// probe in flight, as at n hosts a second.
func benchEngine(b *testing.B, n int) (*Engine, []reply) {
	b.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		b.Fatal(err)
	}
	e.out, e.ctx = make(chan Result, 1), context.Background()
	sent := time.Now()
	replies := make([]reply, n)
	for i := range n {
		id := HostID(i + 1)
		a := netip.AddrFrom4([4]byte{127, 10, byte(i >> 8), byte(i)})
		e.Add(Spec{ID: id, Target: Target{Host: a.String()}, Interval: time.Second, Timeout: time.Second})
		s := e.lookupLocked(id)
		s.addPending(pending{seq: 1, token: uint64(i) * 7919, sent: e.toMono(sent)})
		replies[i] = reply{from: a, seq16: 1, id: id, seq: 1, token: uint64(i) * 7919, at: sent.Add(30 * time.Microsecond)}
	}
	return e, replies
}

// BenchmarkMatch4000 is reply matching at 4,000 hosts: a batch of 64
// replies, as one read returns them, matched to their probes; each
// iteration puts the probes back in flight, as the sends would. Reported
// per reply.
func BenchmarkMatch4000(b *testing.B) {
	const n, batch = 4000, 64
	e, replies := benchEngine(b, n)
	results := make([]Result, 0, batch)
	next := 0
	b.ReportAllocs()
	for b.Loop() {
		rs := replies[next : next+batch]
		results = e.matchAll(rs, results[:0])
		if len(results) != batch {
			b.Fatalf("%d of %d replies matched", len(results), batch)
		}
		for _, r := range rs {
			s := e.byID[r.id]
			s.addPending(pending{seq: r.seq, token: r.token, sent: e.toMono(r.at.Add(-30 * time.Microsecond))})
		}
		next = (next + batch) % (n - n%batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/reply")
}

// BenchmarkDecode is turning one packet from a raw IPv4 socket (IP header,
// echo reply, kernel timestamp) into a reply.
func BenchmarkDecode(b *testing.B) {
	s := &icmpSocket{raw: true, id: 0x1234}
	pkt := make([]byte, 20+echoLen)
	pkt[0] = 0x45
	var req [echoLen]byte
	copy(pkt[20:], s.echoRequest(&req, 70000, 7, 0xfeedface))
	pkt[20] = 0 // echo reply
	now := time.Now()
	oob := make([]byte, 32)
	binary.NativeEndian.PutUint64(oob[0:8], 32)                         // cmsg_len
	binary.NativeEndian.PutUint32(oob[8:12], 1)                         // SOL_SOCKET
	binary.NativeEndian.PutUint32(oob[12:16], 35)                       // SCM_TIMESTAMPNS
	binary.NativeEndian.PutUint64(oob[16:24], uint64(now.Unix()))       // tv_sec
	binary.NativeEndian.PutUint64(oob[24:32], uint64(now.Nanosecond())) // tv_nsec
	p := packet{data: pkt, oob: oob, from: netip.MustParseAddr("127.0.0.1")}
	s.kernelTS = true
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.decode(p, now); !ok {
			b.Fatal("not decoded")
		}
	}
}

// BenchmarkEchoRequest is building one echo request.
func BenchmarkEchoRequest(b *testing.B) {
	s := &icmpSocket{raw: true, id: 0x1234}
	var buf [echoLen]byte
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		s.echoRequest(&buf, i, 7, i*7919)
	}
}

// BenchmarkDeadlines is the deadline bookkeeping of one probe at 4,000 in
// flight: pushed when it is sent, dropped when it is answered.
func BenchmarkDeadlines(b *testing.B) {
	const n = 4000
	var ds deadlines
	slots := make([]*slot, n)
	for i := range slots {
		slots[i] = &slot{}
		ds.push(deadline{at: mono(time.Duration(i) * time.Millisecond / 4), s: slots[i], seq: 1}, time.Second)
	}
	var due []deadline
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := mono(time.Duration(n+i) * time.Millisecond / 4)
		ds.push(deadline{at: at, s: slots[i%n], seq: uint64(i)}, time.Second)
		due = ds.popDue(at-mono(time.Second), due[:0]) // answered: none live
		ds.next()
	}
}
