//! [`CalendarStore`] for this backend: each method is one aggregate's function.

use super::Dialect as _;
use super::{Backend, Result, booking_events, connections, effects, oauth_states, sync};
use crate::domain::{CalendarChoice, Connection, NewEffect};
use crate::store::{
    BookingEvent, CalendarDelta, CalendarStore, ConnectionAccess, NewConnection, OAuthState,
    PushChannel, ReconnectLink, RemoteCalendar, SyncOutcome,
};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl CalendarStore for Backend {
    async fn upsert_connection(&self, new: &NewConnection, now: DateTime<Utc>) -> Result<String> {
        connections::upsert(self.pool(), new, now).await
    }

    async fn connections(
        &self,
        organization_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<Connection>> {
        connections::list(self.pool(), organization_id, user_id).await
    }

    async fn connection(&self, organization_id: &str, id: &str) -> Result<Connection> {
        connections::get(self.pool(), organization_id, id).await
    }

    async fn connection_access(&self, id: &str) -> Result<ConnectionAccess> {
        connections::access(self.pool(), id).await
    }

    async fn delete_connection(&self, organization_id: &str, id: &str) -> Result<()> {
        connections::delete(self.pool(), organization_id, id).await
    }

    async fn set_credentials(&self, id: &str, sealed: &str) -> Result<()> {
        connections::set_credentials(self.pool(), id, sealed).await
    }

    async fn save_calendars(
        &self,
        connection_id: &str,
        calendars: &[RemoteCalendar],
    ) -> Result<()> {
        connections::save_calendars(self, connection_id, calendars).await
    }

    async fn choose_calendars(
        &self,
        organization_id: &str,
        connection_id: &str,
        choice: &CalendarChoice,
        now: DateTime<Utc>,
    ) -> Result<Connection> {
        connections::choose_calendars(self, organization_id, connection_id, choice, now).await
    }

    async fn claim_due_connections(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<String>> {
        sync::claim_due(self.pool(), now, lease_until, limit).await
    }

    async fn apply_delta(
        &self,
        calendar_id: &str,
        delta: &CalendarDelta,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        sync::apply_delta(self, calendar_id, delta, now).await
    }

    async fn finish_sync_with(
        &self,
        id: &str,
        lease_until: DateTime<Utc>,
        outcome: &SyncOutcome,
        effects: &[NewEffect],
    ) -> Result<()> {
        sync::finish(self, id, lease_until, outcome, effects).await
    }

    async fn add_reconnect_link(
        &self,
        connection_id: &str,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        connections::add_reconnect_link(self.pool(), connection_id, token_hash, at, expires_at)
            .await
    }

    async fn reconnect_link(&self, token_hash: &str) -> Result<Option<ReconnectLink>> {
        connections::reconnect_link(self.pool(), token_hash).await
    }

    async fn release_connection(
        &self,
        id: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sync::release(self.pool(), id, lease_until, now).await
    }

    async fn request_sync(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        sync::request(self.pool(), id, at).await
    }

    async fn forget_push(&self, push_id: &str) -> Result<()> {
        sync::forget_push(self.pool(), push_id).await
    }

    async fn set_push(&self, calendar_id: &str, channel: Option<&PushChannel>) -> Result<()> {
        sync::set_push(self.pool(), calendar_id, channel).await
    }

    async fn push_target(&self, push_id: &str) -> Result<Option<(String, String)>> {
        sync::push_target(self.pool(), push_id).await
    }

    async fn push_due(&self, before: DateTime<Utc>) -> Result<Vec<(String, String)>> {
        sync::push_due(self.pool(), before).await
    }

    async fn insert_oauth_state(&self, state_hash: &str, state: &OAuthState) -> Result<()> {
        oauth_states::insert(self.pool(), state_hash, state).await
    }

    async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OAuthState>> {
        oauth_states::take(self.pool(), state_hash, now).await
    }

    async fn destination(&self, user_id: &str) -> Result<Option<(String, String)>> {
        connections::destination(self.pool(), user_id).await
    }

    async fn connection_counts(&self) -> Result<Vec<(String, i64)>> {
        connections::counts(self.pool()).await
    }

    async fn written_events(&self, user_id: &str) -> Result<Vec<(String, String)>> {
        booking_events::written(self.pool(), user_id).await
    }

    async fn record_host_change(
        &self,
        booking_uid: &str,
        user_id: &str,
        event_id: &str,
        change: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()> {
        let pool = self.pool();
        booking_events::record_host_change(pool, booking_uid, user_id, event_id, change).await
    }

    async fn requeue_writes(&self, connection_id: &str, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write(&[]).await?;
        let requeued = effects::requeue_writes(&mut tx, connection_id, now).await?;
        tx.commit().await?;
        Ok(requeued)
    }

    async fn booking_events(&self, booking_uid: &str) -> Result<Vec<BookingEvent>> {
        booking_events::of_booking(self.pool(), booking_uid).await
    }

    async fn save_booking_event(&self, event: &BookingEvent) -> Result<()> {
        booking_events::save(self.pool(), event).await
    }

    async fn delete_booking_event(&self, booking_uid: &str, user_id: &str) -> Result<bool> {
        booking_events::delete(self.pool(), booking_uid, user_id).await
    }

    async fn move_booking_event(
        &self,
        from_uid: &str,
        to_uid: &str,
        user_id: &str,
    ) -> Result<bool> {
        booking_events::hand_over(self.pool(), from_uid, to_uid, user_id).await
    }
}
