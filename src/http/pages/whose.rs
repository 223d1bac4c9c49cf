//! Whose booking page this is: a host's (`/{user}/{event}`), a team's
//! (`/team/{team}/{event}`) or a one-off link's (`/links/{token}`). The
//! calendar and the form are one piece of code for all three; this says
//! where they live, whose branding they wear, where the script's JSON calls
//! go (always the owner's public API, or the link's), which times they offer
//! and how the booking is made (the same use cases as the JSON API).

use super::host::{brand, host_header};
use super::layout::{self, Brand, Here};
use super::visit::Visit;
use crate::app::App;
use crate::booking::links::{self, OpenLink};
use crate::booking::{self, AvailabilityInputs, Booked, BookingError, SlotsAnswer};
use crate::domain::{BookingRequest, LinkState, Slug, Team, TimeZoneName, looks_like_token};
use crate::engine::{Instant, Interval};
use crate::html::escape;
use crate::http::api::public;
use crate::http::error::ApiError;
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::fmt::Write;
use std::sync::Arc;

/// What a page's address names, before anything is looked up.
pub enum Address {
    Host { user: String, event: String },
    Team { team: String, event: String },
    Link { token: String },
}

/// Read from the route's path parameters, so one handler serves a host's,
/// a team's and a link's page: `{user}/{event}`, `team/{team}/{event}`,
/// `links/{token}`.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Address {
    type Rejection = axum::http::StatusCode;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(mut params) = axum::extract::Path::<
            std::collections::HashMap<String, String>,
        >::from_request_parts(parts, state)
        .await
        .map_err(|_| axum::http::StatusCode::NOT_FOUND)?;
        let mut take = |name: &str| params.remove(name);
        match (take("user"), take("team"), take("event"), take("token")) {
            (Some(user), None, Some(event), None) => Ok(Address::Host { user, event }),
            (None, Some(team), Some(event), None) => Ok(Address::Team { team, event }),
            (None, None, None, Some(token)) => Ok(Address::Link { token }),
            _ => Err(axum::http::StatusCode::NOT_FOUND),
        }
    }
}

enum Owner {
    Host(Arc<AvailabilityInputs>),
    Team(Team, Arc<AvailabilityInputs>),
    Link { token: String, open: Box<OpenLink> },
}

/// A booking page's owner and event type, looked up.
pub struct BookingPage {
    owner: Owner,
}

impl Address {
    /// Looks the page up. A failure is the page to answer with: 404 for
    /// anything unknown, 410 in words for a link that was used, expired
    /// or withdrawn.
    pub async fn open(self, state: &App, visit: &Visit) -> Result<BookingPage, Response> {
        self.look_up(state, visit, false).await
    }

    /// Looks the page up to book through it: a used link is still opened,
    /// since the request may be a retry of the booking that used it (its
    /// use case answers that with the booking, anything else with 410).
    pub async fn open_to_book(self, state: &App, visit: &Visit) -> Result<BookingPage, Response> {
        self.look_up(state, visit, true).await
    }

