//! Server-rendered pages for meeting polls: vote and see results, on a phone
//! as well as a desktop. Everything people typed is escaped.

use super::AppState;
use super::api::polls::{participant_error, token_ok};
use super::error::ApiError;
use crate::booking::polls::{self, ParticipantView};
use crate::domain::{Ballot, Invited, TimeZoneName, Vote};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write;

/// `<`, `>`, `&`, `"` and `'` as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem;line-height:1.4}}\
         .option{{border:1px solid #ccc;border-radius:.5rem;padding:.6rem;margin:.5rem 0}}\
         .option label{{margin-right:1rem;white-space:nowrap}} .muted{{color:#666}}\
         button{{font-size:1rem;padding:.6rem 1.2rem}} textarea,input[type=email],input:not([type]){{width:100%;font-size:1rem;box-sizing:border-box}}\
         .option label{{display:inline-block;padding:.3rem 0}} input[type=radio]{{width:auto;transform:scale(1.3);margin-right:.4rem}}\
         table{{border-collapse:collapse;width:100%}} td,th{{border-bottom:1px solid #eee;padding:.3rem;text-align:left}}\
         </style></head><body>{body}</body></html>",
        escape(title)
    ))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub timezone: Option<String>,
    pub saved: Option<String>,
}

fn local(at: chrono::DateTime<chrono::Utc>, zone: &TimeZoneName) -> String {
    let zone = zone.zone();
    let instant = crate::engine::Instant::from_utc(at);
    let local = zone.local(instant);
    local.format("%a %d %b %Y, %H:%M").to_string()
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

fn render(
    view: &ParticipantView,
    zone: &TimeZoneName,
    token: &str,
    saved: bool,
    accepting: bool,
    chosen: bool,
) -> Html<String> {
    let poll = &view.poll;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", escape(&poll.input.title));
    if !poll.input.description.is_empty() {
        let _ = write!(body, "<p>{}</p>", escape(&poll.input.description));
    }
    let _ = write!(
        body,
        "<p class=\"muted\">{} minutes</p><form method=\"get\" class=\"muted\"><label>Times shown in \
         <input name=\"timezone\" id=\"timezone\" value=\"{}\" style=\"width:auto\"></label> \
         <button type=\"submit\">Show</button></form>",
        poll.input.duration_minutes,
        escape(zone.as_str())
    );
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
                escape(&local(poll.input.options[i], zone))
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
    for (i, start) in poll.input.options.iter().enumerate() {
        let mine = view.me.votes.get(i).copied().flatten();
        let _ = write!(
            body,
            "<div class=\"option\"><div><strong>{}</strong></div>",
            escape(&local(*start, zone))
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
    let comment = view.me.comment.as_deref().unwrap_or_default();
    if accepting {
        let _ = write!(
            body,
            "<p><label>Comment (optional)<textarea name=\"comment\" rows=\"3\">{}</textarea></label></p>\
             <p><button type=\"submit\">Save my votes</button></p>",
            escape(comment)
        );
    }
    body.push_str("</form><h2>Results</h2>");
    if !poll.input.votes_visible {
        body.push_str("<p class=\"muted\">The host keeps the results of this poll private.</p>");
    }
    body.push_str("<table><tr><th>Time</th><th>Yes</th><th>If need be</th><th>No</th></tr>");
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
            escape(&local(result.start, zone)),
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

fn zone_for(query: &PageQuery, view: &ParticipantView) -> TimeZoneName {
    query
        .timezone
        .as_deref()
        .and_then(|z| TimeZoneName::parse(z).ok())
        .unwrap_or_else(|| view.poll.input.timezone.clone())
}

/// GET /polls/{token}: the participant's page.
pub async fn poll_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    show(state, token, query).await.unwrap_or_else(html_error)
}

async fn show(state: AppState, token: String, query: PageQuery) -> Result<Response, ApiError> {
    token_ok(&token)?;
    let view = polls::as_participant(state.store.as_ref(), &token)
        .await
        .map_err(participant_error)?;
    let zone = zone_for(&query, &view);
    let accepting = view.poll.accepts_votes((state.clock)());
    let chosen = query.timezone.is_some();
    Ok(render(
        &view,
        &zone,
        &token,
        query.saved.is_some(),
        accepting,
        chosen,
    )
    .into_response())
}

/// POST /polls/{token}: a submitted form of votes.
pub async fn poll_submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
    body: Bytes,
) -> Response {
    submit(state, token, query, body)
        .await
        .unwrap_or_else(html_error)
}

async fn submit(
    state: AppState,
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
    let mut votes = Vec::new();
    for i in 0..view.poll.input.options.len() {
        let field = format!("vote_{i}");
        let vote = match form.get(&field).map(String::as_str) {
            Some("yes") => Vote::Yes,
            Some("if_need_be") => Vote::IfNeedBe,
            Some("no") => Vote::No,
            _ => return Err(ApiError::invalid(field, "choose yes, if need be or no")),
        };
        votes.push(vote);
    }
    let comment = form
        .get("comment")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let ballot = Ballot { votes, comment };
    polls::vote(state.store.as_ref(), &token, &ballot, (state.clock)())
        .await
        .map_err(participant_error)?;
    let zone = zone_for(&query, &view);
    Ok(Redirect::to(&format!(
        "/polls/{token}?saved=1&timezone={}",
        encoded(zone.as_str())
    ))
    .into_response())
}

/// GET /polls/join/{token}: the open link asks for a name and email.
pub async fn join_page(Path(token): Path<String>) -> Response {
    if let Err(error) = token_ok(&token) {
        return html_error(error);
    }
    layout(
        "Join the poll",
        "<h1>Join the poll</h1><form method=\"post\"><p><label>Your name<input name=\"name\" required></label></p>\
         <p><label>Your email<input name=\"email\" type=\"email\" required></label></p>\
         <p><button type=\"submit\">Continue</button></p></form>",
    )
    .into_response()
}

/// POST /polls/join/{token}: joins and sends the person to their own page.
pub async fn join_submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    token_ok(&token)?;
    let person: Invited = super::extract::parse_form(&body)?;
    let mine = polls::join(state.store.as_ref(), &token, &person, (state.clock)())
        .await
        .map_err(participant_error)?;
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/polls/{mine}"))],
    )
        .into_response())
}
