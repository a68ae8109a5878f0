package httpapi_test

// TestGoldenShapes: Juspay's published sample responses judge the shapes of
// our answers.
//
// Juspay publishes a sample response for each documented API in
// github.com/juspay/juspay-sdk-integration-demo, branch api-reference. We
// do not copy those files here (they are not ours to commit). Instead each
// sample we use is reduced to a shape file under testdata/juspay/ (same path,
// .shape for .json): every key path of the sample with its JSON type,
// e.g. "card.token.par string", "refunds[].amount number" ([] is any array
// element; the union of the elements' keys), "resp_code null". The test
// then produces our own answer for the same situation through the real
// HTTP server and checks that every path of the shape is in it, with the
// same JSON type. A path that is null in the sample (type null) or that
// Juspay published as the placeholder "FILTERED" (type filtered) must be
// present with any type.
//
// A path we do not match must be listed in goldenExceptions
// (golden_exceptions_test.go) with a reason, else the test fails; an
// exception that is no longer needed also fails, so the table only
// shrinks. `go test ./httpapi -run Golden -v` prints each file's N/M, the
// overall "N of M sample keys", the paths that differ and the sample's
// null keys (where ours has a value, the choice follows Juspay's latest
// docs and is written in docs/API.md). -golden-exceptions prints, as Go
// lines to paste into the table, the mismatches the table lacks.
//
// Regenerating the shapes (after a change to goldenCases or the samples):
//
//	git clone -b api-reference https://github.com/juspay/juspay-sdk-integration-demo /tmp/samples
//	go test ./httpapi -run TestGoldenShapes -update-shapes -juspay-samples=/tmp/samples
//
// The generator repairs what is malformed as published (`//` comments,
// curly quotes, trailing commas; a file holding two documents is split,
// "#n" naming the n-th) and notes each repair in the shape file's header.
//
// Adding a sample: add a goldenCase below (the sample's path in the
// repository, the endpoint, the situation, and a function that produces our
// answer for it through the harness), regenerate the shapes, run the test
// with -golden-exceptions -v, and either fix the gaps or list them in
// goldenExceptions.
//
// Samples not used, and why (everything else under the repository is for a
// payment method or product this service does not serve: UPI, netbanking,
// wallets, mandates, payouts, EMI, offers, COD, CRED, Tata Neu, bank
// accounts, payment links, split settlement, surcharge, outages, DOTP, ATM
// PIN, pre-auth capture, order fulfilment, payment methods):
//
//   - orders/create-order/order-txn.json: a Create Order answer with UPI deep
//     links (options_get_upi_deep_links; deep_link upi://…), not an order
//     and card payment in one call (that answer is orders/create-payments).
//   - orders/create-order/{NBRes,nbReq,upi*,response-order-txn-upi-intent,
//     order-txn-qr}.json: netbanking, UPI and QR.
//   - orders/create-order/moto-*.json: MOTO (card-not-present without
//     authentication), not served.
//   - orders/order-status/{NB,UPI,Wallet,EMI,Offers,cod}.json: other methods.
//   - orders/order-status/v4-order-status/response.json: {"JWT": …}, the
//     JWE/JWS-wrapped /v4 order status; that authentication is not served.
//   - orders/orderFulfilment/*: order fulfilment, not served.
//   - card/tokenize/tokenize.json: Juspay's /card/tokenize takes a card
//     number and answers a temporary card token ({"token":"ctkn_…"}); ours
//     tokenizes a saved card with its network (a payment). Only its error
//     samples are used (the error shape).
//   - card/add-card/response.json: POST /card/add (save a card without a
//     payment) is not served: cards are saved by payments.
//   - card/bin-list/response.json: GET /cardbins list by brand, not served.
//   - tokenization/get-altID/200_raw_card.json: shouldSendRawCard (a raw card
//     for cards issued abroad), not served.
//   - tokenization/fingerprint-v2/*, tokenization/generate-token/*: card
//     fingerprint API and generateToken (third-party token requestors), not
//     served.
//   - payments/card-encryption/*: encrypted card fields on /txns, not served.
//   - payments/atm/*, payments/emi, payments/consumer-finance,
//     payments/nb-payment, payments/upi-*, payments/wallet-*,
//     payments/payment-methods/*: other methods.
//   - webhooks/{auto_refund_failed,order_refund_failed,refund_initiate,
//     refund_manual_review}.json: events this service does not emit;
//     webhooks/mandate_*, notification_*, order_succeeded_mandate: mandates;
//     webhooks/{response_structure,sample_response_structure}.json: generic
//     outlines, not answers.
//   - misc/{create-order-mandates,payment-methods,verify-vpa}: mandates,
//     payment methods, UPI.

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coftkit/coft"
)

var (
	updateShapes     = flag.Bool("update-shapes", false, "rewrite testdata/juspay/ from Juspay's samples (with -juspay-samples)")
	juspaySamples    = flag.String("juspay-samples", "", "a checkout of juspay/juspay-sdk-integration-demo, branch api-reference")
	goldenExceptions = flag.Bool("golden-exceptions", false, "print the mismatches goldenExceptionTable lacks, as Go lines")
)

const shapeDir = "testdata/juspay"

// goldenCase is one sample and how to get our answer for its situation.
type goldenCase struct {
	sample    string // path in the samples repository
	doc       int    // n-th JSON document of the file (0: the file holds one)
	endpoint  string
	situation string
	answer    func(g *golden) answer
}

