-- Teams: a named page (`/team/{slug}`) grouping an organization's team event
-- types (round robin, collective). Slugs are unique across the server, like
-- users', since they appear in public links. An event type names its team;
-- within a team, event type slugs are unique (`/team/{team}/{event}`).

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX teams_organization ON teams (organization_id, slug);

ALTER TABLE event_types ADD COLUMN team_id TEXT REFERENCES teams(id);
CREATE UNIQUE INDEX event_types_team_slug ON event_types (team_id, slug) WHERE team_id IS NOT NULL;
