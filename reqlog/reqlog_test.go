package reqlog_test

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coftkit/coft/reqlog"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func entry(i int) reqlog.Entry {
	return reqlog.Entry{Method: "GET", Route: "GET /orders/{order_id}", Status: 200,
		Time: t0.Add(time.Duration(i) * time.Second), Duration: time.Duration(i) * time.Millisecond, RequestID: "req" + strconv.Itoa(i)}
}

func ids(es []reqlog.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.RequestID)
	}
	return out
}

// TestRecentNewestFirst: a merchant's requests come back newest first,
// as recorded, the oldest overwritten once PerMerchant are kept.
func TestRecentNewestFirst(t *testing.T) {
	l := reqlog.New(reqlog.Config{PerMerchant: 5})
	if got := l.Recent("alpha", 0); got != nil {
		t.Fatalf("empty log: %v", got)
	}
	for i := 1; i <= 3; i++ {
		l.Record("alpha", entry(i))
	}
	got := l.Recent("alpha", 0)
	want := []reqlog.Entry{entry(3), entry(2), entry(1)}
	if !slices.EqualFunc(want, got, func(a, b reqlog.Entry) bool {
		return a.Time.Equal(b.Time) && a.Method == b.Method && a.Route == b.Route && a.Status == b.Status &&
			a.Duration == b.Duration && a.RequestID == b.RequestID
	}) {
		t.Fatalf("recent:\n got %+v\nwant %+v", got, want)
	}
	for i := 4; i <= 12; i++ {
		l.Record("alpha", entry(i))
	}
	if got := ids(l.Recent("alpha", 0)); !slices.Equal(got, []string{"req12", "req11", "req10", "req9", "req8"}) {
		t.Fatalf("after wrapping: %v", got)
	}
	if got := ids(l.Recent("alpha", 2)); !slices.Equal(got, []string{"req12", "req11"}) {
		t.Fatalf("limit 2: %v", got)
	}
	// Growing past its first capacity keeps the order too.
	big := reqlog.New(reqlog.Config{PerMerchant: 200})
	for i := 1; i <= 450; i++ {
		big.Record("alpha", entry(i))
	}
	got = big.Recent("alpha", 0)
	if len(got) != 200 || got[0].RequestID != "req450" || got[199].RequestID != "req251" {
		t.Fatalf("200 of 450: %d entries, %s … %s", len(got), got[0].RequestID, got[len(got)-1].RequestID)
	}
}

// TestMerchantsKeptApart: merchant A's requests are never in B's list.
func TestMerchantsKeptApart(t *testing.T) {
	l := reqlog.New(reqlog.Config{})
	for i := range 50 {
		e := entry(i)
		e.RequestID = "alpha" + strconv.Itoa(i)
		l.Record("alpha", e)
		e.RequestID = "beta" + strconv.Itoa(i)
		l.Record("beta", e)
	}
	for _, m := range []string{"alpha", "beta"} {
		got := l.Recent(m, 0)
		if len(got) != 50 {
			t.Fatalf("%s: %d entries", m, len(got))
		}
		for _, e := range got {
			if e.RequestID[:len(m)] != m {
				t.Fatalf("%s's list holds %s", m, e.RequestID)
			}
		}
	}
	if got := l.Recent("gamma", 0); got != nil {
		t.Fatalf("a merchant with no request: %v", got)
	}
}

// TestBounded: at most Merchants merchants are kept, the one whose latest
// request is the oldest forgotten first, and at most PerMerchant entries
// each.
func TestBounded(t *testing.T) {
	l := reqlog.New(reqlog.Config{PerMerchant: 3, Merchants: 3})
	l.Record("a", entry(1))
	l.Record("b", entry(2))
	l.Record("c", entry(3))
	l.Record("a", entry(4)) // a is now the latest; b the oldest
	l.Record("d", entry(5))
	if l.Merchants() != 3 {
		t.Fatalf("%d merchants kept, want 3", l.Merchants())
	}
	if got := l.Recent("b", 0); got != nil {
		t.Fatalf("b, the least recent, is kept: %v", got)
	}
	for _, m := range []string{"a", "c", "d"} {
		if l.Recent(m, 0) == nil {
			t.Fatalf("%s was forgotten", m)
		}
	}
	for i := range 1000 {
		l.Record("m"+strconv.Itoa(i%10), entry(10+i))
	}
	if l.Merchants() != 3 {
		t.Fatalf("%d merchants kept, want 3", l.Merchants())
	}
	for i := range 30 {
		l.Record("m"+strconv.Itoa(7+i%3), entry(2000+i))
	}
	for i := 7; i < 10; i++ {
		if n := len(l.Recent("m"+strconv.Itoa(i), 0)); n != 3 {
			t.Fatalf("m%d: %d entries, want 3", i, n)
		}
	}
}

