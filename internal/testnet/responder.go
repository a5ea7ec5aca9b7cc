package testnet

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// NewDelayedHost is NewHost plus a responder answering echoes to Targets4/6 after delay ± jitter, losing lossPercent %.
func NewDelayedHost(t testing.TB, delay, jitter time.Duration, lossPercent int, opts ...Option) *Host {
	t.Helper()
	// The responder sits behind a TUN device in the namespace and answers
	// for every address of TargetPrefix4/6; the jitter is uniform. Skips t
	// without /dev/net/tun.
	if delay < 0 || jitter < 0 || lossPercent < 0 || lossPercent > 100 {
		t.Fatalf("testnet: NewDelayedHost(%v, %v, %d): want delay, jitter ≥ 0 and loss 0..100", delay, jitter, lossPercent)
	}
	RequireRoot(t)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("testnet: no TUN device: %v", err)
	}
	o := options{ipv6: true}
	for _, opt := range opts {
		opt(&o)
	}
	h := newHost(t, o)
	s := h.slot

	var tun *os.File
	var arr *arrivals
	if err := h.Do(func() (err error) {
		if tun, err = openTUN(tunName); err != nil {
			return err
		}
		if arr, err = openArrivals(peerName); err != nil {
			return err
		}
		// The namespace is a router between the veth and the TUN: requests
		// for the targets arrive on the veth and must be forwarded into the
		// TUN, replies come back out of the TUN and go out of the veth.
		if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
			return err
		}
		if o.ipv6 {
			return writeSysctl("net/ipv6/conf/all/forwarding", "1")
		}
		return nil
	}); err != nil {
		if tun != nil {
			tun.Close()
		}
		if arr != nil {
			arr.close()
		}
		t.Fatalf("testnet: TUN in %s: %v", h.Name, err)
	}

	r := &responder{
		tun:    tun,
		arr:    arr,
		delay:  delay,
		jitter: jitter,
		loss:   lossPercent,
		spoof:  map[netip.Addr]netip.Addr{},
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	h.resp = r
	r.start()
	// Registered after newHost's teardown, so it runs first: an open TUN fd
	// keeps the namespace (and the veth) alive after `ip netns del`.
	t.Cleanup(r.stop)

	ns := []string{
		fmt.Sprintf("link set %s up", tunName),
		fmt.Sprintf("route add %s dev %s", s.tun4(), tunName),
	}
	root := []string{fmt.Sprintf("route replace %s via %s dev %s", s.tun4(), h.Addr4, h.Link)}
	if o.ipv6 {
		ns = append(ns, fmt.Sprintf("route add %s dev %s", s.tun6(), tunName))
		root = append(root, fmt.Sprintf("route replace %s via %s dev %s", s.tun6(), h.Addr6, h.Link))
	}
	if err := ipBatch(h.Name, ns); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	if err := ipBatch("", root); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	return h
}

// openTUN creates a TUN device in the calling thread's namespace. The device
// lives as long as the returned file.
func openTUN(name string) (*os.File, error) {
	// O_NONBLOCK lets os.NewFile use the runtime poller, so Close at
	// cleanup wakes a goroutine blocked in Read.
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	// IFF_TUN: layer 3, no Ethernet header and no ARP/ND to answer.
	// IFF_NO_PI: no 4-byte packet-info prefix; each read is one bare IP
	// packet and its version nibble tells v4 from v6.
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETIFF %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun:"+name), nil
}

// Targets4 returns four IPv4 addresses answered by the responder.
func (h *Host) Targets4() []netip.Addr {
	h.mustResponder()
	return targets(h.slot.tun4(), 4)
}

// Targets6 returns four IPv6 addresses answered by the responder (none with NoIPv6).
func (h *Host) Targets6() []netip.Addr {
	h.mustResponder()
	if !h.ipv6 {
		return nil
	}
	return targets(h.slot.tun6(), 4)
}

// TargetPrefix4 is the IPv4 prefix routed to the responder; all of it answers.
func (h *Host) TargetPrefix4() netip.Prefix { h.mustResponder(); return h.slot.tun4() }

// TargetPrefix6 is the IPv6 prefix routed to the responder; invalid with NoIPv6.
func (h *Host) TargetPrefix6() netip.Prefix {
	h.mustResponder()
	if !h.ipv6 {
		return netip.Prefix{}
	}
	return h.slot.tun6()
}

