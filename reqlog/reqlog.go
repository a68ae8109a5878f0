// Package reqlog keeps each merchant's most recent API requests in memory,
// for the merchant console's developers' corner: method, route pattern,
// status, time, duration and request id. Never a path, a query or a body:
// paths carry ids that are capabilities and bodies carry card data, so an
// Entry has no field that could hold either.
//
// The log is per instance and is not persisted: each instance of the
// service remembers the requests it served, and forgets them when it
// stops. Recording is a copy into a fixed ring under the merchant's own
// lock, with no allocation once the merchant's ring is full, so that the
// payment path gains no database write, and next to no time, per request.
package reqlog

import (
	"sync"
	"sync/atomic"
	"time"
)

// Entry is one request, as the console shows it.
type Entry struct {
	Method    string        // GET, POST, …
	Route     string        // the route's pattern, e.g. "GET /orders/{order_id}"
	Status    int           // the answer's HTTP status
	Time      time.Time     // when the request arrived
	Duration  time.Duration // how long it took to answer
	RequestID string        // the X-Request-Id it was answered with
}

// Defaults of Config.
const (
	DefaultPerMerchant = 200
	DefaultMerchants   = 1000
)

// Config bounds a Log. Zero values take the defaults.
type Config struct {
	// PerMerchant is how many requests are kept per merchant (the most
	// recent; older ones are overwritten).
	PerMerchant int
	// Merchants is how many merchants are kept at most; when one more
	// makes a request, the merchant whose last request is the oldest is
	// forgotten. Keep it above the number of merchants an instance serves
	// at once: each merchant added copies the index of merchants.
	Merchants int
}

// Log is a bounded log of recent requests per merchant, safe for
// concurrent use. Make it with New. Its memory is bounded by
// Merchants × PerMerchant entries (each a few dozen bytes plus its
// request id: under 50 MB at the defaults and 64-byte request ids).
type Log struct {
	perMerchant, maxMerchants int

	// rings maps merchant ids to their rings. It is never changed once
	// published: adding or evicting a merchant (under mu) publishes a
	// copy, so finding a merchant's ring is one atomic load, no lock.
	rings atomic.Pointer[map[string]*ring]
	mu    sync.Mutex
}

// New returns an empty Log.
func New(c Config) *Log {
	if c.PerMerchant <= 0 {
		c.PerMerchant = DefaultPerMerchant
	}
	if c.Merchants <= 0 {
		c.Merchants = DefaultMerchants
	}
	l := &Log{perMerchant: c.PerMerchant, maxMerchants: c.Merchants}
	l.rings.Store(&map[string]*ring{})
	return l
}

// ring is one merchant's recent requests. It grows to its capacity, then
// overwrites its oldest entry.
type ring struct {
	last atomic.Int64 // UnixNano of the latest Record, read to choose whom to evict

	mu      sync.Mutex
	entries []slot
	size    int  // how many entries it keeps at most
	next    int  // where the next entry goes once full
	gone    bool // evicted: a Record that still holds it must look again
}

// add stores s, over the oldest entry once full. A ring starts small and
// doubles up to its size, so that a merchant making few requests holds
// little memory; once full it allocates no more.
func (r *ring) add(s slot) {
	if len(r.entries) < r.size {
		if len(r.entries) == cap(r.entries) {
			grown := make([]slot, len(r.entries), min(2*cap(r.entries), r.size))
			copy(grown, r.entries)
			r.entries = grown
		}
		r.entries = append(r.entries, s)
		return
	}
	r.entries[r.next] = s
	r.next = (r.next + 1) % r.size
}

// slot is an Entry as stored: the time as nanoseconds (8 bytes instead of
// time.Time's 24) and the status narrowed.
type slot struct {
	method, route, requestID string
	at, dur                  int64
	status                   int32
}

// Record adds e to merchantID's recent requests. Its method is kept only
// if it is one of HTTP's standard methods ("OTHER" otherwise), so that
// the log never holds a caller-chosen string beyond the request id.
func (l *Log) Record(merchantID string, e Entry) {
	s := slot{method: method(e.Method), route: e.Route, requestID: e.RequestID,
		at: e.Time.UnixNano(), dur: int64(e.Duration), status: int32(e.Status)}
	for {
		r := l.ring(merchantID, s.at)
		r.mu.Lock()
		if r.gone {
			r.mu.Unlock()
			continue
		}
		r.add(s)
		r.mu.Unlock()
		if s.at > r.last.Load() {
			r.last.Store(s.at) // a race between two may keep the earlier: eviction is approximate
		}
		return
	}
}

// ring returns merchantID's ring, made if need be.
func (l *Log) ring(merchantID string, now int64) *ring {
	if r := (*l.rings.Load())[merchantID]; r != nil {
		return r
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := *l.rings.Load()
	if r := old[merchantID]; r != nil {
		return r
	}
	rings := make(map[string]*ring, len(old)+1)
	for id, r := range old {
		rings[id] = r
	}
	if len(rings) >= l.maxMerchants {
		evictOldest(rings)
	}
	r := &ring{entries: make([]slot, 0, min(l.perMerchant, 16)), size: l.perMerchant}
	r.last.Store(now)
	rings[merchantID] = r
	l.rings.Store(&rings)
	return r
}

// evictOldest removes from rings the merchant whose latest request is the
// oldest. It scans every merchant, as adding one copies them all: both
// happen only when a merchant not kept makes a request.
func evictOldest(rings map[string]*ring) {
	var oldestID string
	var oldest *ring
	for id, r := range rings {
		if oldest == nil || r.last.Load() < oldest.last.Load() {
			oldestID, oldest = id, r
		}
	}
	if oldest == nil {
		return
	}
	oldest.mu.Lock()
	oldest.gone, oldest.entries = true, nil
	oldest.mu.Unlock()
	delete(rings, oldestID)
}

// Recent returns merchantID's most recent requests, newest first, at most
// limit of them (all that are kept when limit <= 0). It returns nil for a
// merchant with none.
func (l *Log) Recent(merchantID string, limit int) []Entry {
	if l == nil {
		return nil
	}
	r := (*l.rings.Load())[merchantID]
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.entries)
	if limit <= 0 || limit > n {
		limit = n
	}
	if limit == 0 {
		return nil
	}
	out := make([]Entry, limit)
	// Full, the newest is just before next; growing, it is the last.
	newest := len(r.entries) - 1
	if n == r.size {
		newest = (r.next - 1 + n) % n
	}
	for i := range out {
		s := r.entries[(newest-i+n)%n]
		out[i] = Entry{Method: s.method, Route: s.route, Status: int(s.status), Time: time.Unix(0, s.at),
			Duration: time.Duration(s.dur), RequestID: s.requestID}
	}
	return out
}

// Merchants returns how many merchants the log keeps requests of.
func (l *Log) Merchants() int {
	return len(*l.rings.Load())
}

// method returns m as a constant string if it is a standard method: a
// request's method shares its memory with the request line (path and
// query included), which the log must not keep alive.
func method(m string) string {
	switch m {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "PATCH":
		return "PATCH"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	}
	return "OTHER"
}
