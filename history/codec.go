package history

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// A block is the slots of one host over one hour (60 minute slots) or one
// day (24 hour slots), stored as one compressed value: a row a slot would
// cost the state file ten times the budget.
//
// Encoding, before flate: per slot present, in order of index,
//
//	uvarint index gap (index − previous index − 1)
//	uvarint sent, uvarint lost, uvarint watched seconds
//	when a reply came: zigzag varint of the Min code minus the previous
//	slot's, then uvarints P50−Min, P95−P50, Max−P95 (codes, see rttCode)
//
// A version byte leads, so that a later format can be told apart.
const blockVersion = 1

// errBlock marks undecodable data.
var errBlock = errors.New("history block is damaged")

// Codec packs and unpacks blocks; it reuses flate state: a flate.Writer costs hundreds of kilobytes.
type Codec struct {
	buf bytes.Buffer
	raw []byte
	w   *flate.Writer
	r   io.ReadCloser
}

// NewCodec makes a Codec; it is not safe for concurrent use.
func NewCodec() *Codec {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // cannot fail for a valid level
	return &Codec{w: w}
}

// Encode packs slots (of span each, inside the block starting at start).
func (c *Codec) Encode(start time.Time, span time.Duration, slots []Slot) []byte {
	raw := append(c.raw[:0], blockVersion)
	prevIdx, prevMin := -1, uint32(0)
	for _, s := range slots {
		idx := int(s.At.Sub(start) / span)
		raw = binary.AppendUvarint(raw, uint64(idx-prevIdx-1))
		prevIdx = idx
		raw = binary.AppendUvarint(raw, uint64(s.Sent))
		raw = binary.AppendUvarint(raw, uint64(s.Lost))
		raw = binary.AppendUvarint(raw, uint64(s.Watched/time.Second))
		if s.Received() > 0 {
			mn, p50, p95, mx := rttCode(s.Min), rttCode(s.P50), rttCode(s.P95), rttCode(s.Max)
			p50, p95, mx = max(p50, mn), max(p95, p50), max(mx, p95)
			raw = binary.AppendVarint(raw, int64(mn)-int64(prevMin))
			raw = binary.AppendUvarint(raw, uint64(p50-mn))
			raw = binary.AppendUvarint(raw, uint64(p95-p50))
			raw = binary.AppendUvarint(raw, uint64(mx-p95))
			prevMin = mn
		}
	}
	c.raw = raw
	c.buf.Reset()
	c.w.Reset(&c.buf)
	c.w.Write(raw) // a bytes.Buffer does not fail
	c.w.Close()
	return bytes.Clone(c.buf.Bytes())
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
	raw = raw[1:]
	var slots []Slot
	idx, prevMin := -1, int64(0)
	next := func() uint64 {
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			raw = nil
			return 0
		}
		raw = raw[n:]
		return v
	}
	for len(raw) > 0 {
		idx += int(next()) + 1
		s := Slot{At: start.Add(time.Duration(idx) * span), Span: span}
		s.Sent = int(next())
		s.Lost = int(next())
		s.Watched = time.Duration(next()) * time.Second
		if raw == nil || s.Lost > s.Sent {
			return nil, errBlock
		}
		if s.Received() > 0 {
			d, n := binary.Varint(raw)
			if n <= 0 {
				return nil, errBlock
			}
			raw = raw[n:]
			mn := prevMin + d
			prevMin = mn
			p50 := uint64(mn) + next()
			p95 := p50 + next()
			mx := p95 + next()
			if raw == nil {
				return nil, errBlock
			}
			s.Min, s.P50, s.P95, s.Max = rttOf(uint32(mn)), rttOf(uint32(p50)), rttOf(uint32(p95)), rttOf(uint32(mx))
		}
		slots = append(slots, s)
	}
	return slots, nil
}
