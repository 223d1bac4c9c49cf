//! `/{user}/{event}/book?start=…&timezone=…` (and the same under a team's
//! or a one-off link's page, `whose.rs`): the booking form. Every
//! question kind, prefill from the URL (`name`, `email`, answers by question
//! id), campaign parameters and the embedding page's URL as hidden fields.
//! A refused form comes back with each error beside its field and a summary
//! that takes the focus; a taken time offers the nearest free ones.
//!
//! The form's field names are the JSON API's field paths (`invitee.name`,
//! `answers.company`), so the use case's errors land on their fields as is.

use super::calendar::{self, ShownZone, Start, book_link, details};
use super::layout::{Here, Shell, document};
use super::visit::{UTM, Visit};
use super::whose::{Address, BookingPage, link_gone};
use crate::app::App;
use crate::booking::{self, AvailabilityInputs, BookingError};
use crate::domain::{
    BookingRequest, Email, Invitee, Question, QuestionKind, TimeZoneName, Utm, ValidationError,
    check_line, random_token,
};
use crate::engine::Instant;
use crate::html::escape;
use crate::http::error::ApiError;
use crate::http::extract::body_rejection;
use crate::i18n::{Clock, Lang};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// What the person entered (or the URL prefilled), to show again.
#[derive(Debug, Default)]
struct Entered {
    name: String,
    email: String,
    /// A mobile number, asked for when a workflow texts the invitee.
    phone: String,
    /// Question id → its values (several for a multi-select).
    answers: Vec<(String, Vec<String>)>,
}

impl Entered {
    fn values(&self, id: &str) -> &[String] {
        self.answers
            .iter()
            .find(|(k, _)| k == id)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// The hidden fields a form carries from the URL it was opened with.
const HIDDEN: [&str; 10] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "embed_url",
    "hold",
    "reschedule",
    "token",
    "idem",
];

/// What the form page shows besides the fields.
struct Form<'a> {
    visit: &'a Visit,
    here: &'a Here,
    page: &'a BookingPage,
    inputs: &'a AvailabilityInputs,
    start: DateTime<Utc>,
    zone: &'a TimeZoneName,
    hidden: Vec<(String, String)>,
    entered: Entered,
    /// Field (API path) → message, in the form's order.
    errors: Vec<(String, String)>,
    /// An error that names no field of the form.
    general: Option<String>,
    /// Name and email came with the link (a suggested time): shown as
    /// text, their fields folded away behind "Change".
    prefilled: bool,
    /// A workflow of this event type texts the invitee: ask for a number.
    asks_phone: bool,
}

impl Form<'_> {
    /// The visitor's hold, carried from the calendar.
    fn hold(&self) -> Option<&str> {
        self.hidden
            .iter()
            .find(|(key, _)| key == "hold")
            .map(|(_, value)| value.as_str())
    }
}

fn field_id(field: &str) -> String {
    format!(
        "f-{}",
        field
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    )
}

