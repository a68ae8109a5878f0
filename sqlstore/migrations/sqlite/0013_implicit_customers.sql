-- Customers the service created itself: an order named a customer_id the
-- merchant never created, and a card was saved for it (Juspay's implicit
-- customer creation).
ALTER TABLE customers ADD COLUMN implicit INTEGER NOT NULL DEFAULT 0;
