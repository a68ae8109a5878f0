-- Refunds of charged orders, and customers' withdrawals of consent (a
-- card removed, its token de-registered).
CREATE TABLE refunds (
	id                TEXT PRIMARY KEY,
	merchant_id       TEXT NOT NULL REFERENCES merchants (id),
	order_id          TEXT NOT NULL,
	unique_request_id TEXT NOT NULL,
	amount            INTEGER NOT NULL,
	status            TEXT NOT NULL,
	auto              INTEGER NOT NULL,
	error_message     TEXT NOT NULL DEFAULT '',
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL,
	UNIQUE (merchant_id, order_id, unique_request_id)
);

CREATE TABLE withdrawals (
	id              TEXT PRIMARY KEY,
	merchant_id     TEXT NOT NULL REFERENCES merchants (id),
	customer_id     TEXT NOT NULL,
	card_reference  TEXT NOT NULL,
	token_reference TEXT NOT NULL DEFAULT '',
	fingerprint     TEXT NOT NULL,
	channel         TEXT NOT NULL,
	client_ip       TEXT NOT NULL DEFAULT '',
	user_agent      TEXT NOT NULL DEFAULT '',
	at              TIMESTAMP NOT NULL
);
CREATE INDEX withdrawals_customer ON withdrawals (merchant_id, customer_id, at);
