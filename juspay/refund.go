package juspay

import "github.com/coftkit/coft"

// Refund is one refund in order status, as Juspay shows it: id is
// the unique_request_id (Juspay maps it there when the gateway gives no
// reference of its own), ref the gateway's id for the refund.
type Refund struct {
	ID              string      `json:"id"`
	Ref             *string     `json:"ref"`
	UniqueRequestID string      `json:"unique_request_id"`
	Amount          coft.Amount `json:"amount"`
	Status          string      `json:"status"`
	Created         string      `json:"created"`
	ErrorCode       *string     `json:"error_code"`
	ErrorMessage    string      `json:"error_message"`
	SentToGateway   bool        `json:"sent_to_gateway"`
	InitiatedBy     string      `json:"initiated_by"`
	RefundType      string      `json:"refund_type"`
	RefundSource    string      `json:"refund_source"`
	PGProcessedAt   string      `json:"pg_processed_at,omitempty"`
}

// Juspay's initiated_by: "API" for refunds the merchant asked for through
// the API, AUTO_REFUNDED for the service's own (the one-rupee check).
const (
	initiatedByAPI  = "API"
	initiatedByAuto = "AUTO_REFUNDED"
)

// refundTypeStandard is the only refund type served: to the card, through
// the gateway that charged it.
const refundTypeStandard = "STANDARD"

func initiatedBy(r *coft.Refund) string {
	if r.Auto {
		return initiatedByAuto
	}
	return initiatedByAPI
}

// Refunds shows an order's refunds and sums those that succeeded.
func (v Views) Refunds(rs []*coft.Refund) (views []Refund, refunded coft.Amount) {
	views = make([]Refund, len(rs))
	gw := v.Bank.Gateway()
	for i, r := range rs {
		rv := Refund{ID: r.UniqueRequestID, UniqueRequestID: r.UniqueRequestID, Amount: r.Amount,
			Status: r.Status, Created: Timestamp(r.CreatedAt), ErrorMessage: r.ErrorMessage,
			SentToGateway: r.Status != coft.RefundPending, InitiatedBy: initiatedBy(r),
			RefundType: refundTypeStandard, RefundSource: gw.Name}
		if r.GatewayRef != "" {
			rv.Ref = &r.GatewayRef
		}
		if r.Status != coft.RefundPending {
			rv.ErrorCode = &r.ErrorCode
		}
		if r.Status == coft.RefundSuccess {
			rv.PGProcessedAt = Timestamp(r.UpdatedAt)
			refunded += r.Amount
		}
		views[i] = rv
	}
	return views, refunded
}

// RefundObject is POST /refunds' answer: one refund, as Juspay's
// "Transaction ID based and Instant refund" API answers it.
type RefundObject struct {
	UniqueRequestID string      `json:"unique_request_id"`
	OrderID         string      `json:"order_id"`
	TxnID           string      `json:"txn_id"`
	Amount          coft.Amount `json:"amount"`
	Created         string      `json:"created"`
	Status          string      `json:"status"`
	SentToGateway   bool        `json:"sent_to_gateway"`
	InitiatedBy     string      `json:"initiated_by"`
	RefundType      string      `json:"refund_type"`
	RefundSource    string      `json:"refund_source"`
	Gateway         string      `json:"gateway"`
	// The gateway's answer: its id for the refund, response code and
	// message; null until it answers.
	EpgTxnID     *string `json:"epg_txn_id"`
	ResponseCode *string `json:"response_code"`
	ErrorMessage *string `json:"error_message"`
	// What the sandbox gateway does not give: a reference number other
	// than its refund id, the acquirer's reference (ARN) and the issuer's
	// authorization code for the refund. null, as Juspay gives them when
	// a gateway has none.
	ReferenceID     *Null `json:"reference_id"`
	RefundARN       *Null `json:"refund_arn"`
	AuthorizationID *Null `json:"authorization_id"`
}

// RefundObject is a refund as POST /refunds answers it, of payment t.
func (v Views) RefundObject(t *coft.Txn, rf *coft.Refund) *RefundObject {
	gw := v.Bank.Gateway()
	ro := &RefundObject{UniqueRequestID: rf.UniqueRequestID, OrderID: rf.OrderID, TxnID: t.ID, Amount: rf.Amount,
		Created: Timestamp(rf.CreatedAt), Status: rf.Status, SentToGateway: rf.Status != coft.RefundPending,
		InitiatedBy: initiatedBy(rf), RefundType: refundTypeStandard, RefundSource: gw.Name, Gateway: gw.Name}
	if rf.Status != coft.RefundPending {
		ro.ResponseCode, ro.ErrorMessage = &rf.ErrorCode, &rf.ErrorMessage
	}
	if rf.GatewayRef != "" {
		ro.EpgTxnID = &rf.GatewayRef
	}
	return ro
}

// RefundFields are what a refund request may carry. order_id repeats the
// path's (Juspay's .NET and PHP SDKs send it) or names the order (POST
// /order/refund); refund_type is accepted, and every refund of the
// sandbox's issuer is STANDARD.
var RefundFields = Fields{"order_id", "unique_request_id", "amount", "refund_type", "order_type", "metadata."}
