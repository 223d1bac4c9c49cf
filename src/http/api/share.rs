//! What a host shares by email: a signature button linking to their booking
//! page, and a block of suggested times, each a one-click link to the
//! booking form with that time chosen.

use super::admin::event_type_and_owner;
use crate::app::App;
use crate::booking::{self, AvailabilityInputs, Wanted};
use crate::domain::{EventType, TimeZoneName, User, ValidationError};
use crate::engine::Instant;
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Query};
use crate::i18n::{Clock, Lang};
use crate::mail::snippets::{self, DEFAULT_BRAND, Offered, Snippet, SuggestionTexts};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How long suggested times stay open, at most (30 days).
const MAX_VALID_HOURS: u32 = 720;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignatureParams {
    /// Link one event type of the host (its id) instead of the host's page.
    pub event_type: Option<String>,
    /// The button's text (default "Book time with me", in `lang`).
    pub label: Option<String>,
    /// The snippet's language, `en` (default) or `de`; the page it links to
    /// opens in it too.
    pub lang: Option<String>,
}

/// The language asked for (`lang`), and the query that keeps it on links.
fn language(asked: Option<&str>) -> Result<(Lang, Option<Lang>), ValidationError> {
    match asked {
        None => Ok((Lang::En, None)),
        Some(code) => match Lang::parse(code) {
            Some(lang) => Ok((lang, Some(lang))),
            None => Err(ValidationError::new("lang", "must be en or de")),
        },
    }
}

/// The host's accent colour for buttons, else Kairos's.
fn brand_of(host: &User) -> &str {
    host.input.brand_color.as_deref().unwrap_or(DEFAULT_BRAND)
}

/// A signature snippet and the page it links to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Signature {
    pub url: String,
    #[serde(flatten)]
    pub snippet: Snippet,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/signature", tag = "admin", operation_id = "signature",
    params(("id" = String, Path, description = "The host's id"), SignatureParams),
    responses((status = 200, description = "An email-safe HTML button (inline styles only) and its plain-text form", body = Signature)))]
pub async fn signature(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Query(params): Query<SignatureParams>,
) -> Result<Json<Signature>, ApiError> {
    let (lang, kept) = language(params.lang.as_deref())?;
    let host = state
        .store
        .user(&admin.organization_id, &id)
        .await
        .map_err(missing("user"))?;
    let mut url = format!("{}/{}", state.public_url(), host.input.slug);
    if let Some(event_type_id) = &params.event_type {
        let event_type = state
            .store
            .event_type(&admin.organization_id, event_type_id)
            .await
            .map_err(|_| {
                ValidationError::new("event_type", "is not an event type of this organization")
            })?;
        if event_type.input.owner_id != host.id {
            return Err(ValidationError::new("event_type", "belongs to another host").into());
        }
        url = format!("{url}/{}", event_type.input.slug);
    }
    if let Some(lang) = kept {
        url = format!("{url}?lang={}", lang.code());
    }
    let label = match params.label {
        Some(label) => {
            crate::domain::check_line("label", &label, 60, true)?;
            label
        }
        None => lang.t("share.book").to_string(),
    };
    let snippet = snippets::signature(&url, &label, brand_of(&host));
    Ok(Json(Signature { url, snippet }))
}

fn default_count() -> u32 {
    3
}
fn default_per_day() -> u32 {
    2
}
fn default_days() -> u32 {
    14
}
fn default_valid_hours() -> u32 {
    72
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestParams {
    /// The recipient's zone: times are chosen by and shown in its dates.
    #[param(value_type = String)]
    pub timezone: TimeZoneName,
    /// How many times to suggest (1–20, default 3).
    #[serde(default = "default_count")]
    pub count: u32,
    /// At most this many on one day, spread over it (default 2; 0: no limit).
    #[serde(default = "default_per_day")]
    pub per_day: u32,
    /// How many days ahead to look (1–93, default 14).
    #[serde(default = "default_days")]
    pub days: u32,
    /// How long the links stay open, in hours (1–720, default 72).
    #[serde(default = "default_valid_hours")]
    pub valid_hours: u32,
    /// 12-hour clock in the labels ("2:30 pm") instead of 24-hour.
    #[serde(default)]
    pub hour12: bool,
    /// The recipient's name, filled in on the booking form.
    pub name: Option<String>,
    /// The recipient's email, filled in on the booking form.
    pub email: Option<String>,
    /// The block's language, `en` (default) or `de`; the pages its links
    /// open are in it too.
    pub lang: Option<String>,
}

impl SuggestParams {
    fn check(&self) -> Result<(), ValidationError> {
        let within = |field: &'static str, value: u32, low: u32, high: u32| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(ValidationError::new(
                    field,
                    format!("must be from {low} to {high}"),
                ))
            }
        };
        within("count", self.count, 1, booking::MAX_SUGGESTIONS)?;
        within("per_day", self.per_day, 0, 100)?;
        within("days", self.days, 1, booking::MAX_SUGGESTION_DAYS)?;
        within("valid_hours", self.valid_hours, 1, MAX_VALID_HOURS)?;
        if let Some(name) = &self.name {
            crate::domain::check_line("name", name, 200, true)?;
        }
        if let Some(email) = &self.email {
            crate::domain::Email::parse(email.clone())
                .map_err(|message| ValidationError::new("email", message))?;
        }
        language(self.lang.as_deref())?;
        Ok(())
    }
}

