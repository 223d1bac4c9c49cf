//! `/team/{team}`: a team's page, in the team's branding: its logo, name
//! and description, and its public event types, each linking to its
//! booking page under the team (`/team/{team}/{event}`).

use super::host::event_list;
use super::layout::{Brand, Here, Shell, document};
use super::visit::Visit;
use super::whose::team_header;
use crate::app::App;
use crate::domain::{EventType, Slug, Team, User};
use crate::html::escape;
use crate::http::error::ApiError;
use crate::store::StoreError;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use std::fmt::Write;

pub async fn page(
    State(state): State<App>,
    Path(team): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    if Slug::parse(team.as_str()).is_err() {
        return visit.fail(&visit.here("/", &[]), ApiError::not_found("page"));
    }
    let here = visit.here(&format!("/team/{team}"), &[]);
    match state.store.team_page(&team).await {
        Ok((team, listed)) => render(&visit, &here, &team, &listed).into_response(),
        Err(StoreError::NotFound(_)) => visit.fail(&here, ApiError::not_found("team")),
        Err(error) => visit.fail(&here, error.into()),
    }
}

fn render(visit: &Visit, here: &Here, team: &Team, listed: &[(EventType, User)]) -> Html<String> {
    let lang = visit.lang;
    let name = &team.input.name;
    let mut body = String::from("<div class=\"card narrow host\">");
    body.push_str(&team_header(team, &format!("<h1>{}</h1>", escape(name))));
    if !team.input.description.is_empty() {
        let _ = write!(
            body,
            "<p class=\"description\">{}</p>",
            escape(&team.input.description).replace('\n', "<br>")
        );
    }
    if listed.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p></div>",
            escape(&lang.tf("host.empty", &[("name", name)]))
        );
    } else {
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p></div><ul class=\"types narrow\">",
            escape(lang.t("host.intro"))
        );
        let links: Vec<(String, &EventType)> = listed
            .iter()
            .map(|(t, _)| (format!("/team/{}/{}", team.input.slug, t.input.slug), t))
            .collect();
        body.push_str(&event_list(lang, here, &links));
        body.push_str("</ul>");
    }
    let title = lang.tf("host.title", &[("name", name)]);
    let shell = Shell {
        lang,
        title: &title,
        brand: Brand {
            light: team.input.brand_color.as_deref(),
            dark: team.input.brand_color_dark.as_deref(),
        },
        embed: visit.embed,
        here,
        data: Some(json!({
            "events": [{ "type": "kairos:ready", "detail": { "user": null, "event": null, "team": team.input.slug.as_str() } }]
        })),
    };
    document(&shell, &body)
}
