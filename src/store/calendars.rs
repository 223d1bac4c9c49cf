//! Persistence of calendar sync: connections, their calendars, synced busy
//! time, push channels, OAuth states and the events written for bookings.
//! One body of SQL for both databases, like `sql.rs`.

use super::{
    BookingEvent, CalendarDelta, ConnectionAccess, NewConnection, OAuthState, PushChannel,
    RemoteCalendar, Result, StoreError, SyncOutcome,
};
use crate::domain::{CalendarChoice, ConnectedCalendar, Connection, ConnectionStatus, Provider};
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
    ) -> Result<()>;
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

#[derive(sqlx::FromRow)]
pub(super) struct ConnectionRow {
    pub(super) id: String,
    user_id: String,
    provider: String,
    account: String,
    server_url: String,
    status: String,
    last_synced_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    failures: i64,
    next_sync_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    event_count: i64,
    awaiting_sync: bool,
}

pub(super) const CONNECTION_COLUMNS: &str = "c.id, c.user_id, c.provider, c.account, c.server_url, c.status, \
     c.last_synced_at, c.last_error, CAST(c.failures AS BIGINT) AS failures, c.next_sync_at, c.created_at, c.awaiting_sync, \
     (SELECT COUNT(*) FROM busy_blocks b JOIN connection_calendars k ON k.id = b.calendar_id \
      WHERE k.connection_id = c.id) AS event_count";

