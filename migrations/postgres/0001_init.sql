-- Kairos schema, PostgreSQL flavour. Instants are timestamptz (UTC); JSON columns hold text
-- so both backends share one body of SQL.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_organization ON users(organization_id);

CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    weekly TEXT NOT NULL,
    overrides TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX schedules_user ON schedules(user_id);

CREATE TABLE event_types (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    slug TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (owner_id, slug)
);

CREATE TABLE event_type_hosts (
    event_type_id TEXT NOT NULL REFERENCES event_types(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    priority INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (event_type_id, user_id)
);

CREATE TABLE busy_blocks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    ical TEXT,
    UNIQUE (user_id, source, external_id)
);
CREATE INDEX busy_blocks_user_time ON busy_blocks(user_id, start_at);

CREATE TABLE bookings (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    event_type_id TEXT NOT NULL REFERENCES event_types(id),
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL,
    invitee_name TEXT NOT NULL,
    invitee_email TEXT NOT NULL,
    invitee_timezone TEXT NOT NULL,
    answers TEXT NOT NULL,
    utm TEXT NOT NULL,
    cancel_reason TEXT,
    cancelled_by TEXT,
    rescheduled_from TEXT REFERENCES bookings(uid),
    rescheduled_to TEXT REFERENCES bookings(uid),
    manage_token_hash TEXT NOT NULL,
    idempotency_key TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (event_type_id, idempotency_key)
);
CREATE INDEX bookings_organization_start ON bookings(organization_id, start_at);

-- One row per host of a booking; `active` while the booking holds the host's time.
CREATE TABLE booking_hosts (
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    slot_key TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    PRIMARY KEY (booking_id, user_id)
);
CREATE INDEX booking_hosts_user_time ON booking_hosts(user_id, start_at);

CREATE TABLE booking_history (
    id TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX booking_history_booking ON booking_history(booking_id, at);

-- Double booking is impossible by construction: two time-holding rows of one host may
-- not overlap unless they are seats of the same group slot (same slot_key).
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_hosts ADD CONSTRAINT booking_hosts_no_overlap
    EXCLUDE USING gist (user_id WITH =, tstzrange(start_at, end_at) WITH &&, slot_key WITH <>)
    WHERE (active);
