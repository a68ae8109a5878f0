-- Origins allowed to frame the merchant's customer pages (iframe
-- checkout), space-separated; empty: no framing.
ALTER TABLE merchants ADD COLUMN frame_origins TEXT NOT NULL DEFAULT '';
