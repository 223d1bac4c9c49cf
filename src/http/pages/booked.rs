//! `/booking/{uid}?token=…`: the confirmation page right after booking
//! (`booked=1`), and the manage page the same link opens later: what and
//! when (the invitee's zone and the host's), where (the link or number now
//! that it is booked), add to calendar (Google, Outlook, `.ics`), cancel
//! with a reason, and a new time through the same calendar.

use super::form::span_text;
use super::host::{brand, location_label};
use super::layout::{Here, Shell, reason_field, secret_page};
use super::visit::{FormPost, Visit};
use crate::app::App;
use crate::booking::ManageView;
use crate::booking::{self, BookingError};
use crate::domain::{Location, TimeZoneName, check_text};
use crate::html::escape;
use crate::http::error::ApiError;
use crate::sync::api::EventBody;
use crate::sync::events::booking_ical;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::fmt::Write;

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn compact(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Where the meeting happens, as text for calendars (link, number, address).
fn location_text(location: &Location) -> Option<String> {
    match location {
        Location::Video { url } => Some(url.clone()),
        Location::Phone { number } => Some(number.clone()),
        Location::InPerson { address } => Some(address.clone()),
        Location::Unspecified | Location::ProviderVideo => None,
    }
}

struct Meeting {
    title: String,
    description: String,
    location: Location,
}

fn meeting(view: &ManageView) -> Meeting {
    match &view.event_type {
        Some(event_type) => Meeting {
            title: event_type.input.title.clone(),
            description: event_type.input.description.clone(),
            location: event_type.input.location.clone(),
        },
        None => Meeting {
            title: String::new(),
            description: String::new(),
            location: Location::Unspecified,
        },
    }
}

fn title_with(meeting: &Meeting, view: &ManageView) -> String {
    let hosts: Vec<&str> = view.hosts.iter().map(|h| h.input.name.as_str()).collect();
    if hosts.is_empty() {
        meeting.title.clone()
    } else {
        format!("{} ({})", meeting.title, hosts.join(", "))
    }
}

/// Google Calendar's and Outlook.com's "new event" links.
fn calendar_links(meeting: &Meeting, view: &ManageView, manage_url: &str) -> (String, String) {
    let booking = &view.booking;
    let title = title_with(meeting, view);
    let details = if meeting.description.is_empty() {
        manage_url.to_string()
    } else {
        format!("{}\n\n{manage_url}", meeting.description)
    };
    let location = location_text(&meeting.location).unwrap_or_default();
    let google = format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}/{}&details={}&location={}",
        encoded(&title),
        compact(booking.start),
        compact(booking.end),
        encoded(&details),
        encoded(&location)
    );
    let outlook = format!(
        "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent&subject={}&startdt={}&enddt={}&body={}&location={}",
        encoded(&title),
        encoded(
            &booking
                .start
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        encoded(
            &booking
                .end
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        encoded(&details),
        encoded(&location)
    );
    (google, outlook)
}

async fn view_for(state: &App, uid: &str, token: &str) -> Result<ManageView, ApiError> {
    Ok(booking::view(state.store.as_ref(), uid, token).await?)
}

/// The address of the booking page the reschedule starts from.
async fn reschedule_link(
    state: &App,
    view: &ManageView,
    here: &Here,
    token: &str,
) -> Option<String> {
    let event_type = view.event_type.as_ref()?;
    let org = &view.hosts.first()?.organization_id;
    let owner = state
        .store
        .user(org, &event_type.input.owner_id)
        .await
        .ok()?;
    let mut link = here.clone();
    link.path = format!("/{}/{}", owner.input.slug, event_type.input.slug);
    link.params
        .retain(|(k, _)| matches!(k.as_str(), "lang" | "clock" | "embed"));
    link.set("reschedule", Some(&view.booking.uid));
    link.set("token", Some(token));
    link.set("timezone", Some(view.booking.invitee.timezone.as_str()));
    Some(link.url())
}

pub async fn page(
    State(state): State<App>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    let here = visit.here(&format!("/booking/{uid}"), &["booked", "cancelled"]);
    let token = visit.get("token").unwrap_or_default().to_string();
    let view = match view_for(&state, &uid, &token).await {
        Ok(view) => view,
        Err(error) => return visit.fail(&here, error),
    };
    render(&state, &visit, &here, &view, &token, None).await
}

async fn render(
    state: &App,
    visit: &Visit,
    here: &Here,
    view: &ManageView,
    token: &str,
    cancel_error: Option<&str>,
) -> Response {
    let lang = visit.lang;
    let booking = &view.booking;
    let meeting = meeting(view);
    let just_booked = visit.get("booked").is_some();
    let active = booking.status.holds_time();
    let pending = booking.status == crate::domain::BookingStatus::Pending;
    let heading = if just_booked && active {
        if pending {
            lang.t("done.pending")
        } else {
            lang.t("done.title")
        }
    } else {
        lang.t("manage.title")
    };
    let mut body = format!(
        "<div class=\"card narrow{}\"><h1>{}</h1>",
        if just_booked && active { " done" } else { "" },
        escape(heading)
    );
    if just_booked && pending {
        let _ = write!(body, "<p>{}</p>", escape(lang.t("done.pending_text")));
    }
    if !just_booked || !active {
        let status = lang.t(&format!("manage.status.{}", booking.status.as_str()));
        let role = if active { "" } else { " role=\"status\"" };
        let _ = write!(body, "<p{role}><strong>{}</strong></p>", escape(status));
    }
    let names: Vec<&str> = view.hosts.iter().map(|h| h.input.name.as_str()).collect();
    let _ = write!(body, "<h2>{}</h2>", escape(&meeting.title));
    if !names.is_empty() {
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p>",
            escape(&lang.tf("done.with", &[("names", &names.join(", "))]))
        );
    }
    // The invitee's zone: the one asked for, else the one they booked in.
    let invitee_zone = visit
        .get("timezone")
        .and_then(|z| TimeZoneName::parse(z).ok())
        .unwrap_or_else(|| booking.invitee.timezone.clone());
    let _ = write!(
        body,
        "<dl class=\"when\"><dt>{}</dt><dd>{}</dd>",
        escape(lang.t("done.your_time")),
        escape(&span_text(
            lang,
            visit.clock,
            booking.start,
            booking.end,
            &invitee_zone
        ))
    );
    if let Some(host) = view.hosts.first()
        && host.input.timezone != invitee_zone
    {
        let _ = write!(
            body,
            "<dt>{}</dt><dd>{}</dd>",
            escape(lang.t("done.host_time")),
            escape(&span_text(
                lang,
                visit.clock,
                booking.start,
                booking.end,
                &host.input.timezone
            ))
        );
    }
    let kind = meeting.location.kind();
    let place = match &meeting.location {
        Location::Video { url } => format!(
            "<a href=\"{}\" rel=\"noopener\">{}</a>",
            escape(url),
            escape(lang.t("done.join"))
        ),
        Location::Phone { number } => {
            let dial: String = number
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            format!(
                "<a href=\"tel:{}\">{}</a>",
                escape(&dial),
                escape(&lang.tf("done.call", &[("number", number)]))
            )
        }
        Location::InPerson { address } => escape(address),
        Location::ProviderVideo => format!(
            "{} ({})",
            escape(location_label(lang, kind)),
            escape(lang.t("location.provider_video.note"))
        ),
        Location::Unspecified => escape(location_label(lang, kind)),
    };
    let _ = write!(
        body,
        "<dt>{}</dt><dd>{place}</dd>",
        escape(lang.t("event.location"))
    );
    // What the invitee answered, under the questions' labels.
    let questions = view
        .event_type
        .as_ref()
        .map(|e| e.input.questions.as_slice())
        .unwrap_or_default();
    for question in questions {
        let text = match booking.answers.get(question.id.as_str()) {
            Some(serde_json::Value::String(text)) if !text.is_empty() => text.clone(),
            Some(serde_json::Value::Array(items)) if !items.is_empty() => items
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Some(serde_json::Value::Bool(yes)) => lang
                .t(if *yes { "answer.yes" } else { "answer.no" })
                .to_string(),
            _ => continue,
        };
        let _ = write!(
            body,
            "<dt>{}</dt><dd class=\"answer\">{}</dd>",
            escape(&question.label),
            escape(&text).replace('\n', "<br>")
        );
    }
    body.push_str("</dl>");
    let mut manage = here.clone();
    manage
        .params
        .retain(|(k, _)| matches!(k.as_str(), "lang" | "token"));
    manage.set("token", Some(token));
    let manage_url = format!("{}{}", state.public_url(), manage.url());
    if active {
        let (google, outlook) = calendar_links(&meeting, view, &manage_url);
        let mut ics = here.clone();
        ics.path = format!("/booking/{}/event.ics", booking.uid);
        ics.params.retain(|(k, _)| k == "token");
        ics.set("token", Some(token));
        let _ = write!(
            body,
            "<h2>{}</h2><ul class=\"links\"><li><a href=\"{}\" rel=\"noopener\" target=\"_blank\">Google Calendar</a></li>\
             <li><a href=\"{}\" rel=\"noopener\" target=\"_blank\">Outlook.com</a></li><li><a href=\"{}\" download>{}</a></li></ul>",
            escape(lang.t("done.add")),
            escape(&google),
            escape(&outlook),
            escape(&ics.url()),
            escape(lang.t("done.ics"))
        );
        let _ = write!(
            body,
            "<p>{} <a href=\"{}\">{}</a></p>",
            escape(lang.t("done.manage")),
            escape(&manage_url),
            escape(lang.t("done.manage_link"))
        );
        if let Some(link) = reschedule_link(state, view, here, token).await {
            let _ = write!(
                body,
                "<p><a class=\"button\" href=\"{}\">{}</a></p>",
                escape(&link),
                escape(lang.t("manage.reschedule"))
            );
        }
        let mut action = here.clone();
        action.path = format!("/booking/{}/cancel", booking.uid);
        action
            .params
            .retain(|(k, _)| matches!(k.as_str(), "lang" | "clock" | "embed"));
        action.set("token", Some(token));
        let _ = write!(
            body,
            "<h2>{}</h2><form method=\"post\" action=\"{}\">{}\
             <p><button type=\"submit\" class=\"secondary\">{}</button></p></form>",
            escape(lang.t("manage.cancel")),
            escape(&action.url()),
            reason_field(lang.t("manage.reason"), cancel_error),
            escape(lang.t("manage.cancel_button"))
        );
    }
    body.push_str("</div>");
    let events = if just_booked && active {
        json!([{ "type": "kairos:booked", "detail": {
            "uid": booking.uid,
            "start": booking.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "end": booking.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "event_type": view.event_type.as_ref().map(|e| e.input.slug.to_string()),
            "invitee_email": booking.invitee.email.as_str(),
        }}])
    } else {
        json!([])
    };
    let owner = view.hosts.first();
    let shell = Shell {
        lang,
        title: heading,
        brand: owner.map(brand).unwrap_or_default(),
        embed: visit.embed,
        here,
        data: Some(json!({ "events": events })),
    };
    // The page carries the manage token: not for shared caches, nor for
    // the Referer sent to the meeting link or calendar sites.
    secret_page(&shell, &body, cancel_error.is_some())
}

