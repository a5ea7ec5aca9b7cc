package history

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// A block is the slots of one host over one hour (60 minute slots) or one
// day (24 hour slots), stored as one value: a row a slot would cost the
// state file ten times the budget. It has two forms.
//
// Packed (Encode), for blocks that are complete: flate over a version byte
// and, per slot in order of index,
//
//	uvarint index gap (index − previous index − 1)
//	uvarint sent, uvarint lost, uvarint watched seconds
//	when a reply came: zigzag varint of the Min code minus the previous
//	slot's, then uvarints P50−Min, P95−P50, Max−P95 (codes, see rttCode)
//
// Appendable (EncodeAppendable), for the hour being filled: the same
// records with the index and the Min code absolute and no flate, so that a
// minute is stored by appending its bytes to the block (SQL `data || ?`)
// without reading the block back. Both decoders merge two records of one
// slot (a restart inside a minute writes it twice).
const blockVersion = 1

// maxStep coarsens the slowest reply: it is stored as a multiple of 4
// codes above the 95th percentile (9 % steps, rounded up, so never below
// what was measured). One sample, it is the noisiest figure of a minute, and
// at full resolution it took a third of the state file.
const maxStep = 4

// errBlock marks undecodable data.
var errBlock = errors.New("history block is damaged")

// Codec packs and unpacks blocks; it reuses flate state: a flate.Writer
// costs hundreds of kilobytes.
type Codec struct {
	buf bytes.Buffer
	raw []byte
	w   *flate.Writer
	r   io.ReadCloser
}

// NewCodec makes a Codec; it is not safe for concurrent use.
func NewCodec() *Codec { return &Codec{} }

// appendRecords codes slots (of span each, inside the block starting at
// start); delta selects the packed form's gaps and Min deltas.
func appendRecords(raw []byte, start time.Time, span time.Duration, slots []Slot, delta bool) []byte {
	prevIdx, prevMin := -1, uint32(0)
	for _, s := range slots {
		idx := int(s.At.Sub(start) / span)
		if delta {
			raw = binary.AppendUvarint(raw, uint64(idx-prevIdx-1))
		} else {
			raw = binary.AppendUvarint(raw, uint64(idx))
		}
		prevIdx = idx
		raw = binary.AppendUvarint(raw, uint64(s.Sent))
		raw = binary.AppendUvarint(raw, uint64(s.Lost))
		raw = binary.AppendUvarint(raw, uint64(s.Watched/time.Second))
		if s.Received() > 0 {
			mn, p50, p95, mx := rttCode(s.Min), rttCode(s.P50), rttCode(s.P95), rttCode(s.Max)
			p50, p95, mx = max(p50, mn), max(p95, p50), max(mx, p95)
			if delta {
				raw = binary.AppendVarint(raw, int64(mn)-int64(prevMin))
			} else {
				raw = binary.AppendUvarint(raw, uint64(mn))
			}
			raw = binary.AppendUvarint(raw, uint64(p50-mn))
			raw = binary.AppendUvarint(raw, uint64(p95-p50))
			raw = binary.AppendUvarint(raw, uint64((mx-p95+maxStep-1)/maxStep))
			prevMin = mn
		}
	}
	return raw
}

// Encode packs slots, sorted by start, of span each, inside the block
// starting at start.
func (c *Codec) Encode(start time.Time, span time.Duration, slots []Slot) []byte {
	c.raw = appendRecords(append(c.raw[:0], blockVersion), start, span, slots, true)
	c.buf.Reset()
	if c.w == nil {
		c.w, _ = flate.NewWriter(&c.buf, flate.BestCompression) // cannot fail for a valid level
	} else {
		c.w.Reset(&c.buf)
	}
	c.w.Write(c.raw) // a bytes.Buffer does not fail
	c.w.Close()
	return bytes.Clone(c.buf.Bytes())
}

// EncodeAppendable codes slots in the appendable form: the bytes of two
// calls, concatenated, decode as all their slots.
func EncodeAppendable(start time.Time, span time.Duration, slots []Slot) []byte {
	return appendRecords(nil, start, span, slots, false)
}

// Decode unpacks what Encode packed.
func (c *Codec) Decode(start time.Time, span time.Duration, data []byte) ([]Slot, error) {
	if c.r == nil {
		c.r = flate.NewReader(bytes.NewReader(data))
	} else if err := c.r.(flate.Resetter).Reset(bytes.NewReader(data), nil); err != nil {
		return nil, fmt.Errorf("%w: %v", errBlock, err)
	}
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(c.r); err != nil {
		return nil, fmt.Errorf("%w: %v", errBlock, err)
	}
	raw := c.buf.Bytes()
	if len(raw) == 0 || raw[0] != blockVersion {
		return nil, fmt.Errorf("%w: unknown format", errBlock)
	}
	return decodeRecords(raw[1:], start, span, true)
}

// DecodeAppendable reads what EncodeAppendable coded, however many calls'
// worth.
func DecodeAppendable(start time.Time, span time.Duration, data []byte) ([]Slot, error) {
	return decodeRecords(data, start, span, false)
}

func decodeRecords(raw []byte, start time.Time, span time.Duration, delta bool) ([]Slot, error) {
	var slots []Slot
	idx, prevMin := -1, int64(0)
	bad := false
	next := func() uint64 {
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			bad = true
			raw = nil
			return 0
		}
		raw = raw[n:]
		return v
	}
	sorted := true
	for len(raw) > 0 {
		if delta {
			idx += int(next()) + 1
		} else {
			i := int(next())
			sorted = sorted && i > idx
			idx = i
		}
		s := Slot{At: start.Add(time.Duration(idx) * span), Span: span}
		s.Sent = int(next())
		s.Lost = int(next())
		s.Watched = time.Duration(next()) * time.Second
		if bad || s.Lost > s.Sent || idx < 0 {
			return nil, errBlock
		}
		if s.Received() > 0 {
			var mn int64
			if delta {
				d, n := binary.Varint(raw)
				if n <= 0 {
					return nil, errBlock
				}
				raw = raw[n:]
				mn = prevMin + d
			} else {
				mn = int64(next())
			}
			prevMin = mn
			p50 := uint64(mn) + next()
			p95 := p50 + next()
			mx := p95 + next()*maxStep
			if bad || mn < 0 {
				return nil, errBlock
			}
			s.Min, s.P50, s.P95, s.Max = rttOf(uint32(mn)), rttOf(uint32(p50)), rttOf(uint32(p95)), rttOf(uint32(mx))
		}
		slots = append(slots, s)
	}
	if sorted {
		return slots, nil
	}
	return mergeSame(slots), nil
}

// mergeSame sorts slots by start and merges those with one start.
func mergeSame(slots []Slot) []Slot {
	slices.SortStableFunc(slots, func(a, b Slot) int { return a.At.Compare(b.At) })
	out := slots[:0]
	for _, s := range slots {
		if n := len(out); n > 0 && out[n-1].At.Equal(s.At) {
			out[n-1] = Merge(s.At, s.Span, []Slot{out[n-1], s})
			continue
		}
		out = append(out, s)
	}
	return out
}
