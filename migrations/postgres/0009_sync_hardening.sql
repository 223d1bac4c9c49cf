-- Sync hardening: a reconnected connection's host counts as stale until the
-- first sync after the reconnect ends; an event Kairos wrote that the host
-- moved or stretched in their calendar keeps its time there.

ALTER TABLE calendar_connections ADD COLUMN awaiting_sync BOOLEAN NOT NULL DEFAULT FALSE;

-- The event's time in the host's calendar, where it differs from the booking's.
ALTER TABLE booking_events ADD COLUMN host_start TIMESTAMPTZ;
ALTER TABLE booking_events ADD COLUMN host_end TIMESTAMPTZ;