func targets(p netip.Prefix, n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = nth(p, i+1)
	}
	return out
}

func (h *Host) mustResponder() {
	if h.resp == nil {
		h.t.Helper()
		h.t.Fatal("testnet: only a host from NewDelayedHost has a responder")
	}
}

// SetDelay changes the responder's delay and jitter for requests from now on.
func (h *Host) SetDelay(delay, jitter time.Duration) {
	h.t.Helper()
	h.mustResponder()
	if delay < 0 || jitter < 0 {
		h.t.Fatalf("testnet: SetDelay(%v, %v): negative", delay, jitter)
	}
	r := h.resp
	r.mu.Lock()
	r.delay, r.jitter = delay, jitter
	r.mu.Unlock()
}

// SetLoss changes the share of requests the responder ignores (100: all).
func (h *Host) SetLoss(percent int) {
	h.t.Helper()
	h.mustResponder()
	if percent < 0 || percent > 100 {
		h.t.Fatalf("testnet: SetLoss(%d): percent must be 0..100", percent)
	}
	r := h.resp
	r.mu.Lock()
	r.loss = percent
	r.mu.Unlock()
}

// ReplyFromOtherAddress makes echoes to target come back from from (both in TargetPrefix4/6; from == target undoes it).
func (h *Host) ReplyFromOtherAddress(target, from netip.Addr) {
	h.t.Helper()
	// This is a confused or spoofing device: a monitor must not count such
	// a reply for target.
	h.mustResponder()
	p := h.slot.tun4()
	if target.Is6() {
		p = h.slot.tun6()
		if !h.ipv6 {
			h.t.Fatal("testnet: ReplyFromOtherAddress: host has no IPv6")
		}
	}
	// Staying inside the prefix routed to the TUN keeps reverse-path filters
	// on both sides happy and sends nothing anywhere new.
	if !p.Contains(target) || !p.Contains(from) {
		h.t.Fatalf("testnet: ReplyFromOtherAddress(%v, %v): both must be in %v", target, from, p)
	}
	r := h.resp
	r.mu.Lock()
	if from == target {
		delete(r.spoof, target)
	} else {
		r.spoof[target] = from
	}
	r.mu.Unlock()
}

// Lateness is how late the responder sent its replies: the time it wrote
// each to the TUN minus the time it was due (the request's arrival in the
// namespace + delay ± jitter; see arrivals). TestDelayedHostAccuracy
// measures the whole path.
type Lateness struct {
	Replies int
	Median  time.Duration
	P99     time.Duration
	Max     time.Duration
	// Unstamped is the requests whose arrival time was not found: their
	// delay counted from when the responder read them (see arrivals).
	Unstamped int
}

// String formats l in milliseconds, as the benches print RTTs.
func (l Lateness) String() string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return fmt.Sprintf("median %.3f ms, p99 %.3f ms, max %.3f ms over %d replies, %d timed without an arrival stamp", ms(l.Median), ms(l.P99), ms(l.Max), l.Replies, l.Unstamped)
}

// Lateness returns the responder's lateness since it started or since the last ResetLateness.
func (h *Host) Lateness() Lateness {
	h.mustResponder()
	r := h.resp
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.late.summary()
}

// ResetLateness starts the responder's lateness count afresh.
func (h *Host) ResetLateness() {
	h.mustResponder()
	r := h.resp
	r.mu.Lock()
	r.late = lateHist{}
	r.mu.Unlock()
}

// lateHist counts lateness in 1 µs buckets: bounded memory however long a
// test runs, and a resolution far below what the fixture is used to show.
// The last bucket holds everything from lateBuckets−1 µs up.
type lateHist struct {
	counts    [lateBuckets]uint32
	n         int
	max       time.Duration
	unstamped int // requests timed from their pickup (Lateness.Unstamped)
}

const lateBuckets = 10000 // 10 ms

func (h *lateHist) add(d time.Duration) {
	b := min(max(int(d/time.Microsecond), 0), lateBuckets-1)
	h.counts[b]++
	h.n++
	h.max = max(h.max, d)
}

func (h *lateHist) summary() Lateness {
	return Lateness{Replies: h.n, Median: h.quantile(0.5), P99: h.quantile(0.99), Max: h.max, Unstamped: h.unstamped}
}