fn error_id(field: &str) -> String {
    format!("e{}", &field_id(field)[1..])
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "Tuesday, June 2, 2026, 9:00 am – 9:30 am (America/New_York)".
pub fn span_text(
    lang: Lang,
    clock: Clock,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: &TimeZoneName,
) -> String {
    let engine_zone = zone.zone();
    let from = engine_zone.local(Instant::from_utc(start));
    let to = engine_zone.local(Instant::from_utc(end));
    let until = if from.date() == to.date() {
        lang.time(to, clock)
    } else {
        format!("{}, {}", lang.date_long(to.date()), lang.time(to, clock))
    };
    format!(
        "{}, {} – {until} ({zone})",
        lang.date_long(from.date()),
        lang.time(from, clock)
    )
}

/// A validation message in the reader's language, from the rule it broke.
fn localized(lang: Lang, kind: Option<QuestionKind>, error: &ValidationError) -> String {
    let message = error.message.as_str();
    if message == "is required" || message == "must not be empty" {
        return lang.t("err.required").to_string();
    }
    if message == "must be checked" {
        return lang.t("err.checkbox").to_string();
    }
    if let Some(rest) = message.strip_prefix("is longer than ") {
        let n = rest.split(' ').next().unwrap_or_default();
        return lang.tf("err.too_long", &[("n", n)]);
    }
    if message.starts_with("must be a single line") {
        return lang.t("err.line").to_string();
    }
    match kind {
        Some(QuestionKind::Email) => lang.t("err.email").to_string(),
        Some(QuestionKind::Phone) => lang.t("err.phone").to_string(),
        Some(QuestionKind::Select | QuestionKind::MultiSelect) => lang.t("err.option").to_string(),
        _ => lang.tf("err.invalid", &[("detail", message)]),
    }
}

/// The answers as the API takes them, from what was entered: empty
/// optional answers left out, a checkbox false unless ticked.
fn answers(questions: &[Question], entered: &Entered) -> Map<String, Value> {
    let mut map = Map::new();
    for q in questions {
        let values = entered.values(q.id.as_str());
        let first = values.first().map(|v| v.trim()).unwrap_or_default();
        let value = match q.kind {
            QuestionKind::MultiSelect => {
                let picked: Vec<Value> = values
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| Value::String(v.clone()))
                    .collect();
                if picked.is_empty() {
                    continue;
                }
                Value::Array(picked)
            }
            QuestionKind::Checkbox => Value::Bool(matches!(first, "true" | "on" | "1" | "yes")),
            QuestionKind::LongText => {
                if values.first().is_none_or(|v| v.trim().is_empty()) {
                    continue;
                }
                Value::String(values[0].replace("\r\n", "\n"))
            }
            _ => {
                if first.is_empty() {
                    continue;
                }
                Value::String(first.to_string())
            }
        };
        map.insert(q.id.to_string(), value);
    }
    map
}

/// Every field's error at once (the use case stops at the first), through
/// the domain's own rules, one question at a time.
fn check(
    lang: Lang,
    questions: &[Question],
    entered: &Entered,
    answers: &Map<String, Value>,
) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let name = entered.name.trim();
    if let Err(e) = check_line("invitee.name", name, 200, true) {
        errors.push((e.field.clone(), localized(lang, None, &e)));
    }
    let email = entered.email.trim();
    if email.is_empty() {
        errors.push((
            "invitee.email".to_string(),
            lang.t("err.required").to_string(),
        ));
    } else if Email::parse(email).is_err() {
        errors.push(("invitee.email".to_string(), lang.t("err.email").to_string()));
    }
    let phone = entered.phone.trim();
    if !phone.is_empty() && crate::domain::check_phone("invitee.phone", phone).is_err() {
        errors.push((
            "invitee.phone".to_string(),
            lang.t("err.phone_e164").to_string(),
        ));
    }
    let (Ok(someone), Ok(utc)) = (
        Email::parse("someone@example.com"),
        TimeZoneName::parse("UTC"),
    ) else {
        return errors;
    };
    for q in questions {
        let mut one = Map::new();
        if let Some(answer) = answers.get(q.id.as_str()) {
            one.insert(q.id.to_string(), answer.clone());
        }
        let request = BookingRequest {
            start: DateTime::<Utc>::UNIX_EPOCH,
            invitee: Invitee {
                name: "someone".to_string(),
                email: someone.clone(),
                timezone: utc.clone(),
                language: None,
                phone: None,
            },
            answers: one,
            utm: Utm::default(),
            embed_url: None,
            hold: None,
        };
        if let Err(e) = request.validate(std::slice::from_ref(q)) {
            errors.push((e.field.clone(), localized(lang, Some(q.kind), &e)));
        }
    }
    errors
}

fn label_html(lang: Lang, text: &str, required: bool) -> String {
    let mark = if required {
        format!(
            " <span class=\"req\">({})</span>",
            escape(lang.t("form.required"))
        )
    } else {
        String::new()
    };
    format!("{}{mark}", escape(text))
}

