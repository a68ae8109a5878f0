-- Decisions taken in the consent dialog embedded in a merchant's page,
-- before the payment exists; /txns links one to its payment, once.
CREATE TABLE page_consents (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	order_id    TEXT NOT NULL,
	isin        TEXT NOT NULL,
	last4       TEXT NOT NULL,
	brand       TEXT NOT NULL,
	decision    INTEGER NOT NULL,
	text_id     TEXT NOT NULL,
	locale      TEXT NOT NULL,
	origin      TEXT NOT NULL,
	client_ip   TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT '',
	shown_at    TIMESTAMP,
	decided_at  TIMESTAMP NOT NULL,
	txn_uuid    TEXT NOT NULL DEFAULT ''
);
