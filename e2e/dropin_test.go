package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestDropIn: a merchant checkout page with the drop-in. An ineligible card
// shows no dialog and adds no field; messages from another origin are
// ignored; an eligible card shows the dialog, and the customer's choice
// lands in the form as tokenize and consent_id, which /txns then links to
// the payment as the consent's evidence.
func TestDropIn(t *testing.T) {
	var pageHTML string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, pageHTML)
	}))
	t.Cleanup(host.Close)
	s := startService(t, "-frame-origins", host.URL)

	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"dropin"}, "mobile_number": {"9876543210"},
		"email_address": {"d@example.com"}})
	ord := s.api("POST", "/orders", url.Values{"order_id": {"drop1"}, "amount": {"499"}, "customer_id": {cst["id"].(string)},
		"options.get_client_auth_token": {"true"}})
	token := ord["juspay"].(map[string]any)["client_auth_token"].(string)
	res, err := http.Get(s.base + "/v2/consent/drop-in.json")
	if err != nil {
		t.Fatal(err)
	}
	var dropIn struct{ Src, Integrity string }
	json.NewDecoder(res.Body).Decode(&dropIn)
	res.Body.Close()
	if !strings.HasPrefix(dropIn.Integrity, "sha384-") {
		t.Fatalf("drop-in: %+v", dropIn)
	}
	pageHTML = fmt.Sprintf(`<!doctype html><title>Checkout</title>
<form id="checkout" method="post" action="/pay">
  <label for="card-number">Card number</label><input id="card-number" autocomplete="cc-number">
  <div id="slot"></div><button>Pay</button>
</form>
<script>
  window.events = [];
  document.getElementById("checkout").addEventListener("coft:eligibility", e => events.push("eligibility:" + e.detail.eligible));
  document.getElementById("checkout").addEventListener("coft:decision", e => events.push("decision:" + e.detail.decision));
</script>
<script src="%s" integrity="%s" crossorigin="anonymous" data-client-auth-token="%s"
  data-card-input="#card-number" data-form="#checkout" data-mount="#slot"></script>`, dropIn.Src, dropIn.Integrity, token)

	ctx := newBrowser(t, false)
	field := `(document.querySelector('#checkout input[name="tokenize"]') || {}).value || ""`
	var got string
	err = chromedp.Run(ctx,
		chromedp.Navigate(host.URL),
		chromedp.SendKeys(`#card-number`, "4111 1111 1111 1111", chromedp.ByQuery), // issuer does not tokenize
		waitFor(`events.includes("eligibility:false")`),
		chromedp.Evaluate(`window.postMessage({type: "coft:decision", decision: "accept", consentId: "forged"}, "*")`, nil),
		// A task queued after the message's runs after it was handled.
		chromedp.Evaluate(`new Promise(r => setTimeout(r, 0))`, nil, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Evaluate(field, &got),
	)
	if err != nil {
		t.Fatal(err)
	}
	var frames int
	chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("iframe").length`, &frames))
	if got != "" || frames != 0 {
		t.Fatalf("ineligible card: tokenize field %q, %d frames", got, frames)
	}

	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.querySelector("#card-number").value = ""`, nil),
		chromedp.SendKeys(`#card-number`, "4242 4242 4242 4242", chromedp.ByQuery),
		waitFor(`events.includes("eligibility:true")`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, ctx, field); got != "" {
		t.Fatalf("tokenize field %q before the customer chose", got)
	}
	// The frame is as tall as the dialog: no blank band under it, nothing
	// cut off. Inside the frame, the viewport is the frame.
	inFrame(t, ctx, "/v2/consent/widget", `(() => {
		const d = document.querySelector(".coft-dialog"), p = document.querySelector(".coft-page");
		if (!d || !p || !document.querySelector(".coft-live")) return "not yet"; // the wasm has rendered it
		const band = innerHeight - (d.getBoundingClientRect().bottom + scrollY) - parseFloat(getComputedStyle(p).paddingBottom);
		return Math.abs(band) <= 1 ? "fits" : "band of " + band + "px (frame " + innerHeight + "px)";
	})()`, func(got string) bool { return got == "fits" })
	// The dialog's iframe is another origin: the test clicks in it through
	// the DevTools protocol, in the frame's own world.
	clickInFrame(t, ctx, "/v2/consent/widget", `button[name="decision"][value="accept"]`)
	if err := chromedp.Run(ctx, waitFor(`events.includes("decision:accept")`)); err != nil {
		t.Fatal(err)
	}
	// The message that replaced the dialog is shorter: the frame shrank
	// with it.
	inFrame(t, ctx, "/v2/consent/widget", `(() => {
		if (document.readyState !== "complete") return "not yet";
		const band = innerHeight - document.body.getBoundingClientRect().height;
		return Math.abs(band) <= 1 ? "fits" : "band of " + band + "px (frame " + innerHeight + "px)";
	})()`, func(got string) bool { return got == "fits" })
	consentID := evalString(t, ctx, `document.querySelector('#checkout input[name="consent_id"]').value`)
	if got := evalString(t, ctx, field); got != "true" || !strings.HasPrefix(consentID, "pcn_") {
		t.Fatalf("after accepting: tokenize %q, consent_id %q", got, consentID)
	}

	// The merchant's server passes the choice to /txns.
	txn := s.api("POST", "/txns", url.Values{"order_id": {"drop1"}, "payment_method_type": {"CARD"},
		"card_number": {"4242424242424242"}, "card_exp_month": {"12"}, "card_exp_year": {"2031"},
		"card_security_code": {"123"}, "tokenize": {"true"}, "consent_id": {consentID}, "format": {"json"}})
	authURL := txn["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
	if strings.Contains(authURL, "/consent/") {
		t.Fatalf("asked again after the drop-in's consent: %s", authURL)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(authURL), enterOTP("123456")); err != nil {
		t.Fatal(err)
	}
	if c := card(s, "drop1"); c["tokenization_user_consent"] != true || c["token"] == nil {
		t.Fatalf("card after paying: %v", c)
	}
}

