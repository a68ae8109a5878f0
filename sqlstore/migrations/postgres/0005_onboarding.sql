-- A merchant's or sub-merchant's (associate's) onboarding with the card
-- networks for one flow (COFT or ALT_ID), and each network's answer.
CREATE TABLE onboardings (
	merchant_id       TEXT NOT NULL REFERENCES merchants (id),
	associate_id      TEXT NOT NULL,
	flow              TEXT NOT NULL,
	test_mode         BOOLEAN NOT NULL,
	legal_name        TEXT NOT NULL,
	trade_name        TEXT NOT NULL,
	website_url       TEXT NOT NULL,
	contact_email     TEXT NOT NULL DEFAULT '',
	business_id_type  TEXT NOT NULL,
	business_id_value TEXT NOT NULL,
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL,
	PRIMARY KEY (merchant_id, associate_id, flow)
);

CREATE TABLE onboarding_networks (
	merchant_id  TEXT NOT NULL,
	associate_id TEXT NOT NULL,
	flow         TEXT NOT NULL,
	network      TEXT NOT NULL,
	status       TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	updated_at   TIMESTAMP NOT NULL,
	PRIMARY KEY (merchant_id, associate_id, flow, network),
	FOREIGN KEY (merchant_id, associate_id, flow) REFERENCES onboardings (merchant_id, associate_id, flow)
);
CREATE INDEX onboarding_networks_pending ON onboarding_networks (status, updated_at);
