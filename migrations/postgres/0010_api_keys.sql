-- API keys an operator can manage: when each was last used (updated at most
-- once a minute, not on every request), and revocation (a revoked key stays
-- listed, answers 401). `prefix` is the key's first characters, enough to
-- tell keys apart in a listing without revealing them.

ALTER TABLE api_keys ADD COLUMN prefix TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN revoked_at TIMESTAMPTZ;
CREATE INDEX api_keys_organization ON api_keys (organization_id, created_at);
