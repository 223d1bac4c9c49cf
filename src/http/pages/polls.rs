//! Server-rendered pages for meeting polls: vote and see results, on a phone
//! as well as a desktop. Everything people typed is escaped; texts come
//! from the catalogue, in the reader's language (`?lang=`, `Accept-Language`).

use super::calendar::ZONE_OPTIONS;
use super::host::{brand, host_header, place};
use super::layout::{Brand, Here, Shell, document};
use crate::app::App;
use crate::booking::polls::{self, ParticipantView, VisitorView};
use crate::domain::{
    Ballot, Invited, OptionResult, Participant, Poll, PollStatus, TimeZoneName, User, Vote,
    best_options,
};
use crate::html::escape;
use crate::http::api::polls::{participant_error, token_ok};
use crate::http::error::ApiError;
use crate::http::extract::body_rejection;
use crate::i18n::{Clock, Lang};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::fmt::Write;

/// The poll pages in the shared shell, in the host's colours (no language
/// switch: a participant's page is reached by its secret link, which the
/// switch would repeat).
fn layout(lang: Lang, title: &str, brand: Brand<'_>, body: &str) -> Html<String> {
    let here = Here::default();
    let shell = Shell {
        lang,
        title,
        brand,
        embed: false,
        here: &here,
        data: None,
    };
    document(&shell, &format!("<div class=\"poll\">{body}</div>"))
}

#[derive(Debug, Default)]
pub struct PageQuery {
    pub timezone: Option<String>,
    pub saved: Option<String>,
    pub lang: Option<String>,
    pub clock: Option<String>,
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
                "clock" => query.clock = Some(value.into_owned()),
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

    /// `?clock=12|24`, else the language's habit (as on the booking pages).
    fn clock(&self, lang: Lang) -> Clock {
        self.clock
            .as_deref()
            .and_then(Clock::parse)
            .unwrap_or(lang.default_clock())
    }

    /// The parameters a link or form of these pages passes on: language and
    /// clock once chosen, and the zone when `zone` is given.
    fn carried(&self, lang: Lang, zone: Option<&TimeZoneName>) -> Vec<(&'static str, String)> {
        let mut carried = Vec::new();
        if let Some(zone) = zone {
            carried.push(("timezone", zone.as_str().to_string()));
        }
        if self.lang.is_some() {
            carried.push(("lang", lang.code().to_string()));
        }
        if let Some(clock) = self.clock.as_deref().and_then(Clock::parse) {
            carried.push(("clock", clock.code().to_string()));
        }
        carried
    }
}

fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

/// How the pages write times: the language, its clock, the zone shown.
#[derive(Clone, Copy)]
struct Times<'a> {
    lang: Lang,
    clock: Clock,
    zone: &'a TimeZoneName,
}

impl Times<'_> {
    fn wall(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
        self.zone.zone().local(crate::engine::Instant::from_utc(at))
    }

    /// A meeting's time as people read it, zone named:
    /// "Tue 8 Dec 2026, 10:00–11:00 (Europe/Berlin)".
    fn meeting(&self, at: chrono::DateTime<chrono::Utc>, minutes: u32) -> String {
        let (day, range) = self.parts(at, minutes);
        format!("{day}, {range} ({})", self.zone)
    }

    /// The day ("Tue 8 Dec 2026", or without the year) and the clock range
    /// ("10:00–11:00", naming the end's day when it is another).
    fn parts_with(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        minutes: u32,
        year: bool,
    ) -> (String, String) {
        let lang = self.lang;
        let from = self.wall(at);
        let to = self.wall(at + chrono::Duration::minutes(i64::from(minutes)));
        let until = if from.date() == to.date() {
            lang.time(to, self.clock)
        } else {
            format!(
                "{}, {}",
                lang.date_short(to.date(), false),
                lang.time(to, self.clock)
            )
        };
        (
            lang.date_short(from.date(), year),
            format!("{}–{until}", lang.time(from, self.clock)),
        )
    }

    fn parts(&self, at: chrono::DateTime<chrono::Utc>, minutes: u32) -> (String, String) {
        self.parts_with(at, minutes, true)
    }

    /// An instant on its own (a deadline), zone named.
    fn instant(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        let local = self.wall(at);
        format!(
            "{}, {} ({})",
            self.lang.date_short(local.date(), true),
            self.lang.time(local, self.clock),
            self.zone
        )
    }
}