    async fn look_up(
        self,
        state: &App,
        visit: &Visit,
        booking: bool,
    ) -> Result<BookingPage, Response> {
        let fail = |error: ApiError| visit.fail(&visit.here("/", &[]), error);
        let owner = match self {
            Address::Host { user, event } => {
                Owner::Host(public::inputs(state, &user, &event).await.map_err(fail)?)
            }
            Address::Team { team, event } => {
                if Slug::parse(team.as_str()).is_err() || Slug::parse(event.as_str()).is_err() {
                    return Err(fail(ApiError::not_found("event type")));
                }
                let (team, listed) = match state.store.team_page(&team).await {
                    Ok(found) => found,
                    Err(StoreError::NotFound(_)) => {
                        return Err(fail(ApiError::not_found("team")));
                    }
                    Err(error) => return Err(fail(error.into())),
                };
                let Some((event_type, host)) = listed
                    .into_iter()
                    .find(|(t, _)| t.input.slug.as_str() == event)
                else {
                    return Err(fail(ApiError::not_found("event type")));
                };
                // The owner's inputs (and their cache): the team page books
                // exactly what the owner's page books.
                let inputs = public::inputs(
                    state,
                    host.input.slug.as_str(),
                    event_type.input.slug.as_str(),
                )
                .await
                .map_err(fail)?;
                Owner::Team(team, inputs)
            }
            Address::Link { token } => {
                if !looks_like_token(&token) {
                    return Err(fail(ApiError::not_found("link")));
                }
                let store = state.store.as_ref();
                let found = match links::load(store, &token).await {
                    Ok(open) => match open.link.state_at(state.now()) {
                        LinkState::Active => Ok(open),
                        LinkState::Used if booking => Ok(open),
                        dead => Err(BookingError::LinkGone(dead)),
                    },
                    Err(error) => Err(error),
                };
                match found {
                    Ok(open) => Owner::Link {
                        token,
                        open: Box::new(open),
                    },
                    Err(BookingError::NotFound(_)) => {
                        return Err(fail(ApiError::not_found("link")));
                    }
                    Err(BookingError::LinkGone(dead)) => return Err(link_gone(visit, dead)),
                    Err(error) => return Err(fail(error.into())),
                }
            }
        };
        Ok(BookingPage { owner })
    }
}

/// A one-off link that can no longer be used, said in words (410).
pub fn link_gone(visit: &Visit, state: LinkState) -> Response {
    let key = match state {
        LinkState::Used => "link.used",
        LinkState::Expired => "link.expired",
        LinkState::Revoked | LinkState::Active => "link.revoked",
    };
    let mut response = layout::message(
        StatusCode::GONE,
        visit.lang,
        &visit.here("/", &[]),
        visit.embed,
        "link.gone.title",
        visit.lang.t(key),
    );
    layout::secret_headers(&mut response);
    response
}

impl BookingPage {
    pub fn inputs(&self) -> &AvailabilityInputs {
        match &self.owner {
            Owner::Host(inputs) | Owner::Team(_, inputs) => inputs,
            Owner::Link { open, .. } => &open.inputs,
        }
    }

    fn owner_slugs(&self) -> (&str, &str) {
        let inputs = self.inputs();
        (
            inputs.owner.input.slug.as_str(),
            inputs.event_type.input.slug.as_str(),
        )
    }

    /// The calendar's address; the form is at `{path}/book`.
    pub fn path(&self) -> String {
        let (user, event) = self.owner_slugs();
        match &self.owner {
            Owner::Host(_) => format!("/{user}/{event}"),
            Owner::Team(team, _) => format!("/team/{}/{event}", team.input.slug),
            Owner::Link { token, .. } => format!("/links/{token}"),
        }
    }

    pub fn form_path(&self) -> String {
        format!("{}/book", self.path())
    }

    /// Hand-picked times of a link: no month grid needed to find them,
    /// and holds do not apply (they lie outside the host's hours).
    fn picked(&self) -> Option<&[DateTime<Utc>]> {
        match &self.owner {
            Owner::Link { open, .. } if !open.link.input.times.is_empty() => {
                Some(&open.link.input.times)
            }
            _ => None,
        }
    }

    /// The first picked time still ahead of `now` (the calendar opens on
    /// its month) and the last (the calendar goes that far).
    pub fn picked_span(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let picked = self.picked()?;
        let first = picked.iter().copied().find(|t| *t > now)?;
        Some((first, *picked.last()?))
    }

    /// Whether a reschedule can be made from this page (manage links lead
    /// to the host's or team's page, never to a link's).
    pub fn reschedules(&self) -> bool {
        !matches!(self.owner, Owner::Link { .. })
    }

