-- Each host's private iCalendar feed of their bookings (issue 12): the URL
-- carries a random token, kept here only as a hash; rotating replaces it.
ALTER TABLE users ADD COLUMN feed_token_hash TEXT;
CREATE UNIQUE INDEX users_feed_token ON users(feed_token_hash) WHERE feed_token_hash IS NOT NULL;
