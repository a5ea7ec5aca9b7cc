package probe

import "testing"

// TestDrainEmptyAllocatesNothing: a wake-up that finds nothing to read
// also looks at a ping socket's error queue. It happens hundreds of times a
// second at thousands of hosts, so it must leave no garbage (an allocating
// recvmsg there was most of what grew the heap between collections).
func TestDrainEmptyAllocatesNothing(t *testing.T) {
	s, err := openDatagram(false)
	if err != nil {
		t.Skipf("no ping socket here (%v); run as root or allow ping sockets", err)
	}
	defer s.close()
	rd := new(replyReader)
	allocs := testing.AllocsPerRun(100, func() {
		if n := s.drain(rd); n != 0 {
			t.Fatalf("drained %d packets from an unused socket", n)
		}
	})
	if allocs != 0 {
		t.Errorf("an empty drain allocated %.1f times, want 0", allocs)
	}
}
