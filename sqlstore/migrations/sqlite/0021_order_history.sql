-- The console's order page (coft.OrderHistory): the decisions taken in a
-- merchant's page for an order, and the events of a network token (its
-- lifecycle, told on the page of the order that created it). Order events
-- have no token: the index holds token events only.
CREATE INDEX page_consents_order ON page_consents (merchant_id, order_id);
CREATE INDEX events_token ON events (merchant_id, token_reference, created_at) WHERE token_reference <> '';
