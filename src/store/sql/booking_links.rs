//! Links sent by email (a manage link in a reminder, a host's approve and
//! reject link): each email carries its own token; only its hash is kept.

use super::{Pool, Result, StoreError};
use crate::domain::LinkPurpose;
use chrono::{DateTime, Utc};

pub(super) async fn insert(
    pool: &Pool,
    uid: &str,
    purpose: LinkPurpose,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO booking_links (token_hash, booking_id, purpose, created_at) \
         SELECT $1, id, $2, $3 FROM bookings WHERE uid = $4",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(at)
    .bind(uid)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("booking"));
    }
    Ok(())
}

/// What a link's token opens on this booking, if anything.
pub(super) async fn purpose(
    pool: &Pool,
    uid: &str,
    token_hash: &str,
) -> Result<Option<LinkPurpose>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT l.purpose FROM booking_links l JOIN bookings b ON b.id = l.booking_id \
         WHERE l.token_hash = $1 AND b.uid = $2",
    )
    .bind(token_hash)
    .bind(uid)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(purpose,)| LinkPurpose::parse(&purpose)))
}
