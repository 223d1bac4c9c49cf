//! `/survey/{token}`: the page a workflow's survey email opens after a
//! meeting. The meeting, a 0–10 scale ("how likely are you to recommend
//! …", one radio group that works by keyboard and on a phone) and a
//! comment; answering again replaces the answer. The token is the email's
//! own (kept hashed, `survey_links`).

use super::host::brand;
use super::layout::{Here, Shell, secret_page};
use super::visit::{FormPost, Visit};
use crate::app::App;
use crate::booking::surveys::{self, SurveyView};
use crate::domain::FeedbackInput;
use crate::html::escape;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// GET: the meeting and the form (with the answer given, if any).
pub async fn page(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let visit = Visit::read(raw.as_deref(), &headers);
    let here = visit.here(&format!("/survey/{token}"), &["thanks"]);
    match surveys::view(state.store.as_ref(), &token).await {
        Ok(view) => render(&visit, &here, &view, None),
        Err(error) => visit.fail(&here, error.into()),
    }
}

/// POST `score` (0–10) and `comment`.
pub async fn submit(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = format!("/survey/{token}");
    let post = match FormPost::read(raw.as_deref(), &headers, &path, body) {
        Ok(post) => post,
        Err(page) => return *page,
    };
    let score = post.field("score").and_then(|s| s.parse::<u8>().ok());
    let comment = post.field("comment");
    let FormPost { visit, here, .. } = post;
    let store = state.store.as_ref();
    let input = score.map(|score| FeedbackInput { score, comment });
    let error = match &input {
        None => Some(visit.lang.t("survey.err.score").to_string()),
        Some(input) => input
            .validate()
            .err()
            .map(|e| visit.lang.tf("err.invalid", &[("detail", &e.message)])),
    };
    if let (Some(input), None) = (&input, &error) {
        return match surveys::answer(store, &token, input, state.now()).await {
            Ok(_) => {
                let mut back = here.clone();
                back.set("thanks", Some("1"));
                (StatusCode::SEE_OTHER, [(header::LOCATION, back.url())]).into_response()
            }
            Err(error) => visit.fail(&here, error.into()),
        };
    }
    match surveys::view(store, &token).await {
        Ok(view) => render(&visit, &here, &view, error.as_deref()),
        Err(error) => visit.fail(&here, error.into()),
    }
}

fn render(visit: &Visit, here: &Here, view: &SurveyView, error: Option<&str>) -> Response {
    let lang = visit.lang;
    let meeting = &view.meeting;
    let booking = &meeting.booking;
    let title = meeting
        .event_type
        .as_ref()
        .map(|e| e.input.title.clone())
        .unwrap_or_default();
    let host = meeting
        .hosts
        .first()
        .map(|h| h.input.name.clone())
        .unwrap_or_default();
    let zone = booking
        .invitee
        .timezone
        .as_str()
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC);
    let start = booking.start.with_timezone(&zone).naive_local();
    let heading = lang.t("survey.title");
    let mut body = format!(
        "<div class=\"card narrow\"><h1>{}</h1><p>{}</p>",
        escape(heading),
        escape(&lang.tf(
            "survey.meeting",
            &[
                ("title", &title),
                ("host", &host),
                ("date", &lang.date_long(start.date())),
                ("time", &lang.time(start, visit.clock)),
                ("zone", zone.name()),
            ],
        )),
    );
    if here.get("thanks").is_some() && error.is_none() {
        let _ = write!(
            body,
            "<p role=\"status\"><strong>{}</strong></p>",
            escape(lang.t("survey.thanks"))
        );
    }
    let given = view.answered.as_ref();
    let chosen = given.map(|f| f.score);
    let (invalid, error_html) = match error {
        Some(message) => (
            " invalid\" aria-describedby=\"e-score",
            format!(
                "<p class=\"error\" id=\"e-score\" role=\"alert\">{}</p>",
                escape(message)
            ),
        ),
        None => ("", String::new()),
    };
    let mut action = here.clone();
    action.set("thanks", None);
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\"><fieldset class=\"scale{invalid}\">\
         <legend>{}</legend>{error_html}<div class=\"scale-options\">",
        escape(&action.url()),
        escape(&lang.tf("survey.question", &[("host", &host)])),
    );
    for n in 0..=10u8 {
        let checked = if chosen == Some(n) { " checked" } else { "" };
        let _ = write!(
            body,
            "<label><input type=\"radio\" name=\"score\" value=\"{n}\" required{checked}>\
             <span>{n}</span></label>"
        );
    }
    let comment = given.and_then(|f| f.comment.as_deref()).unwrap_or_default();
    let _ = write!(
        body,
        "</div><p class=\"scale-ends\" aria-hidden=\"true\"><span>{}</span><span>{}</span></p>\
         </fieldset><div class=\"field\"><label for=\"f-comment\">{}</label>\
         <textarea id=\"f-comment\" name=\"comment\" rows=\"4\" maxlength=\"5000\">{}</textarea></div>\
         <p><button type=\"submit\">{}</button></p></form></div>",
        escape(lang.t("survey.low")),
        escape(lang.t("survey.high")),
        escape(lang.t("survey.comment")),
        escape(comment),
        escape(lang.t(if given.is_some() {
            "survey.update"
        } else {
            "survey.send"
        })),
    );
    let shell = Shell {
        lang,
        title: heading,
        brand: meeting.hosts.first().map(brand).unwrap_or_default(),
        embed: false,
        here,
        data: None,
    };
    // The address carries the invitee's token.
    secret_page(&shell, &body, error.is_some())
}
