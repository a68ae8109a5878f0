-- The gateway's answer to a refund: its response code (the message is
-- error_message) and its id for the refund.
ALTER TABLE refunds ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN gateway_ref TEXT NOT NULL DEFAULT '';
