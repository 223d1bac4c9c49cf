//! `/booking/{uid}/approval?token=…`: the page a host's "approve or
//! decline" email opens. The request, who asks and what they answered; one
//! button approves, the other declines with a reason the invitee is sent.
//! The token is that email's own (kept hashed, `booking_links`).

use super::host::brand;
use super::layout::{Here, Shell, reason_field, secret_page};
use super::visit::{FormPost, Visit};
use crate::app::App;
use crate::booking::{self, ManageView};
use crate::domain::{BookingStatus, answer_text, check_text};
use crate::html::escape;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// GET: the request and the two choices (or what became of it).
pub async fn page(
    State(state): State<App>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    let here = visit.here(&format!("/booking/{uid}/approval"), &[]);
    let token = visit.get("token").unwrap_or_default().to_string();
    match booking::approval_view(state.store.as_ref(), &uid, &token).await {
        Ok(view) => render(&visit, &here, &view, &token, None),
        Err(error) => visit.fail(&here, error.into()),
    }
}

/// POST `decision=approve`, or `decision=decline` with a `reason`.
pub async fn decide(
    State(state): State<App>,
    Path(uid): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let post = match FormPost::read(
        raw.as_deref(),
        &headers,
        &format!("/booking/{uid}/approval"),
        body,
    ) {
        Ok(post) => post,
        Err(page) => return *page,
    };
    let (decision, reason) = (post.field("decision"), post.field("reason"));
    let FormPost {
        visit, here, token, ..
    } = post;
    let approve = match decision.as_deref() {
        Some("approve") => true,
        Some("decline") => false,
        _ => {
            let error =
                crate::domain::ValidationError::new("decision", "must be approve or decline");
            return visit.fail(&here, error.into());
        }
    };
    if let Some(reason) = &reason
        && let Err(error) = check_text("reason", reason, 2_000, false)
    {
        return match booking::approval_view(state.store.as_ref(), &uid, &token).await {
            Ok(view) => {
                let message = visit.lang.tf("err.invalid", &[("detail", &error.message)]);
                render(&visit, &here, &view, &token, Some(&message))
            }
            Err(error) => visit.fail(&here, error.into()),
        };
    }
    let outcome = booking::decide_request(
        state.store.as_ref(),
        &uid,
        &token,
        approve,
        reason,
        state.now(),
    )
    .await;
    match outcome {
        Ok(_) => {
            state.signals.effects.notify_one();
            let mut back = here.clone();
            back.set("token", Some(&token));
            (StatusCode::SEE_OTHER, [(header::LOCATION, back.url())]).into_response()
        }
        Err(error) => visit.fail(&here, error.into()),
    }
}

fn render(
    visit: &Visit,
    here: &Here,
    view: &ManageView,
    token: &str,
    reason_error: Option<&str>,
) -> Response {
    let lang = visit.lang;
    let booking = &view.booking;
    let pending = booking.status == BookingStatus::Pending;
    let heading = if pending {
        lang.t("approval.title")
    } else {
        lang.t(&format!("approval.done.{}", booking.status.as_str()))
    };
    let title = view
        .event_type
        .as_ref()
        .map(|e| e.input.title.clone())
        .unwrap_or_default();
    let zone = view
        .hosts
        .first()
        .and_then(|h| h.input.timezone.as_str().parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    let (start, end) = (
        booking.start.with_timezone(&zone).naive_local(),
        booking.end.with_timezone(&zone).naive_local(),
    );
    let mut body = format!("<div class=\"card narrow\"><h1>{}</h1>", escape(heading));
    if !pending {
        let status = lang.t(&format!("manage.status.{}", booking.status.as_str()));
        let _ = write!(
            body,
            "<p role=\"status\"><strong>{}</strong></p>",
            escape(status)
        );
    }
    let _ = write!(
        body,
        "<h2>{}</h2><dl class=\"when\"><dt>{}</dt><dd>{}, {} – {} ({})</dd><dt>{}</dt><dd>{} &lt;{}&gt;</dd>",
        escape(&title),
        escape(lang.t("mail.when")),
        escape(&lang.date_long(start.date())),
        escape(&lang.time(start, visit.clock)),
        escape(&lang.time(end, visit.clock)),
        escape(zone.name()),
        escape(lang.t("approval.invitee")),
        escape(&booking.invitee.name),
        escape(booking.invitee.email.as_str()),
    );
    let questions = view
        .event_type
        .as_ref()
        .map(|e| e.input.questions.as_slice())
        .unwrap_or_default();
    for question in questions {
        if let Some(answer) = booking
            .answers
            .get(question.id.as_str())
            .filter(|a| !a.is_null())
        {
            let _ = write!(
                body,
                "<dt>{}</dt><dd class=\"answer\">{}</dd>",
                escape(&question.label),
                escape(&answer_text(answer)).replace('\n', "<br>")
            );
        }
    }
    body.push_str("</dl>");
    if pending {
        let mut action = here.clone();
        action.set("token", Some(token));
        let action = escape(&action.url());
        let _ = write!(
            body,
            "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"decision\" value=\"approve\">\
             <p><button type=\"submit\">{}</button></p></form>\
             <h2>{}</h2><form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"decision\" value=\"decline\">\
             {}<p><button type=\"submit\" class=\"secondary\">{}</button></p></form>",
            escape(lang.t("approval.approve")),
            escape(lang.t("approval.decline_heading")),
            reason_field(lang.t("approval.reason"), reason_error),
            escape(lang.t("approval.decline")),
        );
    }
    body.push_str("</div>");
    let shell = Shell {
        lang,
        title: heading,
        brand: view.hosts.first().map(brand).unwrap_or_default(),
        embed: false,
        here,
        data: None,
    };
    // The address carries the host's token.
    secret_page(&shell, &body, reason_error.is_some())
}
