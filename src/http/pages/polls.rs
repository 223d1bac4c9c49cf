//! Server-rendered pages for meeting polls: vote and see results, on a phone
//! as well as a desktop. Everything people typed is escaped.

use super::i18n::Lang;
use super::layout::{Brand, Here, Shell, document};
use crate::app::App;
use crate::booking::polls::{self, ParticipantView};
use crate::domain::{Ballot, Invited, TimeZoneName, Vote};
use crate::http::api::polls::{participant_error, token_ok};
use crate::http::error::ApiError;
use crate::http::extract::body_rejection;
use crate::http::html::escape;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::fmt::Write;

/// The poll pages in the shared shell (English for now: their texts are
/// not in the catalogue yet).
fn layout(title: &str, body: &str) -> Html<String> {
    let here = Here::default();
    let shell = Shell {
        lang: Lang::En,
        title,
        brand: Brand::default(),
        embed: false,
        here: &here,
        data: None,
    };
    document(&shell, &format!("<div class=\"card narrow\">{body}</div>"))
}

#[derive(Debug, Default)]
pub struct PageQuery {
    pub timezone: Option<String>,
    pub saved: Option<String>,
}

impl PageQuery {
    /// Read leniently (a person's address bar, not an API client): unknown
    /// parameters are ignored and a repeated one counts once, its last value.
    fn parse(raw: Option<&str>) -> Self {
        let mut query = PageQuery::default();
        for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "timezone" => query.timezone = Some(value.into_owned()),
                "saved" => query.saved = Some(value.into_owned()),
                _ => {}
            }
        }
        query
    }
}

/// A meeting's time as people read it, zone named:
/// "Tue 8 Dec 2026, 10:00–11:00 (Europe/Berlin)".
fn local(at: chrono::DateTime<chrono::Utc>, minutes: u32, zone: &TimeZoneName) -> String {
    let engine_zone = zone.zone();
    let start = crate::engine::Instant::from_utc(at);
    let end = start.plus_minutes(i64::from(minutes));
    let (from, to) = (engine_zone.local(start), engine_zone.local(end));
    let end_format = if from.date() == to.date() {
        "%H:%M"
    } else {
        "%a %-d %b, %H:%M"
    };
    format!(
        "{}–{} ({zone})",
        from.format("%a %-d %b %Y, %H:%M"),
        to.format(end_format)
    )
}

/// An error shown next to a form field (or above the form when it names
/// no field of it).
fn error_for(error: Option<&ApiError>, field: &str) -> String {
    match error {
        Some(e) if e.field() == Some(field) => format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(e.detail())
        ),
        _ => String::new(),
    }
}

/// An error as a page a person can read (the JSON API keeps problem+json).
fn html_error(error: ApiError) -> Response {
    let status = error.status();
    let body = format!(
        "<h1>{}</h1><p>{}</p>",
        escape(status.canonical_reason().unwrap_or("Error")),
        escape(error.detail())
    );
    let mut response = (status, layout("Kairos", &body)).into_response();
    if let Some(seconds) = error.retry_after() {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
    response
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// What a participant sent back when it could not be saved: shown again
/// with the error, so nothing they entered is lost.
struct Draft<'a> {
    votes: Vec<Option<Vote>>,
    comment: &'a str,
    error: &'a ApiError,
}

/// The zone to show times in, and the notice when the asked one is unknown.
struct Shown {
    zone: TimeZoneName,
    notice: Option<String>,
}

struct PageState<'a> {
    token: &'a str,
    saved: bool,
    accepting: bool,
    chosen: bool,
}