/// An error shown next to a form field (or above the form when it names
/// no field of it).
fn error_for(error: Option<&ApiError>, field: &str) -> String {
    match error {
        Some(e) if e.field() == Some(field) => format!(
            "<p class=\"error\" role=\"alert\" id=\"err-{field}\">{}</p>",
            escape(e.detail())
        ),
        _ => String::new(),
    }
}

/// An error as a page a person can read (the JSON API keeps problem+json).
fn html_error(lang: Lang, error: ApiError) -> Response {
    let status = error.status();
    let body = format!(
        "<div class=\"card narrow\"><h1>{}</h1><p>{}</p></div>",
        escape(status.canonical_reason().unwrap_or("Error")),
        escape(error.detail())
    );
    let mut response = (status, layout(lang, "Kairos", Brand::default(), &body)).into_response();
    if let Some(seconds) = error.retry_after() {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
    response
}

/// Poll pages carry their secret (a personal or open link's token) in the
/// address: no cache keeps them, and no other site hears of the address
/// (the host's avatar is loaded from elsewhere).
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    response
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

/// Everything about a poll its pages show, whoever reads it.
struct Outlook<'a> {
    poll: &'a Poll,
    /// `None` when the host's record cannot be read: the page still works.
    host: Option<&'a User>,
    /// Everyone's rows; empty when votes are private.
    participants: &'a [Participant],
    results: &'a [OptionResult],
}

const VOTES: [(Vote, &str, &str); 3] = [
    (Vote::Yes, "yes", "\u{2713}"),
    (Vote::IfNeedBe, "if_need_be", "(\u{2713})"),
    (Vote::No, "no", "\u{2717}"),
];

fn vote_parts(vote: Vote) -> (&'static str, &'static str) {
    VOTES
        .iter()
        .find(|(v, _, _)| *v == vote)
        .map_or(("no", "\u{2717}"), |(_, code, symbol)| (*code, *symbol))
}

/// The host, the title and what the meeting is: length, place, deadline,
/// description; then its outcome once it has one.
fn details(times: Times<'_>, outlook: &Outlook<'_>, accepting: bool) -> String {
    let lang = times.lang;
    let poll = outlook.poll;
    let input = &poll.input;
    let mut html = String::from("<header class=\"card poll-head\">");
    if let Some(host) = outlook.host {
        html.push_str(&host_header(
            host,
            &format!(
                "<p class=\"muted\">{}</p>",
                escape(&lang.tf("poll.host", &[("name", &host.input.name)]))
            ),
        ));
    }
    let _ = write!(
        html,
        "<h1>{}</h1><ul class=\"facts\"><li><span class=\"visually-hidden\">{}: </span>{}</li>\
         <li><span class=\"visually-hidden\">{}: </span>{}</li>",
        escape(&input.title),
        escape(lang.t("event.duration")),
        escape(&lang.tf("minutes", &[("n", &input.duration_minutes.to_string())])),
        escape(lang.t("event.location")),
        escape(&place(lang, &input.location)),
    );
    if let (Some(deadline), true) = (input.deadline, accepting) {
        let _ = write!(
            html,
            "<li>{}</li>",
            escape(&lang.tf("poll.deadline", &[("time", &times.instant(deadline))]))
        );
    }
    html.push_str("</ul>");
    if !input.description.is_empty() {
        let _ = write!(
            html,
            "<p class=\"description\">{}</p>",
            escape(&input.description).replace('\n', "<br>")
        );
    }
    match (poll.status, poll.chosen_option) {
        (PollStatus::Finalized, Some(i)) if i < input.options.len() => {
            let _ = write!(
                html,
                "<p class=\"notice outcome\" role=\"status\"><strong>{}</strong></p>",
                escape(&lang.tf(
                    "poll.booked",
                    &[(
                        "time",
                        &times.meeting(input.options[i], input.duration_minutes)
                    )]
                ))
            );
        }
        _ if !accepting => {
            let _ = write!(
                html,
                "<p class=\"notice outcome\" role=\"status\"><strong>{}</strong></p>",
                escape(lang.t("poll.closed"))
            );
        }
        _ => {}
    }
    html.push_str("</header>");
    html
}

