-- One outbox for every effect: a job is a kind, a JSON payload, an optional
-- subject (a booking, for now the only kind of subject), an optional dedupe
-- key (an effect that must happen once is queued once) and a merge policy
-- ('latest_state': one waiting effect per subject and kind, which makes the
-- outside world match the subject as it is when it runs; 'never': every
-- effect runs on its own, as events do).
-- SQLite cannot drop NOT NULL in place: the table is rebuilt.
CREATE TABLE effects_outbox (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    booking_id TEXT REFERENCES bookings(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    dedupe_key TEXT,
    merge_policy TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at TEXT NOT NULL,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The calendar writes queued so far name their booking in the payload.
INSERT INTO effects_outbox (id, organization_id, kind, booking_id, payload, dedupe_key,
    merge_policy, status, attempts, run_at, lease_until, last_error, created_at, updated_at)
SELECT e.id, e.organization_id, e.kind, e.booking_id,
    CASE WHEN e.kind = 'calendar_write' THEN '{"booking":"' || b.uid || '"}' ELSE '{}' END,
    NULL, 'latest_state', e.status, e.attempts, e.run_at, e.lease_until, e.last_error,
    e.created_at, e.updated_at
FROM effects e LEFT JOIN bookings b ON b.id = e.booking_id;
DROP TABLE effects;
ALTER TABLE effects_outbox RENAME TO effects;
CREATE INDEX effects_due ON effects(status, run_at);
CREATE INDEX effects_booking ON effects(booking_id, kind);
CREATE UNIQUE INDEX effects_dedupe ON effects(dedupe_key) WHERE dedupe_key IS NOT NULL;
