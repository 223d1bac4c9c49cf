//! Organizations and their API keys (stored as hashes only).

use super::{Pool, Result, StoreError, from_json, json, now, sql};
use crate::domain::{ApiKey, EmbeddingSettings, KeyOwner, NewApiKey, new_id};
use crate::store::Organization;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Organization {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: String,
    organization_id: String,
    name: String,
    prefix: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        ApiKey {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

const API_KEY_COLUMNS: &str =
    "id, organization_id, name, prefix, created_at, last_used_at, revoked_at";

pub(super) async fn create_organization(pool: &Pool, name: &str) -> Result<Organization> {
    let row: OrganizationRow = sqlx::query_as(
        "INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) \
         RETURNING id, name, created_at",
    )
    .bind(new_id())
    .bind(name)
    .bind(now())
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

pub(super) async fn organizations(pool: &Pool) -> Result<Vec<Organization>> {
    let rows: Vec<OrganizationRow> =
        sqlx::query_as("SELECT id, name, created_at FROM organizations ORDER BY created_at, id")
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(Organization::from).collect())
}

pub(super) async fn embedding(pool: &Pool, organization_id: &str) -> Result<EmbeddingSettings> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT embed_origins FROM organizations WHERE id = $1")
            .bind(organization_id)
            .fetch_optional(pool)
            .await?;
    let (origins,) = row.ok_or(StoreError::NotFound("organization"))?;
    Ok(EmbeddingSettings {
        allowed_origins: origins
            .map(|text| from_json("organizations.embed_origins", &text))
            .transpose()?,
    })
}

pub(super) async fn set_embedding(
    pool: &Pool,
    organization_id: &str,
    settings: &EmbeddingSettings,
) -> Result<EmbeddingSettings> {
    let origins = settings.allowed_origins.as_ref().map(json).transpose()?;
    let done = sqlx::query("UPDATE organizations SET embed_origins = $1 WHERE id = $2")
        .bind(origins)
        .bind(organization_id)
        .execute(pool)
        .await?;
    super::touched(done, "organization")?;
    Ok(settings.clone())
}

pub(super) async fn create_api_key(
    pool: &Pool,
    organization_id: &str,
    name: &str,
    key_hash: &str,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_keys (id, organization_id, name, key_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(organization_id)
    .bind(name)
    .bind(key_hash)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(id)
}

pub(super) async fn insert_api_key(
    pool: &Pool,
    organization_id: &str,
    name: &str,
    key: &NewApiKey,
) -> Result<ApiKey> {
    let row: ApiKeyRow = sqlx::query_as(sql(format!(
        "INSERT INTO api_keys (id, organization_id, name, key_hash, prefix, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {API_KEY_COLUMNS}"
    )))
    .bind(new_id())
    .bind(organization_id)
    .bind(name)
    .bind(&key.hash)
    .bind(&key.prefix)
    .bind(now())
    .fetch_one(pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound("organization")
        }
        _ => StoreError::from(e),
    })?;
    Ok(row.into())
}

pub(super) async fn api_keys(pool: &Pool, organization_id: Option<&str>) -> Result<Vec<ApiKey>> {
    let rows: Vec<ApiKeyRow> = sqlx::query_as(sql(format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE ($1 IS NULL OR organization_id = $1) \
         ORDER BY created_at, id"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ApiKey::from).collect())
}

pub(super) async fn revoke_api_key(
    pool: &Pool,
    organization_id: Option<&str>,
    id: &str,
) -> Result<ApiKey> {
    let row: Option<ApiKeyRow> = sqlx::query_as(sql(format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
         WHERE id = $2 AND ($3 IS NULL OR organization_id = $3) RETURNING {API_KEY_COLUMNS}"
    )))
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.map(ApiKey::from).ok_or(StoreError::NotFound("API key"))
}

pub(super) async fn api_key(pool: &Pool, key_hash: &str) -> Result<Option<KeyOwner>> {
    type OwnerRow = (String, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let row: Option<OwnerRow> = sqlx::query_as(
        "SELECT id, organization_id, last_used_at, revoked_at FROM api_keys WHERE key_hash = $1",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(key_id, organization_id, last_used_at, revoked_at)| KeyOwner {
            key_id,
            organization_id,
            last_used_at,
            revoked: revoked_at.is_some(),
        },
    ))
}

pub(super) async fn touch_api_key(
    pool: &Pool,
    id: &str,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(since)
    .execute(pool)
    .await?;
    Ok(())
}
