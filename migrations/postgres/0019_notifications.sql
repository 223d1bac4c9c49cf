-- Notifications (issue 12). Invitations must update in place in the
-- invitee's calendar: one iCalendar UID for a booking and every booking that
-- reschedules it, and a SEQUENCE raised on each change.
ALTER TABLE bookings ADD COLUMN ical_uid TEXT;
ALTER TABLE bookings ADD COLUMN ical_sequence INTEGER NOT NULL DEFAULT 0;
-- The language the invitee booked in (their emails are written in it).
ALTER TABLE bookings ADD COLUMN invitee_language TEXT;
-- The language a host's emails are written in.
ALTER TABLE users ADD COLUMN language TEXT;
-- Links sent by email (a manage link in a reminder, a host's approve and
-- reject link): each email gets its own token, kept here only as a hash,
-- so no raw secret waits in the outbox or the database.
CREATE TABLE booking_links (
    token_hash TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('manage', 'approve')),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX booking_links_booking ON booking_links(booking_id);
