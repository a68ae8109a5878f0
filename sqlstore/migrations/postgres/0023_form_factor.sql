-- The form factor a consent decision was taken on (mobile-portrait,
-- mobile-landscape, desktop) and where it came from (dialog: measured by
-- the dialog's script; hints: the request's client hints and user agent).
-- Decisions recorded before have neither.
ALTER TABLE consents ADD COLUMN form_factor TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN form_factor_source TEXT NOT NULL DEFAULT '';
ALTER TABLE page_consents ADD COLUMN form_factor TEXT NOT NULL DEFAULT '';
ALTER TABLE page_consents ADD COLUMN form_factor_source TEXT NOT NULL DEFAULT '';
