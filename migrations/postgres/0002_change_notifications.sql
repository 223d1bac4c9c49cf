-- Every change to what availability is computed from is announced on the
-- `kairos_changes` channel, so each Kairos process can drop its cached slots
-- whichever process (or tool) made the change.
CREATE FUNCTION kairos_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kairos_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER schedules_changed AFTER INSERT OR UPDATE OR DELETE ON schedules
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER event_types_changed AFTER INSERT OR UPDATE OR DELETE ON event_types
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER event_type_hosts_changed AFTER INSERT OR UPDATE OR DELETE ON event_type_hosts
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER busy_blocks_changed AFTER INSERT OR UPDATE OR DELETE ON busy_blocks
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
CREATE TRIGGER booking_hosts_changed AFTER INSERT OR UPDATE OR DELETE ON booking_hosts
    FOR EACH STATEMENT EXECUTE FUNCTION kairos_notify_change();