fn field_error(form: &Form<'_>, field: &str) -> (String, String) {
    match form.errors.iter().find(|(f, _)| f == field) {
        Some((_, message)) => (
            format!(
                " aria-invalid=\"true\" aria-describedby=\"{}\"",
                error_id(field)
            ),
            format!(
                "<p class=\"error\" id=\"{}\">{}</p>",
                error_id(field),
                escape(message)
            ),
        ),
        None => (String::new(), String::new()),
    }
}

fn input_field(
    form: &Form<'_>,
    field: &str,
    label: &str,
    kind: &str,
    value: &str,
    required: bool,
    extra: &str,
) -> String {
    let (attrs, error) = field_error(form, field);
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{}\" type=\"{kind}\" value=\"{}\"{}{extra}{attrs}>{error}</div>",
        label_html(form.visit.lang, label, required),
        escape(field),
        escape(value),
        if required { " required" } else { "" },
        id = field_id(field),
    )
}

fn question_field(form: &Form<'_>, q: &Question) -> String {
    let lang = form.visit.lang;
    let field = format!("answers.{}", q.id);
    let values = form.entered.values(q.id.as_str());
    let first = values.first().map(String::as_str).unwrap_or_default();
    let required = if q.required { " required" } else { "" };
    let (attrs, error) = field_error(form, &field);
    let id = field_id(&field);
    match q.kind {
        QuestionKind::Text => input_field(
            form,
            &field,
            &q.label,
            "text",
            first,
            q.required,
            " maxlength=\"1000\"",
        ),
        QuestionKind::Email => input_field(
            form,
            &field,
            &q.label,
            "email",
            first,
            q.required,
            " autocomplete=\"email\"",
        ),
        QuestionKind::Phone => input_field(
            form,
            &field,
            &q.label,
            "tel",
            first,
            q.required,
            " autocomplete=\"tel\"",
        ),
        QuestionKind::LongText => format!(
            "<div class=\"field\"><label for=\"{id}\">{}</label><textarea id=\"{id}\" name=\"{}\" rows=\"4\"{required}{attrs}>{}</textarea>{error}</div>",
            label_html(lang, &q.label, q.required),
            escape(&field),
            escape(first)
        ),
        QuestionKind::Select => {
            let mut options = format!(
                "<option value=\"\">{}</option>",
                escape(lang.t("form.choose"))
            );
            for option in &q.options {
                let selected = if option == first { " selected" } else { "" };
                let _ = write!(options, "<option{selected}>{}</option>", escape(option));
            }
            format!(
                "<div class=\"field\"><label for=\"{id}\">{}</label><select id=\"{id}\" name=\"{}\"{required}{attrs}>{options}</select>{error}</div>",
                label_html(lang, &q.label, q.required),
                escape(&field)
            )
        }
        QuestionKind::MultiSelect => {
            let mut html = format!(
                "<fieldset id=\"{id}\" tabindex=\"-1\"{attrs}><legend>{}</legend>",
                label_html(lang, &q.label, q.required)
            );
            for (i, option) in q.options.iter().enumerate() {
                let checked = if values.contains(option) {
                    " checked"
                } else {
                    ""
                };
                let _ = write!(
                    html,
                    "<label class=\"choice\" for=\"{id}-{i}\"><input type=\"checkbox\" id=\"{id}-{i}\" name=\"{}\" value=\"{}\"{checked}> {}</label>",
                    escape(&field),
                    escape(option),
                    escape(option)
                );
            }
            let _ = write!(html, "{error}</fieldset>");
            html
        }
        QuestionKind::Checkbox => {
            let checked = if matches!(first, "true" | "on" | "1" | "yes") {
                " checked"
            } else {
                ""
            };
            format!(
                "<div class=\"field\"><label class=\"choice\" for=\"{id}\"><input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"true\"{checked}{required}{attrs}> <span>{}</span></label>{error}</div>",
                escape(&field),
                label_html(lang, &q.label, q.required)
            )
        }
    }
}

