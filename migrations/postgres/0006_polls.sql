-- Meeting polls. A poll books through its own hidden event type; the booking
-- lists every participant who did not vote no as an attendee.
CREATE TABLE polls (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    host_id TEXT NOT NULL REFERENCES users(id),
    event_type_id TEXT NOT NULL REFERENCES event_types(id),
    body TEXT NOT NULL,
    open_token_hash TEXT UNIQUE,
    status TEXT NOT NULL,
    chosen_option BIGINT,
    booking_uid TEXT,
    deadline_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX polls_due ON polls(status, deadline_at);

CREATE TABLE poll_participants (
    id TEXT PRIMARY KEY,
    poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    votes TEXT NOT NULL,
    comment TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (poll_id, email)
);

ALTER TABLE bookings ADD COLUMN attendees TEXT;