// TestMethodNotKept: a method outside HTTP's standard ones is recorded as
// OTHER (the log keeps no caller-chosen string but the request id).
func TestMethodNotKept(t *testing.T) {
	l := reqlog.New(reqlog.Config{})
	e := entry(1)
	e.Method = "BREW"
	l.Record("alpha", e)
	if got := l.Recent("alpha", 0)[0].Method; got != "OTHER" {
		t.Fatalf("method %q", got)
	}
}

// TestRecordAllocatesNothing: once a merchant's ring is full, recording
// allocates nothing.
func TestRecordAllocatesNothing(t *testing.T) {
	l := reqlog.New(reqlog.Config{PerMerchant: 200})
	e := entry(1)
	for range 200 {
		l.Record("alpha", e)
	}
	if n := testing.AllocsPerRun(1000, func() { l.Record("alpha", e) }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}

// TestConcurrent records from many goroutines for many merchants (more
// than are kept) while others read: run with -race.
func TestConcurrent(t *testing.T) {
	l := reqlog.New(reqlog.Config{PerMerchant: 20, Merchants: 8})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				m := fmt.Sprintf("m%d", (g+i)%12)
				e := entry(i)
				e.RequestID = m
				l.Record(m, e)
				for _, got := range l.Recent(m, 5) {
					if got.RequestID != m {
						t.Errorf("%s's list holds %s", m, got.RequestID)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := l.Merchants(); n > 8 {
		t.Fatalf("%d merchants kept, bound 8", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	l := reqlog.New(reqlog.Config{})
	e := entry(1)
	b.ReportAllocs()
	for b.Loop() {
		l.Record("alpha", e)
	}
}

// BenchmarkRecordParallel records from every core, each request for one
// of 100 merchants.
func BenchmarkRecordParallel(b *testing.B) {
	l := reqlog.New(reqlog.Config{})
	merchants := make([]string, 100)
	for i := range merchants {
		merchants[i] = "m" + strconv.Itoa(i)
	}
	e := entry(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Record(merchants[i%len(merchants)], e)
			i++
		}
	})
}

// BenchmarkRecordParallelOneMerchant records from every core for the same
// merchant: its ring's lock is contended.
func BenchmarkRecordParallelOneMerchant(b *testing.B) {
	l := reqlog.New(reqlog.Config{})
	e := entry(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Record("alpha", e)
		}
	})
}

func BenchmarkRecent(b *testing.B) {
	l := reqlog.New(reqlog.Config{})
	for i := range 200 {
		l.Record("alpha", entry(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Recent("alpha", 50)
	}
}

// TestMemoryBounded fills a Log at its defaults far past its bounds, with
// a fresh 64-byte request id per request (the longest the service keeps),
// and checks the heap it holds stays under the bound its doc states.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 600,000 entries")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	l := reqlog.New(reqlog.Config{})
	e := entry(1)
	for m := range 2 * reqlog.DefaultMerchants {
		id := "merchant" + strconv.Itoa(m)
		for i := range 300 {
			e.RequestID = fmt.Sprintf("%064d", m*1000+i)
			l.Record(id, e)
		}
	}
	held := heap() - before
	if l.Merchants() != reqlog.DefaultMerchants {
		t.Fatalf("%d merchants kept, want %d", l.Merchants(), reqlog.DefaultMerchants)
	}
	t.Logf("%d merchants × %d requests: %.1f MB", reqlog.DefaultMerchants, reqlog.DefaultPerMerchant, float64(held)/1e6)
	if held > 50e6 {
		t.Fatalf("the log holds %.1f MB, over its 50 MB bound", float64(held)/1e6)
	}
	runtime.KeepAlive(l)
}
