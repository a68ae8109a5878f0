package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// waitFor polls a JavaScript condition in the page until it holds.
func waitFor(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))
}

// choose clicks a consent choice on the dialog.
func choose(decision string) chromedp.Action {
	return chromedp.Click(`button[name="decision"][value="`+decision+`"]`, chromedp.ByQuery)
}

// enterCard types a card on the hosted payment page, as a customer does,
// and waits for the consent dialog.
func enterCard(pan string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SendKeys(`#card_number`, pan, chromedp.ByQuery),
		chromedp.SendKeys(`#card_exp_month`, "12", chromedp.ByQuery),
		chromedp.SendKeys(`#card_exp_year`, "31", chromedp.ByQuery),
		chromedp.SendKeys(`#card_security_code`, "123", chromedp.ByQuery),
		chromedp.Click(`.card-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[name="decision"]`, chromedp.ByQuery),
	}
}

// enterOTP completes the bank page and waits for the merchant's page.
func enterOTP(otp string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible(`#otp`, chromedp.ByQuery),
		chromedp.SendKeys(`#otp`, otp, chromedp.ByQuery),
		chromedp.Click(`button[value="verify"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#back`, chromedp.ByQuery),
	}
}

// wasmRunning waits until the go-app engine has taken over the dialog: it
// moves focus to the dialog's heading, which the prerendered page does not.
var wasmRunning = waitFor(`document.activeElement && document.activeElement.id === "coft-title"`)

func card(s *service, orderID string) map[string]any {
	st := s.api("GET", "/orders/"+orderID, nil)
	c, _ := st["card"].(map[string]any)
	if c == nil {
		s.t.Fatalf("order %s has no card block: %v", orderID, st)
	}
	return c
}

func TestAcceptTokenizes(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	order, authURL := s.startPayment("4242424242424242", nil)
	if !strings.Contains(authURL, "/v2/txns/consent/") {
		t.Fatalf("no consent page first: %s", authURL)
	}
	var title string
	err := chromedp.Run(ctx,
		chromedp.Navigate(authURL),
		wasmRunning,
		chromedp.Text(`#coft-title`, &title, chromedp.ByQuery),
		choose("accept"),
		enterOTP("123456"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if title == "" {
		t.Fatal("dialog has no title")
	}
	s.checkReturn(order, "CHARGED")
	c := card(s, order)
	tok, _ := c["token"].(map[string]any)
	if c["tokenization_user_consent"] != true || tok == nil || tok["tokenization_status"] != "ACTIVE" {
		t.Fatalf("card block after accept: %v", c)
	}
}

func TestDeclineCreatesNoToken(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	order, authURL := s.startPayment("4242424242424242", nil)
	if err := chromedp.Run(ctx, chromedp.Navigate(authURL), wasmRunning, choose("decline"), enterOTP("123456")); err != nil {
		t.Fatal(err)
	}
	s.checkReturn(order, "CHARGED")
	if c := card(s, order); c["tokenization_user_consent"] != false || c["token"] != nil {
		t.Fatalf("card block after decline: %v", c)
	}
}

func TestTokenizeTrueSkipsDialog(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	order, authURL := s.startPayment("4242424242424242", url.Values{"tokenize": {"true"}})
	var sawDialog bool
	if err := chromedp.Run(ctx, chromedp.Navigate(authURL),
		chromedp.Evaluate(`!!document.querySelector('button[name="decision"]')`, &sawDialog),
		enterOTP("123456")); err != nil {
		t.Fatal(err)
	}
	if sawDialog {
		t.Fatal("the consent dialog was shown although the merchant passed tokenize=true")
	}
	s.checkReturn(order, "CHARGED")
	if c := card(s, order); c["tokenization_user_consent"] != true || c["token"] == nil {
		t.Fatalf("card block: %v", c)
	}
}

func TestWithoutJavaScript(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	order, authURL := s.startPayment("4242424242424242", nil)
	err := chromedp.Run(ctx,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(`button[name="decision"][value="accept"]`, chromedp.ByQuery),
		choose("accept"),
		enterOTP("123456"),
	)
	if err != nil {
		t.Fatal(err)
	}
	s.checkReturn(order, "CHARGED")
	if c := card(s, order); c["tokenization_user_consent"] != true || c["token"] == nil {
		t.Fatalf("card block without JavaScript: %v", c)
	}
}

func TestCookiesBlocked(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, true)
	order, authURL := s.startPayment("4242424242424242", nil)
	var cookies []*network.Cookie
	err := chromedp.Run(ctx,
		chromedp.Navigate(authURL),
		wasmRunning,
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			cookies, err = network.GetCookies().Do(ctx)
			return err
		}),
		choose("accept"),
		enterOTP("123456"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) != 0 {
		t.Fatalf("the browser kept cookies although it blocks them: %v", cookies)
	}
	s.checkReturn(order, "CHARGED")
	if c := card(s, order); c["tokenization_user_consent"] != true || c["token"] == nil {
		t.Fatalf("card block with cookies blocked: %v", c)
	}
}

// TestPaymentLink pays through the order's hosted payment page, typing
// the card as a customer does.
func TestPaymentLink(t *testing.T) {
	s := startService(t)
	ctx := newBrowser(t, false)
	cst := s.api("POST", "/customers", url.Values{"object_reference_id": {"link"}, "mobile_number": {"9876543210"},
		"email_address": {"link@example.com"}})
	ord := s.api("POST", "/orders", url.Values{"order_id": {"link1"}, "amount": {"99.00"}, "customer_id": {cst["id"].(string)}})
	link := ord["payment_links"].(map[string]any)["web"].(string)
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		enterCard("5419 1900 0000 0003"),
		wasmRunning,
		choose("accept"),
		enterOTP("123456"),
	)
	if err != nil {
		t.Fatal(err)
	}
	s.checkReturn("link1", "CHARGED")
	if c := card(s, "link1"); c["last_four_digits"] != "0003" || c["token"] == nil {
		t.Fatalf("card block: %v", c)
	}
}
