-- One-off links: hand-picked times, or a single-use link to an event type.
CREATE TABLE one_off_links (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    event_type_id TEXT NOT NULL REFERENCES event_types(id),
    token_hash TEXT NOT NULL UNIQUE,
    times TEXT,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    used_booking TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX one_off_links_organization ON one_off_links(organization_id, created_at);
