-- One outbox for every effect: a job is a kind, a JSON payload, an optional
-- subject (a booking, for now the only kind of subject), an optional dedupe
-- key (an effect that must happen once is queued once) and a merge policy
-- ('latest_state': one waiting effect per subject and kind, which makes the
-- outside world match the subject as it is when it runs; 'never': every
-- effect runs on its own, as events do).
ALTER TABLE effects ALTER COLUMN booking_id DROP NOT NULL;
ALTER TABLE effects ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
ALTER TABLE effects ADD COLUMN dedupe_key TEXT;
ALTER TABLE effects ADD COLUMN merge_policy TEXT NOT NULL DEFAULT 'latest_state';
-- The calendar writes queued so far name their booking in the payload.
UPDATE effects SET payload = '{"booking":"' || b.uid || '"}'
    FROM bookings b WHERE b.id = effects.booking_id AND effects.kind = 'calendar_write';
ALTER TABLE effects ALTER COLUMN payload DROP DEFAULT;
ALTER TABLE effects ALTER COLUMN merge_policy DROP DEFAULT;
CREATE UNIQUE INDEX effects_dedupe ON effects(dedupe_key) WHERE dedupe_key IS NOT NULL;