/// The zone picker and the clock, as on the booking pages: a GET form and
/// links that work without the script.
fn controls(times: Times<'_>, query: &PageQuery, path: &str, shown: &Shown) -> String {
    let lang = times.lang;
    let mut html = String::new();
    if let Some(notice) = &shown.notice {
        let _ = write!(
            html,
            "<p class=\"notice\" role=\"alert\">{}</p>",
            escape(notice)
        );
    }
    html.push_str("<div class=\"controls\"><form method=\"get\" id=\"kz-zone\">");
    for (key, value) in query.carried(lang, None) {
        let _ = write!(
            html,
            "<input type=\"hidden\" name=\"{key}\" value=\"{}\">",
            escape(&value)
        );
    }
    let _ = write!(
        html,
        "<div><label for=\"kz-tz\">{}</label><input id=\"kz-tz\" name=\"timezone\" list=\"kz-zones\" \
         value=\"{}\" autocomplete=\"off\" spellcheck=\"false\"><datalist id=\"kz-zones\">{}</datalist></div>\
         <button type=\"submit\" class=\"secondary\">{}</button></form>",
        escape(lang.t("zone.label")),
        escape(times.zone.as_str()),
        *ZONE_OPTIONS,
        escape(lang.t("zone.show"))
    );
    let _ = write!(
        html,
        "<div><span class=\"label\" id=\"kz-clock-label\">{}</span><div class=\"seg\" role=\"group\" aria-labelledby=\"kz-clock-label\">",
        escape(lang.t("clock.label"))
    );
    for clock in [Clock::H12, Clock::H24] {
        let mut pairs: Vec<(&str, String)> = query
            .carried(lang, Some(times.zone))
            .into_iter()
            .filter(|(k, _)| *k != "clock")
            .collect();
        pairs.push(("clock", clock.code().to_string()));
        let current = if clock == times.clock {
            " aria-current=\"true\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<a href=\"{}\"{current}>{}</a>",
            escape(&with_query(path, &pairs)),
            escape(lang.t(&format!("clock.{}", clock.code())))
        );
    }
    html.push_str("</div></div></div>");
    if query.timezone.is_none() {
        // First visit: show the times in the browser's own zone.
        html.push_str(
            "<script>try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;\
             if(z){var u=new URL(location.href);u.searchParams.set('timezone',z);location.replace(u.toString());}}catch(e){}</script>",
        );
    }
    html
}

/// The visitor's own row in the grid: a choice per option when they may
/// still vote (what they sent last, or what they just tried to send).
struct MyRow<'a> {
    /// How the row is headed ("Bo (you)", or "You" before joining).
    label: String,
    /// Their participant id (left out of the others' rows); `None` before
    /// they join.
    id: Option<&'a str>,
    votes: Vec<Option<Vote>>,
    editable: bool,
    error: Option<&'a ApiError>,
}

/// One read-only cell: symbol and word (never colour alone).
fn vote_cell(lang: Lang, vote: Option<Vote>, class: &str) -> String {
    match vote {
        Some(vote) => {
            let (code, symbol) = vote_parts(vote);
            format!(
                "<td class=\"v v-{code}{class}\"><span aria-hidden=\"true\">{symbol}</span> {}</td>",
                escape(lang.t(&format!("vote.{code}")))
            )
        }
        None => format!(
            "<td class=\"v v-none{class}\"><span aria-hidden=\"true\">–</span> <span class=\"visually-hidden\">{}</span></td>",
            escape(lang.t("poll.not_voted"))
        ),
    }
}