fn calendar_link(form: &Form<'_>) -> String {
    let mut back = form.here.clone();
    back.path = form.page.path();
    back.set("start", None);
    back.set("timezone", Some(form.zone.as_str()));
    back.url()
}

fn render(form: &Form<'_>) -> Response {
    let lang = form.visit.lang;
    let input = &form.inputs.event_type.input;
    let end = form.start + chrono::Duration::minutes(i64::from(input.duration_minutes));
    let mut body = String::from("<div class=\"booking\">");
    body.push_str(&details(lang, form.page, form.here));
    let _ = write!(
        body,
        "<section class=\"card\" aria-labelledby=\"kz-form-h\"><h2 id=\"kz-form-h\">{}</h2>\
         <p><strong>{}:</strong> {} <a href=\"{}\">{}</a></p>",
        escape(lang.t("form.heading")),
        escape(lang.t("form.when")),
        escape(&span_text(
            lang,
            form.visit.clock,
            form.start,
            end,
            form.zone
        )),
        escape(&calendar_link(form)),
        escape(lang.t("form.back")),
    );
    let rescheduling =
        form.page.reschedules() && form.hidden.iter().any(|(k, _)| k == "reschedule");
    if !form.errors.is_empty() || form.general.is_some() {
        let count = form.errors.len() + usize::from(form.general.is_some());
        let _ = write!(
            body,
            "<div class=\"summary\" id=\"kz-summary\" role=\"alert\" tabindex=\"-1\"><p><strong>{}</strong></p><ul>",
            escape(&lang.tf("form.summary", &[("n", &count.to_string())]))
        );
        if let Some(general) = &form.general {
            let _ = write!(body, "<li>{}</li>", escape(general));
        }
        for (field, message) in &form.errors {
            let label = match field.as_str() {
                "invitee.name" => lang.t("form.name").to_string(),
                "invitee.email" => lang.t("form.email").to_string(),
                "invitee.phone" => lang.t("form.phone").to_string(),
                other => input
                    .questions
                    .iter()
                    .find(|q| format!("answers.{}", q.id) == other)
                    .map_or_else(|| other.to_string(), |q| q.label.clone()),
            };
            let _ = write!(
                body,
                "<li><a href=\"#{}\">{}: {}</a></li>",
                field_id(field),
                escape(&label),
                escape(message)
            );
        }
        body.push_str("</ul></div>");
    }
    let mut action = form.here.clone();
    action
        .params
        .retain(|(k, _)| matches!(k.as_str(), "lang" | "clock" | "embed"));
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\">",
        escape(&action.url())
    );
    let _ = write!(
        body,
        "<input type=\"hidden\" name=\"start\" value=\"{}\"><input type=\"hidden\" name=\"timezone\" value=\"{}\">",
        rfc3339(form.start),
        escape(form.zone.as_str())
    );
    for (key, value) in &form.hidden {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(key),
            escape(value)
        );
    }
    if !rescheduling {
        // Asked only for what the link did not fill in; the fields stay in
        // the form (inside a closed <details>, still sent) to be changed.
        let folded = form.prefilled
            && !form
                .errors
                .iter()
                .any(|(f, _)| f == "invitee.name" || f == "invitee.email");
        if folded {
            let _ = write!(
                body,
                "<p class=\"prefilled\">{}</p><details><summary>{}</summary>",
                escape(&lang.tf(
                    "form.as",
                    &[
                        ("name", form.entered.name.trim()),
                        ("email", form.entered.email.trim())
                    ]
                )),
                escape(lang.t("form.change"))
            );
        }
        body.push_str(&input_field(
            form,
            "invitee.name",
            lang.t("form.name"),
            "text",
            &form.entered.name,
            true,
            " autocomplete=\"name\" maxlength=\"200\"",
        ));
        body.push_str(&input_field(
            form,
            "invitee.email",
            lang.t("form.email"),
            "email",
            &form.entered.email,
            true,
            " autocomplete=\"email\"",
        ));
        if folded {
            body.push_str("</details>");
        }
        if form.asks_phone {
            body.push_str(&input_field(
                form,
                "invitee.phone",
                lang.t("form.phone"),
                "tel",
                &form.entered.phone,
                false,
                " autocomplete=\"tel\" inputmode=\"tel\" placeholder=\"+14155552671\"",
            ));
        }
        for q in &input.questions {
            body.push_str(&question_field(form, q));
        }
    }
    let submit = if input.requires_approval {
        "form.submit_request"
    } else {
        "form.submit"
    };
    let _ = write!(
        body,
        "<p><button type=\"submit\">{}</button></p></form></section></div>",
        escape(lang.t(submit))
    );
    let status = if form.errors.is_empty() && form.general.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!("{} – {}", input.title, form.page.name());
    let shell = Shell {
        lang,
        title: &title,
        brand: form.page.brand(),
        embed: form.visit.embed,
        here: form.here,
        data: Some(json!({
            "events": [{ "type": "kairos:ready", "detail": form.page.event_detail() }]
        })),
    };
    (status, document(&shell, &body)).into_response()
}

