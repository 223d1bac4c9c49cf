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
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    -- Why these hosts (round robin): the booking that consumes the hold keeps it.
    assignment_reason TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX slot_holds_expiry ON slot_holds(expires_at);

-- One row per host a hold blocks (round robin: the host chosen at hold time;
-- collective: every chosen host; a group seat: the host, sharing the group
-- slot's key with its bookings and other seat holds).
CREATE TABLE slot_hold_hosts (
    hold_id TEXT NOT NULL REFERENCES slot_holds(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    slot_key TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hold_id, user_id)
);
CREATE INDEX slot_hold_hosts_user_time ON slot_hold_hosts(user_id, start_at);

-- Two visitors never hold the same time of a host, whatever the code does
-- (the booking transaction's advisory locks and check come first; this is
-- the backstop, as booking_hosts_no_overlap is for bookings). Expiry cannot
-- be part of the predicate (it depends on the clock): creating a hold first
-- deletes its hosts' expired holds, under the same locks.
ALTER TABLE slot_hold_hosts ADD CONSTRAINT slot_hold_hosts_no_overlap
    EXCLUDE USING gist (user_id WITH =, tstzrange(start_at, end_at) WITH &&, slot_key WITH <>);

-- Holds change availability: other processes drop their cached slots. Per
-- row, so a sweep that finds nothing to delete announces nothing.
CREATE TRIGGER slot_hold_hosts_changed AFTER INSERT OR UPDATE OR DELETE ON slot_hold_hosts
    FOR EACH ROW EXECUTE FUNCTION kairos_notify_change();
