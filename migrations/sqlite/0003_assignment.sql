-- Round robin: when each host joined an event type's pool (fair share counts from
-- then), and why a booking went to its host(s).
ALTER TABLE event_type_hosts ADD COLUMN joined_at TEXT;
ALTER TABLE bookings ADD COLUMN assignment_reason TEXT;
CREATE INDEX bookings_event_type_created ON bookings(event_type_id, created_at);