/// Why the form is not shown for the chosen time.
enum NotHere {
    /// Taken meanwhile, or never bookable.
    Taken,
    /// A suggested-time link whose `expires` has passed (the time may still
    /// be free: it is then offered first among the nearest).
    Expired(DateTime<Utc>),
}

/// The time cannot be booked from here: say why and offer the nearest free
/// times, each linking to the form again.
/// Whether a workflow of this event type texts the invitee (then the form
/// asks for a mobile number; a failure to tell only leaves it out).
async fn texts_invitee(state: &App, inputs: &AvailabilityInputs) -> bool {
    let event_type = &inputs.event_type;
    crate::booking::workflows::texts_invitee(
        state.store.as_ref(),
        &inputs.owner.organization_id,
        &event_type.id,
    )
    .await
}

async fn gone(state: &App, form: &Form<'_>, status: StatusCode, why: NotHere) -> Response {
    let lang = form.visit.lang;
    let input = &form.inputs.event_type.input;
    let end = form.start + chrono::Duration::minutes(i64::from(input.duration_minutes));
    let mut nearest: Vec<Start> =
        calendar::nearest(state, form.page, form.start, form.zone, 6, form.hold())
            .await
            .unwrap_or_default();
    let time = span_text(lang, form.visit.clock, form.start, end, form.zone);
    let (title, text) = match why {
        NotHere::Taken => (
            lang.t("gone.title"),
            lang.tf("gone.text", &[("time", &time)]),
        ),
        NotHere::Expired(until) => {
            let start = Instant::from_utc(form.start);
            let range = crate::engine::Interval::new(start, start.plus_seconds(1));
            if let Ok(still) =
                calendar::starts(state, form.page, range, form.zone, form.hold()).await
            {
                nearest.extend(still);
                nearest.sort_by_key(|s| s.at);
            }
            let local = form.zone.zone().local(Instant::from_utc(until));
            let until = format!(
                "{}, {}",
                lang.date_long(local.date()),
                lang.time(local, form.visit.clock)
            );
            (
                lang.t("suggest.expired.title"),
                lang.tf(
                    "suggest.expired.text",
                    &[("time", &time), ("until", &until)],
                ),
            )
        }
    };
    let mut body = String::from("<div class=\"booking\">");
    body.push_str(&details(lang, form.page, form.here));
    let _ = write!(
        body,
        "<section class=\"card\" aria-labelledby=\"kz-gone-h\"><div role=\"alert\"><h2 id=\"kz-gone-h\">{}</h2><p>{}</p></div>",
        escape(title),
        escape(&text)
    );
    if nearest.is_empty() {
        let _ = write!(body, "<p>{}</p>", escape(lang.t("gone.none")));
    } else {
        let _ = write!(
            body,
            "<p>{}</p><ul class=\"times\">",
            escape(lang.t("gone.nearest"))
        );
        for start in &nearest {
            let text = format!(
                "{}, {}",
                lang.date_long(start.local.date()),
                lang.time(start.local, form.visit.clock)
            );
            let seats = calendar::seats_text(lang, start.seats_left)
                .map(|t| format!("<small>{}</small>", escape(&t)))
                .unwrap_or_default();
            let _ = write!(
                body,
                "<li><a href=\"{}\" data-start=\"{}\">{}{seats}</a></li>",
                escape(&book_link(
                    form.here,
                    &form.page.form_path(),
                    start.at,
                    form.zone.as_str(),
                    form.visit.clock
                )),
                rfc3339(start.at),
                escape(&text)
            );
        }
        body.push_str("</ul>");
    }
    let _ = write!(
        body,
        "<p><a href=\"{}\">{}</a></p></section></div>",
        escape(&calendar_link(form)),
        escape(lang.t("gone.calendar"))
    );
    let shell = Shell {
        lang,
        title,
        brand: form.page.brand(),
        embed: form.visit.embed,
        here: form.here,
        data: Some(json!({
            "events": [{ "type": "kairos:ready", "detail": form.page.event_detail() }]
        })),
    };
    (status, document(&shell, &body)).into_response()
}

