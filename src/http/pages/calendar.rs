//! `/{user}/{event}`, `/team/{team}/{event}` and `/links/{token}` (whose
//! page it is: `whose.rs`): the event's details, a month marking the days
//! with free times, and the chosen day's times in the invitee's zone. The
//! month's times come with the HTML (the script regroups them in the
//! browser's zone without asking again); without the script, months, days,
//! zone and clock are plain links and a GET form.

use super::host::{kind_label, place};
use super::layout::{Here, Shell, document};
use super::visit::Visit;
use super::whose::{Address, BookingPage};
use crate::app::App;
use crate::booking::{self, AvailabilityInputs};
use crate::domain::TimeZoneName;
use crate::engine::{Instant, Interval};
use crate::html::escape;
use crate::http::error::ApiError;
use crate::i18n::{Clock, Lang};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde_json::json;
use std::fmt::Write;
use std::sync::LazyLock;

/// One free start: when (UTC), its wall clock in the shown zone, seats left.
#[derive(Debug, Clone)]
pub struct Start {
    pub at: DateTime<Utc>,
    pub local: chrono::NaiveDateTime,
    pub seats_left: Option<u32>,
}

/// The zone times are shown in: `?timezone=` when Kairos knows it, else the
/// event type's; an unknown one is said so, never silently replaced.
pub struct ShownZone {
    pub zone: TimeZoneName,
    pub chosen: bool,
    pub unknown: Option<String>,
}

impl ShownZone {
    pub fn read(visit: &Visit, inputs: &AvailabilityInputs) -> ShownZone {
        let fallback = inputs
            .event_type
            .input
            .timezone
            .clone()
            .unwrap_or_else(|| inputs.owner.input.timezone.clone());
        match visit.get("timezone") {
            None => ShownZone {
                zone: fallback,
                chosen: false,
                unknown: None,
            },
            Some(asked) => match TimeZoneName::parse(asked.trim()) {
                Ok(zone) => ShownZone {
                    zone,
                    chosen: true,
                    unknown: None,
                },
                Err(_) => ShownZone {
                    zone: fallback,
                    chosen: false,
                    unknown: Some(asked.to_string()),
                },
            },
        }
    }
}

/// Free starts in `range`, with wall clocks in `zone`, for the visitor
/// holding `hold` (their own hold is no obstacle for them).
pub async fn starts(
    state: &App,
    page: &BookingPage,
    range: Interval,
    zone: &TimeZoneName,
    hold: Option<&str>,
) -> Result<Vec<Start>, ApiError> {
    let now = Instant::from_utc(state.now());
    // A person's address bar, not an API client: a mangled token is no hold.
    let hold = hold.filter(|token| crate::domain::looks_like_token(token));
    let own = booking::holds::own_hold_id(state.store.as_ref(), hold).await?;
    let answer = page.slots(state, now, range, zone, own.as_deref()).await?;
    let engine_zone = zone.zone();
    Ok(answer
        .days
        .into_iter()
        .flat_map(|day| day.slots)
        .map(|slot| Start {
            at: slot.start,
            local: engine_zone.local(Instant::from_utc(slot.start)),
            seats_left: slot.seats_left,
        })
        .collect())
}

/// Whether `at` is a free start now.
pub async fn is_free(
    state: &App,
    page: &BookingPage,
    at: DateTime<Utc>,
    zone: &TimeZoneName,
    hold: Option<&str>,
) -> Result<bool, ApiError> {
    let start = Instant::from_utc(at);
    let found = starts(
        state,
        page,
        Interval::new(start, start.plus_seconds(1)),
        zone,
        hold,
    )
    .await?;
    Ok(found.iter().any(|s| s.at == at))
}

/// The free starts nearest to `at` (within two weeks either side), in time order.
pub async fn nearest(
    state: &App,
    page: &BookingPage,
    at: DateTime<Utc>,
    zone: &TimeZoneName,
    count: usize,
    hold: Option<&str>,
) -> Result<Vec<Start>, ApiError> {
    let centre = Instant::from_utc(at);
    let range = Interval::new(
        centre.plus_seconds(-14 * 86_400),
        centre.plus_seconds(14 * 86_400),
    );
    let mut found = starts(state, page, range, zone, hold).await?;
    found.retain(|s| s.at != at);
    found.sort_by_key(|s| (s.at - at).num_seconds().abs());
    found.truncate(count);
    found.sort_by_key(|s| s.at);
    Ok(found)
}