// answer is our answer for a case. refused names parts of the sample's
// request that we refuse (the case then asked without them); each counts
// as a mismatch "(request) …" to list in the exceptions.
type answer struct {
	body    any
	refused []string
}

func (c goldenCase) id() string {
	if c.doc > 0 {
		return fmt.Sprintf("%s#%d", c.sample, c.doc)
	}
	return c.sample
}

func (c goldenCase) shapeFile() string {
	name := strings.TrimSuffix(c.sample, ".json")
	if c.doc > 0 {
		name += fmt.Sprintf(".%d", c.doc)
	}
	return filepath.Join(shapeDir, filepath.FromSlash(name)+".shape")
}

const (
	epOrderCreate  = "POST /orders"
	epOrderStatus  = "GET /orders/{order_id}"
	epOrderUpdate  = "POST /orders/{order_id}"
	epRefund       = "POST /orders/{order_id}/refunds"
	epRefunds      = "POST /refunds"
	epTxns         = "POST /txns"
	epCustCreate   = "POST /customers"
	epCustGet      = "GET /customers/{customer_id}"
	epCustUpdate   = "POST /customers/{customer_id}"
	epCardBins     = "GET /cardbins/{bin}"
	epCards        = "GET /cards"
	epCardDelete   = "POST /card/delete"
	epCardUpdate   = "POST /card/update"
	epCardTokenize = "POST /card/tokenize"
	epV4Delete     = "POST /v4/card/delete"
	epV4Get        = "POST /v4/card/get"
	epAltID        = "POST /get/altId"
	epOnboarding   = "POST /tokenization/onboarding"
	epSession      = "POST /session"
	epWebhook      = "webhook"
)

