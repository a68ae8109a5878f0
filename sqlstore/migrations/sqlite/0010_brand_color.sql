-- The merchant's brand colour (#rrggbb) for its customer pages; empty:
-- the service's own.
ALTER TABLE merchants ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