fn first_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn month_code(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

fn parse_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()
}

/// The instants a local month covers in `zone`, a day wider on each side so
/// the same starts serve any zone the browser may be in.
fn month_range(zone: &TimeZoneName, first: NaiveDate) -> Interval {
    let engine_zone = zone.zone();
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    Interval::new(
        engine_zone.start_of_day(first).plus_seconds(-86_400),
        engine_zone.start_of_day(next).plus_seconds(86_400),
    )
}

/// Every IANA zone name, for the zone picker's list.
pub static ZONE_OPTIONS: LazyLock<String> = LazyLock::new(|| {
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| {
            name.contains('/') && !name.starts_with("Etc/") && !name.starts_with("SystemV/")
        })
        .collect();
    names.push("UTC");
    names.sort_unstable();
    let mut html = String::new();
    for name in names {
        let _ = write!(html, "<option value=\"{name}\">");
    }
    html
});

pub fn time_text(lang: Lang, clock: Clock, start: &Start) -> String {
    lang.time(start.local, clock)
}

pub fn seats_text(lang: Lang, seats: Option<u32>) -> Option<String> {
    seats.map(|n| {
        if n == 1 {
            lang.t("seats.one").to_string()
        } else {
            lang.tf("seats.left", &[("n", &n.to_string())])
        }
    })
}

