-- The origins a merchant's return URLs may point to (space-separated), besides
-- its default return URL's own.
ALTER TABLE merchants ADD COLUMN return_origins TEXT NOT NULL DEFAULT '';