/// Participants × options: who voted what, the count per option, the best
/// options marked (or the booked one), the visitor's row first and, while
/// they may vote, editable in place. A table with headers for screen
/// readers; on a phone it scrolls sideways with the names kept in view.
fn grid(times: Times<'_>, outlook: &Outlook<'_>, mine: Option<&MyRow<'_>>) -> String {
    let lang = times.lang;
    let poll = outlook.poll;
    let minutes = poll.input.duration_minutes;
    let visible = poll.input.votes_visible;
    let chosen = match poll.status {
        PollStatus::Finalized => poll.chosen_option,
        _ => None,
    };
    let best = if visible && chosen.is_none() {
        best_options(outlook.results)
    } else {
        Vec::new()
    };
    let mark = |i: usize| {
        if chosen == Some(i) {
            " chosen"
        } else if best.contains(&i) {
            " best"
        } else {
            ""
        }
    };
    let caption = if visible {
        lang.tf("poll.grid_caption", &[("zone", times.zone.as_str())])
    } else {
        lang.tf("poll.own_caption", &[("zone", times.zone.as_str())])
    };
    let mut html = format!(
        "<div class=\"grid-wrap\" role=\"region\" aria-labelledby=\"kz-grid-cap\" tabindex=\"0\">\
         <table class=\"poll-grid\"><caption id=\"kz-grid-cap\" class=\"visually-hidden\">{}</caption><thead><tr><th scope=\"col\">{}</th>",
        escape(&caption),
        escape(lang.t("poll.participant"))
    );
    let year_differs = poll
        .input
        .options
        .first()
        .map(|f| times.wall(*f).date())
        .zip(poll.input.options.last().map(|l| times.wall(*l).date()))
        .is_some_and(|(a, b)| chrono::Datelike::year(&a) != chrono::Datelike::year(&b));
    for (i, start) in poll.input.options.iter().enumerate() {
        let (day, range) = times.parts_with(*start, minutes, year_differs);
        let badge = if chosen == Some(i) {
            format!(
                "<span class=\"badge\"><span aria-hidden=\"true\">\u{2713}</span> {}</span>",
                escape(lang.t("poll.chosen"))
            )
        } else if best.contains(&i) {
            format!(
                "<span class=\"badge\"><span aria-hidden=\"true\">\u{2605}</span> {}</span>",
                escape(lang.t("poll.best"))
            )
        } else {
            String::new()
        };
        let _ = write!(
            html,
            "<th scope=\"col\" class=\"opt{}\"><span class=\"day\">{}</span> <span class=\"time\">{}</span>{badge}</th>",
            mark(i),
            escape(&day),
            escape(&range)
        );
    }
    html.push_str("</tr>");
    if visible {
        let _ = write!(
            html,
            "<tr class=\"counts\"><th scope=\"row\">{}</th>",
            escape(lang.t("poll.counts"))
        );
        for i in 0..poll.input.options.len() {
            let (yes, maybe, no) = outlook
                .results
                .iter()
                .find(|r| r.index == i)
                .map_or((0, 0, 0), |r| (r.yes, r.if_need_be, r.no));
            let _ = write!(
                html,
                "<td class=\"count{}\"><span aria-hidden=\"true\">\u{2713} {yes} · (\u{2713}) {maybe}</span>\
                 <span class=\"visually-hidden\">{}</span></td>",
                mark(i),
                escape(&lang.tf(
                    "poll.count",
                    &[
                        ("yes", &yes.to_string()),
                        ("maybe", &maybe.to_string()),
                        ("no", &no.to_string())
                    ]
                ))
            );
        }
        html.push_str("</tr>");
    }
    html.push_str("</thead><tbody>");
    if let Some(row) = mine {
        let _ = write!(
            html,
            "<tr class=\"me\"><th scope=\"row\">{}</th>",
            escape(&row.label)
        );
        for (i, start) in poll.input.options.iter().enumerate() {
            let vote = row.votes.get(i).copied().flatten();
            if !row.editable {
                html.push_str(&vote_cell(lang, vote, mark(i)));
                continue;
            }
            let field = format!("vote_{i}");
            let error = error_for(row.error, &field);
            let described = if error.is_empty() {
                String::new()
            } else {
                format!(" aria-describedby=\"err-{field}\"")
            };
            let _ = write!(
                html,
                "<td class=\"ballot{}\"><div role=\"radiogroup\" aria-label=\"{}\"{described}>{error}",
                mark(i),
                escape(&times.meeting(*start, minutes))
            );
            for (value, code, symbol) in VOTES {
                let checked = if vote == Some(value) { " checked" } else { "" };
                let _ = write!(
                    html,
                    "<label class=\"v-{code}\"><input type=\"radio\" name=\"{field}\" value=\"{code}\" required{checked}> \
                     <span aria-hidden=\"true\">{symbol}</span> {}</label>",
                    escape(lang.t(&format!("vote.{code}")))
                );
            }
            html.push_str("</div></td>");
        }
        html.push_str("</tr>");
    }
    let me_id = mine.and_then(|row| row.id);
    for participant in outlook.participants {
        if Some(participant.id.as_str()) == me_id {
            continue;
        }
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{}</th>",
            escape(&participant.name)
        );
        for i in 0..poll.input.options.len() {
            html.push_str(&vote_cell(
                lang,
                participant.votes.get(i).copied().flatten(),
                mark(i),
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    let others = outlook
        .participants
        .iter()
        .any(|p| Some(p.id.as_str()) != me_id);
    if visible && !others && mine.is_none() {
        let _ = write!(
            html,
            "<p class=\"muted\">{}</p>",
            escape(lang.t("poll.nobody"))
        );
    }
    html
}

/// What people wrote with their votes (when votes are visible).
fn comments(lang: Lang, outlook: &Outlook<'_>, me_id: Option<&str>) -> String {
    let written: Vec<&Participant> = outlook
        .participants
        .iter()
        .filter(|p| Some(p.id.as_str()) != me_id)
        .filter(|p| p.comment.as_deref().is_some_and(|c| !c.trim().is_empty()))
        .collect();
    if written.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<h2>{}</h2><ul class=\"comments\">",
        escape(lang.t("poll.comments"))
    );
    for p in written {
        let _ = write!(
            html,
            "<li><strong>{}</strong>: {}</li>",
            escape(&p.name),
            escape(p.comment.as_deref().unwrap_or_default()).replace('\n', "<br>")
        );
    }
    html.push_str("</ul>");
    html
}

/// What the grid's symbols mean and which zone its times are in (the
/// table's caption says so too, but scrolls away on a phone).
fn legend(times: Times<'_>) -> String {
    let lang = times.lang;
    let items: Vec<String> = VOTES
        .iter()
        .map(|(_, code, symbol)| {
            format!(
                "<span><span aria-hidden=\"true\">{symbol}</span> {}</span>",
                escape(lang.t(&format!("vote.{code}")))
            )
        })
        .collect();
    format!(
        "<p class=\"legend muted\">{} {}</p>",
        escape(&lang.tf("zone.shown", &[("zone", times.zone.as_str())])),
        items.join(" · ")
    )
}

struct PageState<'a> {
    token: &'a str,
    saved: bool,
    accepting: bool,
}

fn render(
    view: &ParticipantView,
    host: Option<&User>,
    times: Times<'_>,
    query: &PageQuery,
    shown: &Shown,
    page: &PageState<'_>,
    draft: Option<&Draft<'_>>,
) -> Html<String> {
    let lang = times.lang;
    let poll = &view.poll;
    let outlook = Outlook {
        poll,
        host,
        participants: &view.participants,
        results: &view.results,
    };
    let path = format!("/polls/{}", page.token);
    let mut body = details(times, &outlook, page.accepting);
    body.push_str("<section class=\"card\" aria-labelledby=\"kz-votes-h\">");
    let _ = write!(
        body,
        "<h2 id=\"kz-votes-h\">{}</h2>",
        escape(lang.t("poll.results"))
    );
    body.push_str(&controls(times, query, &path, shown));
    if page.saved {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\"><strong>{}</strong> {}</p>",
            escape(lang.t("poll.saved")),
            escape(lang.t("poll.saved_note"))
        );
    }
    if !poll.input.votes_visible {
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p>",
            escape(lang.t("poll.private"))
        );
    }
    let error = draft.map(|d| d.error);
    let mine = MyRow {
        label: lang.tf("poll.you", &[("name", &view.me.name)]),
        id: Some(view.me.id.as_str()),
        votes: match draft {
            Some(draft) => draft.votes.clone(),
            None => view.me.votes.clone(),
        },
        editable: page.accepting,
        error,
    };
    if page.accepting {
        let _ = write!(
            body,
            "<p>{}</p><form method=\"post\" action=\"{}\">",
            escape(&lang.tf("poll.hello", &[("name", &view.me.name)])),
            escape(&with_query(&path, &query.carried(lang, Some(times.zone))))
        );
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
    }
    body.push_str(&legend(times));
    body.push_str(&grid(times, &outlook, Some(&mine)));
    if page.accepting {
        let comment = match draft {
            Some(draft) => draft.comment,
            None => view.me.comment.as_deref().unwrap_or_default(),
        };
        let _ = write!(
            body,
            "<p><label for=\"kz-comment\">{}</label><textarea id=\"kz-comment\" name=\"comment\" rows=\"3\">{}</textarea>{}</p>\
             <p><button type=\"submit\">{}</button></p></form>",
            escape(lang.t("poll.comment")),
            escape(comment),
            error_for(error, "comment"),
            escape(lang.t("poll.save"))
        );
    } else if let Some(comment) = view.me.comment.as_deref().filter(|c| !c.is_empty()) {
        let _ = write!(
            body,
            "<p><strong>{}</strong>: {}</p>",
            escape(lang.t("poll.comment_yours")),
            escape(comment)
        );
    }
    body.push_str(&comments(lang, &outlook, Some(view.me.id.as_str())));
    let _ = write!(
        body,
        "</section><p class=\"muted\">{}</p>",
        escape(&lang.tf("poll.link", &[("token", page.token)]))
    );
    layout(
        lang,
        &poll.input.title,
        host.map(brand).unwrap_or_default(),
        &body,
    )
}