// clickInFrame clicks the element matching selector in the frame whose
// URL contains path, once both exist.
func clickInFrame(t *testing.T, ctx context.Context, path, selector string) {
	t.Helper()
	inFrame(t, ctx, path, `(() => { const el = document.querySelector(`+strconv.Quote(selector)+
		`); if (!el) return "not found in: " + document.readyState + " " + (document.body ? document.body.innerText.slice(0, 300) : "");`+
		` el.click(); return "clicked"; })()`, func(got string) bool { return got == "clicked" })
}

// inFrame evaluates expr, which returns a string, in the frame whose URL
// contains path (in an isolated world: the page's own scripts cannot
// interfere) until done accepts the result, and returns it.
func inFrame(t *testing.T, ctx context.Context, path, expr string, done func(string) bool) string {
	t.Helper()
	// seen is what the frames showed at the last look: on a timeout it
	// says why (no such frame, or not yet the expected result).
	var seen []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		var result string
		ok := false
		seen = seen[:0]
		err := chromedp.Run(ctx, chromedp.ActionFunc(func(c context.Context) error {
			tree, err := page.GetFrameTree().Do(c)
			if err != nil {
				return err
			}
			for _, child := range tree.ChildFrames {
				if !strings.Contains(child.Frame.URL, path) {
					seen = append(seen, "a frame at "+child.Frame.URL)
					continue
				}
				world, err := page.CreateIsolatedWorld(child.Frame.ID).Do(c)
				if err != nil {
					return err
				}
				res, exc, err := runtime.Evaluate(expr).WithContextID(world).Do(c)
				if err != nil || exc != nil {
					return err
				}
				json.Unmarshal(res.Value, &result)
				ok = done(result)
				seen = append(seen, child.Frame.URL+": "+result)
			}
			return nil
		}))
		if err == nil && ok {
			return result
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out evaluating %s in the frame at %s (error %v); frames: %q", expr, path, err, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &s)); err != nil {
		t.Fatal(err)
	}
	return s
}