/// One suggested time.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedTime {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// How the recipient reads it: "Tue 8 Dec, 10:00".
    pub label: String,
    /// Opens the booking form with this time chosen.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedTimes {
    pub timezone: String,
    /// After this the links open the calendar instead of the form.
    pub expires_at: DateTime<Utc>,
    pub times: Vec<SuggestedTime>,
    /// The booking page, for "none of these".
    pub more_url: String,
    #[serde(flatten)]
    pub snippet: Snippet,
}

#[utoipa::path(get, path = "/api/v1/event-types/{id}/suggested-times", tag = "admin", operation_id = "suggested_times",
    params(("id" = String, Path, description = "The event type's id"), SuggestParams),
    responses((status = 200, description = "The next free times as one-click links, with an email-safe HTML block and its plain-text form", body = SuggestedTimes)))]
pub async fn suggested_times(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Query(params): Query<SuggestParams>,
) -> Result<Json<SuggestedTimes>, ApiError> {
    params.check()?;
    let (lang, _) = language(params.lang.as_deref())?;
    let (event_type, owner) = event_type_and_owner(&state, &admin, &id).await?;
    // A team's event type is offered from the team's page, in its colours.
    let team = match &event_type.input.team_id {
        Some(team_id) => Some(state.store.team(&admin.organization_id, team_id).await?),
        None => None,
    };
    let (page, brand, with) = match &team {
        Some(team) => (
            format!(
                "{}/team/{}/{}",
                state.public_url(),
                team.input.slug,
                event_type.input.slug
            ),
            team.input.brand_color.as_deref().unwrap_or(DEFAULT_BRAND),
            team.input.name.as_str(),
        ),
        None => (
            format!(
                "{}/{}/{}",
                state.public_url(),
                owner.input.slug,
                event_type.input.slug
            ),
            brand_of(&owner),
            owner.input.name.as_str(),
        ),
    };
    let brand = brand.to_string();
    let now = state.now();
    let expires_at = now + Duration::hours(i64::from(params.valid_hours));
    let duration = event_type.input.duration_minutes;
    let texts = Texts::new(lang, &event_type, with, &params.timezone, params.days);
    let inputs = AvailabilityInputs::load(state.store.as_ref(), event_type, owner).await?;
    let wanted = Wanted {
        count: params.count,
        per_day: params.per_day,
        horizon_days: params.days,
    };
    let slots = booking::suggested_times(
        state.store.as_ref(),
        &inputs,
        Instant::from_utc(now),
        &params.timezone,
        wanted,
    )
    .await?;
    let zone = params.timezone.zone();
    let clock = if params.hour12 {
        Clock::H12
    } else {
        Clock::H24
    };
    let times: Vec<SuggestedTime> = slots
        .iter()
        .map(|slot| {
            let local = zone.local(Instant::from_utc(slot.start));
            SuggestedTime {
                start: slot.start,
                end: slot.start + Duration::minutes(i64::from(duration)),
                label: format!(
                    "{}, {}",
                    lang.date_short(local.date(), false),
                    lang.time(local, clock)
                ),
                url: form_url(&page, slot.start, expires_at, &params),
            }
        })
        .collect();
    let more_url = with_query(&page, &page_query(&params, None));
    let offered: Vec<Offered<'_>> = times
        .iter()
        .map(|time| Offered {
            label: &time.label,
            url: &time.url,
        })
        .collect();
    let snippet = snippets::suggestions(&offered, &texts.as_texts(&more_url), &brand);
    Ok(Json(SuggestedTimes {
        timezone: params.timezone.to_string(),
        expires_at,
        times,
        more_url,
        snippet,
    }))
}

/// The booking form with `start` chosen, the recipient's details filled in,
/// and when the suggestion lapses.
fn form_url(
    page: &str,
    start: DateTime<Utc>,
    expires: DateTime<Utc>,
    params: &SuggestParams,
) -> String {
    let query = page_query(params, Some((start, expires)));
    with_query(&format!("{page}/book"), &query)
}

fn page_query(params: &SuggestParams, chosen: Option<(DateTime<Utc>, DateTime<Utc>)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some((start, _)) = chosen {
        query.append_pair(
            "start",
            &start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
    query.append_pair("timezone", &params.timezone.to_string());
    if let Some((_, expires)) = chosen {
        query.append_pair(
            "expires",
            &expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
    if let Some(name) = &params.name {
        query.append_pair("name", name);
    }
    if let Some(email) = &params.email {
        query.append_pair("email", email);
    }
    if let Some(lang) = params.lang.as_deref().and_then(Lang::parse) {
        query.append_pair("lang", lang.code());
    }
    query.finish()
}

fn with_query(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

/// The words around the times, from the pages' catalogue.
struct Texts {
    heading: String,
    zone_note: String,
    more_label: &'static str,
    none_free: String,
}

impl Texts {
    /// `with`: whom the meeting is with (the host, or the team).
    fn new(lang: Lang, event_type: &EventType, with: &str, zone: &TimeZoneName, days: u32) -> Self {
        Texts {
            heading: lang.tf(
                "share.heading",
                &[
                    ("title", &event_type.input.title),
                    ("name", with),
                    ("n", &event_type.input.duration_minutes.to_string()),
                ],
            ),
            zone_note: lang.tf("share.zone", &[("zone", zone.as_str())]),
            more_label: lang.t("share.more"),
            none_free: lang.tf("share.none", &[("n", &days.to_string())]),
        }
    }

    fn as_texts<'a>(&'a self, more_url: &'a str) -> SuggestionTexts<'a> {
        SuggestionTexts {
            heading: &self.heading,
            zone_note: &self.zone_note,
            more_label: self.more_label,
            more_url,
            none_free: &self.none_free,
        }
    }
}
