//! A team's public listing: what its page (`/team/{slug}`) shows.

use crate::app::App;
use crate::domain::{EventType, Kind, PublicLocation, Slug, Team, User};
use crate::http::error::{ApiError, missing};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

/// One of a team's event types, as its page lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamEventType {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub duration_minutes: u32,
    pub location: PublicLocation,
    /// The owner's slug: the event type's slots and bookings are under
    /// `/api/v1/public/{owner}/{slug}`.
    pub owner: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTeam {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The team's logo (`https://`), for pages and widgets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The accent colour, `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_color: Option<String>,
    /// The accent colour in dark mode, `#rrggbb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_color_dark: Option<String>,
    /// Its event types open to anyone, by title.
    pub event_types: Vec<TeamEventType>,
}

impl PublicTeam {
    pub fn new(team: Team, listed: Vec<(EventType, User)>) -> Self {
        PublicTeam {
            slug: team.input.slug.to_string(),
            name: team.input.name,
            description: team.input.description,
            logo_url: team.input.logo_url,
            brand_color: team.input.brand_color,
            brand_color_dark: team.input.brand_color_dark,
            event_types: listed
                .into_iter()
                .map(|(event_type, owner)| {
                    let input = event_type.input;
                    TeamEventType {
                        slug: input.slug.to_string(),
                        title: input.title,
                        description: input.description,
                        kind: input.kind,
                        duration_minutes: input.duration_minutes,
                        location: input.location.public(),
                        owner: owner.input.slug.to_string(),
                    }
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/public/team/{team}", operation_id = "public_team", tag = "public",
    params(("team" = String, Path, description = "The team's slug")),
    responses((status = 200, description = "OK", body = PublicTeam)))]
pub async fn team(
    State(state): State<App>,
    Path(team): Path<String>,
) -> Result<Json<PublicTeam>, ApiError> {
    if Slug::parse(team.as_str()).is_err() {
        return Err(ApiError::not_found("team"));
    }
    let (team, listed) = state
        .store
        .team_page(&team)
        .await
        .map_err(missing("team"))?;
    Ok(Json(PublicTeam::new(team, listed)))
}
