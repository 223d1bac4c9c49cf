-- Workflows, text messages and surveys (issue 12).
-- Phone numbers for text messages, E.164.
ALTER TABLE bookings ADD COLUMN invitee_phone TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
-- A workflow: its definition as JSON, for one event type or (without one)
-- the whole organization.
CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    event_type_id TEXT REFERENCES event_types(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX workflows_organization ON workflows(organization_id);
-- What each workflow step did for each booking and recipient. No
-- reference to the workflow: the record outlives a workflow deleted since.
CREATE TABLE workflow_runs (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    workflow_id TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    on_trigger TEXT NOT NULL,
    step INTEGER NOT NULL,
    step_action TEXT NOT NULL,
    recipient TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'sent', 'failed', 'skipped', 'cancelled', 'moved')),
    detail TEXT,
    finished_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX workflow_runs_booking ON workflow_runs(booking_id);
-- Survey links sent after a meeting: the token only as a hash.
CREATE TABLE survey_links (
    token_hash TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX survey_links_booking ON survey_links(booking_id);
-- The invitee's answer to the survey: one per booking (answering again
-- replaces it).
CREATE TABLE booking_feedback (
    booking_id TEXT PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    comment TEXT,
    submitted_at TEXT NOT NULL
);
