//! A letter written out: subject, plain text and email-safe HTML (tables
//! and inline styles only: mail clients drop the rest), in the reader's
//! language and time zone, with the invitation a calendar needs.

use super::plan::Letter;
use crate::domain::{Booking, EventType, Location, User, answer_text};
use crate::html::escape;
use crate::i18n::Lang;
use crate::mail::snippets::{DEFAULT_BRAND, FONT, button};
use crate::mail::{Attachment, Meeting, Method, Outgoing, Participant, Response, ics};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::Mailbox;
use std::fmt::Write as _;

/// Who reads the letter.
#[derive(Debug, Clone)]
pub struct Reader {
    pub name: String,
    pub email: String,
    pub zone: Tz,
    pub lang: Lang,
    pub is_host: bool,
}

/// The links a letter may carry, already made for this reader.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The invitee's manage page (reschedule, cancel).
    pub manage: Option<String>,
    /// A host's approve-or-decline page.
    pub approve: Option<String>,
    /// The booking page, to book another time.
    pub book_again: Option<String>,
}

/// Everything a letter is written from.
pub struct Parts<'a> {
    pub letter: Letter,
    /// Stable per letter: the Message-ID (and file name without SMTP).
    pub id: &'a str,
    pub booking: &'a Booking,
    /// Absent if the event type was deleted since.
    pub event_type: Option<&'a EventType>,
    /// The booking's hosts that still exist, the organizer first.
    pub hosts: &'a [User],
    pub reader: &'a Reader,
    /// The booking a reschedule replaced.
    pub previous: Option<&'a Booking>,
    /// A cancellation's or a refusal's reason.
    pub reason: Option<&'a str>,
    /// Who cancelled: true for a host (or an admin).
    pub cancelled_by_host: bool,
    /// For a reminder: how long before the start it is sent.
    pub minutes_before: Option<u32>,
    pub links: Links,
    /// The invitation's UID and sequence (stable across reschedules).
    pub ical_uid: &'a str,
    pub ical_sequence: u32,
    /// Whether to attach the invitation (not for hosts whose calendar
    /// Kairos writes itself: it would show the meeting twice).
    pub invite: bool,
    pub now: DateTime<Utc>,
}

/// "45 minutes", "1 hour", "2 days" (whole units, the largest that fits).
pub fn duration_words(lang: Lang, minutes: u32) -> String {
    let (n, unit) = if minutes >= 1440 && minutes.is_multiple_of(1440) {
        (minutes / 1440, "days")
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "hours")
    } else {
        (minutes, "minutes")
    };
    if n == 1 {
        lang.t(&format!("mail.{unit}.one")).to_string()
    } else {
        lang.tf(&format!("mail.{unit}.many"), &[("n", &n.to_string())])
    }
}

pub(super) fn local(at: DateTime<Utc>, zone: Tz) -> chrono::NaiveDateTime {
    at.with_timezone(&zone).naive_local()
}

/// "Tuesday, June 2, 2026, 2:00 pm – 2:30 pm (Europe/Berlin)".
fn when_long(lang: Lang, booking: &Booking, zone: Tz) -> String {
    span_long(lang, booking.start, booking.end, zone)
}

/// [`when_long`] of any span.
pub(super) fn span_long(lang: Lang, start: DateTime<Utc>, end: DateTime<Utc>, zone: Tz) -> String {
    let (start, end) = (local(start, zone), local(end, zone));
    let clock = lang.default_clock();
    let mut text = format!(
        "{}, {} – {}",
        lang.date_long(start.date()),
        lang.time(start, clock),
        lang.time(end, clock)
    );
    if end.date() != start.date() {
        text = format!(
            "{}, {} – {}, {}",
            lang.date_long(start.date()),
            lang.time(start, clock),
            lang.date_long(end.date()),
            lang.time(end, clock)
        );
    }
    format!("{text} ({})", zone.name())
}

/// "Tue 2 Jun 2026, 2:00 pm" for subjects.
pub(super) fn when_short(lang: Lang, at: DateTime<Utc>, zone: Tz) -> String {
    let start = local(at, zone);
    format!(
        "{}, {}",
        lang.date_short(start.date(), true),
        lang.time(start, lang.default_clock())
    )
}

/// Where: the link, number or address (the booking is made: the reader may
/// know it now).
pub fn place(lang: Lang, location: &Location) -> Option<String> {
    let kind = location.kind();
    match location {
        Location::Video { url } => Some(url.clone()),
        Location::Phone { number } => Some(format!("{}: {number}", lang.t("location.phone"))),
        Location::InPerson { address } => Some(address.clone()),
        Location::ProviderVideo => Some(format!(
            "{} ({})",
            lang.t(&format!("location.{kind}")),
            lang.t("location.provider_video.note")
        )),
        Location::Unspecified => None,
    }
}