/// The poll's host, for the header and the colours; a page without them
/// is better than none.
async fn host_of(state: &App, organization_id: &str, poll: &Poll) -> Option<User> {
    match state.store.user(organization_id, &poll.input.host_id).await {
        Ok(user) => Some(user),
        Err(error) => {
            tracing::warn!(poll = %poll.id, %error, "the poll's host cannot be read");
            None
        }
    }
}

/// The zone asked for in `?timezone=`, else the poll's; an unknown name is
/// said so on the page (never silently replaced).
fn zone_for(lang: Lang, query: &PageQuery, poll: &Poll) -> Shown {
    let fallback = &poll.input.timezone;
    match query.timezone.as_deref().map(str::trim) {
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
    private(
        show(state, token, query, lang)
            .await
            .unwrap_or_else(|e| html_error(lang, e)),
    )
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
    let host = host_of(&state, &view.organization_id, &view.poll).await;
    let shown = zone_for(lang, &query, &view.poll);
    let times = Times {
        lang,
        clock: query.clock(lang),
        zone: &shown.zone,
    };
    let page = PageState {
        token: &token,
        saved: query.saved.is_some(),
        accepting: view.poll.accepts_votes(state.now()),
    };
    Ok(render(&view, host.as_ref(), times, &query, &shown, &page, None).into_response())
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
    private(
        submit(state, token, query, lang, body)
            .await
            .unwrap_or_else(|e| html_error(lang, e)),
    )
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
    let sent = sent_votes(&form, view.poll.input.options.len());
    let comment_text = form.get("comment").map(|c| c.trim()).unwrap_or_default();
    let shown = zone_for(lang, &query, &view.poll);
    let times = Times {
        lang,
        clock: query.clock(lang),
        zone: &shown.zone,
    };
    // A refused form comes back as the page, with the error next to its field
    // and everything entered still there.
    let host = host_of(&state, &view.organization_id, &view.poll).await;
    let again = |error: ApiError| {
        let page = PageState {
            token: &token,
            saved: false,
            accepting: view.poll.accepts_votes(state.now()),
        };
        let draft = Draft {
            votes: sent.clone(),
            comment: comment_text,
            error: &error,
        };
        let html = render(
            &view,
            host.as_ref(),
            times,
            &query,
            &shown,
            &page,
            Some(&draft),
        );
        (error.status(), html).into_response()
    };
    let votes = match complete(lang, &sent) {
        Ok(votes) => votes,
        Err(error) => return Ok(again(error)),
    };
    let comment = Some(comment_text.to_string()).filter(|c| !c.is_empty());
    let ballot = Ballot { votes, comment };
    if let Err(error) = polls::vote(state.store.as_ref(), &token, &ballot, state.now()).await {
        let error = participant_error(error);
        if error.status() == StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(again(error));
        }
        return Err(error);
    }
    let mut pairs = vec![("saved", "1".to_string())];
    pairs.extend(query.carried(lang, Some(&shown.zone)));
    Ok(Redirect::to(&with_query(&format!("/polls/{token}"), &pairs)).into_response())
}

