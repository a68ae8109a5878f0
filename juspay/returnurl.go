package juspay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/coftkit/coft"
)

// ReturnURL adds order_id, status, status_id and their HMAC-SHA256
// signature (keyed with the merchant's response key, over the
// percent-encoded, key-sorted pairs joined by &, base64) to a return URL.
func ReturnURL(base, responseKey string, o *coft.Order) string {
	params := map[string]string{"order_id": o.OrderID, "status": string(o.Status), "status_id": strconv.Itoa(o.Status.ID())}
	sig := Signature(responseKey, params)
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	q.Set("signature", sig)
	q.Set("signature_algorithm", "HMAC-SHA256")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// Signature is the return URL's signature of params (which must not
// include signature and signature_algorithm).
func Signature(responseKey string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = url.QueryEscape(k) + "=" + url.QueryEscape(params[k])
	}
	h := hmac.New(sha256.New, []byte(responseKey))
	h.Write([]byte(strings.Join(pairs, "&")))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
