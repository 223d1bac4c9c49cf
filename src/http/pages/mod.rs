//! Server-rendered pages: what invitees see. Every page works without
//! JavaScript (links and plain forms); `assets/pages.js` makes it smooth.
//! Pages call the same `booking::` use cases as the JSON API, never HTTP.
//! Their texts come from the catalogue (`crate::i18n`), which mail snippets
//! share.
//!
//! - `assets.rs`   the stylesheet and script, versioned URLs
//! - `layout.rs`   the shell: lang, brand colours, embedding, page data
//! - `visit.rs`    what a request says about its reader (language, clock,
//!   embedding, campaign parameters carried along)
//! - `host.rs`     `/{user}`: the host and their event types
//! - `team.rs`     `/team/{team}`: the team and its event types
//! - `whose.rs`    whose booking page it is (host, team, one-off link):
//!   paths, branding, the script's API, slots and booking
//! - `calendar.rs` `/{user}/{event}` (`/team/{team}/{event}`,
//!   `/links/{token}`): month view and the day's times
//! - `form.rs`     `…/book`: the booking form
//! - `booked.rs`   `/booking/{uid}`: confirmation and manage page, `.ics`
//! - `survey.rs` `/survey/{token}`: an invitee answers the survey after a meeting
//! - `approval.rs` `/booking/{uid}/approval`: a host approves or declines
//!   a request (the link in their email)
//! - `polls.rs`    meeting poll pages
//! - `reconnect.rs` `/connections/reconnect/{token}`: a host reconnects a
//!   calendar from the link in their email (OAuth: on to the provider;
//!   CalDAV: a form)

mod approval;
pub mod assets;
mod booked;
mod calendar;
mod form;
mod host;
pub mod layout;
mod polls;
mod reconnect;
mod survey;
mod team;
mod visit;
mod whose;

use crate::app::App;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

/// The pages' routes. Static first segments (`/assets`, `/booking`,
/// `/polls`…) win over `/{user}`; user slugs cannot take them
/// (`domain::RESERVED_SLUGS`).
pub fn router() -> Router<App> {
    Router::new()
        .route("/assets/{file}", get(assets::serve))
        .route(
            "/polls/join/{token}",
            get(polls::join_page).post(polls::join_submit),
        )
        .route(
            "/polls/{token}",
            get(polls::poll_page).post(polls::poll_submit),
        )
        .route(
            "/connections/reconnect/{token}",
            get(reconnect::page).post(reconnect::submit),
        )
        .route("/booking/{uid}", get(booked::page))
        .route("/booking/{uid}/event.ics", get(booked::ics))
        .route("/booking/{uid}/cancel", post(booked::cancel))
        .route(
            "/booking/{uid}/approval",
            get(approval::page).post(approval::decide),
        )
        .route("/survey/{token}", get(survey::page).post(survey::submit))
        .route("/team/{team}", get(team::page))
        .route("/team/{team}/{event}", get(calendar::page))
        .route(
            "/team/{team}/{event}/book",
            get(form::page).post(form::submit),
        )
        .route("/links/{token}", get(calendar::page))
        .route("/links/{token}/book", get(form::page).post(form::submit))
        .route("/{user}", get(host::page))
        .route("/{user}/{event}", get(calendar::page))
        .route("/{user}/{event}/book", get(form::page).post(form::submit))
        .layer(axum::middleware::map_response(page_headers))
}

/// Pages differ by the browser's language (`Accept-Language`), which caches
/// must know; and nothing here is to be read as another type than it says.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-language"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
