package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coftkit/coft/sqlstore"
)

// BenchmarkDeliver measures the worker end to end on SQLite: claim,
// render, sign, POST to a local receiver, record. Compare with
// BenchmarkBarePost, the same POSTs from a plain client.
func BenchmarkDeliver(b *testing.B) {
	t := &testing.T{}
	w := newWorld(t, sqlstore.SQLite)
	var got atomic.Int64
	rcv := newReceiver(t, func(int, http.ResponseWriter) { got.Add(1) })
	defer rcv.srv.Close()
	w.merchant("shop", rcv.srv.URL)
	w.w.Poll = time.Millisecond
	w.payments("shop", b.N)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	go w.w.Run(ctx)
	for got.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBarePost is the baseline: 16 goroutines POSTing a body like an
// event's to the same kind of receiver.
func BenchmarkBarePost(b *testing.B) {
	t := &testing.T{}
	rcv := newReceiver(t, func(int, http.ResponseWriter) {})
	defer rcv.srv.Close()
	body := bytes.Repeat([]byte("x"), 1500)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n.Add(1) <= int64(b.N) {
				res, err := client.Post(rcv.srv.URL, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
