//! Calendar providers. CalDAV first: discovery, reading and incremental sync
//! (connections, storage of synced events, push and writes come next).

pub mod caldav;
