-- Hosts in a pool before joined_at existed joined when their event type was made.
UPDATE event_type_hosts SET joined_at = (
    SELECT created_at FROM event_types WHERE event_types.id = event_type_hosts.event_type_id
) WHERE joined_at IS NULL;
