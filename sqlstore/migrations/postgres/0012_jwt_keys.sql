-- Key pairs of JWE+JWS authentication. Each key id pairs a merchant's
-- public key (it verifies the merchant's requests and encrypts the answers)
-- with a key pair of the service (requests are encrypted to it, answers
-- signed with it), whose private half is sealed by the locker.
CREATE TABLE jwt_keys (
	id                  TEXT PRIMARY KEY,
	merchant_id         TEXT NOT NULL REFERENCES merchants (id),
	merchant_public_key TEXT NOT NULL,
	service_public_key  TEXT NOT NULL,
	service_key_sealed  BYTEA NOT NULL,
	service_key_locker  TEXT NOT NULL,
	created_at          TIMESTAMP NOT NULL,
	revoked_at          TIMESTAMP
);
CREATE INDEX jwt_keys_merchant ON jwt_keys (merchant_id);