fn questions_of(inputs: &AvailabilityInputs) -> Vec<String> {
    inputs
        .event_type
        .input
        .questions
        .iter()
        .map(|q| q.id.to_string())
        .collect()
}

/// GET: the form for `?start=`, prefilled from the URL.
/// GET: the form for a chosen time, on a host's, a team's or a link's page.
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
    let response = form_page(state, &visit, &page).await;
    page.finish(response)
}

async fn form_page(state: &App, visit: &Visit, page: &BookingPage) -> Response {
    let inputs = page.inputs();
    let ids = questions_of(inputs);
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let here = visit.here(&page.form_path(), &id_refs);
    let start = visit
        .get("start")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|s| s.with_timezone(&Utc));
    let Some(start) = start else {
        // No time chosen yet: the calendar is where one chooses.
        let mut calendar = here.clone();
        calendar.path = page.path();
        return (StatusCode::SEE_OTHER, [(header::LOCATION, calendar.url())]).into_response();
    };
    let shown = ShownZone::read(visit, inputs);
    let entered_name = visit.get("name").unwrap_or_default().to_string();
    let entered_email = visit.get("email").unwrap_or_default().to_string();
    let entered = Entered {
        name: entered_name.clone(),
        email: entered_email.clone(),
        phone: String::new(),
        answers: ids
            .iter()
            .map(|id| {
                let values = visit
                    .params
                    .iter()
                    .filter(|(k, v)| k == id && !v.is_empty())
                    .map(|(_, v)| v.clone())
                    .collect();
                (id.clone(), values)
            })
            .collect(),
    };
    let mut hidden: Vec<(String, String)> = HIDDEN
        .iter()
        .filter_map(|k| visit.get(k).map(|v| (k.to_string(), v.to_string())))
        .filter(|(k, _)| k != "idem")
        .collect();
    // One key per form: submitting twice (a double click, a retry after a
    // lost answer) books once and shows the same booking.
    hidden.push(("idem".to_string(), random_token(24)));
    let form = Form {
        visit,
        here: &here,
        page,
        inputs,
        start,
        zone: &shown.zone,
        hidden,
        entered,
        errors: Vec::new(),
        general: None,
        prefilled: check_line("invitee.name", entered_name.trim(), 200, true).is_ok()
            && Email::parse(entered_email.trim()).is_ok(),
        asks_phone: texts_invitee(state, inputs).await,
    };
    // A suggested time whose link has lapsed: the calendar's nearest times
    // instead of the form (the suggestion promised nothing after `expires`).
    let expires = visit
        .get("expires")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|s| s.with_timezone(&Utc));
    if let Some(until) = expires.filter(|until| *until <= state.now()) {
        return gone(state, &form, StatusCode::OK, NotHere::Expired(until)).await;
    }
    match calendar::is_free(state, page, start, &shown.zone, form.hold()).await {
        Ok(true) => render(&form),
        Ok(false) => gone(state, &form, StatusCode::OK, NotHere::Taken).await,
        Err(error) => visit.fail(&here, error),
    }
}

