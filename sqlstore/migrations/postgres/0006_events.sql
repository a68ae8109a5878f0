-- The webhook outbox: an event row is written in the same transaction as
-- the change that causes it; a worker delivers it, at least once.
CREATE TABLE events (
	id               TEXT PRIMARY KEY,
	merchant_id      TEXT NOT NULL,
	name             TEXT NOT NULL,
	order_id         TEXT NOT NULL DEFAULT '',
	txn_uuid         TEXT NOT NULL DEFAULT '',
	customer_id      TEXT NOT NULL DEFAULT '',
	card_reference   TEXT NOT NULL DEFAULT '',
	token_reference  TEXT NOT NULL DEFAULT '',
	token_status     TEXT NOT NULL DEFAULT '',
	token_last4      TEXT NOT NULL DEFAULT '',
	token_isin       TEXT NOT NULL DEFAULT '',
	token_exp_month  TEXT NOT NULL DEFAULT '',
	token_exp_year   TEXT NOT NULL DEFAULT '',
	token_par        TEXT NOT NULL DEFAULT '',
	token_provider   TEXT NOT NULL DEFAULT '',
	body             BYTEA,
	status           TEXT NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  TIMESTAMP NOT NULL,
	claimed_until    TIMESTAMP,
	last_error       TEXT NOT NULL DEFAULT '',
	created_at       TIMESTAMP NOT NULL,
	delivered_at     TIMESTAMP
);
CREATE INDEX events_due ON events (status, next_attempt_at);
CREATE INDEX events_merchant ON events (merchant_id, created_at);
CREATE INDEX events_order ON events (merchant_id, order_id, created_at);

CREATE TABLE event_attempts (
	event_id    TEXT NOT NULL REFERENCES events (id),
	n           INTEGER NOT NULL,
	at          TIMESTAMP NOT NULL,
	url         TEXT NOT NULL,
	http_status INTEGER NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL,
	PRIMARY KEY (event_id, n)
);
