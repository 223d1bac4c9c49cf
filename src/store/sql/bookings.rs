//! Bookings: their rows, host rows and history; reading them back, and the
//! steps a booking transaction is made of (`book.rs` composes them).

use super::Dialect as _;
use super::{Conn, Db, Pool, Result, StoreError, from_json, json, now, parsed, sql};
use crate::domain::{
    Attendee, Booking, BookingStatus, Email, Invitee, StatusChange, TimeZoneName, new_id,
};
use crate::store::{BookingFilter, NewBooking, StatusUpdate, StoredBooking};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    pub(super) id: String,
    uid: String,
    organization_id: String,
    event_type_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    status: String,
    invitee_name: String,
    invitee_email: String,
    invitee_timezone: String,
    invitee_language: Option<String>,
    invitee_phone: Option<String>,
    answers: String,
    utm: String,
    embed_url: Option<String>,
    cancel_reason: Option<String>,
    cancelled_by: Option<String>,
    rescheduled_from: Option<String>,
    rescheduled_to: Option<String>,
    assignment_reason: Option<String>,
    attendees: Option<String>,
    manage_token_hash: String,
    ical_uid: Option<String>,
    ical_sequence: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(super) const BOOKING_COLUMNS: &str = "id, uid, organization_id, event_type_id, start_at, \
     end_at, status, invitee_name, invitee_email, invitee_timezone, invitee_language, invitee_phone, answers, utm, \
     embed_url, cancel_reason, cancelled_by, rescheduled_from, rescheduled_to, assignment_reason, \
     attendees, manage_token_hash, ical_uid, CAST(ical_sequence AS BIGINT) AS ical_sequence, \
     created_at, updated_at";

pub(super) fn status(text: &str) -> Result<BookingStatus> {
    BookingStatus::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("bookings.status {text:?}")))
}

impl BookingRow {
    fn into_booking(self, hosts: Vec<String>) -> Result<Booking> {
        Ok(Booking {
            uid: self.uid,
            event_type_id: self.event_type_id,
            hosts,
            start: self.start_at,
            end: self.end_at,
            status: status(&self.status)?,
            invitee: Invitee {
                name: self.invitee_name,
                email: parsed("bookings.invitee_email", Email::parse(self.invitee_email))?,
                timezone: parsed(
                    "bookings.invitee_timezone",
                    TimeZoneName::parse(self.invitee_timezone),
                )?,
                language: self.invitee_language,
                phone: self.invitee_phone,
            },
            answers: from_json("bookings.answers", &self.answers)?,
            utm: from_json("bookings.utm", &self.utm)?,
            embed_url: self.embed_url,
            cancel_reason: self.cancel_reason,
            cancelled_by: self.cancelled_by,
            rescheduled_from: self.rescheduled_from,
            rescheduled_to: self.rescheduled_to,
            assignment_reason: self.assignment_reason,
            attendees: match &self.attendees {
                Some(text) => from_json("bookings.attendees", text)?,
                None => Vec::new(),
            },
            calendar_event_changed: Vec::new(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    from_status: Option<String>,
    to_status: String,
    actor: String,
    note: Option<String>,
    at: DateTime<Utc>,
}

/// The hosts of these bookings (by row id), each list sorted.
async fn hosts_of(pool: &Pool, booking_ids: &[String]) -> Result<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    if booking_ids.is_empty() {
        return Ok(map);
    }
    let mut query = QueryBuilder::<Db>::new(
        "SELECT booking_id, user_id FROM booking_hosts WHERE booking_id IN ",
    );
    super::push_list(&mut query, booking_ids);
    query.push(" ORDER BY booking_id, user_id");
    let rows: Vec<(String, String)> = query.build_query_as().fetch_all(pool).await?;
    for (booking, user) in rows {
        map.entry(booking).or_default().push(user);
    }
    Ok(map)
}

/// Bookings from their rows: hosts, and the hosts' changes to their events.
pub(super) async fn with_hosts(pool: &Pool, rows: Vec<BookingRow>) -> Result<Vec<Booking>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut hosts = hosts_of(pool, &ids).await?;
    let uids: Vec<String> = rows.iter().map(|r| r.uid.clone()).collect();
    let mut changed = super::booking_events::host_changes(pool, &uids).await?;
    rows.into_iter()
        .map(|row| {
            let h = hosts.remove(&row.id).unwrap_or_default();
            let mut booking = row.into_booking(h)?;
            booking.calendar_event_changed = changed.remove(&booking.uid).unwrap_or_default();
            Ok(booking)
        })
        .collect()
}

pub(super) async fn get(pool: &Pool, uid: &str) -> Result<StoredBooking> {
    let row: Option<BookingRow> = sqlx::query_as(sql(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE uid = $1"
    )))
    .bind(uid)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(StoreError::NotFound("booking"))?;
    let organization_id = row.organization_id.clone();
    let manage_token_hash = row.manage_token_hash.clone();
    let ical = crate::store::Ical {
        uid: row.ical_uid.clone().unwrap_or_else(|| row.uid.clone()),
        sequence: u32::try_from(row.ical_sequence).unwrap_or(0),
    };
    let booking = with_hosts(pool, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound("booking"))?;
    Ok(StoredBooking {
        booking,
        organization_id,
        manage_token_hash,
        ical,
    })
}

pub(super) async fn list(
    pool: &Pool,
    organization_id: &str,
    filter: &BookingFilter,
) -> Result<Vec<Booking>> {
    let mut query = QueryBuilder::<Db>::new(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE organization_id = "
    ));
    query.push_bind(organization_id.to_string());
    if let Some(host) = &filter.host {
        query
            .push(" AND id IN (SELECT booking_id FROM booking_hosts WHERE user_id = ")
            .push_bind(host.clone())
            .push(")");
    }
    if let Some(event_type) = &filter.event_type {
        query
            .push(" AND event_type_id = ")
            .push_bind(event_type.clone());
    }
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(from) = filter.from {
        query.push(" AND start_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" AND start_at < ").push_bind(to);
    }
    let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 1000));
    query.push(" ORDER BY start_at, id LIMIT ").push_bind(limit);
    query
        .push(" OFFSET ")
        .push_bind(i64::from(filter.offset.unwrap_or(0)));
    let rows: Vec<BookingRow> = query.build_query_as().fetch_all(pool).await?;
    with_hosts(pool, rows).await
}

