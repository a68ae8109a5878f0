-- The merchant console: its users (coft.User), their signed-in sessions
-- (only the SHA-256 of a session's id is kept), the settings' audit log,
-- and the per-merchant TOTP requirement.
CREATE TABLE users (
	id               TEXT PRIMARY KEY,
	merchant_id      TEXT NOT NULL REFERENCES merchants (id),
	email            TEXT NOT NULL UNIQUE,
	role             TEXT NOT NULL,
	password_hash    TEXT NOT NULL DEFAULT '',
	totp_secret      TEXT NOT NULL DEFAULT '',
	totp_last_step   INTEGER NOT NULL DEFAULT 0,
	setup_token_hash TEXT NOT NULL DEFAULT '',
	setup_expires_at TIMESTAMP,
	failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
	locked_until     TIMESTAMP,
	last_sign_in_at  TIMESTAMP,
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX users_merchant ON users (merchant_id, email);
CREATE INDEX users_setup ON users (setup_token_hash);

CREATE TABLE console_sessions (
	id_hash      TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	merchant_id  TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

CREATE TABLE audit_log (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	actor       TEXT NOT NULL,
	setting     TEXT NOT NULL,
	old_value   TEXT NOT NULL,
	new_value   TEXT NOT NULL,
	at          TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_merchant ON audit_log (merchant_id, at);

ALTER TABLE merchants ADD COLUMN require_totp INTEGER NOT NULL DEFAULT 0;

-- The console's orders list: newest first, by status or customer.
CREATE INDEX orders_created ON orders (merchant_id, created_at, id);
CREATE INDEX orders_status ON orders (merchant_id, status, created_at, id);
CREATE INDEX orders_customer ON orders (merchant_id, customer_id, created_at, id);