// quantile is the q-quantile to the microsecond below; in the last bucket,
// the maximum.
func (h *lateHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(int(math.Ceil(q*float64(h.n))), 1)
	seen := 0
	for b, c := range h.counts {
		if seen += int(c); seen >= rank {
			if b == lateBuckets-1 {
				return h.max
			}
			return time.Duration(b) * time.Microsecond
		}
	}
	return h.max
}

// responder answers echo requests read from a TUN device.
type responder struct {
	tun *os.File
	arr *arrivals // when each request came into the namespace

	mu     sync.Mutex
	delay  time.Duration
	jitter time.Duration
	loss   int
	spoof  map[netip.Addr]netip.Addr // request destination → reply source
	queue  replyQueue
	late   lateHist

	wake chan struct{} // a reply was queued
	done chan struct{}
	wg   sync.WaitGroup
}

func (r *responder) start() {
	r.wg.Add(2)
	go r.readLoop()
	go r.writeLoop()
}

func (r *responder) stop() {
	close(r.done)
	r.tun.Close() // wakes readLoop; also deletes the TUN device
	r.wg.Wait()
	r.arr.close()
}

func (r *responder) readLoop() {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, err := r.tun.Read(buf)
		if err != nil {
			// os.ErrClosed at stop; anything else means the device is gone
			// and its requests go unanswered, which a test sees as loss.
			return
		}
		// The delay counts from the request's arrival in the namespace,
		// not from now (see arrivals).
		picked := time.Now()
		arrived, stamped := r.arr.take(buf[:n])
		if !stamped {
			arrived = picked
		}
		r.mu.Lock()
		reply := echoReply(buf[:n], r.spoof)
		if reply != nil && !stamped {
			r.late.unstamped++
		}
		if reply == nil || (r.loss > 0 && rand.IntN(100) < r.loss) {
			r.mu.Unlock()
			continue
		}
		d := r.delay
		if r.jitter > 0 {
			d += time.Duration((rand.Float64()*2 - 1) * float64(r.jitter))
		}
		heap.Push(&r.queue, pending{due: arrived.Add(max(d, 0)), pkt: reply})
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// The write loop waits for a reply in three stages, because a Go timer alone
// is late by a varying 0–1 ms: an idle runtime waits for timers in
// epoll_wait, whose timeout is whole milliseconds. That noise would be the
// fixture's, not the tools' under test, and the bench compares tools to
// 0.1 ms. So: a Go timer until coarseMargin before due (it can still be
// woken by a new request or stop), then nanosleeps of at most fineStep until
// spinMargin before due (the kernel's hrtimers wake about 50–100 µs late, of
// which 50 µs is the thread's default timer slack), then a spin on the
// clock that yields the P to other goroutines each turn. That costs about
// 0.3 ms of CPU per reply more than a bare timer (measured: 3 % of one CPU
// at the bench's 100 replies/s; it would be a third of a CPU at 1000/s),
// and brings the median lateness from ~0.5 ms to a few µs. A reply queued
// during a nanosleep with an earlier due time (only when delay − jitter <
// coarseMargin) is noticed within fineStep.
const (
	coarseMargin = 2 * time.Millisecond
	fineStep     = 250 * time.Microsecond
	spinMargin   = 300 * time.Microsecond
)

// writeLoop sends each queued reply when it is due. One goroutine and a heap
// rather than a timer per packet: with jitter replies leave out of order,
// and stop has exactly one goroutine to wait for.
func (r *responder) writeLoop() {
	defer r.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-r.done:
			return
		default:
		}
		r.mu.Lock()
		now := time.Now()
		var due []pending
		for r.queue.Len() > 0 && !r.queue[0].due.After(now) {
			due = append(due, heap.Pop(&r.queue).(pending))
		}
		wait := time.Hour
		if r.queue.Len() > 0 {
			wait = r.queue[0].due.Sub(now)
		}
		r.mu.Unlock()
		if len(due) > 0 {
			r.write(due)
			continue // time passed while writing; look again
		}
		switch {
		case wait > coarseMargin:
			timer.Reset(wait - coarseMargin)
			select {
			case <-r.done:
				return
			case <-r.wake:
			case <-timer.C:
			}
		case wait > spinMargin:
			// EINTR (the runtime's preemption signal) just ends it early.
			ts := unix.NsecToTimespec(int64(min(wait-spinMargin, fineStep)))
			_ = unix.Nanosleep(&ts, nil)
		default:
			runtime.Gosched()
		}
	}
}

