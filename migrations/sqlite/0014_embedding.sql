-- Where an organization's booking pages may be embedded and its public
-- booking API called from a browser: a JSON list of origins, NULL for any
-- site (the default).

ALTER TABLE organizations ADD COLUMN embed_origins TEXT;
