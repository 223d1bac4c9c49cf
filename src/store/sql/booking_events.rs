//! The events Kairos wrote for bookings into hosts' calendars: where each
//! went (so a reschedule moves it and a cancellation removes it), and what
//! the host made of it since.

use super::{BATCH, Db, Pool, Result, unique_as};
use crate::domain::CalendarEventChange;
use crate::store::BookingEvent;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Events of these bookings (by uid) their hosts changed.
pub(super) async fn host_changes(
    pool: &Pool,
    uids: &[String],
) -> Result<HashMap<String, Vec<CalendarEventChange>>> {
    let mut map: HashMap<String, Vec<CalendarEventChange>> = HashMap::new();
    for chunk in uids.chunks(BATCH) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "SELECT booking_uid, user_id, host_start, host_end FROM booking_events \
             WHERE host_start IS NOT NULL AND host_end IS NOT NULL AND booking_uid IN ",
        );
        super::push_list(&mut query, chunk);
        query.push(" ORDER BY booking_uid, user_id");
        let found: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)> =
            query.build_query_as().fetch_all(pool).await?;
        for (uid, user_id, start, end) in found {
            let change = CalendarEventChange {
                user_id,
                start,
                end,
            };
            map.entry(uid).or_default().push(change);
        }
    }
    Ok(map)
}

/// Every event Kairos wrote into this host's calendars: `(event id, booking uid)`.
pub(super) async fn written(pool: &Pool, user_id: &str) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT event_id, booking_uid FROM booking_events WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await?,
    )
}

/// Records the host's span of a written event where it differs from the booking.
pub(super) async fn record_host_change(
    pool: &Pool,
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
    .execute(pool)
    .await?;
    Ok(())
}

/// Events written for a booking (by its uid), one per host.
pub(super) async fn of_booking(pool: &Pool, booking_uid: &str) -> Result<Vec<BookingEvent>> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT booking_uid, user_id, connection_id, calendar_external_id, event_id \
         FROM booking_events WHERE booking_uid = $1 ORDER BY user_id",
    )
    .bind(booking_uid)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(booking_uid, user_id, connection_id, calendar_external_id, event_id)| BookingEvent {
                booking_uid,
                user_id,
                connection_id,
                calendar_external_id,
                event_id,
            },
        )
        .collect())
}

pub(super) async fn save(pool: &Pool, event: &BookingEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO booking_events (booking_uid, user_id, connection_id, calendar_external_id, \
         event_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (booking_uid, user_id) DO UPDATE SET \
         connection_id = excluded.connection_id, \
         calendar_external_id = excluded.calendar_external_id, \
         event_id = excluded.event_id, host_start = NULL, host_end = NULL",
    )
    .bind(&event.booking_uid)
    .bind(&event.user_id)
    .bind(&event.connection_id)
    .bind(&event.calendar_external_id)
    .bind(&event.event_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets a written event; false when there was none (taken already).
pub(super) async fn delete(pool: &Pool, booking_uid: &str, user_id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM booking_events WHERE booking_uid = $1 AND user_id = $2")
        .bind(booking_uid)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Hands a written event from one booking to its successor; false when the
/// record is gone (another effect removed it).
pub(super) async fn hand_over(
    pool: &Pool,
    from_uid: &str,
    to_uid: &str,
    user_id: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE booking_events SET booking_uid = $1, host_start = NULL, host_end = NULL \
         WHERE booking_uid = $2 AND user_id = $3",
    )
    .bind(to_uid)
    .bind(from_uid)
    .bind(user_id)
    .execute(pool)
    .await
    .map_err(unique_as("booking_uid"))?;
    Ok(done.rows_affected() > 0)
}
