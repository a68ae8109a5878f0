-- Consent insight (coft.ConsentStats): the counts of consent dialogs by
-- merchant, day and month (in India, of the day the dialog was shown),
-- simulated or not, and value of each split (channel, language,
-- form_factor, card_brand, text_version; '' when not known), added to
-- from consent_outcomes (below) by the reconciler. grain is 'day' (period
-- 2026-03-10) or 'month' (period 2026-03): a period's stats read its whole
-- months' rows and the days around them. d00 to d53 are the time-to-decide histogram
-- (coft.DecideBuckets). Stats read a few thousand rows at most, however
-- many consents there were.
CREATE TABLE consent_stats (
	merchant_id TEXT NOT NULL,
	grain       TEXT NOT NULL,
	period      TEXT NOT NULL,
	simulated   BIGINT NOT NULL,
	split       TEXT NOT NULL,
	value       TEXT NOT NULL,
	accepted    BIGINT NOT NULL DEFAULT 0,
	declined    BIGINT NOT NULL DEFAULT 0,
	abandoned   BIGINT NOT NULL DEFAULT 0,
	too_fast    BIGINT NOT NULL DEFAULT 0,
	timed       BIGINT NOT NULL DEFAULT 0,
	d00         BIGINT NOT NULL DEFAULT 0,
	d01         BIGINT NOT NULL DEFAULT 0,
	d02         BIGINT NOT NULL DEFAULT 0,
	d03         BIGINT NOT NULL DEFAULT 0,
	d04         BIGINT NOT NULL DEFAULT 0,
	d05         BIGINT NOT NULL DEFAULT 0,
	d06         BIGINT NOT NULL DEFAULT 0,
	d07         BIGINT NOT NULL DEFAULT 0,
	d08         BIGINT NOT NULL DEFAULT 0,
	d09         BIGINT NOT NULL DEFAULT 0,
	d10         BIGINT NOT NULL DEFAULT 0,
	d11         BIGINT NOT NULL DEFAULT 0,
	d12         BIGINT NOT NULL DEFAULT 0,
	d13         BIGINT NOT NULL DEFAULT 0,
	d14         BIGINT NOT NULL DEFAULT 0,
	d15         BIGINT NOT NULL DEFAULT 0,
	d16         BIGINT NOT NULL DEFAULT 0,
	d17         BIGINT NOT NULL DEFAULT 0,
	d18         BIGINT NOT NULL DEFAULT 0,
	d19         BIGINT NOT NULL DEFAULT 0,
	d20         BIGINT NOT NULL DEFAULT 0,
	d21         BIGINT NOT NULL DEFAULT 0,
	d22         BIGINT NOT NULL DEFAULT 0,
	d23         BIGINT NOT NULL DEFAULT 0,
	d24         BIGINT NOT NULL DEFAULT 0,
	d25         BIGINT NOT NULL DEFAULT 0,
	d26         BIGINT NOT NULL DEFAULT 0,
	d27         BIGINT NOT NULL DEFAULT 0,
	d28         BIGINT NOT NULL DEFAULT 0,
	d29         BIGINT NOT NULL DEFAULT 0,
	d30         BIGINT NOT NULL DEFAULT 0,
	d31         BIGINT NOT NULL DEFAULT 0,
	d32         BIGINT NOT NULL DEFAULT 0,
	d33         BIGINT NOT NULL DEFAULT 0,
	d34         BIGINT NOT NULL DEFAULT 0,
	d35         BIGINT NOT NULL DEFAULT 0,
	d36         BIGINT NOT NULL DEFAULT 0,
	d37         BIGINT NOT NULL DEFAULT 0,
	d38         BIGINT NOT NULL DEFAULT 0,
	d39         BIGINT NOT NULL DEFAULT 0,
	d40         BIGINT NOT NULL DEFAULT 0,
	d41         BIGINT NOT NULL DEFAULT 0,
	d42         BIGINT NOT NULL DEFAULT 0,
	d43         BIGINT NOT NULL DEFAULT 0,
	d44         BIGINT NOT NULL DEFAULT 0,
	d45         BIGINT NOT NULL DEFAULT 0,
	d46         BIGINT NOT NULL DEFAULT 0,
	d47         BIGINT NOT NULL DEFAULT 0,
	d48         BIGINT NOT NULL DEFAULT 0,
	d49         BIGINT NOT NULL DEFAULT 0,
	d50         BIGINT NOT NULL DEFAULT 0,
	d51         BIGINT NOT NULL DEFAULT 0,
	d52         BIGINT NOT NULL DEFAULT 0,
	d53         BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (merchant_id, grain, period, simulated, split, value)
);
-- The dialogs ended since the last compaction: each write that ends one
-- inserts its row here, in its transaction (no counter row is updated
-- then, so a merchant's consents never queue on shared rows); the
-- reconciler adds them to consent_stats and deletes them, in one
-- transaction, every 30 seconds. Stats read both, in one snapshot.
CREATE TABLE consent_outcomes (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	merchant_id TEXT NOT NULL,
	shown_day   TEXT NOT NULL,
	simulated   BIGINT NOT NULL,
	channel     TEXT NOT NULL,
	language    TEXT NOT NULL,
	form_factor TEXT NOT NULL,
	brand       TEXT NOT NULL,
	text_id     TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	decide_ms   BIGINT,
	too_fast    BOOLEAN NOT NULL
);
CREATE INDEX consent_outcomes_merchant ON consent_outcomes (merchant_id, shown_day);
-- Work the store does once, in Go, after a migration (here: counting the
-- dialogs recorded before this table existed).
CREATE TABLE store_tasks (
	name TEXT PRIMARY KEY
);
INSERT INTO store_tasks (name) VALUES ('rebuild consent_stats');
