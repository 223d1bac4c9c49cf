//! The variables a workflow template may use, and their values for one
//! booking as one reader sees it (their zone and language).

use crate::domain::{Booking, EventType, User, answer_text};
use crate::i18n::Lang;
use crate::notify::place;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::value::Value;
use serde_json::{Map, json};

/// What a template may name beyond the common variables.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// A survey step: `survey_url` is known.
    pub survey: bool,
    /// The event type's question ids, when the workflow belongs to one:
    /// `answers.<id>` must name one of them. `None`: any id (a workflow of
    /// the whole organization).
    pub questions: Option<Vec<String>>,
}

/// Every variable, with its fields (`None`: a plain value).
const VARIABLES: &[(&str, Option<&[&str]>)] = &[
    (
        "invitee",
        Some(&["name", "first_name", "email", "phone", "timezone"]),
    ),
    (
        "event",
        Some(&[
            "title",
            "date",
            "time",
            "end_time",
            "start",
            "timezone",
            "duration",
            "location",
            "start_utc",
            "end_utc",
        ]),
    ),
    ("host", Some(&["name", "first_name", "email"])),
    ("hosts", None),
    ("attendees", None),
    ("answers", None),
    ("booking", Some(&["uid", "status", "cancel_reason"])),
    ("manage_url", None),
    ("survey_url", None),
];

/// Whether `name` (as minijinja reports it: `invitee.name`, `hosts`) is a
/// variable the template may use in `scope`.
pub fn known(name: &str, scope: &Scope) -> bool {
    let mut parts = name.split('.');
    let top = parts.next().unwrap_or_default();
    let field = parts.next();
    if top == "survey_url" && !scope.survey {
        return false;
    }
    if top == "answers" {
        return match (field, &scope.questions) {
            (None, _) | (Some(_), None) => true,
            (Some(id), Some(ids)) => ids.iter().any(|q| q == id),
        };
    }
    match VARIABLES.iter().find(|(n, _)| *n == top) {
        None => false,
        Some((_, None)) => field.is_none(),
        Some((_, Some(fields))) => field.is_none_or(|f| fields.contains(&f)),
    }
}

/// The variables, for an error message.
pub fn listing(scope: &Scope) -> String {
    let mut names = Vec::new();
    for (name, fields) in VARIABLES {
        if *name == "survey_url" && !scope.survey {
            continue;
        }
        match (name, fields) {
            (&"answers", _) => match &scope.questions {
                Some(ids) if !ids.is_empty() => {
                    names.extend(ids.iter().map(|id| format!("answers.{id}")));
                }
                Some(_) => {}
                None => names.push("answers.<question id>".to_string()),
            },
            (_, None) => names.push(name.to_string()),
            (_, Some(fields)) => names.extend(fields.iter().map(|f| format!("{name}.{f}"))),
        }
    }
    names.join(", ")
}

/// What a context is built from.
pub struct Facts<'a> {
    pub booking: &'a Booking,
    pub event_type: Option<&'a EventType>,
    /// The booking's hosts that still exist, the organizer first.
    pub hosts: &'a [User],
    /// The reader's zone and language: dates and times are written in them.
    pub zone: Tz,
    pub lang: Lang,
    pub manage_url: Option<String>,
    pub survey_url: Option<String>,
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

fn person(name: &str, email: &str) -> serde_json::Value {
    json!({ "name": name, "first_name": first_name(name), "email": email })
}

