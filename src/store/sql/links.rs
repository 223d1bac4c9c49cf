//! One-off links: single use, used up inside the booking's transaction.

use super::{Conn, Pool, Result, StoreError, from_json, json, now, sql};
use crate::domain::{Link, LinkInput, LinkState, new_id};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: String,
    organization_id: String,
    event_type_id: String,
    times: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    used_booking: Option<String>,
    created_at: DateTime<Utc>,
}

const LINK_COLUMNS: &str =
    "id, organization_id, event_type_id, times, expires_at, revoked_at, used_booking, created_at";

impl LinkRow {
    fn into_link(self) -> Result<Link> {
        let mut link = Link {
            id: self.id,
            input: LinkInput {
                event_type_id: self.event_type_id,
                times: match &self.times {
                    Some(text) => from_json("one_off_links.times", text)?,
                    None => Vec::new(),
                },
                expires_at: self.expires_at,
            },
            state: LinkState::Active,
            used_booking: self.used_booking,
            revoked_at: self.revoked_at,
            created_at: self.created_at,
        };
        link.state = link.state_at(Utc::now());
        Ok(link)
    }
}

pub(super) async fn insert(
    pool: &Pool,
    organization_id: &str,
    input: &LinkInput,
    token_hash: &str,
) -> Result<Link> {
    let times = if input.times.is_empty() {
        None
    } else {
        Some(json(&input.times)?)
    };
    let row: LinkRow = sqlx::query_as(sql(format!(
        "INSERT INTO one_off_links (id, organization_id, event_type_id, token_hash, times, \
         expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {LINK_COLUMNS}"
    )))
    .bind(new_id())
    .bind(organization_id)
    .bind(&input.event_type_id)
    .bind(token_hash)
    .bind(times)
    .bind(input.expires_at)
    .bind(now())
    .fetch_one(pool)
    .await?;
    row.into_link()
}

pub(super) async fn list(pool: &Pool, organization_id: &str) -> Result<Vec<Link>> {
    let rows: Vec<LinkRow> = sqlx::query_as(sql(format!(
        "SELECT {LINK_COLUMNS} FROM one_off_links WHERE organization_id = $1 \
         ORDER BY created_at DESC, id LIMIT 1000"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(LinkRow::into_link).collect()
}

/// A link by the hash of its token, with its organization.
pub(super) async fn by_token(pool: &Pool, token_hash: &str) -> Result<(Link, String)> {
    let row: Option<LinkRow> = sqlx::query_as(sql(format!(
        "SELECT {LINK_COLUMNS} FROM one_off_links WHERE token_hash = $1"
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(StoreError::NotFound("link"))?;
    let organization = row.organization_id.clone();
    Ok((row.into_link()?, organization))
}

pub(super) async fn revoke(pool: &Pool, organization_id: &str, id: &str) -> Result<Link> {
    let row: Option<LinkRow> = sqlx::query_as(sql(format!(
        "UPDATE one_off_links SET revoked_at = CASE WHEN used_booking IS NULL \
         THEN COALESCE(revoked_at, $1) ELSE revoked_at END \
         WHERE id = $2 AND organization_id = $3 RETURNING {LINK_COLUMNS}"
    )))
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("link"))?.into_link()
}

/// Uses the link up for booking `uid`, in the booking's transaction: of many
/// attempts on a single-use link, exactly one gets through; the others learn
/// why the link is gone (`LinkGone`).
pub(super) async fn consume(
    conn: &mut Conn,
    link_id: &str,
    uid: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE one_off_links SET used_booking = $1 WHERE id = $2 AND used_booking IS NULL \
         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(uid)
    .bind(link_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(());
    }
    let row: Option<LinkRow> = sqlx::query_as(sql(format!(
        "SELECT {LINK_COLUMNS} FROM one_off_links WHERE id = $1"
    )))
    .bind(link_id)
    .fetch_optional(&mut *conn)
    .await?;
    let state = row.ok_or(StoreError::NotFound("link"))?.into_link()?.state;
    Err(StoreError::LinkGone(state))
}
