//! Calendar connections (sealed credentials per host account) and their
//! calendars: which count for conflicts, which receives bookings.

use super::Dialect as _;
use super::{Backend, Db, Pool, Result, StoreError, push_list, sql, touched};
use crate::domain::{
    CalendarChoice, ConnectedCalendar, Connection, ConnectionStatus, Provider, PushState, new_id,
};
use crate::store::{ConnectionAccess, NewConnection, PushChannel, ReconnectLink, RemoteCalendar};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    id: String,
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

const CONNECTION_COLUMNS: &str = "c.id, c.user_id, c.provider, c.account, c.server_url, \
     c.status, c.last_synced_at, c.last_error, CAST(c.failures AS BIGINT) AS failures, \
     c.next_sync_at, c.created_at, c.awaiting_sync, \
     (SELECT COUNT(*) FROM busy_blocks b JOIN connection_calendars k ON k.id = b.calendar_id \
      WHERE k.connection_id = c.id) AS event_count";

impl ConnectionRow {
    fn into_connection(self, calendars: Vec<CalendarRow>) -> Result<Connection> {
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
            calendars: calendars.into_iter().map(ConnectedCalendar::from).collect(),
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CalendarRow {
    id: String,
    connection_id: String,
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
                .map(|(id, expires_at)| PushState { id, expires_at }),
        }
    }
}

const CALENDAR_COLUMNS: &str = "id, connection_id, external_id, name, is_primary, \
     check_conflicts, is_destination, last_synced_at, push_id, push_expires_at";

/// The calendars of these connections, by connection id.
async fn calendar_rows(
    pool: &Pool,
    connection_ids: &[String],
) -> Result<HashMap<String, Vec<CalendarRow>>> {
    let mut map: HashMap<String, Vec<CalendarRow>> = HashMap::new();
    if connection_ids.is_empty() {
        return Ok(map);
    }
    let mut query = sqlx::QueryBuilder::<Db>::new(format!(
        "SELECT {CALENDAR_COLUMNS} FROM connection_calendars WHERE connection_id IN "
    ));
    push_list(&mut query, connection_ids);
    query.push(" ORDER BY is_primary DESC, name, id");
    let rows: Vec<CalendarRow> = query.build_query_as().fetch_all(pool).await?;
    for row in rows {
        map.entry(row.connection_id.clone()).or_default().push(row);
    }
    Ok(map)
}

pub(super) async fn upsert(pool: &Pool, new: &NewConnection, now: DateTime<Utc>) -> Result<String> {
    let organization = &new.organization_id;
    super::users::check_one(pool, organization, "user_id", &new.user_id).await?;
    let (id,): (String,) = sqlx::query_as(
        "INSERT INTO calendar_connections (id, organization_id, user_id, provider, account, \
         server_url, credentials, status, failures, next_sync_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', 0, $8, $8, $8) \
         ON CONFLICT (user_id, provider, server_url, account) DO UPDATE SET \
         awaiting_sync = (calendar_connections.status = 'needs_reconnect' \
         OR calendar_connections.awaiting_sync OR (calendar_connections.last_synced_at IS NULL \
         AND calendar_connections.failures > 0)), \
         credentials = excluded.credentials, status = 'active', failures = 0, last_error = NULL, \
         next_sync_at = excluded.next_sync_at, lease_until = NULL, \
         updated_at = excluded.updated_at RETURNING id",
    )
    .bind(new_id())
    .bind(&new.organization_id)
    .bind(&new.user_id)
    .bind(new.provider.as_str())
    .bind(&new.account)
    .bind(&new.server_url)
    .bind(&new.credentials)
    .bind(now)
    .fetch_one(pool)
    .await?;
    // Connected again: the links of its "reconnect" emails have done their work.
    sqlx::query(
        "UPDATE connection_reconnect_links SET used_at = $1 \
         WHERE connection_id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(&id)
    .execute(pool)
    .await?;
    Ok(id)
}

/// Keeps the hash of a reconnect link's token for a connection.
pub(super) async fn add_reconnect_link(
    pool: &Pool,
    connection_id: &str,
    token_hash: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO connection_reconnect_links (token_hash, connection_id, created_at, expires_at) \
         SELECT $1, id, $2, $3 FROM calendar_connections WHERE id = $4",
    )
    .bind(token_hash)
    .bind(at)
    .bind(expires_at)
    .bind(connection_id)
    .execute(pool)
    .await?;
    touched(done, "connection")
}

#[derive(sqlx::FromRow)]
struct ReconnectLinkRow {
    connection_id: String,
    organization_id: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

/// A reconnect link by its token's hash, expired and used ones too.
pub(super) async fn reconnect_link(pool: &Pool, token_hash: &str) -> Result<Option<ReconnectLink>> {
    let row: Option<ReconnectLinkRow> = sqlx::query_as(
        "SELECT c.id AS connection_id, c.organization_id, l.expires_at, l.used_at \
         FROM connection_reconnect_links l \
         JOIN calendar_connections c ON c.id = l.connection_id WHERE l.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| ReconnectLink {
        connection_id: row.connection_id,
        organization_id: row.organization_id,
        expires_at: row.expires_at,
        used_at: row.used_at,
    }))
}

