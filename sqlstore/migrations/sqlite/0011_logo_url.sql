-- The merchant's logo (an http(s) image URL) on its customer pages.
ALTER TABLE merchants ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
