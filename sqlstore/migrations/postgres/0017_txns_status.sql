-- Payments by status and age: the reconciler finds the ones their
-- customers abandoned (PENDING_VBV past the authentication window) without
-- reading every payment.
CREATE INDEX txns_status ON txns (status, created_at);
