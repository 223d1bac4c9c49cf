//! Server-rendered pages for meeting polls: vote and see results, on a phone
//! as well as a desktop. Everything people typed is escaped; texts come
//! from the catalogue, in the reader's language (`?lang=`, `Accept-Language`).

use super::layout::{Brand, Here, Shell, document};
use crate::app::App;
use crate::booking::polls::{self, ParticipantView};
use crate::domain::{Ballot, Invited, TimeZoneName, Vote};
use crate::http::api::polls::{participant_error, token_ok};
use crate::http::error::ApiError;
use crate::http::extract::body_rejection;
use crate::http::html::escape;
use crate::http::i18n::Lang;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::fmt::Write;

/// The poll pages in the shared shell (no language switch: a participant's
/// page is reached by its secret link, which the switch would repeat).
fn layout(lang: Lang, title: &str, body: &str) -> Html<String> {
    let here = Here::default();
    let shell = Shell {
        lang,
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
    pub lang: Option<String>,
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
                "lang" => query.lang = Some(value.into_owned()),
                _ => {}
            }
        }
        query
    }

    fn lang(&self, headers: &HeaderMap) -> Lang {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Lang::choose(self.lang.as_deref(), accept)
    }
}

/// A meeting's time as people read it, zone named:
/// "Tue 8 Dec 2026, 10:00–11:00 (Europe/Berlin)".
fn local(
    lang: Lang,
    at: chrono::DateTime<chrono::Utc>,
    minutes: u32,
    zone: &TimeZoneName,
) -> String {
    let engine_zone = zone.zone();
    let start = crate::engine::Instant::from_utc(at);
    let end = start.plus_minutes(i64::from(minutes));
    let (from, to) = (engine_zone.local(start), engine_zone.local(end));
    let clock = crate::http::i18n::Clock::H24;
    let until = if from.date() == to.date() {
        lang.time(to, clock)
    } else {
        format!(
            "{}, {}",
            lang.date_short(to.date(), false),
            lang.time(to, clock)
        )
    };
    format!(
        "{}, {}–{until} ({zone})",
        lang.date_short(from.date(), true),
        lang.time(from, clock)
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
fn html_error(lang: Lang, error: ApiError) -> Response {
    let status = error.status();
    let body = format!(
        "<h1>{}</h1><p>{}</p>",
        escape(status.canonical_reason().unwrap_or("Error")),
        escape(error.detail())
    );
    let mut response = (status, layout(lang, "Kairos", &body)).into_response();
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
    lang: Lang,
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
    let lang = page.lang;
    let poll = &view.poll;
    let minutes = poll.input.duration_minutes;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(&poll.input.title));
    if !poll.input.description.is_empty() {
        let _ = write!(body, "<p>{}</p>", escape(&poll.input.description));
    }
    let _ = write!(
        body,
        "<p class=\"muted\">{}</p><form method=\"get\" class=\"muted\"><label>{} \
         <input name=\"timezone\" id=\"timezone\" value=\"{}\" ></label> \
         <button type=\"submit\">{}</button></form>",
        escape(&lang.tf(
            "poll.minutes",
            &[("n", &poll.input.duration_minutes.to_string())]
        )),
        escape(lang.t("poll.times_in")),
        escape(zone.as_str()),
        escape(lang.t("zone.show"))
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
        let _ = write!(
            body,
            "<p><strong>{}</strong> {}</p>",
            escape(lang.t("poll.saved")),
            escape(lang.t("poll.saved_note"))
        );
    }
    match (poll.status, poll.chosen_option) {
        (crate::domain::PollStatus::Finalized, Some(i)) => {
            let _ = write!(
                body,
                "<p><strong>{}</strong></p>",
                escape(&lang.tf(
                    "poll.booked",
                    &[("time", &local(lang, poll.input.options[i], minutes, zone))]
                ))
            );
        }
        _ if !accepting => {
            let _ = write!(
                body,
                "<p><strong>{}</strong></p>",
                escape(lang.t("poll.closed"))
            );
        }
        _ => {}
    }
    let _ = write!(
        body,
        "<p>{}</p><form method=\"post\">",
        escape(&lang.tf("poll.hello", &[("name", &view.me.name)]))
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
            escape(&local(lang, *start, minutes, zone)),
            error_for(error, &format!("vote_{i}"))
        );
        for (value, vote) in [
            ("yes", Vote::Yes),
            ("if_need_be", Vote::IfNeedBe),
            ("no", Vote::No),
        ] {
            let label = escape(lang.t(&format!("vote.{value}")));
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
            "<p><label>{}<textarea name=\"comment\" rows=\"3\">{}</textarea></label>{}</p>\
             <p><button type=\"submit\">{}</button></p>",
            escape(lang.t("poll.comment")),
            escape(comment),
            error_for(error, "comment"),
            escape(lang.t("poll.save"))
        );
    }
    let _ = write!(body, "</form><h2>{}</h2>", escape(lang.t("poll.results")));
    if !poll.input.votes_visible {
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p>",
            escape(lang.t("poll.private"))
        );
    }
    let _ = write!(
        body,
        "<table class=\"results\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(lang.t("poll.time")),
        escape(lang.t("vote.yes")),
        escape(lang.t("vote.if_need_be")),
        escape(lang.t("vote.no"))
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
            escape(&local(lang, result.start, minutes, zone)),
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
        "</table><p class=\"muted\">{}</p>",
        escape(&lang.tf("poll.link", &[("token", token)]))
    );
    layout(lang, &poll.input.title, &body)
}

