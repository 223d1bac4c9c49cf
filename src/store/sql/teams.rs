//! Teams of an organization, and the event types their pages list.

use super::{Pool, Result, StoreError, in_use, now, parsed, sql, touched, unique_as};
use crate::domain::{EventType, Slug, Team, TeamInput, User, new_id};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: String,
    organization_id: String,
    slug: String,
    name: String,
    description: String,
    logo_url: Option<String>,
    brand_color: Option<String>,
    brand_color_dark: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const TEAM_COLUMNS: &str = "id, organization_id, slug, name, description, logo_url, brand_color, \
     brand_color_dark, created_at, updated_at";

impl TeamRow {
    fn into_team(self) -> Result<Team> {
        Ok(Team {
            id: self.id,
            organization_id: self.organization_id,
            input: TeamInput {
                slug: parsed("teams.slug", Slug::parse(self.slug))?,
                name: self.name,
                description: self.description,
                logo_url: self.logo_url,
                brand_color: self.brand_color,
                brand_color_dark: self.brand_color_dark,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) async fn insert(pool: &Pool, organization_id: &str, input: &TeamInput) -> Result<Team> {
    let at = now();
    let row: TeamRow = sqlx::query_as(sql(format!(
        "INSERT INTO teams (id, organization_id, slug, name, description, logo_url, brand_color, \
         brand_color_dark, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {TEAM_COLUMNS}"
    )))
    .bind(new_id())
    .bind(organization_id)
    .bind(input.slug.as_str())
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.logo_url)
    .bind(&input.brand_color)
    .bind(&input.brand_color_dark)
    .bind(at)
    .bind(at)
    .fetch_one(pool)
    .await
    .map_err(unique_as("slug"))?;
    row.into_team()
}

pub(super) async fn update(
    pool: &Pool,
    organization_id: &str,
    id: &str,
    input: &TeamInput,
) -> Result<Team> {
    let row: Option<TeamRow> = sqlx::query_as(sql(format!(
        "UPDATE teams SET slug = $1, name = $2, description = $3, logo_url = $4, brand_color = $5, \
         brand_color_dark = $6, updated_at = $7 \
         WHERE id = $8 AND organization_id = $9 RETURNING {TEAM_COLUMNS}"
    )))
    .bind(input.slug.as_str())
    .bind(&input.name)
    .bind(&input.description)
    .bind(&input.logo_url)
    .bind(&input.brand_color)
    .bind(&input.brand_color_dark)
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await
    .map_err(unique_as("slug"))?;
    row.ok_or(StoreError::NotFound("team"))?.into_team()
}

pub(super) async fn list(pool: &Pool, organization_id: &str) -> Result<Vec<Team>> {
    let rows: Vec<TeamRow> = sqlx::query_as(sql(format!(
        "SELECT {TEAM_COLUMNS} FROM teams WHERE organization_id = $1 ORDER BY slug"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TeamRow::into_team).collect()
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<Team> {
    let row: Option<TeamRow> = sqlx::query_as(sql(format!(
        "SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1 AND organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("team"))?.into_team()
}

pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM teams WHERE id = $1 AND organization_id = $2")
        .bind(id)
        .bind(organization_id)
        .execute(pool)
        .await
        .map_err(in_use(
            "the team still lists event types; move them to no team first",
        ))?;
    touched(done, "team")
}

/// A team's public page: the team and its event types open to anyone (not
/// hidden), each with its owner (whose slots and bookings API serves it),
/// in title order.
pub(super) async fn page(pool: &Pool, slug: &str) -> Result<(Team, Vec<(EventType, User)>)> {
    let row: Option<TeamRow> = sqlx::query_as(sql(format!(
        "SELECT {TEAM_COLUMNS} FROM teams WHERE slug = $1"
    )))
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    let team = row.ok_or(StoreError::NotFound("team"))?.into_team()?;
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM event_types WHERE team_id = $1 ORDER BY slug")
            .bind(&team.id)
            .fetch_all(pool)
            .await?;
    let mut listed = Vec::with_capacity(ids.len());
    for (id,) in ids {
        let event_type = super::event_types::get(pool, &team.organization_id, &id).await?;
        if event_type.input.hidden {
            continue;
        }
        let owner =
            super::users::get(pool, &team.organization_id, &event_type.input.owner_id).await?;
        listed.push((event_type, owner));
    }
    listed.sort_by(|a, b| a.0.input.title.cmp(&b.0.input.title));
    Ok((team, listed))
}

/// A team event type by the team's slug and its own.
pub(super) async fn event_type(
    pool: &Pool,
    team_slug: &str,
    event_slug: &str,
) -> Result<(EventType, User)> {
    let (_, listed) = page(pool, team_slug).await?;
    listed
        .into_iter()
        .find(|(event_type, _)| event_type.input.slug.as_str() == event_slug)
        .ok_or(StoreError::NotFound("event type"))
}
