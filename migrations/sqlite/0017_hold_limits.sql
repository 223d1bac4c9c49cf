-- Caps on how many live slot holds one visitor keeps (per event type and
-- overall), so a script cannot hold every free time of a host. Each hold
-- records who took it as a key derived from the visitor's address (a hash,
-- never the address); holds without one (taken in-process) are not capped.
ALTER TABLE slot_holds ADD COLUMN client_key TEXT;
CREATE INDEX slot_holds_client ON slot_holds(client_key, expires_at)
    WHERE client_key IS NOT NULL;
