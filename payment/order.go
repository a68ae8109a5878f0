package payment

import (
	"context"
	"strings"

	"github.com/coftkit/coft"
)

// CreateOrder stores a new order. A customer_id the merchant never
// created is kept as given: the customer is created when a card is first
// saved for it. A cst_… id, though, is one this service issued: it must
// name one of the merchant's customers.
func (s *Service) CreateOrder(ctx context.Context, o *coft.Order) error {
	if err := s.checkOrderCustomer(ctx, o, "customer_id"); err != nil {
		return err
	}
	return s.Store.CreateOrder(ctx, o)
}

// checkOrderCustomer refuses a cst_… customer_id that is not one of the
// merchant's customers; field names it in the error.
func (s *Service) checkOrderCustomer(ctx context.Context, o *coft.Order, field string) error {
	if !strings.HasPrefix(o.CustomerID, "cst_") {
		return nil
	}
	if _, err := s.Store.FindCustomer(ctx, o.MerchantID, o.CustomerID); coft.ErrorCode(err) == coft.ENOTFOUND {
		return coft.FieldError(coft.EINVALID, field, "customer_id does not name a customer of this merchant.")
	} else if err != nil {
		return err
	}
	return nil
}