impl ConnectionRow {
    pub(super) fn into_connection(self, calendars: Vec<ConnectedCalendar>) -> Result<Connection> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("{what} {value:?}"));
        Ok(Connection {
            provider: Provider::parse(&self.provider)
                .ok_or_else(|| corrupt("calendar_connections.provider", &self.provider))?,
            status: ConnectionStatus::parse(&self.status)
                .ok_or_else(|| corrupt("calendar_connections.status", &self.status))?,
            id: self.id,
            user_id: self.user_id,
            account: self.account,
            server_url: Some(self.server_url).filter(|url| !url.is_empty()),
            last_synced_at: self.last_synced_at,
            last_error: self.last_error,
            failures: u32::try_from(self.failures).unwrap_or(u32::MAX),
            next_sync_at: self.next_sync_at,
            event_count: u64::try_from(self.event_count).unwrap_or(0),
            awaiting_sync: self.awaiting_sync,
            calendars,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CalendarRow {
    id: String,
    pub(super) connection_id: String,
    external_id: String,
    name: String,
    is_primary: bool,
    check_conflicts: bool,
    is_destination: bool,
    last_synced_at: Option<DateTime<Utc>>,
    push_id: Option<String>,
    push_expires_at: Option<DateTime<Utc>>,
}

impl From<CalendarRow> for ConnectedCalendar {
    fn from(row: CalendarRow) -> Self {
        ConnectedCalendar {
            id: row.id,
            external_id: row.external_id,
            name: row.name,
            primary: row.is_primary,
            check_conflicts: row.check_conflicts,
            destination: row.is_destination,
            last_synced_at: row.last_synced_at,
            push: row
                .push_id
                .zip(row.push_expires_at)
                .map(|(id, expires_at)| crate::domain::PushState { id, expires_at }),
        }
    }
}

pub(super) const CALENDAR_COLUMNS: &str = "id, connection_id, external_id, name, is_primary, check_conflicts, \
     is_destination, last_synced_at, push_id, push_expires_at";

/// Where synced rows of a calendar keep their unique key.
pub(super) fn calendar_source(calendar_id: &str) -> String {
    format!("calendar:{calendar_id}")
}

/// Rows per multi-row statement (SQLite allows 32,766 bound values).
pub(super) const BATCH: usize = 500;

/// Implements [`CalendarStore`] for `$store` over database `$db`; `$lock` is
/// the row-locking clause of a claim (`FOR UPDATE SKIP LOCKED` where the
/// database has it; SQLite's single writer needs none).
macro_rules! calendar_store {
    ($store:ident, $db:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::calendars::CalendarStore for $store {
            async fn upsert_connection(&self, new: &NewConnection, now: DateTime<Utc>) -> Result<String> {
                self.check_users(&new.organization_id, &[("user_id".to_string(), new.user_id.as_str())]).await?;
                let (id,): (String,) = sqlx::query_as(
                    "INSERT INTO calendar_connections (id, organization_id, user_id, provider, account, server_url, \
                     credentials, status, failures, next_sync_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', 0, $8, $8, $8) \
                     ON CONFLICT (user_id, provider, server_url, account) DO UPDATE SET \
                     awaiting_sync = (calendar_connections.status = 'needs_reconnect' OR calendar_connections.awaiting_sync \
                     OR (calendar_connections.last_synced_at IS NULL AND calendar_connections.failures > 0)), \
                     credentials = excluded.credentials, status = 'active', failures = 0, last_error = NULL, \
                     next_sync_at = excluded.next_sync_at, lease_until = NULL, updated_at = excluded.updated_at \
                     RETURNING id",
                )
                .bind(new_id())
                .bind(&new.organization_id)
                .bind(&new.user_id)
                .bind(new.provider.as_str())
                .bind(&new.account)
                .bind(&new.server_url)
                .bind(&new.credentials)
                .bind(now)
                .fetch_one(self.pool())
                .await?;
                Ok(id)
            }

            async fn connections(&self, organization_id: &str, user_id: Option<&str>) -> Result<Vec<Connection>> {
                let mut query = QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM calendar_connections c WHERE c.organization_id = ",
                    $crate::store::calendars::CONNECTION_COLUMNS
                ));
                query.push_bind(organization_id.to_string());
                if let Some(user) = user_id {
                    query.push(" AND c.user_id = ").push_bind(user.to_string());
                }
                query.push(" ORDER BY c.created_at, c.id");
                let rows: Vec<$crate::store::calendars::ConnectionRow> = query.build_query_as().fetch_all(self.pool()).await?;
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut by_connection = self.calendar_rows(&ids).await?;
                rows.into_iter()
                    .map(|row| {
                        let calendars = by_connection.remove(&row.id).unwrap_or_default();
                        row.into_connection(calendars.into_iter().map(ConnectedCalendar::from).collect())
                    })
                    .collect()
            }

            async fn connection(&self, organization_id: &str, id: &str) -> Result<Connection> {
                let row: Option<$crate::store::calendars::ConnectionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM calendar_connections c WHERE c.id = $1 AND c.organization_id = $2",
                    $crate::store::calendars::CONNECTION_COLUMNS
                )))
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                let calendars = self.calendar_rows(&[id.to_string()]).await?.remove(id).unwrap_or_default();
                row.into_connection(calendars.into_iter().map(ConnectedCalendar::from).collect())
            }

            async fn connection_access(&self, id: &str) -> Result<ConnectionAccess> {
                let row: Option<(String, String)> = sqlx::query_as(
                    "SELECT organization_id, credentials FROM calendar_connections WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                let (organization_id, credentials) = row.ok_or(StoreError::NotFound)?;
                let connection = self.connection(&organization_id, id).await?;
                let tokens: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT id, sync_token FROM connection_calendars WHERE connection_id = $1 AND check_conflicts ORDER BY id",
                )
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                let channels: Vec<(String, String, String, String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT id, push_id, push_resource, push_token, push_expires_at FROM connection_calendars \
                     WHERE connection_id = $1 AND push_id IS NOT NULL ORDER BY id",
                )
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                let channels = channels
                    .into_iter()
                    .map(|(calendar_id, id, resource, token, expires_at)| (calendar_id, PushChannel { id, resource, token, expires_at }))
                    .collect();
                Ok(ConnectionAccess { connection, organization_id, credentials, channels, sync_tokens: tokens })
            }

            async fn delete_connection(&self, organization_id: &str, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM calendar_connections WHERE id = $1 AND organization_id = $2")
                    .bind(id)
                    .bind(organization_id)
                    .execute(self.pool())
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn set_credentials(&self, id: &str, sealed: &str) -> Result<()> {
                sqlx::query("UPDATE calendar_connections SET credentials = $1 WHERE id = $2")
                    .bind(sealed)
                    .bind(id)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            async fn save_calendars(&self, connection_id: &str, remote: &[RemoteCalendar]) -> Result<()> {
                // An empty listing is more likely a server hiccup than an account
                // without calendars: dropping every choice on it would hurt.
                if remote.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write(&[]).await?;
                let known: Vec<(String,)> = sqlx::query_as("SELECT external_id FROM connection_calendars WHERE connection_id = $1")
                    .bind(connection_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let first = known.is_empty();
                // A second connection of the host does not take over the destination.
                let (destinations,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM connection_calendars k JOIN calendar_connections c ON c.id = k.connection_id \
                     WHERE k.is_destination AND c.user_id = (SELECT user_id FROM calendar_connections WHERE id = $1)",
                )
                .bind(connection_id)
                .fetch_one(&mut *tx)
                .await?;
                for calendar in remote {
                    let chosen = first && calendar.primary;
                    sqlx::query(
                        "INSERT INTO connection_calendars (id, connection_id, external_id, name, is_primary, check_conflicts, is_destination) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (connection_id, external_id) DO UPDATE SET name = excluded.name, is_primary = excluded.is_primary",
                    )
                    .bind(new_id())
                    .bind(connection_id)
                    .bind(&calendar.external_id)
                    .bind(&calendar.name)
                    .bind(calendar.primary)
                    .bind(chosen)
                    .bind(chosen && destinations == 0)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut query = QueryBuilder::<$db>::new("DELETE FROM connection_calendars WHERE connection_id = ");
                query.push_bind(connection_id.to_string());
                if !remote.is_empty() {
                    query.push(" AND external_id NOT IN (");
                    let mut list = query.separated(", ");
                    for calendar in remote {
                        list.push_bind(calendar.external_id.clone());
                    }
                    query.push(")");
                }
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn choose_calendars(
                &self,
                organization_id: &str,
                connection_id: &str,
                choice: &CalendarChoice,
                now: DateTime<Utc>,
            ) -> Result<Connection> {
                let owner: Option<(String,)> = sqlx::query_as(
                    "SELECT user_id FROM calendar_connections WHERE id = $1 AND organization_id = $2",
                )
                .bind(connection_id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                let (user_id,) = owner.ok_or(StoreError::NotFound)?;
                // The host's lock (PostgreSQL; SQLite's write lock) orders this
                // against apply_delta, which takes it first too.
                let mut tx = self.begin_write(std::slice::from_ref(&user_id)).await?;
                let rows: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT id, check_conflicts FROM connection_calendars WHERE connection_id = $1",
                )
                .bind(connection_id)
                .fetch_all(&mut *tx)
                .await?;
                if choice.destination.is_some() {
                    // One destination per host, across all their connections.
                    sqlx::query(
                        "UPDATE connection_calendars SET is_destination = FALSE WHERE connection_id IN \
                         (SELECT id FROM calendar_connections WHERE user_id = $1)",
                    )
                    .bind(&user_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut newly_checked = false;
                for (id, was_checked) in rows {
                    let checked = choice.check_conflicts.contains(&id);
                    if was_checked && !checked {
                        sqlx::query("DELETE FROM busy_blocks WHERE calendar_id = $1")
                            .bind(&id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    newly_checked |= checked && !was_checked;
                    sqlx::query(
                        "UPDATE connection_calendars SET check_conflicts = $1, is_destination = $2, \
                         sync_token = CASE WHEN $1 AND check_conflicts THEN sync_token ELSE NULL END WHERE id = $3",
                    )
                    .bind(checked)
                    .bind(choice.destination.as_deref() == Some(id.as_str()))
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                }
                if newly_checked {
                    sqlx::query("UPDATE calendar_connections SET next_sync_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(connection_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                self.connection(organization_id, connection_id).await
            }

            async fn claim_due_connections(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<String>> {
                // While leased, next_sync_at holds the lease's end; a request
                // during the sync moves it before that, which finish_sync keeps.
                let rows: Vec<(String,)> = sqlx::query_as(concat!(
                    "UPDATE calendar_connections SET lease_until = $2, next_sync_at = $2 WHERE id IN (\
                     SELECT id FROM calendar_connections WHERE next_sync_at <= $1 AND status <> 'needs_reconnect' \
                     AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_sync_at LIMIT $3 ",
                    $lock,
                    ") RETURNING id"
                ))
                .bind(now)
                .bind(lease_until)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn release_connection(&self, id: &str, lease_until: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE calendar_connections SET lease_until = NULL, next_sync_at = $1 WHERE id = $2 AND lease_until = $3")
                    .bind(now)
                    .bind(id)
                    .bind(lease_until)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            async fn apply_delta(&self, calendar_id: &str, delta: &CalendarDelta, now: DateTime<Utc>) -> Result<bool> {
                let owner_of = "SELECT c.user_id FROM connection_calendars k JOIN calendar_connections c ON c.id = k.connection_id \
                     WHERE k.id = $1 AND k.check_conflicts";
                let owner: Option<(String,)> = sqlx::query_as(owner_of).bind(calendar_id).fetch_optional(self.pool()).await?;
                let Some((user_id,)) = owner else {
                    return Ok(false);
                };
                // Under the host's lock, still checked? (A choice made meanwhile
                // deleted the calendar's rows; writing them back would resurrect them.)
                let mut tx = self.begin_write(std::slice::from_ref(&user_id)).await?;
                let still: Option<(String,)> = sqlx::query_as(owner_of).bind(calendar_id).fetch_optional(&mut *tx).await?;
                if still.is_none() {
                    return Ok(false);
                }
                let source = $crate::store::calendars::calendar_source(calendar_id);
                if delta.full {
                    sqlx::query("DELETE FROM busy_blocks WHERE calendar_id = $1")
                        .bind(calendar_id)
                        .execute(&mut *tx)
                        .await?;
                }
                // A removed series master takes its exceptions along.
                for chunk in delta.removed.chunks($crate::store::calendars::BATCH) {
                    for column in ["external_id", "series"] {
                        let mut query = QueryBuilder::<$db>::new("DELETE FROM busy_blocks WHERE calendar_id = ");
                        query.push_bind(calendar_id.to_string()).push(format!(" AND {column} IN ("));
                        let mut list = query.separated(", ");
                        for id in chunk {
                            list.push_bind(id.clone());
                        }
                        query.push(")");
                        query.build().execute(&mut *tx).await?;
                    }
                }
                // The last word on each event wins; one statement may not touch a row twice.
                let mut latest = std::collections::HashMap::new();
                for event in &delta.upserts {
                    latest.insert(event.external_id.as_str(), event);
                }
                let events: Vec<_> = latest.into_values().collect();
                for chunk in events.chunks($crate::store::calendars::BATCH) {
                    let mut query = QueryBuilder::<$db>::new(
                        "INSERT INTO busy_blocks (id, user_id, start_at, end_at, source, external_id, ical, series, calendar_id) ",
                    );
                    query.push_values(chunk, |mut row, event| {
                        row.push_bind(new_id())
                            .push_bind(user_id.clone())
                            .push_bind(event.start)
                            .push_bind(event.end)
                            .push_bind(source.clone())
                            .push_bind(event.external_id.clone())
                            .push_bind(event.ical.clone())
                            .push_bind(event.series.clone())
                            .push_bind(calendar_id.to_string());
                    });
                    query.push(
                        " ON CONFLICT (user_id, source, external_id) DO UPDATE SET start_at = excluded.start_at, \
                         end_at = excluded.end_at, ical = excluded.ical, series = excluded.series",
                    );
                    query.build().execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE connection_calendars SET sync_token = $1, last_synced_at = $2 WHERE id = $3")
                    .bind(&delta.token)
                    .bind(now)
                    .bind(calendar_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn finish_sync(&self, id: &str, lease_until: DateTime<Utc>, outcome: &SyncOutcome) -> Result<()> {
                let keep_request = "CASE WHEN lease_until IS NOT NULL AND next_sync_at < lease_until THEN next_sync_at ELSE $1 END";
                match outcome {
                    SyncOutcome::Synced { at, next_at } => {
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE calendar_connections SET next_sync_at = {keep_request}, status = 'active', failures = 0, \
                             last_error = NULL, last_synced_at = $2, lease_until = NULL, awaiting_sync = FALSE, updated_at = $2 \
                             WHERE id = $3 AND lease_until = $4"
                        )))
                        .bind(next_at)
                        .bind(at)
                        .bind(id)
                        .bind(lease_until)
                        .execute(self.pool())
                        .await?;
                    }
                    SyncOutcome::Failed { error, next_at, needs_reconnect } => {
                        let status = if *needs_reconnect { "needs_reconnect" } else { "retrying" };
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE calendar_connections SET next_sync_at = {keep_request}, status = $2, failures = failures + 1, \
                             last_error = $3, lease_until = NULL WHERE id = $4 AND lease_until = $5"
                        )))
                        .bind(next_at)
                        .bind(status)
                        .bind(error)
                        .bind(id)
                        .bind(lease_until)
                        .execute(self.pool())
                        .await?;
                    }
                }
                Ok(())
            }

            async fn request_sync(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE calendar_connections SET next_sync_at = $1 WHERE id = $2 AND next_sync_at > $1")
                    .bind(at)
                    .bind(id)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            async fn set_push(&self, calendar_id: &str, channel: Option<&PushChannel>) -> Result<()> {
                sqlx::query(
                    "UPDATE connection_calendars SET push_id = $1, push_resource = $2, push_token = $3, push_expires_at = $4 WHERE id = $5",
                )
                .bind(channel.map(|c| c.id.clone()))
                .bind(channel.map(|c| c.resource.clone()))
                .bind(channel.map(|c| c.token.clone()))
                .bind(channel.map(|c| c.expires_at))
                .bind(calendar_id)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn push_target(&self, push_id: &str) -> Result<Option<(String, String)>> {
                let row: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT connection_id, push_token FROM connection_calendars WHERE push_id = $1")
                        .bind(push_id)
                        .fetch_optional(self.pool())
                        .await?;
                Ok(row.and_then(|(id, token)| token.map(|t| (id, t))))
            }

            async fn push_due(&self, before: DateTime<Utc>) -> Result<Vec<(String, String)>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, k.id FROM connection_calendars k JOIN calendar_connections c ON c.id = k.connection_id \
                     WHERE c.provider IN ('google', 'microsoft') AND c.status <> 'needs_reconnect' AND k.check_conflicts \
                     AND (k.push_id IS NULL OR k.push_expires_at < $1) ORDER BY c.id, k.id",
                )
                .bind(before)
                .fetch_all(self.pool())
                .await?)
            }

            async fn insert_oauth_state(&self, state_hash: &str, state: &OAuthState) -> Result<()> {
                sqlx::query(
                    "INSERT INTO oauth_states (state_hash, organization_id, user_id, provider, verifier, return_to, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(state_hash)
                .bind(&state.organization_id)
                .bind(&state.user_id)
                .bind(state.provider.as_str())
                .bind(&state.verifier)
                .bind(&state.return_to)
                .bind(state.expires_at)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn take_oauth_state(&self, state_hash: &str, now: DateTime<Utc>) -> Result<Option<OAuthState>> {
                sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                    .bind(now)
                    .execute(self.pool())
                    .await?;
                let row: Option<(String, String, String, String, Option<String>, DateTime<Utc>)> = sqlx::query_as(
                    "DELETE FROM oauth_states WHERE state_hash = $1 \
                     RETURNING organization_id, user_id, provider, verifier, return_to, expires_at",
                )
                .bind(state_hash)
                .fetch_optional(self.pool())
                .await?;
                row.map(|(organization_id, user_id, provider, verifier, return_to, expires_at)| {
                    Ok(OAuthState {
                        provider: Provider::parse(&provider)
                            .ok_or_else(|| StoreError::Corrupt(format!("oauth_states.provider {provider:?}")))?,
                        organization_id,
                        user_id,
                        verifier,
                        return_to,
                        expires_at,
                    })
                })
                .transpose()
            }

            async fn destination(&self, user_id: &str) -> Result<Option<(String, String)>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, k.external_id FROM connection_calendars k JOIN calendar_connections c ON c.id = k.connection_id \
                     WHERE c.user_id = $1 AND k.is_destination ORDER BY c.created_at LIMIT 1",
                )
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?)
            }

            async fn connection_counts(&self) -> Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as("SELECT status, COUNT(*) FROM calendar_connections GROUP BY status ORDER BY status")
                    .fetch_all(self.pool())
                    .await?)
            }

            async fn written_events(&self, user_id: &str) -> Result<Vec<(String, String)>> {
                Ok(sqlx::query_as("SELECT event_id, booking_uid FROM booking_events WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_all(self.pool())
                    .await?)
            }

            async fn record_host_change(
                &self,
                booking_uid: &str,
                user_id: &str,
                event_id: &str,
                change: Option<(DateTime<Utc>, DateTime<Utc>)>,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE booking_events SET host_start = $1, host_end = $2 \
                     WHERE booking_uid = $3 AND user_id = $4 AND event_id = $5",
                )
                .bind(change.map(|c| c.0))
                .bind(change.map(|c| c.1))
                .bind(booking_uid)
                .bind(user_id)
                .bind(event_id)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn requeue_writes(&self, connection_id: &str, now: DateTime<Utc>) -> Result<u64> {
                // The bookings of the connection's host, and those with an
                // event in one of its calendars (a host since replaced).
                let of_connection = |alias: &str| format!(
                    "{alias}.kind = 'calendar_write' AND {alias}.booking_id IN (\
                     SELECT bh.booking_id FROM booking_hosts bh JOIN calendar_connections c ON c.user_id = bh.user_id WHERE c.id = $2 \
                     UNION SELECT b.id FROM bookings b JOIN booking_events e ON e.booking_uid = b.uid WHERE e.connection_id = $2)"
                );
                let mut tx = self.begin_write(&[]).await?;
                let due = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE effects SET run_at = $1, updated_at = $1 WHERE status = 'pending' \
                     AND (lease_until IS NULL OR lease_until < $1) AND {}",
                    of_connection("effects")
                )))
                .bind(now)
                .bind(connection_id)
                .execute(&mut *tx)
                .await?;
                // One effect per booking reconciles everything: the newest
                // failed one, where none is waiting.
                let revived = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE effects SET status = 'pending', run_at = $1, attempts = 0, updated_at = $1 \
                     WHERE status = 'failed' AND {} AND NOT EXISTS (SELECT 1 FROM effects o \
                     WHERE o.booking_id = effects.booking_id AND o.kind = effects.kind AND o.id <> effects.id \
                     AND (o.status = 'pending' OR (o.status = 'failed' AND (o.created_at > effects.created_at \
                     OR (o.created_at = effects.created_at AND o.id > effects.id)))))",
                    of_connection("effects")
                )))
                .bind(now)
                .bind(connection_id)
                .execute(&mut *tx)
                .await?;
                // A write running right now may still use the old credentials
                // and fail after this: a new one waits behind it.
                let running: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT r.organization_id, r.booking_id FROM effects r WHERE r.status = 'pending' \
                     AND r.lease_until >= $1 AND {} AND NOT EXISTS (SELECT 1 FROM effects o \
                     WHERE o.booking_id = r.booking_id AND o.kind = r.kind AND o.id <> r.id AND o.status = 'pending')",
                    of_connection("r")
                )))
                .bind(now)
                .bind(connection_id)
                .fetch_all(&mut *tx)
                .await?;
                for (organization_id, booking_id) in &running {
                    sqlx::query(
                        "INSERT INTO effects (id, organization_id, kind, booking_id, status, attempts, run_at, created_at, updated_at) \
                         VALUES ($1, $2, 'calendar_write', $3, 'pending', 0, $4, $4, $4)",
                    )
                    .bind(new_id())
                    .bind(organization_id)
                    .bind(booking_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(due.rows_affected() + revived.rows_affected() + running.len() as u64)
            }

            async fn booking_events(&self, booking_uid: &str) -> Result<Vec<BookingEvent>> {
                let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
                    "SELECT booking_uid, user_id, connection_id, calendar_external_id, event_id FROM booking_events \
                     WHERE booking_uid = $1 ORDER BY user_id",
                )
                .bind(booking_uid)
                .fetch_all(self.pool())
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(booking_uid, user_id, connection_id, calendar_external_id, event_id)| BookingEvent {
                        booking_uid,
                        user_id,
                        connection_id,
                        calendar_external_id,
                        event_id,
                    })
                    .collect())
            }

            async fn save_booking_event(&self, event: &BookingEvent) -> Result<()> {
                sqlx::query(
                    "INSERT INTO booking_events (booking_uid, user_id, connection_id, calendar_external_id, event_id) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (booking_uid, user_id) DO UPDATE SET \
                     connection_id = excluded.connection_id, calendar_external_id = excluded.calendar_external_id, \
                     event_id = excluded.event_id, host_start = NULL, host_end = NULL",
                )
                .bind(&event.booking_uid)
                .bind(&event.user_id)
                .bind(&event.connection_id)
                .bind(&event.calendar_external_id)
                .bind(&event.event_id)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn delete_booking_event(&self, booking_uid: &str, user_id: &str) -> Result<bool> {
                let done = sqlx::query("DELETE FROM booking_events WHERE booking_uid = $1 AND user_id = $2")
                    .bind(booking_uid)
                    .bind(user_id)
                    .execute(self.pool())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn move_booking_event(&self, from_uid: &str, to_uid: &str, user_id: &str) -> Result<bool> {
                let done = sqlx::query("UPDATE booking_events SET booking_uid = $1, host_start = NULL, host_end = NULL WHERE booking_uid = $2 AND user_id = $3")
                    .bind(to_uid)
                    .bind(from_uid)
                    .bind(user_id)
                    .execute(self.pool())
                    .await
                    .map_err(unique_as("booking_uid"))?;
                Ok(done.rows_affected() > 0)
            }
        }

        impl $store {
            async fn calendar_rows(
                &self,
                connection_ids: &[String],
            ) -> Result<std::collections::HashMap<String, Vec<$crate::store::calendars::CalendarRow>>> {
                let mut map: std::collections::HashMap<String, Vec<$crate::store::calendars::CalendarRow>> = std::collections::HashMap::new();
                if connection_ids.is_empty() {
                    return Ok(map);
                }
                let mut query = QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM connection_calendars WHERE connection_id IN (",
                    $crate::store::calendars::CALENDAR_COLUMNS
                ));
                let mut list = query.separated(", ");
                for id in connection_ids {
                    list.push_bind(id.clone());
                }
                query.push(") ORDER BY is_primary DESC, name, id");
                let rows: Vec<$crate::store::calendars::CalendarRow> = query.build_query_as().fetch_all(self.pool()).await?;
                for row in rows {
                    map.entry(row.connection_id.clone()).or_default().push(row);
                }
                Ok(map)
            }
        }
    };
}

pub(crate) use calendar_store;
