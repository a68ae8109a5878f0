-- The attempt an order reports (the charged one, else the latest), kept by
-- every change of an attempt, so order status reads it without a search.
ALTER TABLE orders ADD COLUMN txn_uuid TEXT NOT NULL DEFAULT '';
