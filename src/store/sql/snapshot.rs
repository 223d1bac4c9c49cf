//! What availability and the booking transaction read: the hosts' bookings
//! and busy time around a range, stale calendars, and a host pool's history.
//! Each function takes a connection, so the same query runs inside a
//! booking's transaction (seeing its locks) or on its own.

use super::busy_blocks::{BUSY_COLUMNS, BusyRow};
use super::{Conn, Db, Result, push_list};
use crate::store::{BusyBlock, HostBooking, HostHold, PoolHistory, PoolRequest, Snapshot};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

/// A booking's or a hold's time on one host: a hold has `expires_at`.
#[derive(sqlx::FromRow)]
struct TimeHoldingRow {
    id: String,
    event_type_id: String,
    user_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    slot_key: String,
    expires_at: Option<DateTime<Utc>>,
}

/// Busy blocks, time-holding bookings and holds (any event type) of these
/// hosts overlapping `[from, to)`, and which of them have stale calendars.
pub(super) async fn load(
    conn: &mut Conn,
    hosts: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    if hosts.is_empty() {
        return Ok(snapshot);
    }
    // Bookings and holds in one round trip: inside a booking transaction
    // every statement is time the hosts' locks are held.
    let mut query = QueryBuilder::<Db>::new(
        "SELECT bh.booking_id AS id, b.event_type_id, bh.user_id, bh.start_at, bh.end_at, \
         bh.slot_key, NULL AS expires_at \
         FROM booking_hosts bh JOIN bookings b ON b.id = bh.booking_id \
         WHERE bh.active AND bh.start_at < ",
    );
    query
        .push_bind(to)
        .push(" AND bh.end_at > ")
        .push_bind(from);
    query.push(" AND bh.user_id IN ");
    push_list(&mut query, hosts);
    query.push(
        " UNION ALL SELECT hh.hold_id, h.event_type_id, hh.user_id, hh.start_at, hh.end_at, \
         hh.slot_key, hh.expires_at \
         FROM slot_hold_hosts hh JOIN slot_holds h ON h.id = hh.hold_id WHERE hh.start_at < ",
    );
    query
        .push_bind(to)
        .push(" AND hh.end_at > ")
        .push_bind(from);
    query.push(" AND hh.user_id IN ");
    push_list(&mut query, hosts);
    let rows: Vec<TimeHoldingRow> = query.build_query_as().fetch_all(&mut *conn).await?;
    for row in rows {
        match row.expires_at {
            None => snapshot.bookings.push(HostBooking {
                booking_id: row.id,
                event_type_id: row.event_type_id,
                user_id: row.user_id,
                start: row.start_at,
                end: row.end_at,
                slot_key: row.slot_key,
            }),
            Some(expires_at) => snapshot.holds.push(HostHold {
                hold_id: row.id,
                event_type_id: row.event_type_id,
                user_id: row.user_id,
                start: row.start_at,
                end: row.end_at,
                slot_key: row.slot_key,
                expires_at,
            }),
        }
    }

    let mut query = QueryBuilder::<Db>::new(format!(
        "SELECT {BUSY_COLUMNS} FROM busy_blocks WHERE start_at < "
    ));
    query.push_bind(to).push(" AND end_at > ").push_bind(from);
    query.push(" AND user_id IN ");
    push_list(&mut query, hosts);
    let rows: Vec<BusyRow> = query.build_query_as().fetch_all(&mut *conn).await?;
    snapshot.busy = rows.into_iter().map(BusyBlock::from).collect();

    let mut query = QueryBuilder::<Db>::new(
        "SELECT DISTINCT user_id FROM calendar_connections WHERE (status = 'needs_reconnect' \
         OR awaiting_sync OR (last_synced_at IS NULL AND failures > 0)) AND user_id IN ",
    );
    push_list(&mut query, hosts);
    let rows: Vec<(String,)> = query.build_query_as().fetch_all(&mut *conn).await?;
    snapshot.stale_hosts = rows.into_iter().map(|(id,)| id).collect();
    Ok(snapshot)
}

/// The part of an event type's booking history host assignment asks for.
pub(super) async fn pool_history(conn: &mut Conn, request: &PoolRequest) -> Result<PoolHistory> {
    let joined: Vec<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1")
            .bind(&request.event_type_id)
            .fetch_all(&mut *conn)
            .await?;
    let last_booked: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT bh.user_id, MAX(b.created_at) FROM bookings b \
         JOIN booking_hosts bh ON bh.booking_id = b.id \
         WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') \
         GROUP BY bh.user_id",
    )
    .bind(&request.event_type_id)
    .fetch_all(&mut *conn)
    .await?;
    let bookings: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT bh.user_id, b.created_at, b.start_at FROM bookings b \
         JOIN booking_hosts bh ON bh.booking_id = b.id \
         WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') \
         AND (b.created_at >= $2 OR (b.start_at >= $3 AND b.start_at < $4))",
    )
    .bind(&request.event_type_id)
    .bind(request.made_since)
    .bind(request.starting.0)
    .bind(request.starting.1)
    .fetch_all(&mut *conn)
    .await?;
    Ok(PoolHistory {
        joined: joined
            .into_iter()
            .map(|(user, at)| (user, at.unwrap_or_default()))
            .collect(),
        last_booked,
        bookings,
    })
}
