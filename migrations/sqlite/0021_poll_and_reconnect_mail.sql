-- Poll and calendar emails (issue 12). Each poll invitation email carries a
-- link of its own to the participant's voting page: a second token beside
-- the one the admin received at creation, issued when the email is sent and
-- kept here only as a hash (no secret waits in the outbox).
CREATE TABLE poll_participant_links (
    token_hash TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES poll_participants(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX poll_participant_links_participant ON poll_participant_links(participant_id);
-- The link in a "reconnect your calendar" email: a random token kept as a
-- hash, good until it expires or the connection is connected again.
CREATE TABLE connection_reconnect_links (
    token_hash TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES calendar_connections(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX connection_reconnect_links_connection ON connection_reconnect_links(connection_id);
