CREATE TABLE merchants (
	id                   TEXT PRIMARY KEY,
	name                 TEXT NOT NULL DEFAULT '',
	api_key_hash         BYTEA NOT NULL UNIQUE,
	response_key         TEXT NOT NULL,
	tokenization_enabled BOOLEAN NOT NULL,
	hosted_consent       BOOLEAN NOT NULL,
	return_url           TEXT NOT NULL DEFAULT '',
	webhook_url          TEXT NOT NULL DEFAULT '',
	webhook_username     TEXT NOT NULL DEFAULT '',
	webhook_password     TEXT NOT NULL DEFAULT '',
	created_at           TIMESTAMPTZ NOT NULL,
	updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
	id                  TEXT PRIMARY KEY,
	merchant_id         TEXT NOT NULL REFERENCES merchants (id),
	object_reference_id TEXT,
	mobile_number       TEXT NOT NULL DEFAULT '',
	mobile_country_code TEXT NOT NULL DEFAULT '',
	email_address       TEXT NOT NULL DEFAULT '',
	first_name          TEXT NOT NULL DEFAULT '',
	last_name           TEXT NOT NULL DEFAULT '',
	created_at          TIMESTAMPTZ NOT NULL,
	updated_at          TIMESTAMPTZ NOT NULL,
	UNIQUE (merchant_id, object_reference_id)
);

CREATE TABLE orders (
	id             TEXT PRIMARY KEY,
	merchant_id    TEXT NOT NULL REFERENCES merchants (id),
	order_id       TEXT NOT NULL,
	amount         BIGINT NOT NULL,
	currency       TEXT NOT NULL,
	status         TEXT NOT NULL,
	customer_id    TEXT NOT NULL DEFAULT '',
	customer_email TEXT NOT NULL DEFAULT '',
	customer_phone TEXT NOT NULL DEFAULT '',
	return_url     TEXT NOT NULL DEFAULT '',
	webhook_url    TEXT NOT NULL DEFAULT '',
	description    TEXT NOT NULL DEFAULT '',
	product_id     TEXT NOT NULL DEFAULT '',
	details        TEXT NOT NULL DEFAULT '{}',
	created_at     TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL,
	UNIQUE (merchant_id, order_id)
);

CREATE TABLE cards (
	reference      TEXT PRIMARY KEY,
	merchant_id    TEXT NOT NULL REFERENCES merchants (id),
	customer_id    TEXT NOT NULL REFERENCES customers (id),
	fingerprint    TEXT NOT NULL,
	isin           TEXT NOT NULL,
	last4          TEXT NOT NULL,
	exp_month      TEXT NOT NULL,
	exp_year       TEXT NOT NULL,
	name_on_card   TEXT NOT NULL DEFAULT '',
	nickname       TEXT NOT NULL DEFAULT '',
	brand          TEXT NOT NULL,
	card_type      TEXT NOT NULL DEFAULT '',
	sub_type       TEXT NOT NULL DEFAULT '',
	issuer         TEXT NOT NULL DEFAULT '',
	bank_code      TEXT NOT NULL DEFAULT '',
	issuer_country TEXT NOT NULL DEFAULT '',
	issuer_tokenizes BOOLEAN NOT NULL,
	pan_ciphertext BYTEA NOT NULL,
	key_id         TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL,
	UNIQUE (merchant_id, customer_id, fingerprint)
);
CREATE INDEX cards_customer ON cards (merchant_id, customer_id, created_at);

CREATE TABLE network_tokens (
	card_reference TEXT PRIMARY KEY REFERENCES cards (reference) ON DELETE CASCADE,
	reference      TEXT NOT NULL UNIQUE,
	last4          TEXT NOT NULL DEFAULT '',
	isin           TEXT NOT NULL DEFAULT '',
	exp_month      TEXT NOT NULL DEFAULT '',
	exp_year       TEXT NOT NULL DEFAULT '',
	par            TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL,
	provider       TEXT NOT NULL DEFAULT '',
	ciphertext     BYTEA,
	key_id         TEXT NOT NULL DEFAULT '',
	created_at     TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL
);
