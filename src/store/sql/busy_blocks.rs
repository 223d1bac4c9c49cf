//! Busy time entered by hand or through the API (synced calendar rows live
//! in the same table; see `sync.rs`).

use super::users;
use super::{Db, Pool, Result, sql, touched, unique_as};
use crate::domain::new_id;
use crate::store::{BusyBlock, BusyBlockInput};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub(super) struct BusyRow {
    id: String,
    user_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    source: String,
    external_id: Option<String>,
    ical: Option<String>,
    series: Option<String>,
}

pub(super) const BUSY_COLUMNS: &str =
    "id, user_id, start_at, end_at, source, external_id, ical, series";

impl From<BusyRow> for BusyBlock {
    fn from(row: BusyRow) -> Self {
        BusyBlock {
            id: row.id,
            input: BusyBlockInput {
                user_id: row.user_id,
                start: row.start_at,
                end: row.end_at,
                source: row.source,
                external_id: row.external_id,
                ical: row.ical,
            },
            series: row.series,
        }
    }
}

pub(super) async fn insert(
    pool: &Pool,
    organization_id: &str,
    input: &BusyBlockInput,
) -> Result<BusyBlock> {
    users::check_one(pool, organization_id, "user_id", &input.user_id).await?;
    let row: BusyRow = sqlx::query_as(sql(format!(
        "INSERT INTO busy_blocks (id, user_id, start_at, end_at, source, external_id, ical) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {BUSY_COLUMNS}"
    )))
    .bind(new_id())
    .bind(&input.user_id)
    .bind(input.start)
    .bind(input.end)
    .bind(&input.source)
    .bind(&input.external_id)
    .bind(&input.ical)
    .fetch_one(pool)
    .await
    .map_err(unique_as("external_id"))?;
    Ok(row.into())
}

/// Busy blocks of the organization's hosts (optionally one host's), by start.
pub(super) async fn list(
    pool: &Pool,
    organization_id: &str,
    user_id: Option<&str>,
) -> Result<Vec<BusyBlock>> {
    let mut query = sqlx::QueryBuilder::<Db>::new(
        "SELECT b.id, b.user_id, b.start_at, b.end_at, b.source, b.external_id, b.ical, b.series \
         FROM busy_blocks b JOIN users u ON u.id = b.user_id WHERE u.organization_id = ",
    );
    query.push_bind(organization_id.to_string());
    if let Some(user) = user_id {
        query.push(" AND b.user_id = ").push_bind(user.to_string());
    }
    query.push(" ORDER BY b.start_at, b.id LIMIT 10000");
    let rows: Vec<BusyRow> = query.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(BusyBlock::from).collect())
}

pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query(
        "DELETE FROM busy_blocks WHERE id = $1 \
         AND user_id IN (SELECT id FROM users WHERE organization_id = $2)",
    )
    .bind(id)
    .bind(organization_id)
    .execute(pool)
    .await?;
    touched(done, "busy block")
}