/// The other side, as the reader names them: the hosts for a guest, the
/// invitee for a host.
fn other_side(parts: &Parts<'_>) -> String {
    if parts.reader.is_host {
        parts.booking.invitee.name.clone()
    } else {
        let names: Vec<&str> = parts.hosts.iter().map(|h| h.input.name.as_str()).collect();
        if names.is_empty() {
            "Kairos".to_string()
        } else {
            names.join(", ")
        }
    }
}

/// A table row of the details block.
pub(super) fn row(
    html: &mut String,
    text: &mut String,
    label: &str,
    value_html: &str,
    value_text: &str,
) {
    let _ = write!(
        html,
        "<tr><th align=\"left\" valign=\"top\" style=\"padding:6px 16px 6px 0;{FONT};\
         font-size:14px;color:#555555;font-weight:bold;white-space:nowrap\">{}</th>\
         <td style=\"padding:6px 0;{FONT};font-size:14px;color:#111111\">{value_html}</td></tr>",
        escape(label)
    );
    let _ = writeln!(text, "{label}: {value_text}");
}

/// What goes around a letter's details: every letter's HTML has this shape.
pub(super) struct Envelope<'a> {
    pub lang: Lang,
    pub subject: &'a str,
    pub heading: &'a str,
    /// Plain text (escaped here).
    pub intro: &'a str,
    /// Table rows (see [`row`]), already HTML.
    pub details: &'a str,
    /// Table rows holding buttons, already HTML.
    pub actions: &'a str,
    pub footer: &'a str,
    pub brand: &'a str,
}

/// A whole letter as email-safe HTML: its intro, details and actions in
/// the letters' [`frame`].
pub(super) fn envelope(parts: &Envelope<'_>) -> String {
    let body = format!(
        "<p style=\"margin:0 0 16px;{FONT};font-size:15px;line-height:22px;color:#222222\">{intro}</p>\
         <table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">{details}</table>\
         <table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"margin-top:12px\">{actions}</table>",
        intro = escape(parts.intro).replace('\n', "<br>"),
        details = parts.details,
        actions = parts.actions,
    );
    frame(
        parts.lang,
        parts.subject,
        parts.brand,
        parts.heading,
        &body,
        parts.footer,
    )
}

/// A button row for [`envelope`]'s actions, and its line in the text.
pub(super) fn action(html: &mut String, text: &mut String, url: &str, label: &str, brand: &str) {
    let _ = write!(
        html,
        "<tr><td style=\"padding:8px 0 0\">{}</td></tr>",
        button(url, label, brand)
    );
    let _ = writeln!(text, "{label}: {url}");
}

