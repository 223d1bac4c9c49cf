//! The interface for calendar sync's persistence: connections, their
//! calendars, synced busy time, push channels, OAuth states and the events
//! written for bookings. Implemented for both databases in `sql/`.

use super::{
    BookingEvent, CalendarDelta, ConnectionAccess, NewConnection, OAuthState, PushChannel,
    ReconnectLink, RemoteCalendar, Result, SyncOutcome,
};
use crate::domain::{CalendarChoice, Connection};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Adds a connection, or renews the credentials of the same account
    /// (a reconnect), which makes it active and due for sync. Returns its id.
    /// A host stale before (needing reconnect, or never synced yet with a
    /// failure) stays stale, `awaiting_sync`, until the next sync ends: what
    /// the connection holds is from before the credentials failed.
    async fn upsert_connection(&self, new: &NewConnection, now: DateTime<Utc>) -> Result<String>;
    async fn connections(
        &self,
        organization_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<Connection>>;
    async fn connection(&self, organization_id: &str, id: &str) -> Result<Connection>;
    /// A connection with its sealed credentials and sync tokens (for workers).
    async fn connection_access(&self, id: &str) -> Result<ConnectionAccess>;
    /// Removes a connection with its calendars and synced busy time.
    async fn delete_connection(&self, organization_id: &str, id: &str) -> Result<()>;
    async fn set_credentials(&self, id: &str, sealed: &str) -> Result<()>;
    /// Records the calendars a provider lists: names refreshed, vanished
    /// ones (and their busy time) dropped; an empty listing changes nothing.
    /// On the first listing the primary calendar counts for conflicts, and
    /// receives bookings unless the host already has a destination.
    async fn save_calendars(&self, connection_id: &str, calendars: &[RemoteCalendar])
    -> Result<()>;
    /// Applies a choice of conflict and destination calendars; a calendar no
    /// longer checked loses its busy time, a newly checked one is synced next.
    async fn choose_calendars(
        &self,
        organization_id: &str,
        connection_id: &str,
        choice: &CalendarChoice,
        now: DateTime<Utc>,
    ) -> Result<Connection>;
    /// Takes up to `limit` connections due for sync, leased until `lease_until`.
    async fn claim_due_connections(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<String>>;
    /// Stores what a sync of one calendar found, in one transaction. False
    /// when the calendar is no longer checked (the result is dropped).
    async fn apply_delta(
        &self,
        calendar_id: &str,
        delta: &CalendarDelta,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Records how a sync ended, if the sync still holds its lease
    /// (`lease_until` as claimed): a reconnect or a takeover meanwhile wins.
    async fn finish_sync(
        &self,
        id: &str,
        lease_until: DateTime<Utc>,
        outcome: &SyncOutcome,
    ) -> Result<()> {
        self.finish_sync_with(id, lease_until, outcome, &[]).await
    }
    /// [`CalendarStore::finish_sync`] that also queues `effects` (the host's
    /// "reconnect" email) in the same transaction, if the outcome is recorded.
    async fn finish_sync_with(
        &self,
        id: &str,
        lease_until: DateTime<Utc>,
        outcome: &SyncOutcome,
        effects: &[crate::domain::NewEffect],
    ) -> Result<()>;
    /// Keeps the hash of a reconnect link's token (a "reconnect" email's).
    async fn add_reconnect_link(
        &self,
        connection_id: &str,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// A reconnect link by its token's hash (expired and used ones too).
    async fn reconnect_link(&self, token_hash: &str) -> Result<Option<ReconnectLink>>;
    /// Gives back a connection claimed until `lease_until` whose sync was cut
    /// short (shutdown): due again at `now` instead of after the lease.
    async fn release_connection(
        &self,
        id: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Makes a connection due at `at` (a push notification, or a request),
    /// even while a sync of it is running.
    async fn request_sync(&self, id: &str, at: DateTime<Utc>) -> Result<()>;
    /// Records (or forgets) a calendar's push channel.
    async fn set_push(&self, calendar_id: &str, channel: Option<&PushChannel>) -> Result<()>;
    /// Forgets push channel `push_id` wherever it is recorded (its provider
    /// dropped it): the push worker opens a new one.
    async fn forget_push(&self, push_id: &str) -> Result<()>;
    /// The connection a push channel belongs to, with the channel's token.
    async fn push_target(&self, push_id: &str) -> Result<Option<(String, String)>>;
    /// `(connection id, calendar id)` of checked calendars of healthy OAuth
    /// connections without a push channel, or whose channel expires before `before`.
    async fn push_due(&self, before: DateTime<Utc>) -> Result<Vec<(String, String)>>;
    async fn insert_oauth_state(&self, state_hash: &str, state: &OAuthState) -> Result<()>;
    /// Takes (and removes) an OAuth state; expired ones are gone.
    async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthState>>;
    /// The destination of a host's bookings: `(connection id, calendar external id)`.
    async fn destination(&self, user_id: &str) -> Result<Option<(String, String)>>;
    /// How many connections are in each status (for /metrics).
    async fn connection_counts(&self) -> Result<Vec<(String, i64)>>;
    /// Every event Kairos wrote into this host's calendars: `(event id, booking uid)`.
    async fn written_events(&self, user_id: &str) -> Result<Vec<(String, String)>>;
    /// Records what the host made of a written event in their calendar: its
    /// busy span where that differs from the booking's time, else `None`.
    /// Nothing happens if the record moved on (another event or booking).
    async fn record_host_change(
        &self,
        booking_uid: &str,
        user_id: &str,
        event_id: &str,
        change: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()>;
    /// Makes the calendar writes of this connection's host due again (after
    /// a reconnect): pending ones now, and the last failed one of each
    /// booking that has no pending one. Returns how many.
    async fn requeue_writes(&self, connection_id: &str, now: DateTime<Utc>) -> Result<u64>;
    /// Events written for a booking (by its uid), one per host.
    async fn booking_events(&self, booking_uid: &str) -> Result<Vec<BookingEvent>>;
    async fn save_booking_event(&self, event: &BookingEvent) -> Result<()>;
    /// Forgets a written event; false when there was none (taken already).
    async fn delete_booking_event(&self, booking_uid: &str, user_id: &str) -> Result<bool>;
    /// Hands a written event from one booking to its successor; false when
    /// the record is gone (another effect removed it).
    async fn move_booking_event(&self, from_uid: &str, to_uid: &str, user_id: &str)
    -> Result<bool>;
}