/// POST: the submitted form: booked (to the confirmation page, or the event
/// type's redirect), or the form again with its errors, or the nearest times.
pub async fn submit(
    State(state): State<App>,
    address: Address,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    take(&state, address, raw, &headers, body).await
}

async fn take(
    state: &App,
    address: Address,
    raw: Option<String>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let visit = Visit::read(raw.as_deref(), headers);
    let page = match address.open_to_book(state, &visit).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let response = submitted(state, &visit, &page, body).await;
    page.finish(response)
}

async fn submitted(
    state: &App,
    visit: &Visit,
    page: &BookingPage,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let here = visit.here(&page.form_path(), &[]);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return visit.fail(&here, body_rejection(rejection)),
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |key: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let inputs = page.inputs();
    let Some(start) = get("start")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|s| s.with_timezone(&Utc))
    else {
        return visit.fail(
            &here,
            ApiError::invalid("start", "choose a time from the calendar"),
        );
    };
    // The zone as the calendar showed it (an unknown one falls back there).
    let mut zone_visit = visit.clone();
    zone_visit.params.push((
        "timezone".to_string(),
        get("timezone").unwrap_or_default().to_string(),
    ));
    let shown = ShownZone::read(&zone_visit, inputs);
    let questions = &inputs.event_type.input.questions;
    let entered = Entered {
        name: get("invitee.name").unwrap_or_default().to_string(),
        email: get("invitee.email").unwrap_or_default().to_string(),
        phone: get("invitee.phone").unwrap_or_default().to_string(),
        answers: questions
            .iter()
            .map(|q| {
                let key = format!("answers.{}", q.id);
                let values = fields
                    .iter()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .collect();
                (q.id.to_string(), values)
            })
            .collect(),
    };
    let hidden: Vec<(String, String)> = HIDDEN
        .iter()
        .filter_map(|k| get(k).map(|v| (k.to_string(), v.to_string())))
        .collect();
    let mut form = Form {
        visit,
        here: &here,
        page,
        inputs,
        start,
        zone: &shown.zone,
        hidden,
        entered,
        errors: Vec::new(),
        general: None,
        prefilled: false,
        asks_phone: texts_invitee(state, inputs).await,
    };
    let now = Instant::from_utc(state.now());
    if let (Some(uid), Some(token), true) = (get("reschedule"), get("token"), page.reschedules()) {
        let outcome =
            booking::reschedule(state.store.as_ref(), uid, token, start, get("hold"), now).await;
        return match outcome {
            Ok(booked) => to_confirmation(state, visit, inputs, booked),
            Err(error) => refused(state, &mut form, error).await,
        };
    }
    let answers = answers(questions, &form.entered);
    form.errors = check(visit.lang, questions, &form.entered, &answers);
    if !form.errors.is_empty() {
        return render(&form);
    }
    let utm = Utm {
        source: get(UTM[0].0).map(str::to_string),
        medium: get(UTM[1].0).map(str::to_string),
        campaign: get(UTM[2].0).map(str::to_string),
        term: get(UTM[3].0).map(str::to_string),
        content: get(UTM[4].0).map(str::to_string),
    };
    let Ok(email) = Email::parse(form.entered.email.trim()) else {
        return render(&form);
    };
    let request = BookingRequest {
        start,
        invitee: Invitee {
            name: form.entered.name.trim().to_string(),
            email,
            timezone: shown.zone.clone(),
            language: Some(visit.lang.code().to_string()),
            phone: Some(form.entered.phone.trim().to_string()).filter(|p| !p.is_empty()),
        },
        answers,
        utm,
        embed_url: get("embed_url").map(str::to_string),
        // The visitor's hold on this time (taken by the calendar's script):
        // it does not stand in their way, and the booking uses it up.
        hold: get("hold").map(str::to_string),
    };
    let key = get("idem").map(|k| format!("page:{k}"));
    match page.book(state, &request, key.as_deref(), now).await {
        Ok(booked) => to_confirmation(state, visit, inputs, booked),
        Err(error) => refused(state, &mut form, error).await,
    }
}

