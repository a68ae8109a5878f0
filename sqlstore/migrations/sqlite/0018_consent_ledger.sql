-- The consent ledger (coft.LedgerRecord): one append-only hash chain per
-- merchant of every consent decision and withdrawal. The service only
-- inserts into ledger_entries and ledger_checkpoints; ledger_heads holds
-- each chain's last entry, its row locked by whoever appends.
CREATE TABLE ledger_entries (
	merchant_id TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	record      TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	PRIMARY KEY (merchant_id, seq)
);
CREATE INDEX ledger_entries_created ON ledger_entries (merchant_id, created_at);
CREATE TABLE ledger_heads (
	merchant_id TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	hash        TEXT NOT NULL
);
-- Ed25519 keys that sign checkpoints; the private half sealed by the locker.
CREATE TABLE ledger_keys (
	id             TEXT PRIMARY KEY,
	public_key     BLOB NOT NULL,
	private_sealed BLOB NOT NULL,
	locker_key     TEXT NOT NULL,
	created_at     TIMESTAMP NOT NULL,
	retired_at     TIMESTAMP
);
CREATE TABLE ledger_checkpoints (
	merchant_id TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	hash        TEXT NOT NULL,
	key_id      TEXT NOT NULL REFERENCES ledger_keys (id),
	signed_at   TIMESTAMP NOT NULL,
	signature   BLOB NOT NULL,
	PRIMARY KEY (merchant_id, seq)
);