var goldenCases = []goldenCase{
	// Orders.
	{sample: "orders/create-order/response.json", endpoint: epOrderCreate, situation: "no client token",
		answer: func(g *golden) answer { return g.createOrder(false) }},
	{sample: "orders/create-order/response-auth.json", endpoint: epOrderCreate, situation: "options.get_client_auth_token=true",
		answer: func(g *golden) answer { return g.createOrder(true) }},
	{sample: "orders/order-status/card.json", endpoint: epOrderStatus, situation: "a charged card payment, refunded",
		answer: func(g *golden) answer { return answer{body: g.paid().status} }},
	{sample: "orders/update-order/response.json", endpoint: epOrderUpdate, situation: "amount changed on a NEW order",
		answer: func(g *golden) answer { return g.updateOrder() }},
	{sample: "orders/refund-order/response.json", endpoint: epRefund, situation: "a charged card payment, partly refunded",
		answer: func(g *golden) answer { return answer{body: g.paid().refund} }},
	{sample: "orders/refunds/txn-id.json", endpoint: epRefunds, situation: "a refund by txn_id",
		answer: func(g *golden) answer {
			return g.optional(request{method: "POST", path: "/refunds", key: g.h.keyA,
				form: "unique_request_id=goldr2&amount=1&txn_id=" + url.QueryEscape(g.paid().txnID)})
		}},
	{sample: "orders/refunds/instant.json", endpoint: epRefunds, situation: "an instant refund (refund_type=INSTANT) by order_id",
		answer: func(g *golden) answer {
			return g.optional(request{method: "POST", path: "/refunds", key: g.h.keyA,
				form: "unique_request_id=goldr3&amount=1&order_id=gold1&refund_type=INSTANT"})
		}},

	// Payments.
	{sample: "orders/create-payments/response.json", endpoint: epTxns, situation: "order and new-card payment in one call (order.*), save_to_locker",
		answer: func(g *golden) answer { return g.orderAndTxn("gold9", "") }},
	{sample: "payments/card-txn/response.json", endpoint: epTxns, situation: "a new card, format=json",
		answer: func(g *golden) answer { return g.cardTxn("gold5", false, nil) }},
	{sample: "token/new-card/response.json", endpoint: epTxns, situation: "a new card, tokenize=true, save_to_locker=true",
		answer: func(g *golden) answer {
			return g.cardTxn("gold6", true, url.Values{"tokenize": {"true"}, "save_to_locker": {"true"}, "payment_method": {"VISA"}})
		}},
	{sample: "token/saved-card/response.json", endpoint: epTxns, situation: "a saved card (card_token), tokenize=true",
		answer: func(g *golden) answer { return g.savedCardTxn("gold7", "true") }},
	{sample: "token/txns/response.json", endpoint: epTxns, situation: "a saved card (card_token)",
		answer: func(g *golden) answer { return g.savedCardTxn("gold8", "") }},
	{sample: "tokenization/non-ec-pci/txn.json", endpoint: epTxns, situation: "order and new-card payment in one call, order.options.get_client_auth_token=true, consent asked",
		answer: func(g *golden) answer { return g.orderAndTxn("gold10", "") }},
	{sample: "tokenization/non-ec-pci/card-info.json", endpoint: epTxns, situation: "(published as card-info, it is the /txns answer of txn.json) order and payment in one call with a client token",
		answer: func(g *golden) answer { return g.orderAndTxn("gold11", "") }},
	{sample: "tokenization/non-ec-pci/txn2.json", endpoint: epTxns, situation: "paying with the merchant's own network token (tavv, token.*), order in the same call",
		answer: func(g *golden) answer { return g.orderAndTxn("gold12", "tavv") }},

	// Errors (the classic error shape, produced by /txns with the same faulty card field).
	{sample: "card/tokenize/invalidRangeResponse.json", endpoint: epCardTokenize, situation: "error: card_exp_month out of range (ours from POST /txns, card_exp_month=13)",
		answer: func(g *golden) answer { return g.cardError("gold13", "card_exp_month", "13") }},
	{sample: "card/tokenize/invalidResponse.json", endpoint: epCardTokenize, situation: "error: card_exp_year invalid (ours from POST /txns, card_exp_year=2015)",
		answer: func(g *golden) answer { return g.cardError("gold14", "card_exp_year", "2015") }},
	{sample: "card/tokenize/nullableResponse.json", endpoint: epCardTokenize, situation: "error: card_security_code missing (ours from POST /txns)",
		answer: func(g *golden) answer { return g.cardError("gold15", "card_security_code", "") }},

	// Customers.
	{sample: "customer/create-customer/response.json", endpoint: epCustCreate, situation: "all fields",
		answer: func(g *golden) answer { return answer{body: g.customer("goldc1", false)} }},
	{sample: "customer/create-customer/response-auth_token.json", endpoint: epCustCreate, situation: "options.get_client_auth_token=true",
		answer: func(g *golden) answer { return answer{body: g.customer("goldc2", true)} }},
	{sample: "customer/get-customer/response.json", endpoint: epCustGet, situation: "by id",
		answer: func(g *golden) answer { return g.getCustomer("") }},
	{sample: "customer/get-customer/response-auth_token.json", endpoint: epCustGet, situation: "options.get_client_auth_token=true",
		answer: func(g *golden) answer { return g.getCustomer("?options.get_client_auth_token=true") }},
	{sample: "customer/update-customer/response.json", endpoint: epCustUpdate, situation: "names and mobile number changed",
		answer: func(g *golden) answer { return g.updateCustomer() }},

	// Card info.
	{sample: "card/card-info/response.json", endpoint: epCardBins, situation: "no options",
		answer: func(g *golden) answer { return g.cardBin("") }},
	{sample: "card/card-info/tokenize.json", endpoint: epCardBins, situation: "options.check_tokenize_support=true",
		answer: func(g *golden) answer { return g.cardBin("options.check_tokenize_support=true") }},
	{sample: "card/card-info/mandate.json", endpoint: epCardBins, situation: "options.check_mandate_support=true",
		answer: func(g *golden) answer { return g.cardBin("options.check_mandate_support=true") }},
	{sample: "card/card-info/dotp.json", endpoint: epCardBins, situation: "options.check_direct_otp_support=true",
		answer: func(g *golden) answer { return g.cardBin("options.check_direct_otp_support=true") }},
	{sample: "card/card-info/cvv-less.json", endpoint: epCardBins, situation: "options.check_cvv_less_support=true",
		answer: func(g *golden) answer { return g.cardBin("options.check_cvv_less_support=true") }},
	{sample: "misc/card-info/response.json", endpoint: epCardBins, situation: "options.check_mandate_support=true, no credentials",
		answer: func(g *golden) answer { return g.cardBinPublic("options.check_mandate_support=true") }},
	{sample: "token/card-info/response.json", endpoint: epCardBins, situation: "all four options.check_*_support, no credentials",
		answer: func(g *golden) answer {
			return g.cardBinPublic("options.check_mandate_support=true&options.check_atm_pin_auth_support=true&options.check_direct_otp_support=true&options.check_tokenize_support=true")
		}},
	{sample: "tokenization/non-ec-pci/card-info2.json", endpoint: epCardBins, situation: "options.check_tokenize_support=true, no credentials",
		answer: func(g *golden) answer { return g.cardBinPublic("options.check_tokenize_support=true") }},

	// Saved cards.
	{sample: "card/list-cards/response.json", endpoint: epCards, situation: "a network-tokenized card, options.check_cvv_less_support=true",
		answer: func(g *golden) answer {
			return answer{body: g.must(200, request{method: "GET", path: "/cards?options.check_cvv_less_support=true&customer_id=" + g.paid().customer, key: g.h.keyA}).body}
		}},
	{sample: "token/list-card/response.json", endpoint: epCards, situation: "a tokenized card",
		answer: func(g *golden) answer {
			return answer{body: g.must(200, request{method: "GET", path: "/cards?customer_id=" + g.paid().customer, key: g.h.keyA}).body}
		}},
	{sample: "token/list-card/response2.json", endpoint: epCards, situation: "a card in the locker, no token",
		answer: func(g *golden) answer {
			c := g.savedCard("goldl1")
			return answer{body: g.must(200, request{method: "GET", path: "/cards?customer_id=" + c.customer, key: g.h.keyA}).body}
		}},
	{sample: "card/delete-card/response.json", endpoint: epCardDelete, situation: "a saved card",
		answer: func(g *golden) answer {
			c := g.savedCard("goldd1")
			return answer{body: g.must(200, request{method: "POST", path: "/card/delete", key: g.h.keyA, form: "card_token=" + url.QueryEscape(c.token)}).body}
		}},
	{sample: "card/update-card/response.json", endpoint: epCardUpdate, situation: "nickname set",
		answer: func(g *golden) answer {
			c := g.savedCard("goldu1")
			return answer{body: g.must(200, request{method: "POST", path: "/card/update", key: g.h.keyA,
				form: "card_token=" + url.QueryEscape(c.token) + "&customer_id=" + c.customer + "&nickname=suresh"}).body}
		}},

	// Network tokens.
	{sample: "tokenization/fetch-token/response.json", endpoint: epV4Get, situation: "an ACTIVE token, check_cvv_less_support=true",
		answer: func(g *golden) answer { return g.cardGet(true) }},
	{sample: "tokenization/non-ec-pci/get-card.json", endpoint: epV4Get, situation: "an ACTIVE token",
		answer: func(g *golden) answer { return g.cardGet(false) }},
	{sample: "tokenization/deleteAPI/responseSuccess.json", endpoint: epV4Delete, situation: "a saved card",
		answer: func(g *golden) answer { return g.v4Delete("goldv1") }},
	{sample: "tokenization/deleteAPI/failureResponse.json", endpoint: epV4Delete, situation: "error: unknown card_reference",
		answer: func(g *golden) answer { return g.v4DeleteUnknown() }},
	{sample: "tokenization/non-ec-pci/delete-card.json", doc: 1, endpoint: epV4Delete, situation: "a saved card",
		answer: func(g *golden) answer { return g.v4Delete("goldv2") }},
	{sample: "tokenization/non-ec-pci/delete-card.json", doc: 2, endpoint: epV4Delete, situation: "error: unknown card_reference",
		answer: func(g *golden) answer { return g.v4DeleteUnknown() }},
	{sample: "tokenization/onboarding/response.json", endpoint: epOnboarding, situation: "a sub-merchant, testMode, ALT_ID, VISA",
		answer: func(g *golden) answer {
			return answer{body: g.must(200, request{method: "POST", path: "/tokenization/onboarding", key: g.h.keyA,
				json:   onboardingBody("goldsub", "ALT_ID", true, "VISA"),
				header: map[string]string{"x-merchantid": "alpha", "version": "2023-06-30", "x-routing-id": "goldsub"}}).body}
		}},

	// Alt ID.
	{sample: "tokenization/get-altID/200.json", endpoint: epAltID, situation: "success",
		answer: func(g *golden) answer { return g.altID(200, g.h.keyA, "alpha", goodCard) }},
	{sample: "tokenization/get-altID/decrypt.json", endpoint: epAltID, situation: "success: the decrypted payload.altIdDetails (ours answers these at the top level, in the clear)",
		answer: func(g *golden) answer { return g.altID(200, g.h.keyA, "alpha", goodCard) }},
	{sample: "tokenization/fetch-altID/response.json", endpoint: epAltID, situation: "success",
		answer: func(g *golden) answer { return g.altID(200, g.h.keyA, "alpha", goodCard) }},
	{sample: "tokenization/fetch-altID/decrypted-card-details.json", endpoint: epAltID, situation: "success: the decrypted payload.altIdDetails (ours answers these at the top level, in the clear)",
		answer: func(g *golden) answer { return g.altID(200, g.h.keyA, "alpha", goodCard) }},
	{sample: "tokenization/get-altID/400-pending.json", endpoint: epAltID, situation: "error: merchant not onboarded for ALT_ID",
		answer: func(g *golden) answer { return g.altID(400, g.gammaKey(), "gamma", goodCard) }},
	{sample: "tokenization/get-altID/400-verification.json", endpoint: epAltID, situation: "error: the network refuses",
		answer: func(g *golden) answer { return g.altID(400, g.h.keyA, "alpha", "4242420000000109") }},
	{sample: "tokenization/get-altID/400_invalid_card.json", endpoint: epAltID, situation: "error: card number fails Luhn",
		answer: func(g *golden) answer { return g.altID(400, g.h.keyA, "alpha", "4242424242424241") }},

	// Orders after a payment, as the tokenization pages show them.
	{sample: "token/order-status/response.json", endpoint: epOrderStatus, situation: "a charged payment whose card was tokenized with consent",
		answer: func(g *golden) answer { return answer{body: g.paid().status} }},
	{sample: "tokenization/non-ec-pci/order-status.json", endpoint: epOrderStatus, situation: "a charged payment whose card was tokenized with consent",
		answer: func(g *golden) answer { return answer{body: g.paid().status} }},

	// Session (Juspay's payment page session API).
	{sample: "session/v1/response.json", endpoint: epSession, situation: "action=paymentPage",
		answer: func(g *golden) answer { return g.session("golds1", "") }},
	{sample: "session/v2/response.json", endpoint: epSession, situation: "the sample is action=enach with a mandate; ours asks action=paymentPage without the mandate.* fields",
		answer: func(g *golden) answer { return g.session("golds2", `,"service":"in.juspay.ec"`) }},

	// Webhooks.
	{sample: "webhooks/txn_created.json", endpoint: epWebhook, situation: "TXN_CREATED of a card payment",
		answer: func(g *golden) answer { g.paid(); return g.event(coft.EventTxnCreated, "gold1") }},
	{sample: "webhooks/txn_charged.json", endpoint: epWebhook, situation: "TXN_CHARGED of a card payment",
		answer: func(g *golden) answer { g.paid(); return g.event(coft.EventTxnCharged, "gold1") }},
	{sample: "webhooks/order_succeeded.json", endpoint: epWebhook, situation: "ORDER_SUCCEEDED of a card payment",
		answer: func(g *golden) answer { g.paid(); return g.event(coft.EventOrderSucceeded, "gold1") }},
	{sample: "webhooks/order_refunded.json", endpoint: epWebhook, situation: "ORDER_REFUNDED, a partial refund",
		answer: func(g *golden) answer { g.paid(); return g.event(coft.EventOrderRefunded, "gold1") }},
	{sample: "webhooks/txn_failed.json", endpoint: epWebhook, situation: "TXN_FAILED, declined by the issuer",
		answer: func(g *golden) answer { g.failed(); return g.event(coft.EventTxnFailed, "gold2") }},
	{sample: "webhooks/order_failed.json", endpoint: epWebhook, situation: "ORDER_FAILED, declined by the issuer",
		answer: func(g *golden) answer { g.failed(); return g.event(coft.EventOrderFailed, "gold2") }},
	{sample: "webhooks/auto_refund_succeeded.json", endpoint: epWebhook, situation: "AUTO_REFUND_SUCCEEDED (ours: the ₹1 card check of out-of-band tokenization, refunded)",
		answer: func(g *golden) answer { return g.event(coft.EventAutoRefundSucceeded, g.autoRefund()) }},
}