// write sends replies, recording how late each one leaves first, so that
// whoever sees a reply finds it counted.
func (r *responder) write(replies []pending) {
	for _, p := range replies {
		late := time.Since(p.due)
		r.mu.Lock()
		r.late.add(late)
		r.mu.Unlock()
		_, _ = r.tun.Write(p.pkt) // fails only once closed
	}
}

type pending struct {
	due time.Time
	pkt []byte
}

type replyQueue []pending

func (q replyQueue) Len() int           { return len(q) }
func (q replyQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q replyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *replyQueue) Push(x any)        { *q = append(*q, x.(pending)) }
func (q *replyQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// echoReply returns the echo reply to pkt if pkt is an ICMP or ICMPv6 echo
// request, else nil. spoof maps a request's destination to the reply's
// source; by default the reply comes from the destination.
func echoReply(pkt []byte, spoof map[netip.Addr]netip.Addr) []byte {
	if len(pkt) < 1 {
		return nil
	}
	switch pkt[0] >> 4 {
	case 4:
		return echoReply4(pkt, spoof)
	case 6:
		return echoReply6(pkt, spoof)
	}
	return nil
}

func echoReply4(pkt []byte, spoof map[netip.Addr]netip.Addr) []byte {
	if len(pkt) < 20 {
		return nil
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if ihl < 20 || total < ihl+8 || total > len(pkt) {
		return nil
	}
	if pkt[9] != 1 { // ICMP
		return nil
	}
	// A fragment (MF set or offset ≠ 0) is not a whole request; probes
	// are small and never fragmented.
	if binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
		return nil
	}
	if pkt[ihl] != 8 || pkt[ihl+1] != 0 { // echo request, code 0
		return nil
	}
	out := append([]byte(nil), pkt[:total]...)
	src, dst := [4]byte(pkt[12:16]), [4]byte(pkt[16:20])
	from := netip.AddrFrom4(dst)
	if s, ok := spoof[from]; ok {
		from = s
	}
	f4 := from.As4()
	copy(out[12:16], f4[:])
	copy(out[16:20], src[:])
	out[8] = 64 // fresh TTL, as a host's own reply would have
	out[10], out[11] = 0, 0
	binary.BigEndian.PutUint16(out[10:12], checksum(out[:ihl], 0))
	icmp := out[ihl:]
	icmp[0] = 0 // echo reply
	icmp[2], icmp[3] = 0, 0
	binary.BigEndian.PutUint16(icmp[2:4], checksum(icmp, 0))
	return out
}

func echoReply6(pkt []byte, spoof map[netip.Addr]netip.Addr) []byte {
	if len(pkt) < 40+8 {
		return nil
	}
	plen := int(binary.BigEndian.Uint16(pkt[4:6]))
	// Only ICMPv6 right after the fixed header: probes carry no extension
	// headers.
	if pkt[6] != 58 || plen < 8 || 40+plen > len(pkt) {
		return nil
	}
	if pkt[40] != 128 || pkt[41] != 0 { // echo request, code 0
		return nil
	}
	out := append([]byte(nil), pkt[:40+plen]...)
	src, dst := [16]byte(pkt[8:24]), [16]byte(pkt[24:40])
	from := netip.AddrFrom16(dst)
	if s, ok := spoof[from]; ok {
		from = s
	}
	f16 := from.As16()
	copy(out[8:24], f16[:])
	copy(out[24:40], src[:])
	out[7] = 64 // hop limit
	icmp := out[40:]
	icmp[0] = 129 // echo reply
	icmp[2], icmp[3] = 0, 0
	// Unlike ICMPv4, the ICMPv6 checksum covers a pseudo-header: source,
	// destination, upper-layer length and next header.
	var ph uint32
	for i := 8; i < 40; i += 2 {
		ph += uint32(binary.BigEndian.Uint16(out[i:]))
	}
	ph += uint32(plen) + 58
	binary.BigEndian.PutUint16(icmp[2:4], checksum(icmp, ph))
	return out
}

// checksum is the Internet checksum of b, starting from the partial sum.
func checksum(b []byte, sum uint32) uint16 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