/// The link to book `start`: the form, carrying this page's parameters.
pub fn book_link(
    here: &Here,
    form_path: &str,
    at: DateTime<Utc>,
    zone: &str,
    clock: Clock,
) -> String {
    let mut link = here.clone();
    link.path = form_path.to_string();
    link.set("month", None);
    link.set("date", None);
    link.set(
        "start",
        Some(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    link.set("timezone", Some(zone));
    link.set("clock", Some(clock.code()));
    link.url()
}

/// The event's details: who, title, length, place, kind, seats, approval.
pub fn details(lang: Lang, page: &BookingPage, here: &Here) -> String {
    let input = &page.inputs().event_type.input;
    let mut html = String::from("<aside class=\"card\">");
    html.push_str(&page.header(here));
    let _ = write!(
        html,
        "<h1>{}</h1><ul class=\"facts\">",
        escape(&input.title)
    );
    let _ = write!(
        html,
        "<li><span class=\"visually-hidden\">{}: </span>{}</li>",
        escape(lang.t("event.duration")),
        escape(&lang.tf("minutes", &[("n", &input.duration_minutes.to_string())]))
    );
    let place = place(lang, &input.location);
    let _ = write!(
        html,
        "<li><span class=\"visually-hidden\">{}: </span>{}</li>",
        escape(lang.t("event.location")),
        escape(&place)
    );
    if let Some(label) = kind_label(lang, input.kind) {
        let _ = write!(html, "<li>{}</li>", escape(label));
    }
    if input.requires_approval {
        let _ = write!(html, "<li>{}</li>", escape(lang.t("event.approval")));
    }
    html.push_str("</ul>");
    if !input.description.is_empty() {
        let _ = write!(
            html,
            "<p class=\"description\">{}</p>",
            escape(&input.description).replace('\n', "<br>")
        );
    }
    html.push_str("</aside>");
    html
}

/// The month grid and the chosen day's times: what the script re-renders.
struct Month<'a> {
    lang: Lang,
    clock: Clock,
    here: &'a Here,
    first: NaiveDate,
    /// The first and last months one may go to.
    bounds: (NaiveDate, NaiveDate),
    starts: &'a [Start],
    date: Option<NaiveDate>,
    form_path: &'a str,
    zone: &'a str,
}

fn month_body(m: &Month<'_>) -> String {
    let lang = m.lang;
    let in_month: Vec<&Start> = m
        .starts
        .iter()
        .filter(|s| first_of(s.local.date()) == m.first)
        .collect();
    let mut html = String::from("<div class=\"pick\"><div><div class=\"month-nav\">");
    let prev = m.first.checked_sub_months(Months::new(1));
    let next = m.first.checked_add_months(Months::new(1));
    match prev.filter(|p| *p >= m.bounds.0) {
        Some(p) => {
            let _ = write!(
                html,
                "<a href=\"{}\" data-month=\"{}\" aria-label=\"{}\">&#8249;</a>",
                escape(
                    &m.here
                        .with(&[("month", Some(&month_code(p))), ("date", None)])
                ),
                month_code(p),
                escape(lang.t("cal.prev"))
            );
        }
        None => html.push_str("<span class=\"off\" aria-hidden=\"true\">&#8249;</span>"),
    }
    let _ = write!(
        html,
        "<h3 id=\"kz-month\" aria-live=\"polite\">{}</h3>",
        escape(&lang.month_year(m.first.year(), m.first.month()))
    );
    match next.filter(|n| *n <= m.bounds.1) {
        Some(n) => {
            let _ = write!(
                html,
                "<a href=\"{}\" data-month=\"{}\" aria-label=\"{}\">&#8250;</a>",
                escape(
                    &m.here
                        .with(&[("month", Some(&month_code(n))), ("date", None)])
                ),
                month_code(n),
                escape(lang.t("cal.next"))
            );
        }
        None => html.push_str("<span class=\"off\" aria-hidden=\"true\">&#8250;</span>"),
    }
    html.push_str("</div><table class=\"month\"><thead><tr>");
    for day in 1..=7 {
        let _ = write!(
            html,
            "<th scope=\"col\" abbr=\"{}\">{}</th>",
            escape(lang.weekday(day)),
            escape(lang.weekday_short(day))
        );
    }
    html.push_str("</tr></thead><tbody><tr>");
    let lead = m.first.weekday().num_days_from_monday();
    for _ in 0..lead {
        html.push_str("<td></td>");
    }
    let mut day = m.first;
    while first_of(day) == m.first {
        let n = day.day();
        if n > 1 && (lead + n - 1).is_multiple_of(7) {
            html.push_str("</tr><tr>");
        }
        let has = in_month.iter().any(|s| s.local.date() == day);
        if has {
            let current = m.date == Some(day);
            let iso = day.format("%Y-%m-%d").to_string();
            let state = if current {
                lang.t("cal.selected")
            } else {
                lang.t("cal.has_times")
            };
            let _ = write!(
                html,
                "<td><a href=\"{}\" data-date=\"{iso}\" aria-label=\"{}\"{}>{n}</a></td>",
                escape(
                    &m.here
                        .with(&[("month", Some(&month_code(m.first))), ("date", Some(&iso))])
                ),
                escape(&format!("{}, {state}", lang.date_long(day))),
                if current {
                    " aria-current=\"date\""
                } else {
                    ""
                }
            );
        } else {
            let _ = write!(html, "<td><span>{n}</span></td>");
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    html.push_str("</tr></tbody></table>");
    if in_month.is_empty() {
        let _ = write!(
            html,
            "<p class=\"muted\">{}</p>",
            escape(&lang.tf("cal.no_month", &[("month", lang.month(m.first.month()))]))
        );
    }
    html.push_str("</div><div>");
    match m.date {
        Some(date) => {
            let _ = write!(
                html,
                "<h3 id=\"kz-day\" tabindex=\"-1\">{}</h3><ul class=\"times\">",
                escape(&lang.tf("cal.times_for", &[("date", &lang.date_long(date))]))
            );
            for start in in_month.iter().filter(|s| s.local.date() == date) {
                let seats = seats_text(lang, start.seats_left)
                    .map(|t| format!("<small>{}</small>", escape(&t)))
                    .unwrap_or_default();
                let _ = write!(
                    html,
                    "<li><a href=\"{}\" data-start=\"{}\">{}{seats}</a></li>",
                    escape(&book_link(m.here, m.form_path, start.at, m.zone, m.clock)),
                    start.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    escape(&time_text(lang, m.clock, start)),
                );
            }
            html.push_str("</ul>");
        }
        None => {
            let _ = write!(
                html,
                "<p class=\"muted\">{}</p>",
                escape(lang.t("cal.pick_day"))
            );
        }
    }
    html.push_str("</div></div>");
    html
}

/// Strings the script needs to render what `month_body` renders.
fn script_texts(lang: Lang) -> serde_json::Value {
    json!({
        "months": (1..=12).map(|m| lang.month(m)).collect::<Vec<_>>(),
        "days": (1..=7).map(|d| lang.weekday(d)).collect::<Vec<_>>(),
        "short": (1..=7).map(|d| lang.weekday_short(d)).collect::<Vec<_>>(),
        "long": lang.t("date.long"),
        "monthYear": lang.t("date.month_year"),
        "am": lang.t("time.am"),
        "pm": lang.t("time.pm"),
        "prev": lang.t("cal.prev"),
        "next": lang.t("cal.next"),
        "hasTimes": lang.t("cal.has_times"),
        "selected": lang.t("cal.selected"),
        "noMonth": lang.t("cal.no_month"),
        "pickDay": lang.t("cal.pick_day"),
        "timesFor": lang.t("cal.times_for"),
        "seats": lang.t("seats.left"),
        "seatsOne": lang.t("seats.one"),
        "shown": lang.t("zone.shown"),
    })
}

/// A booking calendar: a host's, a team's or a one-off link's (see [`Address`]).
pub async fn page(
    State(state): State<App>,
    address: Address,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    show(&state, address, raw, &headers).await
}

async fn show(state: &App, address: Address, raw: Option<String>, headers: &HeaderMap) -> Response {
    let visit = Visit::read(raw.as_deref(), headers);
    let page = match address.open(state, &visit).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let questions: Vec<&str> = page
        .inputs()
        .event_type
        .input
        .questions
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    let mut here = visit.here(&page.path(), &questions);
    let response = match render(state, &visit, &mut here, &page).await {
        Ok(response) => response,
        Err(error) => visit.fail(&here, error),
    };
    page.finish(response)
}

async fn render(
    state: &App,
    visit: &Visit,
    here: &mut Here,
    page: &BookingPage,
) -> Result<Response, ApiError> {
    let lang = visit.lang;
    let inputs = page.inputs();
    let form_path = page.form_path();
    let shown = ShownZone::read(visit, inputs);
    if shown.unknown.is_some() {
        here.set("timezone", None);
    }
    let zone = &shown.zone;
    let today = zone.zone().local_date(Instant::from_utc(state.now()));
    let this_month = first_of(today);
    let horizon = inputs
        .event_type
        .input
        .max_days_ahead
        .map_or(366, |days| u64::from(days).min(3_660));
    // A link's hand-picked times may lie outside the booking window.
    let local_month = |at: DateTime<Utc>| first_of(zone.zone().local_date(Instant::from_utc(at)));
    let picked = page.picked_span(state.now());
    let mut last_month = first_of(today + chrono::Days::new(horizon));
    if let Some((_, last)) = picked {
        last_month = last_month.max(local_month(last));
    }
    let asked = visit.get("month").and_then(parse_month);
    let opening = picked.map_or(this_month, |(first, _)| local_month(first));
    let mut first = asked.unwrap_or(opening).clamp(this_month, last_month);
    let hold = visit.get("hold");
    let mut starts = starts(state, page, month_range(zone, first), zone, hold).await?;
    // First visit to an empty month: look a little further, as a person would.
    if asked.is_none() {
        for _ in 0..2 {
            if starts.iter().any(|s| first_of(s.local.date()) == first) || first >= last_month {
                break;
            }
            first = first.checked_add_months(Months::new(1)).unwrap_or(first);
            starts = self::starts(state, page, month_range(zone, first), zone, hold).await?;
        }
    }
    let in_month = |d: NaiveDate| starts.iter().any(|s| s.local.date() == d);
    let date = visit
        .get("date")
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(|d| first_of(*d) == first && in_month(*d))
        .or_else(|| {
            starts
                .iter()
                .map(|s| s.local.date())
                .find(|d| first_of(*d) == first)
        });
    here.set("month", Some(&month_code(first)));
    match date {
        Some(d) => here.set("date", Some(&d.format("%Y-%m-%d").to_string())),
        None => here.set("date", None),
    }
    let month = Month {
        lang,
        clock: visit.clock,
        here,
        first,
        bounds: (this_month, last_month),
        starts: &starts,
        date,
        form_path: &form_path,
        zone: zone.as_str(),
    };
    let mut body = String::from("<div class=\"booking\">");
    body.push_str(&details(lang, page, here));
    let _ = write!(
        body,
        "<section class=\"card\" aria-labelledby=\"kz-cal-h\"><h2 id=\"kz-cal-h\">{}</h2>",
        escape(lang.t("cal.heading"))
    );
    if let Some(asked) = &shown.unknown {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"alert\">{}</p>",
            escape(&lang.tf("zone.unknown", &[("asked", asked), ("zone", zone.as_str())]))
        );
    }
    if let Some(text) = rescheduling_notice(state, visit, zone, page).await {
        let _ = write!(body, "<p class=\"notice\">{}</p>", escape(&text));
    }
    let _ = write!(body, "<div id=\"kz-cal-body\">{}</div>", month_body(&month));
    // The zone picker: a GET form that works without the script.
    let _ = write!(
        body,
        "<div class=\"controls\"><form id=\"kz-zone\" method=\"get\" action=\"{}\">",
        escape(&page.path())
    );
    for (key, value) in &here.params {
        if key != "timezone" && key != "date" {
            let _ = write!(
                body,
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(key),
                escape(value)
            );
        }
    }
    let _ = write!(
        body,
        "<div><label for=\"kz-tz\">{}</label><input id=\"kz-tz\" name=\"timezone\" list=\"kz-zones\" \
         value=\"{}\" autocomplete=\"off\" spellcheck=\"false\"><datalist id=\"kz-zones\">{}</datalist></div>\
         <button type=\"submit\" class=\"secondary\">{}</button></form>",
        escape(lang.t("zone.label")),
        escape(zone.as_str()),
        *ZONE_OPTIONS,
        escape(lang.t("zone.show"))
    );
    let _ = write!(
        body,
        "<div><span class=\"label\" id=\"kz-clock-label\">{}</span><div class=\"seg\" id=\"kz-clock\" role=\"group\" aria-labelledby=\"kz-clock-label\">",
        escape(lang.t("clock.label"))
    );
    for clock in [Clock::H12, Clock::H24] {
        let current = if clock == visit.clock {
            " aria-current=\"true\""
        } else {
            ""
        };
        let _ = write!(
            body,
            "<a href=\"{}\" data-clock=\"{}\"{current}>{}</a>",
            escape(&here.with(&[("clock", Some(clock.code()))])),
            clock.code(),
            escape(lang.t(&format!("clock.{}", clock.code())))
        );
    }
    let _ = write!(
        body,
        "</div></div></div><p class=\"muted\" id=\"kz-zone-note\">{}</p></section></div>",
        escape(&lang.tf("zone.shown", &[("zone", zone.as_str())]))
    );
    let carry: Vec<(String, String)> = here
        .params
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "month" | "date" | "timezone" | "clock" | "start"
            )
        })
        .cloned()
        .collect();
    let (slots_api, holds_api) = page.api();
    let data = json!({
        "events": [{ "type": "kairos:ready", "detail": page.event_detail() }],
        "cal": {
            "zone": zone.as_str(),
            "zoneChosen": shown.chosen,
            "clock": visit.clock.code(),
            "month": month_code(first),
            "date": date.map(|d| d.format("%Y-%m-%d").to_string()),
            "first": month_code(this_month),
            "last": month_code(last_month),
            "minutes": inputs.event_type.input.duration_minutes,
            "slots": slots_api,
            "holds": holds_api,
            "book": form_path,
            "carry": carry,
            "starts": starts.iter().map(|s| json!([s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), s.seats_left])).collect::<Vec<_>>(),
            "t": script_texts(lang),
        }
    });
    let title = format!("{} – {}", inputs.event_type.input.title, page.name());
    let shell = Shell {
        lang,
        title: &title,
        brand: page.brand(),
        embed: visit.embed,
        here,
        data: Some(data),
    };
    Ok(document(&shell, &body).into_response())
}

/// "You are moving your booking of …" when the page was opened to reschedule.
pub async fn rescheduling_notice(
    state: &App,
    visit: &Visit,
    zone: &TimeZoneName,
    page: &BookingPage,
) -> Option<String> {
    if !page.reschedules() {
        return None;
    }
    let (uid, token) = (visit.get("reschedule")?, visit.get("token")?);
    let view = booking::view(state.store.as_ref(), uid, token).await.ok()?;
    let local = zone.zone().local(Instant::from_utc(view.booking.start));
    let lang = visit.lang;
    let when = format!(
        "{} {}",
        lang.date_long(local.date()),
        lang.time(local, visit.clock)
    );
    Some(lang.tf("manage.rescheduling", &[("time", &when)]))
}