// goldenGapReason is the reason -golden-exceptions suggests for a case's
// mismatches (the name of a constant of golden_exceptions_test.go).
func goldenGapReason(c goldenCase, path string) string {
	switch {
	case c.endpoint == epSession && (strings.Contains(path, `"mandate.`) || strings.Contains(path, `"options.createMandate"`)):
		return "mandateOnly"
	}
	return "gap" // not a constant of the table: name the reason before pasting
}

// mismatch is a sample path our answer lacks or types differently.
type mismatch struct {
	path, sample, ours string // ours "" when missing
}

func TestGoldenShapes(t *testing.T) {
	if *updateShapes {
		writeShapes(t)
	}
	g := newGolden(t)
	var (
		total, matched int
		report         []string
		nulls          []string
		newExceptions  []string
	)
	seen := map[string]bool{}
	var suggest []string
	for _, c := range goldenCases {
		newExceptions = nil
		id := c.id()
		seen[id] = true
		f, err := readShapeFile(c.shapeFile())
		if err != nil {
			t.Fatalf("%s: %v (regenerate: see the top of golden_test.go)", id, err)
		}
		a := c.answer(g)
		ours := shapeOf(a.body)
		var bad []mismatch
		n := 0
		for _, p := range f.paths {
			st := f.types[p]
			switch {
			case typesMatch(st, ours[p]):
				n++
			case len(ours[p]) == 0:
				bad = append(bad, mismatch{p, strings.Join(st, "|"), ""})
			default:
				bad = append(bad, mismatch{p, strings.Join(st, "|"), typeList(ours[p])})
			}
			for _, s := range st {
				if s == typeNull || s == typeFiltered {
					nulls = append(nulls, fmt.Sprintf("%s  %s (sample %s, ours %s)", id, p, s, orMissing(typeList(ours[p]))))
				}
			}
		}
		for _, r := range a.refused {
			bad = append(bad, mismatch{"(request) " + r, "accepted", "refused"})
		}
		total, matched = total+len(f.paths), matched+n
		line := fmt.Sprintf("%-55s %3d/%-3d %s (%s)", id, n, len(f.paths), c.endpoint, c.situation)
		report = append(report, line)
		allowed := goldenExceptionTable[id]
		isBad := map[string]bool{}
		for _, m := range bad {
			isBad[m.path] = true
			what := "missing"
			if m.ours != "" {
				what = "ours " + m.ours
			}
			report = append(report, fmt.Sprintf("      %s  (sample %s, %s)", m.path, m.sample, what))
			if _, ok := allowed[m.path]; !ok {
				t.Errorf("%s: %s: sample %s, %s (%s %s); fix it, or add it to goldenExceptionTable", id, m.path, m.sample, what, c.endpoint, c.situation)
				newExceptions = append(newExceptions, fmt.Sprintf("\t\t%q: %s, // sample %s, %s", m.path, goldenGapReason(c, m.path), m.sample, what))
			}
		}
		if len(newExceptions) > 0 {
			suggest = append(suggest, fmt.Sprintf("\t%q: {\n%s\n\t},", id, strings.Join(newExceptions, "\n")))
		}
		for p, reason := range allowed {
			if !isBad[p] {
				t.Errorf("%s: %s no longer differs from the sample (or is not in it): remove its exception (%q) from goldenExceptionTable", id, p, reason)
			}
		}
	}
	for id := range goldenExceptionTable {
		if !seen[id] {
			t.Errorf("goldenExceptionTable names %s, which no golden case uses", id)
		}
	}
	t.Logf("golden shapes: %d of %d sample keys match Juspay's samples\n%s", matched, total, strings.Join(report, "\n"))
	t.Logf("sample keys that are null or FILTERED in the sample (any type accepted):\n%s", strings.Join(nulls, "\n"))
	if *goldenExceptions && len(suggest) > 0 {
		fmt.Printf("// mismatches goldenExceptionTable lacks (merge into the table):\n%s\n", strings.Join(suggest, "\n"))
	}
}