pub(super) async fn list(
    pool: &Pool,
    organization_id: &str,
    user_id: Option<&str>,
) -> Result<Vec<Connection>> {
    let mut query = sqlx::QueryBuilder::<Db>::new(format!(
        "SELECT {CONNECTION_COLUMNS} FROM calendar_connections c WHERE c.organization_id = "
    ));
    query.push_bind(organization_id.to_string());
    if let Some(user) = user_id {
        query.push(" AND c.user_id = ").push_bind(user.to_string());
    }
    query.push(" ORDER BY c.created_at, c.id");
    let rows: Vec<ConnectionRow> = query.build_query_as().fetch_all(pool).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_connection = calendar_rows(pool, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let calendars = by_connection.remove(&row.id).unwrap_or_default();
            row.into_connection(calendars)
        })
        .collect()
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<Connection> {
    let row: Option<ConnectionRow> = sqlx::query_as(sql(format!(
        "SELECT {CONNECTION_COLUMNS} FROM calendar_connections c \
         WHERE c.id = $1 AND c.organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(StoreError::NotFound("connection"))?;
    let calendars = calendar_rows(pool, &[id.to_string()])
        .await?
        .remove(id)
        .unwrap_or_default();
    row.into_connection(calendars)
}

/// A connection with its sealed credentials and sync tokens (for workers).
pub(super) async fn access(pool: &Pool, id: &str) -> Result<ConnectionAccess> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT organization_id, credentials FROM calendar_connections WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let (organization_id, credentials) = row.ok_or(StoreError::NotFound("connection"))?;
    let connection = get(pool, &organization_id, id).await?;
    let sync_tokens: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT id, sync_token FROM connection_calendars WHERE connection_id = $1 \
         AND check_conflicts ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let channels: Vec<(String, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, push_id, push_resource, push_token, push_expires_at \
         FROM connection_calendars WHERE connection_id = $1 AND push_id IS NOT NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let channels = channels
        .into_iter()
        .map(|(calendar_id, id, resource, token, expires_at)| {
            let channel = PushChannel {
                id,
                resource,
                token,
                expires_at,
            };
            (calendar_id, channel)
        })
        .collect();
    Ok(ConnectionAccess {
        connection,
        organization_id,
        credentials,
        channels,
        sync_tokens,
    })
}

/// Removes a connection with its calendars and synced busy time.
pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done =
        sqlx::query("DELETE FROM calendar_connections WHERE id = $1 AND organization_id = $2")
            .bind(id)
            .bind(organization_id)
            .execute(pool)
            .await?;
    touched(done, "connection")
}

pub(super) async fn set_credentials(pool: &Pool, id: &str, sealed: &str) -> Result<()> {
    sqlx::query("UPDATE calendar_connections SET credentials = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records the calendars a provider lists (see `CalendarStore::save_calendars`).
pub(super) async fn save_calendars(
    store: &Backend,
    connection_id: &str,
    remote: &[RemoteCalendar],
) -> Result<()> {
    // An empty listing is more likely a server hiccup than an account
    // without calendars: dropping every choice on it would hurt.
    if remote.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write(&[]).await?;
    let known: Vec<(String,)> =
        sqlx::query_as("SELECT external_id FROM connection_calendars WHERE connection_id = $1")
            .bind(connection_id)
            .fetch_all(&mut *tx)
            .await?;
    let first = known.is_empty();
    // A second connection of the host does not take over the destination.
    let (destinations,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM connection_calendars k \
         JOIN calendar_connections c ON c.id = k.connection_id WHERE k.is_destination \
         AND c.user_id = (SELECT user_id FROM calendar_connections WHERE id = $1)",
    )
    .bind(connection_id)
    .fetch_one(&mut *tx)
    .await?;
    for calendar in remote {
        let chosen = first && calendar.primary;
        sqlx::query(
            "INSERT INTO connection_calendars (id, connection_id, external_id, name, is_primary, \
             check_conflicts, is_destination) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (connection_id, external_id) \
             DO UPDATE SET name = excluded.name, is_primary = excluded.is_primary",
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
    let mut query =
        sqlx::QueryBuilder::<Db>::new("DELETE FROM connection_calendars WHERE connection_id = ");
    query.push_bind(connection_id.to_string());
    query.push(" AND external_id NOT IN ");
    let listed: Vec<String> = remote.iter().map(|c| c.external_id.clone()).collect();
    push_list(&mut query, &listed);
    query.build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies a choice of conflict and destination calendars.
pub(super) async fn choose_calendars(
    store: &Backend,
    organization_id: &str,
    connection_id: &str,
    choice: &CalendarChoice,
    now: DateTime<Utc>,
) -> Result<Connection> {
    let pool = store.pool();
    let owner: Option<(String,)> = sqlx::query_as(
        "SELECT user_id FROM calendar_connections WHERE id = $1 AND organization_id = $2",
    )
    .bind(connection_id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    let (user_id,) = owner.ok_or(StoreError::NotFound("connection"))?;
    // The host's lock (PostgreSQL; SQLite's write lock) orders this against
    // apply_delta, which takes it first too.
    let mut tx = store.begin_write(std::slice::from_ref(&user_id)).await?;
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
             sync_token = CASE WHEN $1 AND check_conflicts THEN sync_token ELSE NULL END \
             WHERE id = $3",
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
    get(pool, organization_id, connection_id).await
}

/// The destination of a host's bookings: `(connection id, calendar external id)`.
pub(super) async fn destination(pool: &Pool, user_id: &str) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT c.id, k.external_id FROM connection_calendars k \
         JOIN calendar_connections c ON c.id = k.connection_id \
         WHERE c.user_id = $1 AND k.is_destination ORDER BY c.created_at LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn counts(pool: &Pool) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) FROM calendar_connections GROUP BY status ORDER BY status",
    )
    .fetch_all(pool)
    .await?)
}