/// A refusal of the use case, as the person should see it.
async fn refused(state: &App, form: &mut Form<'_>, error: BookingError) -> Response {
    match error {
        BookingError::Unavailable(_) | BookingError::NotBookable(_) => {
            gone(state, form, StatusCode::CONFLICT, NotHere::Taken).await
        }
        BookingError::Invalid(e) if e.field == "start" => {
            gone(state, form, StatusCode::CONFLICT, NotHere::Taken).await
        }
        BookingError::Invalid(e) => {
            let lang = form.visit.lang;
            let kind = form
                .inputs
                .event_type
                .input
                .questions
                .iter()
                .find(|q| format!("answers.{}", q.id) == e.field)
                .map(|q| q.kind);
            let known = e.field.starts_with("invitee.") || kind.is_some();
            if known {
                form.errors
                    .push((e.field.clone(), localized(lang, kind, &e)));
            } else {
                form.general = Some(format!("{}: {}", e.field, e.message));
            }
            render(form)
        }
        BookingError::LinkGone(dead) => link_gone(form.visit, dead),
        other => form.visit.fail(form.here, other.into()),
    }
}

/// After booking: the event type's redirect (with the booking's details),
/// else the confirmation page, which carries the manage token.
fn to_confirmation(
    state: &App,
    visit: &Visit,
    inputs: &AvailabilityInputs,
    booked: booking::Booked,
) -> Response {
    let booking = &booked.booking;
    if !booked.replayed {
        state.metrics.booking_created();
    }
    let input = &inputs.event_type.input;
    let location = match &input.redirect_url {
        Some(url) => {
            let mut params = vec![
                ("booking_uid", booking.uid.clone()),
                ("event_type", input.slug.to_string()),
                ("event_title", input.title.clone()),
                ("start", rfc3339(booking.start)),
                ("end", rfc3339(booking.end)),
                ("status", booking.status.as_str().to_string()),
                ("invitee_name", booking.invitee.name.clone()),
                ("invitee_email", booking.invitee.email.to_string()),
                ("invitee_timezone", booking.invitee.timezone.to_string()),
            ];
            for (param, value) in [
                ("utm_source", &booking.utm.source),
                ("utm_medium", &booking.utm.medium),
                ("utm_campaign", &booking.utm.campaign),
                ("utm_term", &booking.utm.term),
                ("utm_content", &booking.utm.content),
            ] {
                if let Some(value) = value {
                    params.push((param, value.clone()));
                }
            }
            match url::Url::parse(url) {
                Ok(mut target) => {
                    target.query_pairs_mut().extend_pairs(params);
                    target.to_string()
                }
                Err(_) => url.clone(),
            }
        }
        None => {
            let mut here = visit.here(&format!("/booking/{}", booking.uid), &[]);
            here.params
                .retain(|(k, _)| matches!(k.as_str(), "lang" | "clock" | "embed"));
            if let Some(token) = &booked.manage_token {
                here.set("token", Some(token));
            }
            here.set("booked", Some("1"));
            here.url()
        }
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_are_safe() {
        assert_eq!(field_id("answers.company-size"), "f-answers-company-size");
        assert_eq!(error_id("invitee.name"), "e-invitee-name");
    }
}