/// The letter, ready to send.
pub fn compose(parts: &Parts<'_>) -> Outgoing {
    let lang = parts.reader.lang;
    let booking = parts.booking;
    let zone = parts.reader.zone;
    let title = parts
        .event_type
        .map(|e| e.input.title.clone())
        .unwrap_or_else(|| "Meeting".to_string());
    let other = other_side(parts);
    let organizer = parts.hosts.first();
    let host_name = organizer.map_or("Kairos", |h| h.input.name.as_str());
    let when = when_short(lang, booking.start, zone);
    let vars = [
        ("title", title.as_str()),
        ("other", other.as_str()),
        ("when", when.as_str()),
    ];
    // The catalogue's prefix: an approval reads as a confirmation.
    let key = match parts.letter {
        Letter::Approved => "confirmed",
        Letter::ApprovalNeeded => "approval",
        other => other.as_str(),
    };
    let subject = lang.tf(&format!("mail.{key}.subject"), &vars);
    let left = duration_words(lang, parts.minutes_before.unwrap_or(0));
    let heading = match parts.letter {
        Letter::Reminder => lang.tf("mail.reminder.heading", &[("left", &left)]),
        Letter::ApprovalNeeded => lang.tf("mail.approval.heading", &vars),
        Letter::Approved => lang.t("mail.confirmed.heading").to_string(),
        _ => lang.t(&format!("mail.{key}.heading")).to_string(),
    };
    let intro = match parts.letter {
        Letter::Cancelled => {
            let name = if parts.cancelled_by_host {
                host_name.to_string()
            } else {
                booking.invitee.name.clone()
            };
            let by = if parts.cancelled_by_host {
                "by_host"
            } else {
                "by_invitee"
            };
            lang.tf(&format!("mail.cancelled.{by}"), &[("name", &name)])
        }
        Letter::Rescheduled => {
            let old = parts
                .previous
                .map(|p| when_short(lang, p.start, zone))
                .unwrap_or_default();
            lang.tf("mail.rescheduled.intro", &[("old", &old)])
        }
        Letter::Approved => lang.tf("mail.approved.intro", &vars),
        Letter::ApprovalNeeded => lang.t("mail.approval.intro").to_string(),
        _ => lang.tf(&format!("mail.{key}.intro"), &vars),
    };

    let mut details = String::new();
    let mut text = format!("{heading}\n\n{intro}\n\n");
    row(
        &mut details,
        &mut text,
        lang.t("mail.what"),
        &escape(&title),
        &title,
    );
    let long = when_long(lang, booking, zone);
    let shown_when = if parts.letter == Letter::Cancelled || parts.letter == Letter::Rejected {
        format!("<s>{}</s>", escape(&long))
    } else {
        escape(&long)
    };
    row(
        &mut details,
        &mut text,
        lang.t("mail.when"),
        &shown_when,
        &long,
    );
    if let Some(previous) = parts.previous {
        let was = when_long(lang, previous, zone);
        let html = format!("<s>{}</s>", escape(&was));
        row(&mut details, &mut text, lang.t("mail.was"), &html, &was);
    }
    let location = parts.event_type.map(|e| &e.input.location);
    if let Some(where_) = location.and_then(|l| place(lang, l)) {
        let html = match location {
            Some(Location::Video { url }) => {
                format!(
                    "<a href=\"{0}\" style=\"color:#1f4fd1\">{0}</a>",
                    escape(url)
                )
            }
            _ => escape(&where_),
        };
        row(
            &mut details,
            &mut text,
            lang.t("mail.where"),
            &html,
            &where_,
        );
    }
    let mut who: Vec<String> = parts
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                format!("{} ({})", h.input.name, lang.t("mail.organizer"))
            } else {
                h.input.name.clone()
            }
        })
        .collect();
    who.push(format!(
        "{} <{}>",
        booking.invitee.name,
        booking.invitee.email.as_str()
    ));
    who.extend(
        booking
            .attendees
            .iter()
            .map(|a| format!("{} <{}>", a.name, a.email.as_str())),
    );
    let who_html: Vec<String> = who.iter().map(|w| escape(w)).collect();
    row(
        &mut details,
        &mut text,
        lang.t("mail.who"),
        &who_html.join("<br>"),
        &who.join(", "),
    );
    if let Some(reason) = parts.reason.filter(|r| !r.trim().is_empty()) {
        row(
            &mut details,
            &mut text,
            lang.t("mail.reason"),
            &escape(reason),
            reason,
        );
    }
    // Hosts see what the invitee answered, under the questions' labels.
    let questions = match (parts.reader.is_host, parts.event_type) {
        (true, Some(event_type)) => event_type.input.questions.as_slice(),
        _ => &[],
    };
    for question in questions {
        let Some(answer) = booking.answers.get(question.id.as_str()) else {
            continue;
        };
        if answer.is_null() {
            continue;
        }
        let value = answer_text(answer);
        row(
            &mut details,
            &mut text,
            &question.label,
            &escape(&value),
            &value,
        );
    }

    let brand = organizer
        .and_then(|h| h.input.brand_color.as_deref())
        .unwrap_or(DEFAULT_BRAND);
    let mut buttons = Vec::new();
    let mut add = |url: &Option<String>, key: &str| {
        if let Some(url) = url {
            buttons.push((url.clone(), lang.t(key).to_string()));
        }
    };
    add(&parts.links.approve, "mail.approval.open");
    add(&parts.links.manage, "mail.manage");
    add(&parts.links.book_again, "mail.book_again");
    let mut actions = String::new();
    text.push('\n');
    for (url, label) in &buttons {
        action(&mut actions, &mut text, url, label, brand);
    }
    let footer = lang.tf("mail.footer", &[("host", host_name)]);
    let _ = write!(text, "\n--\n{footer}\n");

    let html = envelope(&Envelope {
        lang,
        subject: &subject,
        heading: &heading,
        intro: &intro,
        details: &details,
        actions: &actions,
        footer: &footer,
        brand,
    });

    let invitation = invitation(parts, &title).map(|(method, ics)| Attachment { method, ics });
    let reply_to = if parts.reader.is_host {
        booking
            .invitee
            .email
            .as_str()
            .parse()
            .ok()
            .map(|address| Mailbox::new(Some(booking.invitee.name.clone()), address))
    } else {
        organizer.and_then(|h| {
            Some(Mailbox::new(
                Some(h.input.name.clone()),
                h.input.email.as_str().parse().ok()?,
            ))
        })
    };
    Outgoing {
        id: parts.id.to_string(),
        sender_name: format!("{host_name} via Kairos"),
        reply_to,
        to: crate::mail::recipient(&parts.reader.name, &parts.reader.email),
        subject,
        text,
        html,
        language: lang.code(),
        invitation,
    }
}

