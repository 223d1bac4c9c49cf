-- Slot holds: a visitor who chose a time holds it for a few minutes (the event
-- type's hold_minutes) while they fill in the form. A hold blocks its hosts'
-- time like a booking does until it expires; nothing needs to delete it for
-- that (queries compare expires_at with the clock), a sweep only tidies up.
-- The token is a secret shown once to the visitor: only its hash is kept.
CREATE TABLE slot_holds (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    event_type_id TEXT NOT NULL REFERENCES event_types(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    -- Why these hosts (round robin): the booking that consumes the hold keeps it.
    assignment_reason TEXT,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX slot_holds_expiry ON slot_holds(expires_at);

-- One row per host a hold blocks (round robin: the host chosen at hold time;
-- collective: every chosen host; a group seat: the host, sharing the group
-- slot's key with its bookings and other seat holds).
CREATE TABLE slot_hold_hosts (
    hold_id TEXT NOT NULL REFERENCES slot_holds(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    slot_key TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (hold_id, user_id)
);
CREATE INDEX slot_hold_hosts_user_time ON slot_hold_hosts(user_id, start_at);