/// The votes a form sent (`vote_0`…), one per option, `None` where none.
fn sent_votes(form: &HashMap<String, String>, options: usize) -> Vec<Option<Vote>> {
    (0..options)
        .map(
            |i| match form.get(&format!("vote_{i}")).map(String::as_str) {
                Some("yes") => Some(Vote::Yes),
                Some("if_need_be") => Some(Vote::IfNeedBe),
                Some("no") => Some(Vote::No),
                _ => None,
            },
        )
        .collect()
}

/// A vote on every option, or the error beside the first without one.
fn complete(lang: Lang, sent: &[Option<Vote>]) -> Result<Vec<Vote>, ApiError> {
    sent.iter()
        .enumerate()
        .map(|(i, vote)| {
            vote.ok_or_else(|| ApiError::invalid(format!("vote_{i}"), lang.t("poll.vote_missing")))
        })
        .collect()
}

/// What someone entered on the open link's form (kept when it is refused).
#[derive(Default)]
struct JoinDraft<'a> {
    name: &'a str,
    email: &'a str,
    votes: Vec<Option<Vote>>,
    comment: &'a str,
    error: Option<&'a ApiError>,
}

/// The open link's page: the poll and (if visible) everyone's votes, and a
/// form to join with a name, an email and (optionally at once) votes.
struct JoinPage<'a> {
    view: &'a VisitorView,
    host: Option<&'a User>,
    times: Times<'a>,
    query: &'a PageQuery,
    shown: &'a Shown,
    token: &'a str,
    accepting: bool,
}

