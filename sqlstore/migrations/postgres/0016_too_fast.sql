-- A decision taken faster than a person can read the dialog (coft.MinDecisionTime
-- after it was shown) is flagged on its record, not refused.
ALTER TABLE consents ADD COLUMN too_fast BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE page_consents ADD COLUMN too_fast BOOLEAN NOT NULL DEFAULT false;
