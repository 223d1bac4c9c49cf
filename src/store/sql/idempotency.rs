//! Idempotent booking requests: the booking a key (as stored: its hash)
//! made, with what a replay needs to answer as the first attempt did.

use super::bookings::{self, BOOKING_COLUMNS, BookingRow};
use super::{Pool, Result, StoreError, sql};
use crate::store::KeyedBooking;

pub(super) async fn booking_by_key(
    pool: &Pool,
    event_type_id: &str,
    key: &str,
) -> Result<Option<KeyedBooking>> {
    let row: Option<BookingRow> = sqlx::query_as(sql(format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings WHERE event_type_id = $1 AND idempotency_key = $2"
    )))
    .bind(event_type_id)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let extra: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT request_hash, manage_token_sealed FROM bookings WHERE id = $1")
            .bind(&row.id)
            .fetch_optional(pool)
            .await?;
    let (request_hash, manage_token_sealed) = extra.unwrap_or_default();
    let booking = bookings::with_hosts(pool, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound("booking"))?;
    Ok(Some(KeyedBooking {
        booking,
        request_hash,
        manage_token_sealed,
    }))
}