fn render(
    view: &ParticipantView,
    shown: &Shown,
    page: &PageState<'_>,
    draft: Option<&Draft<'_>>,
) -> Html<String> {
    let (zone, token, saved, accepting, chosen) = (
        &shown.zone,
        page.token,
        page.saved,
        page.accepting,
        page.chosen,
    );
    let poll = &view.poll;
    let minutes = poll.input.duration_minutes;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(&poll.input.title));
    if !poll.input.description.is_empty() {
        let _ = write!(body, "<p>{}</p>", escape(&poll.input.description));
    }
    let _ = write!(
        body,
        "<p class=\"muted\">{} minutes</p><form method=\"get\" class=\"muted\"><label>Times shown in \
         <input name=\"timezone\" id=\"timezone\" value=\"{}\" ></label> \
         <button type=\"submit\">Show</button></form>",
        poll.input.duration_minutes,
        escape(zone.as_str())
    );
    if let Some(notice) = &shown.notice {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\">{}</p>",
            escape(notice)
        );
    }
    if !chosen {
        // First visit: show the times in the browser's own zone.
        body.push_str(
            "<script>try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;\
             if(z){var u=new URL(location.href);u.searchParams.set('timezone',z);location.replace(u.toString());}}catch(e){}</script>",
        );
    }
    if saved {
        body.push_str("<p><strong>Your votes are saved.</strong> You can change them until the poll closes.</p>");
    }
    match (poll.status, poll.chosen_option) {
        (crate::domain::PollStatus::Finalized, Some(i)) => {
            let _ = write!(
                body,
                "<p><strong>The meeting is booked for {}.</strong></p>",
                escape(&local(poll.input.options[i], minutes, zone))
            );
        }
        _ if !accepting => body.push_str("<p><strong>This poll is closed.</strong></p>"),
        _ => {}
    }
    let _ = write!(
        body,
        "<p>Hello {}. For each time: can you make it?</p><form method=\"post\">",
        escape(&view.me.name)
    );
    let error = draft.map(|d| d.error);
    if let Some(e) = error {
        let known = e
            .field()
            .is_some_and(|f| f == "comment" || f.starts_with("vote_"));
        if !known {
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(e.detail())
            );
        }
    }
    for (i, start) in poll.input.options.iter().enumerate() {
        let mine = match draft {
            Some(draft) => draft.votes.get(i).copied().flatten(),
            None => view.me.votes.get(i).copied().flatten(),
        };
        let _ = write!(
            body,
            "<div class=\"option\"><div><strong>{}</strong></div>{}",
            escape(&local(*start, minutes, zone)),
            error_for(error, &format!("vote_{i}"))
        );
        for (value, label, vote) in [
            ("yes", "Yes", Vote::Yes),
            ("if_need_be", "If need be", Vote::IfNeedBe),
            ("no", "No", Vote::No),
        ] {
            let checked = if mine == Some(vote) { " checked" } else { "" };
            let disabled = if accepting { "" } else { " disabled" };
            let _ = write!(
                body,
                "<label><input type=\"radio\" name=\"vote_{i}\" value=\"{value}\" required{checked}{disabled}> {label}</label>"
            );
        }
        body.push_str("</div>");
    }
    let comment = match draft {
        Some(draft) => draft.comment,
        None => view.me.comment.as_deref().unwrap_or_default(),
    };
    if accepting {
        let _ = write!(
            body,
            "<p><label>Comment (optional)<textarea name=\"comment\" rows=\"3\">{}</textarea></label>{}</p>\
             <p><button type=\"submit\">Save my votes</button></p>",
            escape(comment),
            error_for(error, "comment")
        );
    }
    body.push_str("</form><h2>Results</h2>");
    if !poll.input.votes_visible {
        body.push_str("<p class=\"muted\">The host keeps the results of this poll private.</p>");
    }
    body.push_str(
        "<table class=\"results\"><tr><th>Time</th><th>Yes</th><th>If need be</th><th>No</th></tr>",
    );
    for result in &view.results {
        let names = |voters: &[String]| {
            if voters.is_empty() {
                String::new()
            } else {
                format!(
                    "<br><span class=\"muted\">{}</span>",
                    escape(&voters.join(", "))
                )
            }
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}{}</td><td>{}{}</td><td>{}{}</td></tr>",
            escape(&local(result.start, minutes, zone)),
            result.yes,
            names(&result.yes_voters),
            result.if_need_be,
            names(&result.if_need_be_voters),
            result.no,
            names(&result.no_voters)
        );
    }
    let _ = write!(
        body,
        "</table><p class=\"muted\">Your personal link: /polls/{}</p>",
        escape(token)
    );
    layout(&poll.input.title, &body)
}

/// The zone asked for in `?timezone=`, else the poll's; an unknown name is
/// said so on the page (never silently replaced).
fn zone_for(query: &PageQuery, view: &ParticipantView) -> Shown {
    let fallback = &view.poll.input.timezone;
    match query.timezone.as_deref() {
        None | Some("") => Shown {
            zone: fallback.clone(),
            notice: None,
        },
        Some(asked) => match TimeZoneName::parse(asked) {
            Ok(zone) => Shown { zone, notice: None },
            Err(_) => Shown {
                zone: fallback.clone(),
                notice: Some(format!(
                    "\u{201c}{asked}\u{201d} is not a time zone Kairos knows (use a name such as \
                     Europe/Berlin); times are shown in {fallback}, the poll's zone."
                )),
            },
        },
    }
}

/// GET /polls/{token}: the participant's page.
pub async fn poll_page(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    show(state, token, query).await.unwrap_or_else(html_error)
}

