-- Set once a charged payment's card has been saved and tokenized as its
-- consent said: a charged payment without it was interrupted, and is
-- finished by the service's reconciler.
ALTER TABLE txns ADD COLUMN card_done BOOLEAN NOT NULL DEFAULT FALSE;