fn join_form(page: &JoinPage<'_>, draft: &JoinDraft<'_>) -> Html<String> {
    let lang = page.times.lang;
    let poll = &page.view.poll;
    let error = draft.error;
    let outlook = Outlook {
        poll,
        host: page.host,
        participants: &page.view.participants,
        results: &page.view.results,
    };
    let path = format!("/polls/join/{}", page.token);
    let mut body = details(page.times, &outlook, page.accepting);
    if page.accepting {
        // Rallly's way: name, email and votes in one form, the votes as a
        // new row of the table; a name and email alone join too (the
        // votes then wait on the personal page).
        let known = |f: &str| matches!(f, "name" | "email" | "comment") || f.starts_with("vote_");
        let general = match error {
            Some(e) if !e.field().is_some_and(known) => format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(e.detail())
            ),
            _ => String::new(),
        };
        let _ = write!(
            body,
            "<section class=\"card\" aria-labelledby=\"kz-join-h\"><h2 id=\"kz-join-h\">{}</h2>",
            escape(lang.t("join.title"))
        );
        body.push_str(&controls(page.times, page.query, &path, page.shown));
        let _ = write!(
            body,
            "<p class=\"muted\">{}</p>{general}<form method=\"post\" action=\"{}\">\
             <p><label for=\"kz-name\">{}</label><input id=\"kz-name\" name=\"name\" value=\"{}\" required autocomplete=\"name\">{}</p>\
             <p><label for=\"kz-email\">{}</label><input id=\"kz-email\" name=\"email\" type=\"email\" value=\"{}\" required autocomplete=\"email\">{}</p>",
            escape(lang.t("poll.join_intro")),
            escape(&with_query(
                &path,
                &page.query.carried(lang, Some(page.times.zone))
            )),
            escape(lang.t("form.name")),
            escape(draft.name),
            error_for(error, "name"),
            escape(lang.t("join.email")),
            escape(draft.email),
            error_for(error, "email"),
        );
        if !poll.input.votes_visible {
            let _ = write!(
                body,
                "<p class=\"muted\">{}</p>",
                escape(lang.t("poll.private"))
            );
        }
        let mine = MyRow {
            label: lang.t("poll.new_row").to_string(),
            id: None,
            votes: draft.votes.clone(),
            editable: true,
            error,
        };
        body.push_str(&legend(page.times));
        body.push_str(&grid(page.times, &outlook, Some(&mine)));
        let _ = write!(
            body,
            "<p><label for=\"kz-comment\">{}</label><textarea id=\"kz-comment\" name=\"comment\" rows=\"3\">{}</textarea>{}</p>\
             <p><button type=\"submit\">{}</button></p></form>",
            escape(lang.t("poll.comment")),
            escape(draft.comment),
            error_for(error, "comment"),
            escape(lang.t("join.continue"))
        );
        body.push_str(&comments(lang, &outlook, None));
        body.push_str("</section>");
    } else {
        body.push_str("<section class=\"card\" aria-labelledby=\"kz-votes-h\">");
        let _ = write!(
            body,
            "<h2 id=\"kz-votes-h\">{}</h2>",
            escape(lang.t("poll.results"))
        );
        body.push_str(&controls(page.times, page.query, &path, page.shown));
        if poll.input.votes_visible {
            body.push_str(&legend(page.times));
            body.push_str(&grid(page.times, &outlook, None));
            body.push_str(&comments(lang, &outlook, None));
        } else {
            let _ = write!(
                body,
                "<p class=\"muted\">{}</p>",
                escape(lang.t("poll.private"))
            );
        }
        body.push_str("</section>");
    }
    let title = if page.accepting {
        format!("{} – {}", poll.input.title, lang.t("join.title"))
    } else {
        poll.input.title.clone()
    };
    layout(
        lang,
        &title,
        page.host.map(brand).unwrap_or_default(),
        &body,
    )
}

