package httpapi_test

// goldenExceptionTable lists, by sample (goldenCases in golden_test.go;
// "file#n" is the n-th JSON document of a file), the sample key paths our
// answer may lack or type differently, each with its reason; the comment
// says what the sample has and what we answer. TestGoldenShapes fails on a
// mismatch not listed here, and on a listed path that now matches: remove
// an entry when its gap is fixed. "(request) …" entries are parts of the
// sample's request that we refuse. `go test ./httpapi -run Golden
// -golden-exceptions` prints the entries missing from the table.
var goldenExceptionTable = map[string]map[string]string{
	"orders/order-status/card.json": {
		"gateway_reference_id":                   noGatewayRef, // sample string, missing
		"metadata.RAZORPAY:gateway_reference_id": razorpayOnly, // sample string, missing
		"refunds[].metadata":                     razorpayOnly, // sample object, missing
		"refunds[].metadata.speed_processed":     razorpayOnly, // sample string, missing
		"refunds[].metadata.speed_requested":     razorpayOnly, // sample string, missing
		"txn_detail.offer_deduction_amount":      noOffers,     // sample number, missing
	},
	"orders/refund-order/response.json": {
		"gateway_reference_id":                   noGatewayRef, // sample string, missing
		"metadata.RAZORPAY:gateway_reference_id": razorpayOnly, // sample string, missing
	},
	"tokenization/non-ec-pci/txn2.json": {
		"(request) tavv, token.requestor_id, token.par, token.card_last_four, token.eci (paying with a network token)": ownToken, // sample accepted, ours refused
	},
	"session/v1/response.json": {
		"sdk_payload.payload[\"options.getUpiDeepLinks\"]": upiOnly, // sample string, missing
	},
	"session/v2/response.json": {
		"sdk_payload.payload[\"mandate.endDate\"]":       mandateOnly, // sample string, missing
		"sdk_payload.payload[\"mandate.maxAmount\"]":     mandateOnly, // sample string, missing
		"sdk_payload.payload[\"mandate.startDate\"]":     mandateOnly, // sample string, missing
		"sdk_payload.payload[\"options.createMandate\"]": mandateOnly, // sample string, missing
	},
	"webhooks/txn_created.json": {
		"content.order.metadata.merchant_payload":           paymentPageOnly, // sample string, missing
		"content.order.metadata.payment_page_client_id":     paymentPageOnly, // sample filtered, missing
		"content.order.metadata.payment_page_sdk_payload":   paymentPageOnly, // sample filtered, missing
		"content.order.txn_detail.metadata.microapp":        paymentPageOnly, // sample string, missing
		"content.order.txn_detail.metadata.payment_channel": paymentPageOnly, // sample string, missing
		"content.order.txn_detail.txn_flow_type":            unpublished,     // sample filtered, missing
	},
	"webhooks/txn_charged.json": {
		"content.txn.txn_flow_type": unpublished, // sample filtered, missing
	},
	"webhooks/order_succeeded.json": {
		"content.order.metadata.merchant_payload":           paymentPageOnly, // sample string, missing
		"content.order.metadata.payment_page_client_id":     paymentPageOnly, // sample filtered, missing
		"content.order.metadata.payment_page_sdk_payload":   paymentPageOnly, // sample filtered, missing
		"content.order.txn_detail.metadata.microapp":        paymentPageOnly, // sample string, missing
		"content.order.txn_detail.metadata.payment_channel": paymentPageOnly, // sample string, missing
		"content.order.txn_detail.txn_flow_type":            unpublished,     // sample filtered, missing
	},
	"webhooks/order_refunded.json": {
		"content.order.metadata.merchant_payload":           paymentPageOnly, // sample string, missing
		"content.order.metadata.payment_page_client_id":     paymentPageOnly, // sample filtered, missing
		"content.order.metadata.payment_page_sdk_payload":   paymentPageOnly, // sample filtered, missing
		"content.order.txn_detail.metadata.microapp":        paymentPageOnly, // sample string, missing
		"content.order.txn_detail.metadata.payment_channel": paymentPageOnly, // sample string, missing
		"content.order.txn_detail.txn_flow_type":            unpublished,     // sample filtered, missing
	},
	"webhooks/txn_failed.json": {
		"content.txn.txn_flow_type": unpublished, // sample filtered, missing
	},
	"webhooks/order_failed.json": {
		"content.order.metadata.merchant_payload":           paymentPageOnly, // sample string, missing
		"content.order.metadata.payment_page_client_id":     paymentPageOnly, // sample filtered, missing
		"content.order.metadata.payment_page_sdk_payload":   paymentPageOnly, // sample filtered, missing
		"content.order.txn_detail.metadata.microapp":        paymentPageOnly, // sample string, missing
		"content.order.txn_detail.metadata.payment_channel": paymentPageOnly, // sample string, missing
		"content.order.txn_detail.txn_flow_type":            unpublished,     // sample filtered, missing
	},
	"webhooks/auto_refund_succeeded.json": {
		"content.order.metadata.merchant_payload":                                 paymentPageOnly, // sample string, missing
		"content.order.metadata.payment_page_client_id":                           paymentPageOnly, // sample filtered, missing
		"content.order.metadata.payment_page_sdk_payload":                         paymentPageOnly, // sample filtered, missing
		"content.order.payment_gateway_response.debit_amount":                     razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.acquirer_data":   razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.amount":          razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.amount_refunded": razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.auth_code":       razorpayOnly,    // sample filtered, missing
		"content.order.payment_gateway_response.gateway_response.captured":        razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.card_id":         razorpayOnly,    // sample filtered, missing
		"content.order.payment_gateway_response.gateway_response.contact":         razorpayOnly,    // sample filtered, missing
		"content.order.payment_gateway_response.gateway_response.created_at":      razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.currency":        razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.description":     razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.email":           razorpayOnly,    // sample filtered, missing
		"content.order.payment_gateway_response.gateway_response.entity":          razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.fee":             razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.id":              razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.international":   razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.method":          razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.notes":           razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.order_id":        razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.status":          razorpayOnly,    // sample string, missing
		"content.order.payment_gateway_response.gateway_response.tax":             razorpayOnly,    // sample string, missing
		"content.order.refunds[].metadata":                                        razorpayOnly,    // sample object, missing
		"content.order.refunds[].metadata.speed_processed":                        razorpayOnly,    // sample string, missing
		"content.order.refunds[].metadata.speed_requested":                        razorpayOnly,    // sample string, missing
		"content.order.txn_detail.metadata.microapp":                              paymentPageOnly, // sample string, missing
		"content.order.txn_detail.metadata.payment_channel":                       paymentPageOnly, // sample string, missing
		"content.order.txn_detail.txn_flow_type":                                  unpublished,     // sample filtered, missing
	},
}

// Reasons.
const (
	upiOnly  = "UPI only: Juspay adds options.getUpiDeepLinks to the SDK payload for UPI, which is not served"
	ownToken = "paying with the merchant's own network token and cryptogram (non-EC PCI) is not offered: refused by name (docs/API.md)"

	razorpayOnly    = "Razorpay's own keys (its gateway response, debit_amount, refund speeds, RAZORPAY:… metadata): the sandbox gateway is DUMMY, which gives none"
	noGatewayRef    = "one set of gateway credentials: gateway_reference_id is null, as Juspay gives it without one (docs/API.md)"
	noOffers        = "no offers are served: Juspay leaves offer_deduction_amount out when none applied (its refund sample)"
	paymentPageOnly = "set by Juspay's Payment Page session and SDK (payment_page_client_id, its SDK payload, merchant_payload, txn metadata microapp and payment_channel): nothing here sets them"
	unpublished     = "FILTERED in every sample: Juspay does not publish its values, so none is made up"
	mandateOnly     = "mandate only (action=enach with options.create_mandate=REQUIRED): mandates are not served, so the sample's request is refused and ours asks for a payment page without them"
)
