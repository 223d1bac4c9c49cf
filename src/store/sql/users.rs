//! Hosts (users) of an organization, and the check that ids an input names
//! are users of the same organization.

use super::{Pool, Result, StoreError, in_use, now, parsed, sql, touched, unique_as};
use crate::domain::{Email, Slug, TimeZoneName, User, UserInput, new_id};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    organization_id: String,
    slug: String,
    name: String,
    email: String,
    timezone: String,
    avatar_url: Option<String>,
    brand_color: Option<String>,
    brand_color_dark: Option<String>,
    language: Option<String>,
    phone: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, organization_id, slug, name, email, timezone, avatar_url, \
     brand_color, brand_color_dark, language, phone, created_at, updated_at";

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            id: self.id,
            organization_id: self.organization_id,
            input: UserInput {
                slug: parsed("users.slug", Slug::parse(self.slug))?,
                name: self.name,
                email: parsed("users.email", Email::parse(self.email))?,
                timezone: parsed("users.timezone", TimeZoneName::parse(self.timezone))?,
                avatar_url: self.avatar_url,
                brand_color: self.brand_color,
                brand_color_dark: self.brand_color_dark,
                language: self.language,
                phone: self.phone,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) async fn insert(pool: &Pool, organization_id: &str, input: &UserInput) -> Result<User> {
    let at = now();
    let row: UserRow = sqlx::query_as(sql(format!(
        "INSERT INTO users (id, organization_id, slug, name, email, timezone, avatar_url, \
         brand_color, brand_color_dark, created_at, updated_at, language, phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {USER_COLUMNS}"
    )))
    .bind(new_id())
    .bind(organization_id)
    .bind(input.slug.as_str())
    .bind(&input.name)
    .bind(input.email.as_str())
    .bind(input.timezone.as_str())
    .bind(&input.avatar_url)
    .bind(&input.brand_color)
    .bind(&input.brand_color_dark)
    .bind(at)
    .bind(at)
    .bind(&input.language)
    .bind(&input.phone)
    .fetch_one(pool)
    .await
    .map_err(unique_as("slug"))?;
    row.into_user()
}

pub(super) async fn update(
    pool: &Pool,
    organization_id: &str,
    id: &str,
    input: &UserInput,
) -> Result<User> {
    let row: Option<UserRow> = sqlx::query_as(sql(format!(
        "UPDATE users SET slug = $1, name = $2, email = $3, timezone = $4, avatar_url = $5, \
         brand_color = $6, brand_color_dark = $7, updated_at = $8, language = $11, \
         phone = $12 \
         WHERE id = $9 AND organization_id = $10 RETURNING {USER_COLUMNS}"
    )))
    .bind(input.slug.as_str())
    .bind(&input.name)
    .bind(input.email.as_str())
    .bind(input.timezone.as_str())
    .bind(&input.avatar_url)
    .bind(&input.brand_color)
    .bind(&input.brand_color_dark)
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .bind(&input.language)
    .bind(&input.phone)
    .fetch_optional(pool)
    .await
    .map_err(unique_as("slug"))?;
    row.ok_or(StoreError::NotFound("user"))?.into_user()
}

pub(super) async fn list(pool: &Pool, organization_id: &str) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(sql(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE organization_id = $1 ORDER BY slug"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(UserRow::into_user).collect()
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<User> {
    let row: Option<UserRow> = sqlx::query_as(sql(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("user"))?.into_user()
}

pub(super) async fn by_slug(pool: &Pool, slug: &str) -> Result<User> {
    let row: Option<UserRow> = sqlx::query_as(sql(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE slug = $1"
    )))
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("user"))?.into_user()
}

pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM users WHERE id = $1 AND organization_id = $2")
        .bind(id)
        .bind(organization_id)
        .execute(pool)
        .await
        .map_err(in_use("the user still hosts event types or bookings"))?;
    touched(done, "user")
}

/// Checks that every user id belongs to the organization; `fields` pairs
/// each id with the input field that named it.
pub(super) async fn check(
    pool: &Pool,
    organization_id: &str,
    fields: &[(String, &str)],
) -> Result<()> {
    for (field, id) in fields {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM users WHERE id = $1 AND organization_id = $2")
                .bind(*id)
                .bind(organization_id)
                .fetch_optional(pool)
                .await?;
        if found.is_none() {
            return Err(StoreError::Refused {
                field: field.clone(),
                message: format!("no such user {id:?}"),
            });
        }
    }
    Ok(())
}

/// [`check`] for one field.
pub(super) async fn check_one(
    pool: &Pool,
    organization_id: &str,
    field: &str,
    id: &str,
) -> Result<()> {
    check(pool, organization_id, &[(field.to_string(), id)]).await
}

/// Sets (or with `None` removes) the hash of a user's calendar feed token.
pub(super) async fn set_feed(
    pool: &Pool,
    organization_id: &str,
    id: &str,
    token_hash: Option<&str>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE users SET feed_token_hash = $1, updated_at = $2 \
         WHERE id = $3 AND organization_id = $4",
    )
    .bind(token_hash)
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("user"));
    }
    Ok(())
}

/// The user whose calendar feed token has this hash.
pub(super) async fn by_feed(pool: &Pool, token_hash: &str) -> Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(sql(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE feed_token_hash = $1"
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(UserRow::into_user).transpose()
}