/// GET /polls/join/{token}: the open link asks for a name and email.
pub async fn join_page(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    private(join_show(state, token, raw, headers).await)
}

async fn join_show(state: App, token: String, raw: Option<String>, headers: HeaderMap) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    let lang = query.lang(&headers);
    if let Err(error) = token_ok(&token) {
        return html_error(lang, error);
    }
    let view = match polls::as_visitor(state.store.as_ref(), &token).await {
        Ok(view) => view,
        Err(error) => return html_error(lang, participant_error(error)),
    };
    let host = host_of(&state, &view.organization_id, &view.poll).await;
    let shown = zone_for(lang, &query, &view.poll);
    let page = JoinPage {
        view: &view,
        host: host.as_ref(),
        times: Times {
            lang,
            clock: query.clock(lang),
            zone: &shown.zone,
        },
        query: &query,
        shown: &shown,
        token: &token,
        accepting: view.poll.accepts_votes(state.now()),
    };
    join_form(&page, &JoinDraft::default()).into_response()
}

/// POST /polls/join/{token}: joins and sends the person to their own page;
/// a refused form comes back as the page, with the error and the values.
pub async fn join_submit(
    State(state): State<App>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    private(join_post(state, token, raw, headers, body).await)
}

async fn join_post(
    state: App,
    token: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let query = PageQuery::parse(raw.as_deref());
    let lang = query.lang(&headers);
    if let Err(error) = token_ok(&token) {
        return html_error(lang, error);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return html_error(lang, body_rejection(rejection)),
    };
    let view = match polls::as_visitor(state.store.as_ref(), &token).await {
        Ok(view) => view,
        Err(error) => return html_error(lang, participant_error(error)),
    };
    let host = host_of(&state, &view.organization_id, &view.poll).await;
    let shown = zone_for(lang, &query, &view.poll);
    let page = JoinPage {
        view: &view,
        host: host.as_ref(),
        times: Times {
            lang,
            clock: query.clock(lang),
            zone: &shown.zone,
        },
        query: &query,
        shown: &shown,
        token: &token,
        // Shown as open even when it just closed: the error says why.
        accepting: true,
    };
    let entered: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let value = |name: &str| entered.get(name).map(String::as_str).unwrap_or_default();
    let sent = sent_votes(&entered, view.poll.input.options.len());
    let comment = value("comment").trim();
    let again = |error: ApiError| {
        let draft = JoinDraft {
            name: value("name"),
            email: value("email"),
            votes: sent.clone(),
            comment,
            error: Some(&error),
        };
        (error.status(), join_form(&page, &draft)).into_response()
    };
    // The person is read on their own (the same messages as the API's),
    // the votes beside them.
    let person_only: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            form_urlencoded::parse(&body).filter(|(key, _)| key == "name" || key == "email"),
        )
        .finish();
    let person: Invited = match crate::http::extract::parse_form(person_only.as_bytes()) {
        Ok(person) => person,
        Err(error) => return again(error),
    };
    // No votes at all: they join now and vote on their own page.
    let ballot = if sent.iter().all(Option::is_none) && comment.is_empty() {
        None
    } else {
        let votes = match complete(lang, &sent) {
            Ok(votes) => votes,
            Err(error) => return again(error),
        };
        let ballot = Ballot {
            votes,
            comment: Some(comment.to_string()).filter(|c| !c.is_empty()),
        };
        if let Err(error) = ballot.validate(sent.len()) {
            return again(error.into());
        }
        Some(ballot)
    };
    match polls::join(state.store.as_ref(), &token, &person, state.now()).await {
        Ok(mine) => {
            let mut pairs = query.carried(lang, query.timezone.is_some().then_some(&shown.zone));
            if let Some(ballot) = &ballot {
                // They are in now; should the votes fail (the poll closed
                // this instant), their page says how things stand.
                match polls::vote(state.store.as_ref(), &mine, ballot, state.now()).await {
                    Ok(_) => pairs.insert(0, ("saved", "1".to_string())),
                    Err(error) => {
                        tracing::info!(%error, "votes sent with a join were not saved")
                    }
                }
            }
            (
                StatusCode::SEE_OTHER,
                [(
                    header::LOCATION,
                    with_query(&format!("/polls/{mine}"), &pairs),
                )],
            )
                .into_response()
        }
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
