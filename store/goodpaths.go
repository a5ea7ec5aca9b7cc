package store

import (
	"fmt"
	"net/netip"
	"time"
)

// GoodPath is how far the path to a host went when it was last traced
// while up.
type GoodPath struct {
	Addr   netip.Addr // the address traced
	Hop    int        // the hop the host answered at
	Traced time.Time  // when a trace found the host at this hop
}

// GoodPaths returns every saved good path by host name.
func (s *Store) GoodPaths() (map[string]GoodPath, error) {
	rows, err := s.db.Query(`SELECT host, address, hop, traced FROM good_paths`)
	if err != nil {
		return nil, fmt.Errorf("read good paths: %w", err)
	}
	defer rows.Close()
	out := make(map[string]GoodPath)
	for rows.Next() {
		var (
			name, addr string
			traced     int64
			p          GoodPath
		)
		if err := rows.Scan(&name, &addr, &p.Hop, &traced); err != nil {
			return nil, fmt.Errorf("read good paths: %w", err)
		}
		if p.Addr, err = netip.ParseAddr(addr); err != nil {
			return nil, fmt.Errorf("read good paths: host %q: %w", name, err)
		}
		p.Traced = time.Unix(0, traced).UTC()
		out[name] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read good paths: %w", err)
	}
	return out, nil
}

// SaveGoodPath records a host's good path, replacing what was saved before.
func (s *Store) SaveGoodPath(name string, p GoodPath) error {
	_, err := s.db.Exec(`
INSERT INTO good_paths (host, address, hop, traced) VALUES (?, ?, ?, ?)
ON CONFLICT (host) DO UPDATE SET
	address = excluded.address, hop = excluded.hop, traced = excluded.traced`,
		name, p.Addr.String(), p.Hop, p.Traced.UnixNano())
	if err != nil {
		return fmt.Errorf("save good path of %q: %w", name, err)
	}
	return nil
}
