-- A ledger entry's customer (its record holds it too), so that a customer's
-- consent history is read by index.
ALTER TABLE ledger_entries ADD COLUMN customer_id TEXT NOT NULL DEFAULT '';
CREATE INDEX ledger_entries_customer ON ledger_entries (merchant_id, customer_id, seq);
