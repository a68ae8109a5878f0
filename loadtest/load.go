package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// scenario is one kind of request, made over and over by the workers.
type scenario struct {
	name string
	// request returns worker w's next request.
	request func(w *worker) (*http.Request, error)
}

// worker is one of the load's concurrent clients. Each keeps its own
// latencies and counts, so that workers share nothing while they run.
type worker struct {
	id, of int // its number, and the number of workers
	ctx    context.Context
	rng    *rand.Rand
	n      int64 // requests made, warm-up included

	lat           []time.Duration // measured requests only
	non2xx, s5xx  int
	errs          int
	firstErr      error
	lastCompleted time.Time
}

// result is the measure of one scenario.
type result struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Non2xx   int     `json:"non_2xx"`
	Status5x int     `json:"status_5xx"`
	Errors   int     `json:"errors"` // transport errors: no response at all
	Ratio    float64 `json:"ratio,omitempty"`
	Against  string  `json:"against,omitempty"` // the ratio's baseline scenario, "" for bare
	Goal     *goal   `json:"goal,omitempty"`
}

// newClient returns an HTTP client whose connection pool keeps one idle
// keep-alive connection per worker and host.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // never send the load through a proxy from the environment
			MaxIdleConns:        4 * concurrency,
			MaxIdleConnsPerHost: concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// load runs sc with c workers for warmup, then measures it for d.
// Requests that start during warm-up are made but not measured.
func load(ctx context.Context, client *http.Client, sc scenario, c int, warmup, d time.Duration) (result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+d)
	workers := make([]*worker, c)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{id: i, of: c, ctx: ctx, rng: rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i))),
			lat: make([]time.Duration, 0, 1<<14)}
		workers[i] = w
		wg.Go(func() { w.run(client, sc, from, until) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return result{}, err
	}

	r := result{Name: sc.name}
	var lat []time.Duration
	last := from
	for _, w := range workers {
		lat = append(lat, w.lat...)
		r.Non2xx += w.non2xx
		r.Status5x += w.s5xx
		r.Errors += w.errs
		if w.lastCompleted.After(last) {
			last = w.lastCompleted
		}
	}
	if len(lat) == 0 {
		for _, w := range workers {
			if w.firstErr != nil {
				return r, fmt.Errorf("%s: no request succeeded: %w", sc.name, w.firstErr)
			}
		}
		return r, fmt.Errorf("%s: no request completed", sc.name)
	}
	slices.Sort(lat)
	r.Requests = len(lat)
	r.Seconds = last.Sub(from).Seconds()
	r.RPS = float64(r.Requests) / r.Seconds
	r.P50ms, r.P99ms = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99))
	return r, nil
}

// run makes requests until the measurement ends.
func (w *worker) run(client *http.Client, sc scenario, from, until time.Time) {
	for w.ctx.Err() == nil {
		t0 := time.Now()
		if t0.After(until) {
			return
		}
		w.n++
		req, err := sc.request(w)
		if err != nil {
			w.fail(err)
			return
		}
		resp, err := client.Do(req)
		if err == nil {
			// Read the body to the end so that the connection is reused.
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		t1 := time.Now()
		if t0.Before(from) {
			continue
		}
		if err != nil {
			w.fail(err)
			continue
		}
		w.lat = append(w.lat, t1.Sub(t0))
		w.lastCompleted = t1
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			w.non2xx++
		}
		if resp.StatusCode >= 500 {
			w.s5xx++
		}
	}
}

func (w *worker) fail(err error) {
	if w.ctx.Err() != nil {
		return // the run was cancelled: not the server's failure
	}
	w.errs++
	if w.firstErr == nil {
		w.firstErr = err
	}
}

// quantile returns the q-quantile of sorted latencies (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// get returns a scenario of GET requests to the URLs url returns.
func get(name string, url func(w *worker) string, header http.Header) scenario {
	return scenario{name: name, request: func(w *worker) (*http.Request, error) {
		req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, url(w), nil)
		if err != nil {
			return nil, err
		}
		copyHeader(req.Header, header)
		return req, nil
	}}
}

// postForm returns a scenario of form-encoded POST requests to url with
// the bodies body returns.
func postForm(name, url string, body func(w *worker) string, header http.Header) scenario {
	return scenario{name: name, request: func(w *worker) (*http.Request, error) {
		req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, url, strings.NewReader(body(w)))
		if err != nil {
			return nil, err
		}
		copyHeader(req.Header, header)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}}
}

// copyHeader copies the header fields of src into dst, sharing their values.
func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// createOrders makes the orders with the given order ids through the API,
// c at a time.
func createOrders(ctx context.Context, client *http.Client, base string, header http.Header, ids []string, c int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan string)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for id := range next {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/orders",
					strings.NewReader("order_id="+id+"&amount=100.00"))
				if err != nil {
					cancel(err)
					return
				}
				copyHeader(req.Header, header)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := client.Do(req)
				if err != nil {
					cancel(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					cancel(fmt.Errorf("POST /orders order_id=%s: %s: %s", id, resp.Status, b))
					return
				}
			}
		})
	}
feed:
	for _, id := range ids {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// startConsent creates a customer, an order and a payment that asks for
// consent, and returns the consent page's URL and bytes.
// onboard onboards the merchant itself to every network for COFT, in test
// mode, through the onboarding API: its cards become eligible.
func onboard(ctx context.Context, client *http.Client, base string, auth http.Header, merchant string) error {
	body := `{"associateId":"` + merchant + `","testMode":true,"flow":"COFT","companyDetails":{"legalName":"Load Ltd",` +
		`"tradeName":"Load","websiteURL":"https://load.example","businessIdentificationType":"PAN","businessIdentificationValue":"AAAPL1234C"}}`
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/tokenization/onboarding", strings.NewReader(body))
	if err != nil {
		return err
	}
	copyHeader(req.Header, auth)
	for k, v := range map[string]string{"Content-Type": "application/json", "x-merchantid": merchant, "version": "2023-11-01", "x-routing-id": "load"} {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("onboarding: %d %s", res.StatusCode, b)
	}
	return nil
}

func startConsent(ctx context.Context, client *http.Client, base string, auth http.Header) (string, []byte, error) {
	call := func(path string, form url.Values) (map[string]any, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		copyHeader(req.Header, auth)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
			return nil, fmt.Errorf("POST %s: %d %v", path, res.StatusCode, err)
		}
		return body, nil
	}
	cst, err := call("/customers", url.Values{"object_reference_id": {"load"}, "mobile_number": {"9876543210"}, "email_address": {"load@example.com"}})
	if err != nil {
		return "", nil, err
	}
	if _, err := call("/orders", url.Values{"order_id": {"consent1"}, "amount": {"1250.00"}, "customer_id": {fmt.Sprint(cst["id"])}}); err != nil {
		return "", nil, err
	}
	txn, err := call("/txns", url.Values{"order_id": {"consent1"}, "payment_method_type": {"CARD"}, "card_number": {"4242424242424242"},
		"card_exp_month": {"12"}, "card_exp_year": {"2031"}, "card_security_code": {"123"}, "format": {"json"}})
	if err != nil {
		return "", nil, err
	}
	u, _ := txn["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
	if !strings.Contains(u, "/v2/txns/consent/") {
		return "", nil, fmt.Errorf("the payment does not ask for consent: %v", txn)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return "", nil, err
	}
	res, err := client.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		return "", nil, fmt.Errorf("consent page: %d %v", res.StatusCode, err)
	}
	return u, page, nil
}