async fn show(state: App, token: String, query: PageQuery) -> Result<Response, ApiError> {
    token_ok(&token)?;
    let view = polls::as_participant(state.store.as_ref(), &token)
        .await
        .map_err(participant_error)?;
    let shown = zone_for(&query, &view);
    let page = PageState {
        token: &token,
        saved: query.saved.is_some(),
        accepting: view.poll.accepts_votes(state.now()),
        chosen: query.timezone.is_some(),
    };
    Ok(render(&view, &shown, &page, None).into_response())
}

/// POST /polls/{token}: a submitted form of votes.
pub async fn poll_submit(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return html_error(body_rejection(rejection)),
    };
    submit(state, token, query, body)
        .await
        .unwrap_or_else(html_error)
}

async fn submit(
    state: App,
    token: String,
    query: PageQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    token_ok(&token)?;
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::bad_request(format!("unreadable form: {e}")))?;
    let view = polls::as_participant(state.store.as_ref(), &token)
        .await
        .map_err(participant_error)?;
    let sent: Vec<Option<Vote>> = (0..view.poll.input.options.len())
        .map(
            |i| match form.get(&format!("vote_{i}")).map(String::as_str) {
                Some("yes") => Some(Vote::Yes),
                Some("if_need_be") => Some(Vote::IfNeedBe),
                Some("no") => Some(Vote::No),
                _ => None,
            },
        )
        .collect();
    let comment_text = form.get("comment").map(|c| c.trim()).unwrap_or_default();
    let shown = zone_for(&query, &view);
    // A refused form comes back as the page, with the error next to its field
    // and everything entered still there.
    let again = |error: ApiError| {
        let page = PageState {
            token: &token,
            saved: false,
            accepting: view.poll.accepts_votes(state.now()),
            chosen: true,
        };
        let draft = Draft {
            votes: sent.clone(),
            comment: comment_text,
            error: &error,
        };
        (error.status(), render(&view, &shown, &page, Some(&draft))).into_response()
    };
    let mut votes = Vec::new();
    for (i, vote) in sent.iter().enumerate() {
        match vote {
            Some(vote) => votes.push(*vote),
            None => {
                return Ok(again(ApiError::invalid(
                    format!("vote_{i}"),
                    "choose yes, if need be or no",
                )));
            }
        }
    }
    let comment = Some(comment_text.to_string()).filter(|c| !c.is_empty());
    let ballot = Ballot { votes, comment };
    if let Err(error) = polls::vote(state.store.as_ref(), &token, &ballot, state.now()).await {
        let error = participant_error(error);
        if error.status() == StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(again(error));
        }
        return Err(error);
    }
    Ok(Redirect::to(&format!(
        "/polls/{token}?saved=1&timezone={}",
        encoded(shown.zone.as_str())
    ))
    .into_response())
}

/// The open link's form: a name and an email, with the values entered so
/// far and the error next to its field.
fn join_form(name: &str, email: &str, error: Option<&ApiError>) -> Html<String> {
    let general = match error {
        Some(e) if !matches!(e.field(), Some("name" | "email")) => format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(e.detail())
        ),
        _ => String::new(),
    };
    layout(
        "Join the poll",
        &format!(
            "<h1>Join the poll</h1>{general}<form method=\"post\">\
             <p><label>Your name<input name=\"name\" value=\"{}\" required></label>{}</p>\
             <p><label>Your email<input name=\"email\" type=\"email\" value=\"{}\" required></label>{}</p>\
             <p><button type=\"submit\">Continue</button></p></form>",
            escape(name),
            error_for(error, "name"),
            escape(email),
            error_for(error, "email"),
        ),
    )
}

/// GET /polls/join/{token}: the open link asks for a name and email.
pub async fn join_page(Path(token): Path<String>) -> Response {
    if let Err(error) = token_ok(&token) {
        return html_error(error);
    }
    join_form("", "", None).into_response()
}

/// POST /polls/join/{token}: joins and sends the person to their own page;
/// a refused form comes back as the form, with the error and the values.
pub async fn join_submit(
    State(state): State<App>,
    Path(token): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(error) = token_ok(&token) {
        return html_error(error);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return html_error(body_rejection(rejection)),
    };
    let entered: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let value = |name: &str| entered.get(name).map(String::as_str).unwrap_or_default();
    let again = |error: ApiError| {
        let form = join_form(value("name"), value("email"), Some(&error));
        (error.status(), form).into_response()
    };
    let person: Invited = match crate::http::extract::parse_form(&body) {
        Ok(person) => person,
        Err(error) => return again(error),
    };
    match polls::join(state.store.as_ref(), &token, &person, state.now()).await {
        Ok(mine) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/polls/{mine}"))],
        )
            .into_response(),
        Err(error) => {
            let error = participant_error(error);
            if error.status() == StatusCode::UNPROCESSABLE_ENTITY {
                again(error)
            } else {
                html_error(error)
            }
        }
    }
}