/// The values of every variable for one reader.
pub fn context(facts: &Facts<'_>) -> Value {
    let booking = facts.booking;
    let lang = facts.lang;
    let clock = lang.default_clock();
    let local = |at: DateTime<Utc>| at.with_timezone(&facts.zone).naive_local();
    let (start, end) = (local(booking.start), local(booking.end));
    let date = lang.date_long(start.date());
    let time = lang.time(start, clock);
    let title = facts
        .event_type
        .map_or("Meeting".to_string(), |e| e.input.title.clone());
    let location = facts
        .event_type
        .and_then(|e| place(lang, &e.input.location))
        .unwrap_or_default();
    let invitee = &booking.invitee;
    let mut answers = Map::new();
    for (id, answer) in &booking.answers {
        if !answer.is_null() {
            answers.insert(id.clone(), answer_text(answer).into());
        }
    }
    let hosts: Vec<_> = facts
        .hosts
        .iter()
        .map(|h| person(&h.input.name, h.input.email.as_str()))
        .collect();
    let value = json!({
        "invitee": {
            "name": invitee.name,
            "first_name": first_name(&invitee.name),
            "email": invitee.email.as_str(),
            "phone": invitee.phone.clone().unwrap_or_default(),
            "timezone": invitee.timezone.as_str(),
        },
        "event": {
            "title": title,
            "date": date,
            "time": time,
            "end_time": lang.time(end, clock),
            "start": format!("{date}, {time}"),
            "timezone": facts.zone.name(),
            "duration": (booking.end - booking.start).num_minutes(),
            "location": location,
            "start_utc": booking.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "end_utc": booking.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
        "host": hosts.first().cloned().unwrap_or_else(|| person("", "")),
        "hosts": hosts,
        "attendees": booking.attendees.iter()
            .map(|a| person(&a.name, a.email.as_str())).collect::<Vec<_>>(),
        "answers": answers,
        "booking": {
            "uid": booking.uid,
            "status": booking.status.as_str(),
            "cancel_reason": booking.cancel_reason.clone().unwrap_or_default(),
        },
        "manage_url": facts.manage_url.clone().unwrap_or_default(),
        "survey_url": facts.survey_url.clone().unwrap_or_default(),
    });
    Value::from_serialize(&value)
}

/// A made-up booking, for trial renders and previews without one.
pub fn sample_booking(scope: &Scope) -> Booking {
    let answers: Map<String, serde_json::Value> = scope
        .questions
        .iter()
        .flatten()
        .map(|id| (id.clone(), json!("(answer)")))
        .collect();
    serde_json::from_value(json!({
        "uid": "sample", "event_type_id": "sample", "hosts": ["sample-host"],
        "start": "2027-03-08T15:00:00Z", "end": "2027-03-08T15:30:00Z",
        "status": "accepted",
        "invitee": { "name": "Pat Doe", "email": "pat@example.com",
                     "timezone": "Europe/Berlin", "phone": "+4915112345678" },
        "answers": answers, "utm": {}, "attendees": [],
        "created_at": "2027-03-01T00:00:00Z", "updated_at": "2027-03-01T00:00:00Z"
    }))
    .expect("a literal booking")
}

/// `n` made-up hosts, for trial renders and previews without a booking.
pub fn sample_hosts(n: usize) -> Vec<User> {
    (0..n)
        .map(|i| {
            serde_json::from_value(json!({
                "id": format!("host-{i}"), "organization_id": "sample",
                "slug": format!("host-{i}"), "name": "Ana Lima",
                "email": "ana@example.com", "timezone": "Europe/Berlin",
                "created_at": "2027-03-01T00:00:00Z", "updated_at": "2027-03-01T00:00:00Z"
            }))
            .expect("a literal user")
        })
        .collect()
}

/// The sample context with `hosts` made-up hosts.
pub fn sample_with_hosts(scope: &Scope, hosts: usize) -> Value {
    let booking = sample_booking(scope);
    let users = sample_hosts(hosts);
    context(&Facts {
        booking: &booking,
        event_type: None,
        hosts: &users,
        zone: chrono_tz::Europe::Berlin,
        lang: Lang::En,
        manage_url: Some("https://kairos.example/booking/sample?token=…".to_string()),
        survey_url: scope
            .survey
            .then(|| "https://kairos.example/survey/…".to_string()),
    })
}

pub fn sample(scope: &Scope) -> Value {
    sample_with_hosts(scope, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_against_the_scope() {
        let scope = Scope {
            survey: false,
            questions: Some(vec!["company".to_string()]),
        };
        assert!(known("invitee", &scope));
        assert!(known("invitee.first_name", &scope));
        assert!(!known("invitee.age", &scope));
        assert!(known("answers.company", &scope));
        assert!(!known("answers.budget", &scope));
        assert!(!known("survey_url", &scope));
        assert!(!known("manage_url.x", &scope));
        let survey = Scope {
            survey: true,
            questions: None,
        };
        assert!(known("survey_url", &survey));
        assert!(known("answers.budget", &survey));
        assert!(listing(&scope).contains("answers.company"));
    }
}