/// The zone asked for in `?timezone=`, else the poll's; an unknown name is
/// said so on the page (never silently replaced).
fn zone_for(lang: Lang, query: &PageQuery, view: &ParticipantView) -> Shown {
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
                notice: Some(lang.tf(
                    "poll.zone_unknown",
                    &[("asked", asked), ("zone", fallback.as_str())],
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
    headers: HeaderMap,
) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    let lang = query.lang(&headers);
    show(state, token, query, lang)
        .await
        .unwrap_or_else(|e| html_error(lang, e))
}

async fn show(
    state: App,
    token: String,
    query: PageQuery,
    lang: Lang,
) -> Result<Response, ApiError> {
    token_ok(&token)?;
    let view = polls::as_participant(state.store.as_ref(), &token)
        .await
        .map_err(participant_error)?;
    let shown = zone_for(lang, &query, &view);
    let page = PageState {
        lang,
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
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    let lang = query.lang(&headers);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return html_error(lang, body_rejection(rejection)),
    };
    submit(state, token, query, lang, body)
        .await
        .unwrap_or_else(|e| html_error(lang, e))
}

async fn submit(
    state: App,
    token: String,
    query: PageQuery,
    lang: Lang,
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
    let shown = zone_for(lang, &query, &view);
    // A refused form comes back as the page, with the error next to its field
    // and everything entered still there.
    let again = |error: ApiError| {
        let page = PageState {
            lang,
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
                    lang.t("poll.vote_missing"),
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
    let chosen_lang = match &query.lang {
        Some(_) => format!("&lang={}", lang.code()),
        None => String::new(),
    };
    Ok(Redirect::to(&format!(
        "/polls/{token}?saved=1&timezone={}{chosen_lang}",
        encoded(shown.zone.as_str())
    ))
    .into_response())
}

/// The open link's form: a name and an email, with the values entered so
/// far and the error next to its field.
fn join_form(lang: Lang, name: &str, email: &str, error: Option<&ApiError>) -> Html<String> {
    let general = match error {
        Some(e) if !matches!(e.field(), Some("name" | "email")) => format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(e.detail())
        ),
        _ => String::new(),
    };
    let title = lang.t("join.title");
    layout(
        lang,
        title,
        &format!(
            "<h1>{}</h1>{general}<form method=\"post\">\
             <p><label>{}<input name=\"name\" value=\"{}\" required autocomplete=\"name\"></label>{}</p>\
             <p><label>{}<input name=\"email\" type=\"email\" value=\"{}\" required autocomplete=\"email\"></label>{}</p>\
             <p><button type=\"submit\">{}</button></p></form>",
            escape(title),
            escape(lang.t("form.name")),
            escape(name),
            error_for(error, "name"),
            escape(lang.t("join.email")),
            escape(email),
            error_for(error, "email"),
            escape(lang.t("join.continue")),
        ),
    )
}

/// GET /polls/join/{token}: the open link asks for a name and email.
pub async fn join_page(
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = PageQuery::parse(raw.as_deref()).lang(&headers);
    if let Err(error) = token_ok(&token) {
        return html_error(lang, error);
    }
    join_form(lang, "", "", None).into_response()
}

/// POST /polls/join/{token}: joins and sends the person to their own page;
/// a refused form comes back as the form, with the error and the values.
pub async fn join_submit(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = PageQuery::parse(raw.as_deref()).lang(&headers);
    if let Err(error) = token_ok(&token) {
        return html_error(lang, error);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return html_error(lang, body_rejection(rejection)),
    };
    let entered: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let value = |name: &str| entered.get(name).map(String::as_str).unwrap_or_default();
    let again = |error: ApiError| {
        let form = join_form(lang, value("name"), value("email"), Some(&error));
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
                html_error(lang, error)
            }
        }
    }
}
