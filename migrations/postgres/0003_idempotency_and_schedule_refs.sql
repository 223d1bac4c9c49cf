-- A replayed Idempotency-Key must carry the same request; event types name their
-- schedule in a column so a schedule in use cannot be deleted.
ALTER TABLE bookings ADD COLUMN request_hash TEXT;
ALTER TABLE event_types ADD COLUMN schedule_id TEXT REFERENCES schedules(id);
