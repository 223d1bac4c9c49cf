-- An idempotent replay answers like the first request, manage link included:
-- the manage token is kept sealed under a key derived from the client's
-- Idempotency-Key (never in clear), and new rows store the key only hashed.
ALTER TABLE bookings ADD COLUMN manage_token_sealed TEXT;
