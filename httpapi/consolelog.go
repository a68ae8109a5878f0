package httpapi

import (
	"time"

	"github.com/coftkit/coft/components"
	"github.com/coftkit/coft/reqlog"
)

// consoleRequests shows a request log in the console's developers'
// corner: the latest 100 of a merchant's requests, times in India's.
type consoleRequests struct{ log *reqlog.Log }

var india = time.FixedZone("IST", 5*3600+1800)

func (c consoleRequests) Recent(merchantID string) []components.APIRequest {
	entries := c.log.Recent(merchantID, 100)
	out := make([]components.APIRequest, len(entries))
	for i, e := range entries {
		out[i] = components.APIRequest{At: e.Time.In(india).Format("2 Jan 15:04:05"), Method: e.Method, Route: e.Route,
			Status: e.Status, Duration: e.Duration.Round(100 * time.Microsecond).String(), RequestID: e.RequestID}
	}
	return out
}