/// The email-safe page a letter is set in: a card under the brand
/// colour with its heading, `body` (HTML, already escaped) and a footer.
pub fn frame(
    lang: Lang,
    subject: &str,
    brand: &str,
    heading: &str,
    body: &str,
    footer: &str,
) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{subject}</title></head>\
         <body style=\"margin:0;padding:0;background:#f4f4f5\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"background:#f4f4f5\"><tr><td align=\"center\" style=\"padding:24px 12px\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"max-width:560px;background:#ffffff;border-radius:8px;border-top:4px solid {brand}\">\
         <tr><td style=\"padding:24px\">\
         <h1 style=\"margin:0 0 12px;{FONT};font-size:20px;line-height:28px;color:#111111\">{heading}</h1>\
         {body}\
         </td></tr></table>\
         <p style=\"margin:16px 0 0;{FONT};font-size:12px;color:#666666\">{footer}</p>\
         </td></tr></table></body></html>",
        code = lang.code(),
        subject = escape(subject),
        heading = escape(heading),
        footer = escape(footer),
    )
}

/// The invitation this letter carries, if any: REQUEST when the meeting
/// stands (made, approved, moved), CANCEL when it is gone.
fn invitation(parts: &Parts<'_>, title: &str) -> Option<(Method, String)> {
    if !parts.invite {
        return None;
    }
    let method = match parts.letter {
        Letter::Confirmed | Letter::Approved | Letter::HostBooked | Letter::Rescheduled => {
            Method::Request
        }
        Letter::Cancelled => Method::Cancel,
        Letter::Requested | Letter::ApprovalNeeded | Letter::Rejected | Letter::Reminder => {
            return None;
        }
    };
    let meeting = meeting(&MeetingView {
        booking: parts.booking,
        event_type: parts.event_type,
        hosts: parts.hosts,
        lang: parts.reader.lang,
        summary: format!("{title} ({})", other_side(parts)),
        manage: parts.links.manage.as_deref(),
        uid: parts.ical_uid.to_string(),
        sequence: parts.ical_sequence,
        now: parts.now,
    })?;
    Some((method, ics(&meeting, method)))
}

/// A booking as a calendar event, to invite to or to publish.
pub struct MeetingView<'a> {
    pub booking: &'a Booking,
    pub event_type: Option<&'a EventType>,
    /// The hosts still there, the organizer first.
    pub hosts: &'a [User],
    /// The language of the description's words.
    pub lang: Lang,
    pub summary: String,
    /// The invitee's manage page, if the reader may have it.
    pub manage: Option<&'a str>,
    pub uid: String,
    pub sequence: u32,
    pub now: DateTime<Utc>,
}

/// The event: the first host organizes, the other hosts have accepted, the
/// invitee and the other attendees are asked; `None` without a host.
pub fn meeting(view: &MeetingView<'_>) -> Option<Meeting> {
    let booking = view.booking;
    let organizer = view.hosts.first()?;
    let person = |name: &str, email: &str| Participant {
        name: name.to_string(),
        email: email.to_string(),
    };
    let mut attendees: Vec<(Participant, Response)> = view
        .hosts
        .iter()
        .skip(1)
        .map(|h| {
            (
                person(&h.input.name, h.input.email.as_str()),
                Response::Accepted,
            )
        })
        .collect();
    attendees.push((
        person(&booking.invitee.name, booking.invitee.email.as_str()),
        Response::NeedsAction,
    ));
    attendees.extend(
        booking
            .attendees
            .iter()
            .map(|a| (person(&a.name, a.email.as_str()), Response::NeedsAction)),
    );
    let mut description = view
        .event_type
        .map(|e| e.input.description.clone())
        .unwrap_or_default();
    if let Some(manage) = view.manage {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("{}: {manage}", view.lang.t("mail.manage")));
    }
    Some(Meeting {
        uid: view.uid.clone(),
        sequence: view.sequence,
        stamp: view.now,
        start: booking.start,
        end: booking.end,
        summary: view.summary.clone(),
        description,
        location: view
            .event_type
            .and_then(|e| place(view.lang, &e.input.location)),
        url: view.manage.map(str::to_string),
        organizer: person(&organizer.input.name, organizer.input.email.as_str()),
        attendees,
    })
}