pub(super) async fn history(pool: &Pool, uid: &str) -> Result<Vec<StatusChange>> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT h.from_status, h.to_status, h.actor, h.note, h.at FROM booking_history h \
         JOIN bookings b ON b.id = h.booking_id WHERE b.uid = $1 ORDER BY h.at, h.id",
    )
    .bind(uid)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StatusChange {
                from: r.from_status.as_deref().map(status).transpose()?,
                to: status(&r.to_status)?,
                actor: r.actor,
                note: r.note,
                at: r.at,
            })
        })
        .collect()
}

/// Bookings per host of an event type made in `[from, to)` (cancelled and
/// rejected ones not counted).
pub(super) async fn per_host(
    pool: &Pool,
    event_type_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT bh.user_id, COUNT(*) FROM bookings b JOIN booking_hosts bh ON bh.booking_id = b.id \
         WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') \
         AND b.created_at >= $2 AND b.created_at < $3 GROUP BY bh.user_id ORDER BY bh.user_id",
    )
    .bind(event_type_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn write_history(
    conn: &mut Conn,
    booking_id: &str,
    from: Option<BookingStatus>,
    to: BookingStatus,
    actor: &str,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO booking_history (id, booking_id, from_status, to_status, actor, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(booking_id)
    .bind(from.map(|s| s.as_str()))
    .bind(to.as_str())
    .bind(actor)
    .bind(note)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Reschedule: cancels the booking `old_uid` names (it must hold time);
/// returns its row id. The bookings row first, then its host rows: the same
/// order as [`change_status`], so a racing cancel and reschedule cannot
/// deadlock, and the conditional update makes the loser see `WrongStatus`.
pub(super) async fn cancel_for_reschedule(
    conn: &mut Conn,
    old_uid: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<String> {
    let old: Option<(String, String)> =
        sqlx::query_as("SELECT id, status FROM bookings WHERE uid = $1")
            .bind(old_uid)
            .fetch_optional(&mut *conn)
            .await?;
    let (old_id, old_status) = old.ok_or(StoreError::NotFound("booking"))?;
    let old_status = status(&old_status)?;
    if !old_status.holds_time() {
        return Err(StoreError::WrongStatus(old_status.as_str().to_string()));
    }
    let done = sqlx::query(
        "UPDATE bookings SET status = 'cancelled', cancel_reason = 'rescheduled', \
         cancelled_by = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(actor)
    .bind(at)
    .bind(&old_id)
    .bind(old_status.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::WrongStatus("changed meanwhile".to_string()));
    }
    sqlx::query("UPDATE booking_hosts SET active = FALSE WHERE booking_id = $1")
        .bind(&old_id)
        .execute(&mut *conn)
        .await?;
    let note = Some("rescheduled");
    let cancelled = BookingStatus::Cancelled;
    write_history(conn, &old_id, Some(old_status), cancelled, actor, note).await?;
    Ok(old_id)
}

/// The booking row as decided: who comes, and why these hosts.
pub(super) struct Insert<'a> {
    pub(super) id: &'a str,
    pub(super) uid: &'a str,
    pub(super) new: &'a NewBooking,
    pub(super) invitee: &'a Invitee,
    pub(super) attendees: &'a [Attendee],
    pub(super) reason: &'a Option<String>,
    pub(super) at: DateTime<Utc>,
}

/// Inserts the bookings row (a reused idempotency key is `Duplicate`).
pub(super) async fn insert(conn: &mut Conn, row: &Insert<'_>) -> Result<()> {
    let new = row.new;
    let attendees = if row.attendees.is_empty() {
        None
    } else {
        Some(json(&row.attendees)?)
    };
    sqlx::query(
        "INSERT INTO bookings (id, uid, organization_id, event_type_id, start_at, end_at, status, \
         invitee_name, invitee_email, invitee_timezone, answers, utm, rescheduled_from, \
         manage_token_hash, idempotency_key, created_at, updated_at, request_hash, \
         assignment_reason, attendees, manage_token_sealed, embed_url, invitee_language, \
         invitee_phone, ical_uid, ical_sequence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, \
         COALESCE((SELECT COALESCE(r.ical_uid, r.uid) FROM bookings r WHERE r.uid = $13), $2), \
         COALESCE((SELECT r.ical_sequence + 1 FROM bookings r WHERE r.uid = $13), 0))",
    )
    .bind(row.id)
    .bind(row.uid)
    .bind(&new.organization_id)
    .bind(&new.event_type_id)
    .bind(new.start)
    .bind(new.end)
    .bind(new.status.as_str())
    .bind(&row.invitee.name)
    .bind(row.invitee.email.as_str())
    .bind(row.invitee.timezone.as_str())
    .bind(json(&new.answers)?)
    .bind(json(&new.utm)?)
    .bind(&new.replaces)
    .bind(&new.manage_token_hash)
    .bind(&new.idempotency_key)
    .bind(row.at)
    .bind(row.at)
    .bind(&new.request_hash)
    .bind(row.reason)
    .bind(attendees)
    .bind(&new.manage_token_sealed)
    .bind(&new.embed_url)
    .bind(&row.invitee.language)
    .bind(&row.invitee.phone)
    .execute(&mut *conn)
    .await
    .map_err(super::unique_as("idempotency_key"))?;
    Ok(())
}

/// One host row per host; on PostgreSQL the exclusion constraint refuses
/// one that overlaps a time-holding booking of the host (`SlotTaken`).
pub(super) async fn insert_hosts(
    conn: &mut Conn,
    booking_id: &str,
    hosts: &[String],
    new: &NewBooking,
    slot_key: &str,
) -> Result<()> {
    for host in hosts {
        sqlx::query(
            "INSERT INTO booking_hosts (booking_id, user_id, start_at, end_at, slot_key, active) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(booking_id)
        .bind(host)
        .bind(new.start)
        .bind(new.end)
        .bind(slot_key)
        .bind(new.status.holds_time())
        .execute(&mut *conn)
        .await
        .map_err(overlap)?;
    }
    Ok(())
}

/// Points a rescheduled booking at its successor.
pub(super) async fn link_successor(conn: &mut Conn, old_id: &str, uid: &str) -> Result<()> {
    sqlx::query("UPDATE bookings SET rescheduled_to = $1 WHERE id = $2")
        .bind(uid)
        .bind(old_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn overlap(error: sqlx::Error) -> StoreError {
    if super::Backend::is_overlap(&error) {
        StoreError::SlotTaken
    } else {
        StoreError::Database(error)
    }
}

/// Moves a booking from one of `from` to `change.to`, recording who did it
/// and queueing the effects the change causes; inside a write transaction (SQLite:
/// `BEGIN IMMEDIATE`, so a concurrent writer makes us wait rather than fail).
pub(super) async fn change_status(
    conn: &mut Conn,
    uid: &str,
    from: &[BookingStatus],
    change: &StatusUpdate,
) -> Result<()> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, status, organization_id FROM bookings WHERE uid = $1")
            .bind(uid)
            .fetch_optional(&mut *conn)
            .await?;
    let (id, current, organization_id) = row.ok_or(StoreError::NotFound("booking"))?;
    let current = status(&current)?;
    if !from.contains(&current) {
        return Err(StoreError::WrongStatus(current.as_str().to_string()));
    }
    let cancelling = change.to == BookingStatus::Cancelled;
    let done = sqlx::query(
        "UPDATE bookings SET status = $1, \
         cancel_reason = CASE WHEN $2 THEN $3 ELSE cancel_reason END, \
         cancelled_by = CASE WHEN $2 THEN $4 ELSE cancelled_by END, updated_at = $5, \
         ical_sequence = CASE WHEN $2 THEN ical_sequence + 1 ELSE ical_sequence END \
         WHERE id = $6 AND status = $7",
    )
    .bind(change.to.as_str())
    .bind(cancelling)
    .bind(&change.cancel_reason)
    .bind(&change.actor)
    .bind(now())
    .bind(&id)
    .bind(current.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::WrongStatus("changed meanwhile".to_string()));
    }
    sqlx::query("UPDATE booking_hosts SET active = $1 WHERE booking_id = $2")
        .bind(change.to.holds_time())
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(overlap)?;
    let note = change.note.as_deref();
    write_history(conn, &id, Some(current), change.to, &change.actor, note).await?;
    let at = now();
    for effect in &change.effects {
        super::effects::enqueue(conn, &organization_id, effect, at, &[]).await?;
    }
    Ok(())
}
