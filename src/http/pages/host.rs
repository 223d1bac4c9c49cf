//! `/{user}`: the host's page, their public event types each linking to its
//! booking page.

use super::layout::{Brand, Here, Shell, document};
use super::visit::Visit;
use crate::app::App;
use crate::domain::{EventType, Kind, Location, Slug, User};
use crate::html::escape;
use crate::http::error::ApiError;
use crate::i18n::Lang;
use crate::store::StoreError;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::fmt::Write;

/// A label for how the meeting happens (kind of place, never its link).
pub fn location_label(lang: Lang, kind: &str) -> &'static str {
    lang.t(&format!("location.{kind}"))
}

/// Where the meeting happens, as an invitee reads it before booking: the
/// address for in person, else the kind (a call's number or link comes with
/// the booking, never on a public page).
pub fn place(lang: Lang, location: &Location) -> String {
    let kind = location.kind();
    match location {
        Location::InPerson { address } => format!("{}: {}", location_label(lang, kind), address),
        Location::Unspecified => location_label(lang, kind).to_string(),
        _ => format!(
            "{} ({})",
            location_label(lang, kind),
            lang.t(&format!("location.{kind}.note"))
        ),
    }
}

/// Who the invitee meets, when it is not simply the host.
pub fn kind_label(lang: Lang, kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::OneOnOne => None,
        other => Some(lang.t(&format!("kind.{}", other.as_str()))),
    }
}

/// The host's avatar, name and brand, as every page about them shows it.
pub fn host_header(user: &User, heading: &str) -> String {
    let mut html = String::new();
    if let Some(url) = &user.input.avatar_url {
        // Decorative: the name is right next to it.
        let _ = write!(
            html,
            "<img class=\"avatar\" src=\"{}\" alt=\"\" width=\"64\" height=\"64\">",
            escape(url)
        );
    }
    html.push_str(heading);
    html
}

pub fn brand(user: &User) -> Brand<'_> {
    Brand {
        light: user.input.brand_color.as_deref(),
        dark: user.input.brand_color_dark.as_deref(),
    }
}

/// A description shortened for a list (whole words, at most `max` characters).
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

pub async fn page(
    State(state): State<App>,
    Path(user): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    if Slug::parse(user.as_str()).is_err() {
        return visit.fail(&visit.here("/", &[]), ApiError::not_found("page"));
    }
    let here = visit.here(&format!("/{user}"), &[]);
    let host = match state.store.user_by_slug(&user).await {
        Ok(host) => host,
        Err(StoreError::NotFound(_)) => return visit.fail(&here, ApiError::not_found("user")),
        Err(error) => return visit.fail(&here, error.into()),
    };
    let mut types: Vec<EventType> = match state.store.event_types(&host.organization_id).await {
        Ok(types) => types,
        Err(error) => return visit.fail(&here, error.into()),
    };
    types.retain(|t| t.input.owner_id == host.id && !t.input.hidden);
    types.sort_by(|a, b| a.input.title.cmp(&b.input.title));
    render(&visit, &here, &host, &types).into_response()
}

/// Event types as a list of links (title, length, place, kind, the start
/// of the description), each to its booking page at the path given with it,
/// carrying this page's parameters.
pub fn event_list(lang: Lang, here: &Here, listed: &[(String, &EventType)]) -> String {
    let mut html = String::new();
    for (path, event_type) in listed {
        let input = &event_type.input;
        let mut link = here.clone();
        link.path = path.clone();
        let mut facts = vec![
            lang.tf("minutes", &[("n", &input.duration_minutes.to_string())]),
            location_label(lang, input.location.kind()).to_string(),
        ];
        if let Some(kind) = kind_label(lang, input.kind) {
            facts.push(kind.to_string());
        }
        let _ = write!(
            html,
            "<li><a href=\"{}\"><strong>{}</strong><span class=\"muted\">{}</span>",
            escape(&link.url()),
            escape(&input.title),
            escape(&facts.join(" · "))
        );
        if !input.description.is_empty() {
            let _ = write!(
                html,
                "<span class=\"description\"><br>{}</span>",
                escape(&shortened(&input.description, 240))
            );
        }
        html.push_str("</a></li>");
    }
    html
}

fn render(
    visit: &Visit,
    here: &Here,
    host: &User,
    types: &[EventType],
) -> axum::response::Html<String> {
    let lang = visit.lang;
    let name = &host.input.name;
    let title = lang.tf("host.title", &[("name", name)]);
    let mut body = String::from("<div class=\"card narrow host\">");
    body.push_str(&host_header(host, &format!("<h1>{}</h1>", escape(&title))));
    if types.is_empty() {
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
        let listed: Vec<(String, &EventType)> = types
            .iter()
            .map(|t| (format!("/{}/{}", host.input.slug, t.input.slug), t))
            .collect();
        body.push_str(&event_list(lang, here, &listed));
        body.push_str("</ul>");
    }
    let shell = Shell {
        lang,
        title: &title,
        brand: brand(host),
        embed: visit.embed,
        here,
        data: Some(json!({
            "events": [{ "type": "kairos:ready", "detail": { "user": host.input.slug.as_str(), "event": null } }]
        })),
    };
    document(&shell, &body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn descriptions_shorten_at_a_word() {
        assert_eq!(super::shortened("short", 10), "short");
        assert_eq!(super::shortened("one two three four", 10), "one two…");
    }
}
