package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// manageRunning waits until the go-app engine has taken over the
// saved-cards screen: it moves the focus to the notice, or else the title.
func manageRunning(id string) chromedp.Action {
	return waitFor(`document.activeElement && document.activeElement.id === "` + id + `"`)
}

// TestManageScreen: a customer with a card saved before tokenization opens
// the saved-cards screen, secures the card (consent dialog, bank OTP),
// sees it secured with the rupee refunded, then removes it: gone
// everywhere.
func TestManageScreen(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"keep1"}, "mobile_number": {"9876543210"},
		"email_address": {"keep@example.com"}, "options.get_client_auth_token": {"true"}})
	cstID := cst["id"].(string)
	token := cst["juspay"].(map[string]any)["client_auth_token"].(string)

	// A card saved the legacy way: paid with save_to_locker and no token.
	s.api("POST", "/orders", url.Values{"order_id": {"legacy1"}, "amount": {"10"}, "customer_id": {cstID}})
	res := s.api("POST", "/txns", url.Values{"order_id": {"legacy1"}, "payment_method_type": {"CARD"},
		"card_number": {"4242424242424242"}, "card_exp_month": {"12"}, "card_exp_year": {"2031"},
		"card_security_code": {"123"}, "save_to_locker": {"true"}, "tokenize": {"false"}, "format": {"json"}})
	authURL := res["payment"].(map[string]any)["authentication"].(map[string]any)["url"].(string)
	if err := chromedp.Run(ctx, chromedp.Navigate(authURL), enterOTP("123456")); err != nil {
		t.Fatal(err)
	}

	link := s.base + "/cards/manage?client_auth_token=" + url.QueryEscape(token)
	var status, notice string
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`button[data-action="secure"]`, chromedp.ByQuery),
		manageRunning("coft-manage-title"),
		chromedp.Click(`button[data-action="secure"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[name="decision"]`, chromedp.ByQuery),
		wasmRunning,
		choose("accept"),
		chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
		chromedp.SendKeys(`#otp`, "123456", chromedp.ByQuery),
		chromedp.Click(`button[value="verify"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#notice`, chromedp.ByQuery),
		manageRunning("notice"), // the wasm replaces the prerendered nodes: read its own
		chromedp.Text(`#notice`, &notice, chromedp.ByQuery),
		chromedp.Text(`.card-status`, &status, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "secured") || !strings.Contains(status, "Secured with a Visa token") {
		t.Fatalf("after securing: notice %q, status %q", notice, status)
	}
	cards := s.api("GET", "/cards?customer_id="+cstID, nil)["cards"].([]any)
	tok, _ := cards[0].(map[string]any)["token"].(map[string]any)
	if len(cards) != 1 || tok == nil || tok["tokenization_status"] != "ACTIVE" {
		t.Fatalf("cards after securing: %v", cards)
	}
	events := s.api("GET", "/webhooks/events?limit=100", nil)["events"].([]any)
	var verification string
	for _, e := range events {
		if e := e.(map[string]any); e["event_name"] == "AUTO_REFUND_SUCCEEDED" {
			verification, _ = e["order_id"].(string)
		}
	}
	if verification == "" {
		t.Fatalf("no AUTO_REFUND_SUCCEEDED event: %v", events)
	}
	if o := s.api("GET", "/orders/"+verification, nil); o["amount_refunded"] != 1.0 || o["refunded"] != true {
		t.Fatalf("the one-rupee order: %v", o)
	}

	err = chromedp.Run(ctx,
		chromedp.Click(`button[data-action="remove"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#no-cards`, chromedp.ByQuery),
		manageRunning("notice"),
		chromedp.Text(`#notice`, &notice, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "ending 4242 was removed") {
		t.Fatalf("after removing: %q", notice)
	}
	if cards := s.api("GET", "/cards?customer_id="+cstID, nil)["cards"].([]any); len(cards) != 0 {
		t.Fatalf("cards after removing: %v", cards)
	}
}
