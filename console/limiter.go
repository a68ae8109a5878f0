package console

import (
	"sync"
	"time"
)

// ipLimiter counts failed sign-ins per address over ipWindow. It is
// per instance; the account's own count (User.FailedSignIns) is shared.
type ipLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string][]time.Time
}

func newIPLimiter(now func() time.Time) *ipLimiter {
	return &ipLimiter{now: now, m: map[string][]time.Time{}}
}

// allow reports whether the address may try to sign in.
func (l *ipLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(ip)) < ipFailures
}

// fail counts a failed sign-in of the address.
func (l *ipLimiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[ip] = append(l.recent(ip), l.now())
	if len(l.m) > 100_000 { // bounded: forget the addresses whose failures are old
		for k := range l.m {
			if len(l.recent(k)) == 0 {
				delete(l.m, k)
			}
		}
	}
}

func (l *ipLimiter) recent(ip string) []time.Time {
	ts := l.m[ip]
	cut := l.now().Add(-ipWindow)
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.m, ip)
		return nil
	}
	ts = ts[i:]
	l.m[ip] = ts
	return ts
}