func orMissing(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// writeShapes regenerates the shape files from the samples.
func writeShapes(t *testing.T) {
	if *juspaySamples == "" {
		t.Fatal("-update-shapes needs -juspay-samples=DIR (a checkout of juspay-sdk-integration-demo, branch api-reference)")
	}
	var nulls []string
	for _, c := range goldenCases {
		b, err := os.ReadFile(filepath.Join(*juspaySamples, filepath.FromSlash(c.sample)))
		if err != nil {
			t.Fatal(err)
		}
		docs, repairs, err := repairJSON(b)
		if err != nil {
			t.Fatalf("%s: not JSON even after repairs %v: %v", c.sample, repairs, err)
		}
		var doc any
		switch {
		case c.doc == 0 && len(docs) == 1:
			doc = docs[0]
		case c.doc > 0 && c.doc <= len(docs):
			doc = docs[c.doc-1]
		default:
			t.Fatalf("%s: holds %d JSON documents; the case asks for document %d", c.sample, len(docs), c.doc)
		}
		header := []string{
			"source: " + c.sample + " (juspay/juspay-sdk-integration-demo, branch api-reference)",
			"endpoint: " + c.endpoint + " (" + c.situation + ")",
		}
		if c.doc > 0 {
			header = append(header, fmt.Sprintf("document: %d of the %d JSON documents in the file", c.doc, len(docs)))
		}
		if len(repairs) > 0 {
			header = append(header, "repaired: "+strings.Join(repairs, "; "))
		}
		s := shapeOf(doc)
		filtered := false
		for _, p := range s.paths() {
			if s[p][typeFiltered] {
				filtered = true
			}
			if s[p][typeNull] || s[p][typeFiltered] {
				nulls = append(nulls, c.id()+"  "+p)
			}
		}
		if filtered {
			header = append(header, `values published as "FILTERED" (redacted) are type filtered: like null, any type`)
		}
		header = append(header, "generated by: go test ./httpapi -run TestGoldenShapes -update-shapes -juspay-samples=DIR")
		if err := writeShapeFile(c.shapeFile(), header, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d shape files; sample keys that are null or FILTERED:\n%s", len(goldenCases), strings.Join(nulls, "\n"))
}

// golden runs the situations of the cases on one harness, each once.
type golden struct {
	t     *testing.T
	h     *harness
	hooks *hooks

	paidOrder   *paidOrder
	failedDone  bool
	customerIDs map[string]string // object_reference_id → id
	gamma       string
	altIDAnswer map[string]answer
	altIDKey    bool // alpha holds a JWE key (for payload.altIdDetails)
	v4Unknown   *answer
}

type paidOrder struct {
	customer, txnID, cardRef string
	refund, status           any
}

type savedCard struct{ customer, token, reference string }

func newGolden(t *testing.T) *golden {
	h := newHarness(t, "sqlite")
	return &golden{t: t, h: h, hooks: h.webhooks("alpha"), customerIDs: map[string]string{}, altIDAnswer: map[string]answer{}}
}

func (g *golden) must(want int, r request) response {
	g.t.Helper()
	return g.h.must(want, r)
}

// optional asks an endpoint we may not serve: a non-2xx answer is no
// answer (every sample key missing).
func (g *golden) optional(r request) answer {
	res := g.h.do(r)
	if res.status/100 != 2 {
		g.t.Logf("%s %s: %d (counted as no answer)", r.method, r.path, res.status)
		return answer{}
	}
	return answer{body: res.body}
}

// paid: a customer's order paid with a new card, consent accepted (the
// card is tokenized), then partly refunded.
func (g *golden) paid() *paidOrder {
	if g.paidOrder != nil {
		return g.paidOrder
	}
	h := g.h
	cst := h.order(h.keyA, "gold1", true, "&customer_email=asha%40example.com&customer_phone=9876543210&product_id=prod1&description=Golden")
	res := h.txn(h.keyA, newCardForm("gold1", goodCard))
	// Each event is rendered when first delivered: wait for it, so it
	// shows the order at its step.
	g.event(coft.EventTxnCreated, "gold1")
	h.browser(true).pay(res.str("payment.authentication.url"), "accept")
	g.event(coft.EventTxnCharged, "gold1")
	g.event(coft.EventOrderSucceeded, "gold1")
	refund := g.must(200, request{method: "POST", path: "/orders/gold1/refunds", key: h.keyA, form: "unique_request_id=goldr1&amount=100.00"})
	status := g.must(200, request{method: "GET", path: "/orders/gold1", key: h.keyA})
	cards := g.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: h.keyA})
	if status.str("card.token.tokenization_status") != "ACTIVE" || cards.str("cards.0.card_reference") == "" {
		g.t.Fatalf("the paid order: %s\ncards: %s", status.raw, cards.raw)
	}
	g.paidOrder = &paidOrder{customer: cst, txnID: res.str("txn_id"), cardRef: cards.str("cards.0.card_reference"),
		refund: refund.body, status: status.body}
	return g.paidOrder
}

// failed: a payment declined by the issuer after authentication.
func (g *golden) failed() {
	if g.failedDone {
		return
	}
	g.failedDone = true
	h := g.h
	h.order(h.keyA, "gold2", false, "")
	res := h.txn(h.keyA, newCardForm("gold2", "4242420000000059"))
	h.browser(false).pay(res.str("payment.authentication.url"), "")
}

// autoRefund: out-of-band tokenization of a saved card, whose ₹1 check is
// refunded.
func (g *golden) autoRefund() string {
	c := g.savedCard("goldoob")
	res := g.must(200, request{method: "POST", path: "/card/tokenize", key: g.h.keyA,
		form: "card_token=" + url.QueryEscape(c.token) + "&tokenize=true&return_url=https://shop.example/cards"})
	g.h.browser(false).pay(res.str("payment.authentication.url"), "")
	return res.str("order_id")
}

// event is the first webhook of that name about the order.
func (g *golden) event(name, order string) answer {
	var found map[string]any
	waitFor(g.t, name+" webhook of "+order, func() bool {
		for _, e := range g.hooks.named(name) {
			if get(e, "content", "order", "order_id") == order || get(e, "content", "txn", "order_id") == order {
				found = e
				return true
			}
		}
		return false
	})
	return answer{body: found}
}

// customerID creates a customer once per reference.
func (g *golden) customerID(ref string) string {
	if id, ok := g.customerIDs[ref]; ok {
		return id
	}
	g.customerIDs[ref] = g.h.customer(g.h.keyA, ref)
	return g.customerIDs[ref]
}

func (g *golden) customer(ref string, clientToken bool) any {
	form := "object_reference_id=" + ref + "&mobile_number=9988776655&mobile_country_code=91&email_address=" + ref +
		"%40example.com&first_name=John&last_name=Smith"
	if clientToken {
		form += "&options.get_client_auth_token=true"
	}
	res := g.must(200, request{method: "POST", path: "/customers", key: g.h.keyA, form: form})
	g.customerIDs[ref] = res.str("id")
	return res.body
}

func (g *golden) getCustomer(query string) answer {
	if _, ok := g.customerIDs["goldc1"]; !ok {
		g.customer("goldc1", false)
	}
	return answer{body: g.must(200, request{method: "GET", path: "/customers/" + g.customerIDs["goldc1"] + query, key: g.h.keyA}).body}
}

func (g *golden) updateCustomer() answer {
	if _, ok := g.customerIDs["goldc1"]; !ok {
		g.customer("goldc1", false)
	}
	return answer{body: g.must(200, request{method: "POST", path: "/customers/" + g.customerIDs["goldc1"], key: g.h.keyA,
		form: "mobile_number=9988776644&first_name=Jon&last_name=Snow"}).body}
}

func (g *golden) createOrder(clientToken bool) answer {
	id := "gold3"
	form := "amount=1.00&customer_id=" + g.customerID("goldo1") + "&customer_email=test%40example.com&customer_phone=9999999999"
	if clientToken {
		id = "gold4"
		form += "&options.get_client_auth_token=true"
	}
	return answer{body: g.must(200, request{method: "POST", path: "/orders", key: g.h.keyA, form: "order_id=" + id + "&" + form}).body}
}

func (g *golden) updateOrder() answer {
	g.must(200, request{method: "POST", path: "/orders", key: g.h.keyA,
		form: "order_id=gold16&amount=100.00&return_url=https%3A%2F%2Fshop.example%2Fback&customer_id=" + g.customerID("goldo1")})
	return answer{body: g.must(200, request{method: "POST", path: "/orders/gold16", key: g.h.keyA, form: "amount=90"}).body}
}

// cardTxn pays an order with a new card.
func (g *golden) cardTxn(order string, withCustomer bool, extra url.Values) answer {
	g.h.order(g.h.keyA, order, withCustomer, "")
	form := newCardForm(order, goodCard)
	form.Set("redirect_after_payment", "true")
	for k, v := range extra {
		form[k] = v
	}
	res := g.h.txn(g.h.keyA, form)
	if res.status != 200 {
		g.t.Fatalf("%s: %d %s", order, res.status, res.raw)
	}
	return answer{body: res.body}
}

// savedCard puts a card in the locker for a new customer and returns its
// card_token.
func (g *golden) savedCard(ref string) savedCard {
	cst := g.customerID(ref)
	c := g.h.saveCard("alpha", cst, goodCard)
	cards := g.must(200, request{method: "GET", path: "/cards?customer_id=" + cst, key: g.h.keyA})
	return savedCard{customer: cst, token: cards.str("cards.0.card_token"), reference: c.Reference}
}

func (g *golden) savedCardTxn(order, tokenize string) answer {
	c := g.savedCard("c" + order)
	g.must(200, request{method: "POST", path: "/orders", key: g.h.keyA,
		form: "order_id=" + order + "&amount=10.00&customer_id=" + c.customer})
	form := url.Values{"order_id": {order}, "card_token": {c.token}, "card_security_code": {"111"}, "redirect_after_payment": {"true"}}
	if tokenize != "" {
		form.Set("tokenize", tokenize)
	}
	res := g.h.txn(g.h.keyA, form)
	if res.status != 200 {
		g.t.Fatalf("%s: %d %s", order, res.status, res.raw)
	}
	return answer{body: res.body}
}

// orderAndTxn creates the order in the payment's call. With network
// "tavv", the merchant's own network token fields are sent too; if they are
// refused, the payment is asked without them.
func (g *golden) orderAndTxn(order, network string) answer {
	form := newCardForm("", goodCard)
	form.Del("order_id")
	for k, v := range map[string]string{
		"order.order_id": order, "order.amount": "1015.50", "order.currency": "INR", "order.customer_id": g.customerID("c" + order),
		"order.return_url": "https://shop.example/back", "order.customer_email": "customer@example.com", "order.customer_phone": "9988665522",
		"order.product_id": "prod-141833", "order.description": "Sample description", "order.billing_address_first_name": "Asha",
		"order.options.get_client_auth_token": "true", "payment_method": "VISA", "save_to_locker": "true", "redirect_after_payment": "true",
	} {
		form.Set(k, v)
	}
	var refused []string
	if network == "tavv" {
		withToken := url.Values{}
		for k, v := range form {
			withToken[k] = v
		}
		for k, v := range map[string]string{"tavv": "AJ6MuGGqAbHiAAFB6LECAAADFA==", "token.requestor_id": "40000000079",
			"token.par": "V0010013820031519535347554746", "token.card_last_four": "4242", "token.eci": "07"} {
			withToken.Set(k, v)
		}
		res := g.h.txn(g.h.keyA, withToken)
		if res.status == 200 {
			return answer{body: res.body}
		}
		refused = []string{"tavv, token.requestor_id, token.par, token.card_last_four, token.eci (paying with a network token)"}
	}
	res := g.h.txn(g.h.keyA, form)
	if res.status != 200 {
		g.t.Fatalf("%s: %d %s", order, res.status, res.raw)
	}
	return answer{body: res.body, refused: refused}
}

// cardError is /txns' error for one bad card field (value "" leaves the
// field out).
func (g *golden) cardError(order, field, value string) answer {
	g.h.order(g.h.keyA, order, false, "")
	form := newCardForm(order, goodCard)
	if value == "" {
		form.Del(field)
	} else {
		form.Set(field, value)
	}
	res := g.h.txn(g.h.keyA, form)
	if res.status != 400 || res.errorField() != field {
		g.t.Fatalf("%s=%q: %d %s", field, value, res.status, res.raw)
	}
	return answer{body: res.body}
}

// cardBin asks Card Info with the API key; an option we refuse is asked
// again without it, and reported.
func (g *golden) cardBin(query string) answer {
	return g.cardBinWith(g.h.keyA, query)
}

func (g *golden) cardBinPublic(query string) answer {
	return g.cardBinWith("", query)
}

func (g *golden) cardBinWith(key, query string) answer {
	path := "/cardbins/424242?merchant_id=alpha"
	res := g.h.do(request{method: "GET", path: path + "&" + query, key: key})
	if res.status == 400 && query != "" {
		field := res.errorField()
		return answer{body: g.must(200, request{method: "GET", path: path, key: key}).body, refused: []string{field}}
	}
	if res.status != 200 {
		g.t.Fatalf("card info %s: %d %s", query, res.status, res.raw)
	}
	return answer{body: res.body}
}

func (g *golden) cardGet(cvvLess bool) answer {
	p := g.paid()
	body := `{"card_reference":"` + p.cardRef + `","customer_id":"` + p.customer + `"`
	if cvvLess {
		res := g.h.do(request{method: "POST", path: "/v4/card/get", key: g.h.keyA, json: body + `,"check_cvv_less_support":true}`})
		if res.status == 200 {
			return answer{body: res.body}
		}
		return answer{body: g.must(200, request{method: "POST", path: "/v4/card/get", key: g.h.keyA, json: body + "}"}).body,
			refused: []string{"check_cvv_less_support"}}
	}
	return answer{body: g.must(200, request{method: "POST", path: "/v4/card/get", key: g.h.keyA, json: body + "}"}).body}
}

func (g *golden) v4Delete(ref string) answer {
	c := g.savedCard(ref)
	return answer{body: g.must(200, request{method: "POST", path: "/v4/card/delete", key: g.h.keyA,
		json: `{"card_reference":"` + c.reference + `","customer_id":"` + c.customer + `"}`}).body}
}

func (g *golden) v4DeleteUnknown() answer {
	if g.v4Unknown == nil {
		res := g.h.do(request{method: "POST", path: "/v4/card/delete", key: g.h.keyA,
			json: `{"card_reference":"card_reference_values_goes_here","customer_id":"` + g.customerID("goldv0") + `"}`})
		if res.status/100 != 4 {
			g.t.Fatalf("deleting an unknown card: %d %s", res.status, res.raw)
		}
		g.v4Unknown = &answer{body: res.body}
	}
	return *g.v4Unknown
}

func (g *golden) gammaKey() string {
	if g.gamma == "" {
		g.gamma = g.h.newMerchant("gamma", true) // onboarded to no network
	}
	return g.gamma
}

func (g *golden) altID(status int, key, merchant, card string) answer {
	k := fmt.Sprint(status, merchant, card)
	if a, ok := g.altIDAnswer[k]; ok {
		return a
	}
	if status == 200 && !g.altIDKey {
		// A merchant with a JWE key gets payload.altIdDetails sealed to it.
		g.h.jweKeyFor(merchant)
		g.altIDKey = true
	}
	sealed := g.h.sealCard(`{"cardNumber":"` + card + `","expMonth":"12","expYear":"2031","cardSecurityCode":"123"}`)
	body := `{"cardData":"` + sealed + `","orderData":{"amount":1.0,"currency":"INR","authRefNumber":"20580201098"},"correlationId":"tnjhvbjh"}`
	res := g.must(status, request{method: "POST", path: "/get/altId", key: key, json: body,
		header: map[string]string{"x-merchantid": merchant, "x-routing-id": "guest_cart_9", "accept": "application/json"}})
	g.altIDAnswer[k] = answer{body: res.body}
	return g.altIDAnswer[k]
}

func (g *golden) session(order, extra string) answer {
	cst := g.customerID("c" + order)
	return g.optional(request{method: "POST", path: "/session", key: g.h.keyA, header: map[string]string{"x-merchantid": "alpha"},
		json: `{"order_id":"` + order + `","amount":"10.00","customer_id":"` + cst + `","customer_email":"test@mail.com",` +
			`"customer_phone":"9876543210","payment_page_client_id":"alpha","action":"paymentPage",` +
			`"return_url":"https://shop.merchant.com","description":"Complete your payment",` +
			`"billing_address_first_name":"John","billing_address_last_name":"wick"` + extra + `}`})
}