/// GET /booking/{uid}/event.ics?token=…: the booking for any calendar app.
pub async fn ics(
    State(state): State<App>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    let here = visit.here(&format!("/booking/{uid}"), &[]);
    let token = visit.get("token").unwrap_or_default().to_string();
    let view = match view_for(&state, &uid, &token).await {
        Ok(view) => view,
        Err(error) => return visit.fail(&here, error),
    };
    if !view.booking.status.holds_time() {
        return visit.fail(
            &here,
            BookingError::Gone(view.booking.status.as_str().to_string()).into(),
        );
    }
    let meeting = meeting(&view);
    let Some(host) = view.hosts.first() else {
        return visit.fail(&here, ApiError::not_found("booking"));
    };
    let booking = &view.booking;
    let event = EventBody {
        booking_uid: booking.uid.clone(),
        title: title_with(&meeting, &view),
        description: meeting.description.clone(),
        location: location_text(&meeting.location),
        start: booking.start,
        end: booking.end,
        organizer: (host.input.name.clone(), host.input.email.to_string()),
        attendees: vec![(
            booking.invitee.name.clone(),
            booking.invitee.email.to_string(),
        )],
        video: false,
        timezone: host.input.timezone.to_string(),
        provider_invites: false,
    };
    let text = booking_ical(&event, &booking.uid, booking.created_at);
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"booking.ics\"".to_string(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        text,
    )
        .into_response()
}

/// POST /booking/{uid}/cancel?token=…: cancels with the reason given.
pub async fn cancel(
    State(state): State<App>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let post = match FormPost::read(raw.as_deref(), &headers, &format!("/booking/{uid}"), body) {
        Ok(post) => post,
        Err(page) => return *page,
    };
    let reason = post.field("reason");
    let FormPost {
        visit, here, token, ..
    } = post;
    if let Some(reason) = &reason
        && let Err(error) = check_text("reason", reason, 2_000, false)
    {
        let view = match view_for(&state, &uid, &token).await {
            Ok(view) => view,
            Err(error) => return visit.fail(&here, error),
        };
        let message = visit.lang.tf("err.invalid", &[("detail", &error.message)]);
        return render(&state, &visit, &here, &view, &token, Some(&message)).await;
    }
    match booking::cancel(state.store.as_ref(), &uid, &token, reason, state.now()).await {
        Ok(_) => {
            let mut back = here.clone();
            back.params
                .retain(|(k, _)| matches!(k.as_str(), "lang" | "clock" | "embed"));
            back.set("token", Some(&token));
            (StatusCode::SEE_OTHER, [(header::LOCATION, back.url())]).into_response()
        }
        Err(error) => visit.fail(&here, error.into()),
    }
}
