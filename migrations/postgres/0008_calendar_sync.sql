-- Calendar sync: a host's connections to Google, Microsoft or CalDAV, the
-- calendars of each, the busy time synced from them, the events Kairos wrote
-- for bookings, and the durable queue of effects that follow a booking.

CREATE TABLE calendar_connections (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    -- CalDAV: the server; OAuth providers: '' (one API).
    server_url TEXT NOT NULL,
    -- Sealed with the key ring (AES-256-GCM, key id inside, the row id as associated data).
    credentials TEXT NOT NULL,
    status TEXT NOT NULL,
    last_synced_at TIMESTAMPTZ,
    last_error TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_sync_at TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, provider, server_url, account)
);
CREATE INDEX calendar_connections_due ON calendar_connections(next_sync_at);

CREATE TABLE connection_calendars (
    id TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES calendar_connections(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    is_primary BOOLEAN NOT NULL,
    check_conflicts BOOLEAN NOT NULL,
    is_destination BOOLEAN NOT NULL,
    sync_token TEXT,
    last_synced_at TIMESTAMPTZ,
    -- Push: the provider's channel (Google) or subscription (Graph), while one is open.
    push_id TEXT UNIQUE,
    push_resource TEXT,
    push_token TEXT,
    push_expires_at TIMESTAMPTZ,
    UNIQUE (connection_id, external_id)
);

ALTER TABLE busy_blocks ADD COLUMN calendar_id TEXT REFERENCES connection_calendars(id) ON DELETE CASCADE;
-- Rows of one recurring series (its master and its exceptions) share a series key.
ALTER TABLE busy_blocks ADD COLUMN series TEXT;
CREATE INDEX busy_blocks_calendar ON busy_blocks(calendar_id);

-- Events Kairos wrote for a booking, one per host: where, so a reschedule moves
-- it and a cancellation removes it even if the destination changed since.
CREATE TABLE booking_events (
    booking_uid TEXT NOT NULL REFERENCES bookings(uid) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    connection_id TEXT NOT NULL REFERENCES calendar_connections(id) ON DELETE CASCADE,
    calendar_external_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (booking_uid, user_id)
);

CREATE TABLE effects (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX effects_due ON effects(status, run_at);
CREATE INDEX effects_booking ON effects(booking_id, kind);

-- A connection that needs reconnecting changes availability (its host shows
-- no slots from stale data), so other processes must drop cached slots.
-- Only a change of status matters: every sync rewrites the row, and announcing
-- each would keep every process's slot cache cold.
CREATE TRIGGER calendar_connections_added AFTER INSERT OR DELETE ON calendar_connections
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER calendar_connections_status AFTER UPDATE ON calendar_connections
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION kairos_notify_change();

-- An OAuth authorization in flight: the state handed to the provider (hashed)
-- and the PKCE verifier (sealed), until the provider redirects back.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT,
    expires_at TIMESTAMPTZ NOT NULL
);
