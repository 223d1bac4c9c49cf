-- Where an organization's booking pages may be embedded and its public
-- booking API called from a browser: a JSON list of origins, NULL for any
-- site (the default). Read on every cross-site request through a cache, so
-- a change is announced like every other change that alters what the public
-- API answers.

ALTER TABLE organizations ADD COLUMN embed_origins TEXT;

CREATE TRIGGER organizations_changed AFTER UPDATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