    pub fn brand(&self) -> Brand<'_> {
        match &self.owner {
            Owner::Team(team, _) => Brand {
                light: team.input.brand_color.as_deref(),
                dark: team.input.brand_color_dark.as_deref(),
            },
            _ => brand(&self.inputs().owner),
        }
    }

    /// Who the invitee books with, for titles: the team's or host's name.
    pub fn name(&self) -> &str {
        match &self.owner {
            Owner::Team(team, _) => &team.input.name,
            _ => &self.inputs().owner.input.name,
        }
    }

    /// The picture and name above the event's details, linking to the page
    /// one level up (none for a link: it stands alone).
    pub fn header(&self, here: &Here) -> String {
        let up = |path: String| {
            let mut back = here.clone();
            back.path = path;
            for key in [
                "month",
                "date",
                "start",
                "timezone",
                "reschedule",
                "token",
                "hold",
                "expires",
            ] {
                back.set(key, None);
            }
            back.url()
        };
        match &self.owner {
            Owner::Host(inputs) => host_header(
                &inputs.owner,
                &format!(
                    "<p class=\"muted\"><a href=\"{}\">{}</a></p>",
                    escape(&up(format!("/{}", inputs.owner.input.slug))),
                    escape(&inputs.owner.input.name)
                ),
            ),
            Owner::Team(team, _) => team_header(
                team,
                &format!(
                    "<p class=\"muted\"><a href=\"{}\">{}</a></p>",
                    escape(&up(format!("/team/{}", team.input.slug))),
                    escape(&team.input.name)
                ),
            ),
            Owner::Link { open, .. } => host_header(
                &open.inputs.owner,
                &format!(
                    "<p class=\"muted\">{}</p>",
                    escape(&open.inputs.owner.input.name)
                ),
            ),
        }
    }

    /// The JSON calls of the page's script: where later months' times come
    /// from, and where a chosen time is held (none: holds are off).
    pub fn api(&self) -> (String, Option<String>) {
        let (user, event) = self.owner_slugs();
        let public = format!("/api/v1/public/{user}/{event}");
        let slots = match &self.owner {
            Owner::Link { token, .. } => format!("/api/v1/links/{token}/slots"),
            _ => format!("{public}/slots"),
        };
        let holds = (self.inputs().event_type.input.hold_minutes > 0 && self.picked().is_none())
            .then(|| format!("{public}/holds"));
        (slots, holds)
    }

    /// The `detail` of `kairos:ready` and friends: the owner's slugs (the
    /// embed contract's `user`, `event`), and the team's when it is one.
    pub fn event_detail(&self) -> Value {
        let (user, event) = self.owner_slugs();
        let mut detail = json!({ "user": user, "event": event });
        if let Owner::Team(team, _) = &self.owner {
            detail["team"] = json!(team.input.slug.as_str());
        }
        detail
    }

    /// The page's bookable times in `range`, for the visitor holding `hold`.
    pub async fn slots(
        &self,
        state: &App,
        now: Instant,
        range: Interval,
        zone: &TimeZoneName,
        own_hold: Option<&str>,
    ) -> Result<SlotsAnswer, BookingError> {
        let store = state.store.as_ref();
        match &self.owner {
            Owner::Link { open, .. } => links::slots(store, open, now, range, zone, own_hold).await,
            _ => Ok(
                booking::slots_for(store, self.inputs(), now, range, zone, own_hold)
                    .await?
                    .0,
            ),
        }
    }

    /// Books through the page: the owner's booking use case, or the link's
    /// (which uses the link up in the same transaction).
    pub async fn book(
        &self,
        state: &App,
        request: &BookingRequest,
        key: Option<&str>,
        now: Instant,
    ) -> Result<Booked, BookingError> {
        let store = state.store.as_ref();
        match &self.owner {
            Owner::Link { open, .. } => links::book(store, open, request, key, now).await,
            _ => booking::book(store, self.inputs(), request, key, now).await,
        }
    }

    /// Headers this page's answers need beyond the usual.
    pub fn finish(&self, mut response: Response) -> Response {
        if matches!(self.owner, Owner::Link { .. }) {
            layout::secret_headers(&mut response);
        }
        response
    }
}

/// A team's logo and name, as its pages show them.
pub fn team_header(team: &Team, heading: &str) -> String {
    let mut html = String::new();
    if let Some(url) = &team.input.logo_url {
        // Decorative: the team's name is right next to it.
        let _ = write!(
            html,
            "<img class=\"logo\" src=\"{}\" alt=\"\" height=\"64\">",
            escape(url)
        );
    }
    html.push_str(heading);
    html
}
