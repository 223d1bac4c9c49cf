//! Letters about a meeting poll, to one participant: the invitation to
//! vote (the options in the poll's zone, the deadline, their own link), the
//! chosen time (the booking's own letters carry the invitation), or the
//! poll closed without a time. Participants have no zone or language of
//! their own: they read in the poll's zone and the host's language.

use super::compose::{Envelope, action, envelope, local, place, row, span_long, when_short};
use crate::domain::{Poll, User};
use crate::html::escape;
use crate::i18n::Lang;
use crate::mail::Outgoing;
use crate::mail::snippets::DEFAULT_BRAND;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One kind of poll letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollLetter {
    /// To an invited participant: which times suit you?
    Invitation,
    /// The poll was finalized: the time is chosen.
    Chosen,
    /// The poll closed without a time.
    Closed,
}

impl PollLetter {
    pub fn as_str(self) -> &'static str {
        match self {
            PollLetter::Invitation => "invitation",
            PollLetter::Chosen => "chosen",
            PollLetter::Closed => "closed",
        }
    }
}

/// Everything a poll letter is written from.
pub struct PollParts<'a> {
    pub letter: PollLetter,
    /// Stable per letter: the Message-ID (and file name without SMTP).
    pub id: &'a str,
    pub poll: &'a Poll,
    pub host: &'a User,
    /// The participant.
    pub name: &'a str,
    pub email: &'a str,
    /// The participant's voting page (an invitation's).
    pub link: Option<&'a str>,
    /// For a chosen time: the meeting's span, and whether the reader is
    /// invited to it (they did not vote no).
    pub chosen: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub coming: bool,
}

fn zone_of(poll: &Poll) -> Tz {
    poll.input
        .timezone
        .as_str()
        .parse()
        .unwrap_or(chrono_tz::UTC)
}

/// The host's language, English when they chose none.
pub fn host_lang(host: &User) -> Lang {
    host.input
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::En)
}

/// "Mon 1 Jun 2026, 11:00 – 12:00" (the end's date too when it differs).
fn option_text(lang: Lang, start: DateTime<Utc>, minutes: u32, zone: Tz) -> String {
    let end = start + chrono::Duration::minutes(i64::from(minutes));
    let (from, to) = (local(start, zone), local(end, zone));
    let clock = lang.default_clock();
    let until = if to.date() == from.date() {
        lang.time(to, clock)
    } else {
        format!(
            "{}, {}",
            lang.date_short(to.date(), true),
            lang.time(to, clock)
        )
    };
    format!(
        "{}, {} – {until}",
        lang.date_short(from.date(), true),
        lang.time(from, clock)
    )
}

/// The letter, ready to send.
pub fn compose_poll(parts: &PollParts<'_>) -> Outgoing {
    let poll = parts.poll;
    let host = parts.host;
    let lang = host_lang(host);
    let zone = zone_of(poll);
    let title = poll.input.title.as_str();
    let host_name = host.input.name.as_str();
    let when = parts
        .chosen
        .map(|(start, _)| when_short(lang, start, zone))
        .unwrap_or_default();
    let vars = [
        ("host", host_name),
        ("title", title),
        ("when", when.as_str()),
    ];
    let key = parts.letter.as_str();
    let subject = lang.tf(&format!("mail.poll.{key}.subject"), &vars);
    let heading = lang.tf(&format!("mail.poll.{key}.heading"), &vars);
    let intro = match parts.letter {
        PollLetter::Chosen if parts.coming => lang.tf("mail.poll.chosen.coming", &vars),
        PollLetter::Chosen => lang.tf("mail.poll.chosen.not_coming", &vars),
        _ => lang.tf(&format!("mail.poll.{key}.intro"), &vars),
    };

    let mut details = String::new();
    let mut text = format!("{heading}\n\n{intro}\n\n");
    row(
        &mut details,
        &mut text,
        lang.t("mail.what"),
        &escape(title),
        title,
    );
    match (parts.letter, parts.chosen) {
        (PollLetter::Invitation, _) => {
            let length = super::duration_words(lang, poll.input.duration_minutes);
            row(
                &mut details,
                &mut text,
                lang.t("mail.poll.length"),
                &escape(&length),
                &length,
            );
            let options: Vec<String> = poll
                .input
                .options
                .iter()
                .map(|o| option_text(lang, *o, poll.input.duration_minutes, zone))
                .collect();
            let zone_note = lang.tf("mail.poll.zone", &[("zone", zone.name())]);
            let html: Vec<String> = options.iter().map(|o| escape(o)).collect();
            let _ = write!(
                details,
                "<tr><th align=\"left\" valign=\"top\" style=\"padding:6px 16px 6px 0;{font};\
                 font-size:14px;color:#555555;font-weight:bold;white-space:nowrap\">{label}</th>\
                 <td style=\"padding:6px 0;{font};font-size:14px;color:#111111\">{list}\
                 <br><span style=\"color:#555555\">{note}</span></td></tr>",
                font = crate::mail::snippets::FONT,
                label = escape(lang.t("mail.poll.options")),
                list = html.join("<br>"),
                note = escape(&zone_note),
            );
            let _ = writeln!(text, "{}:", lang.t("mail.poll.options"));
            for option in &options {
                let _ = writeln!(text, "- {option}");
            }
            let _ = writeln!(text, "({zone_note})");
            if let Some(deadline) = poll.input.deadline {
                let by = span_point(lang, deadline, zone);
                row(
                    &mut details,
                    &mut text,
                    lang.t("mail.poll.deadline"),
                    &escape(&by),
                    &by,
                );
            }
        }
        (PollLetter::Chosen, Some((start, end))) => {
            let long = span_long(lang, start, end, zone);
            row(
                &mut details,
                &mut text,
                lang.t("mail.when"),
                &escape(&long),
                &long,
            );
        }
        _ => {}
    }
    if parts.letter != PollLetter::Closed
        && let Some(where_) = place(lang, &poll.input.location)
    {
        row(
            &mut details,
            &mut text,
            lang.t("mail.where"),
            &escape(&where_),
            &where_,
        );
    }
    if parts.letter == PollLetter::Invitation && !poll.input.description.trim().is_empty() {
        let description = poll.input.description.trim();
        row(
            &mut details,
            &mut text,
            lang.t("mail.poll.about"),
            &escape(description).replace('\n', "<br>"),
            description,
        );
    }

    let brand = host.input.brand_color.as_deref().unwrap_or(DEFAULT_BRAND);
    let mut actions = String::new();
    text.push('\n');
    if let Some(link) = parts.link {
        action(
            &mut actions,
            &mut text,
            link,
            lang.t("mail.poll.vote"),
            brand,
        );
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
    Outgoing {
        id: parts.id.to_string(),
        sender_name: format!("{host_name} via Kairos"),
        reply_to: host
            .input
            .email
            .as_str()
            .parse()
            .ok()
            .map(|address| Mailbox::new(Some(host_name.to_string()), address)),
        to: crate::mail::recipient(parts.name, parts.email),
        subject,
        text,
        html,
        language: lang.code(),
        invitation: None,
    }
}

/// "Tuesday, June 2, 2026, 5:00 pm (Europe/Berlin)".
fn span_point(lang: Lang, at: DateTime<Utc>, zone: Tz) -> String {
    let at = local(at, zone);
    format!(
        "{}, {} ({})",
        lang.date_long(at.date()),
        lang.time(at, lang.default_clock()),
        zone.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PollInput, PollStatus, UserInput};

    fn poll(description: &str) -> Poll {
        let input: PollInput = serde_json::from_value(serde_json::json!({
            "host_id": "u1", "title": "Review <Q3>", "description": description,
            "duration_minutes": 60, "timezone": "Europe/Berlin",
            "options": ["2026-06-01T09:00:00Z", "2026-06-02T22:30:00Z"],
            "participants": [{ "name": "Bo", "email": "bo@example.com" }],
            "deadline": "2026-05-30T15:00:00Z",
            "location": { "kind": "video", "url": "https://meet.example.com/x" }
        }))
        .expect("poll input");
        Poll {
            id: "p1".to_string(),
            input,
            event_type_id: "e1".to_string(),
            status: PollStatus::Open,
            chosen_option: None,
            booking_uid: None,
            created_at: "2026-05-20T00:00:00Z".parse().expect("instant"),
        }
    }

    fn host(language: Option<&str>) -> User {
        let input: UserInput = serde_json::from_value(serde_json::json!({
            "slug": "ana", "name": "Ana", "email": "ana@example.com",
            "timezone": "America/New_York", "language": language
        }))
        .expect("user input");
        let at = "2026-05-20T00:00:00Z".parse().expect("instant");
        User {
            id: "u1".to_string(),
            organization_id: "o1".to_string(),
            input,
            created_at: at,
            updated_at: at,
        }
    }

    fn parts<'a>(letter: PollLetter, poll: &'a Poll, host: &'a User) -> PollParts<'a> {
        PollParts {
            letter,
            id: "mail-poll-p1-invitation-bo@example.com",
            poll,
            host,
            name: "Bo",
            email: "bo@example.com",
            link: Some("https://kairos.test/polls/abc"),
            chosen: None,
            coming: false,
        }
    }

    #[test]
    fn an_invitation_lists_the_options_in_the_polls_zone_and_the_hosts_language() {
        let (poll, host) = (poll("Agenda:\nnumbers"), host(Some("de")));
        let mail = compose_poll(&parts(PollLetter::Invitation, &poll, &host));
        assert_eq!(mail.language, "de");
        assert_eq!(
            mail.subject,
            "Ana lädt Sie ein, einen Termin für Review <Q3> zu finden"
        );
        assert!(
            mail.text.contains("Mo, 1. Juni 2026, 11:00 – 12:00"),
            "{}",
            mail.text
        );
        // Across midnight in Berlin: the end's date is named.
        assert!(
            mail.text
                .contains("Mi, 3. Juni 2026, 00:30 – Mi, 3. Juni 2026, 01:30")
                || mail.text.contains("Mi, 3. Juni 2026, 00:30 – 01:30"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("Europe/Berlin"), "{}", mail.text);
        assert!(mail.text.contains("https://kairos.test/polls/abc"));
        assert!(
            mail.text.contains("Samstag, 30. Mai 2026, 17:00"),
            "{}",
            mail.text
        );
        assert!(
            mail.html.contains("Review &lt;Q3&gt;"),
            "escaped: {}",
            mail.html
        );
        assert!(!mail.html.contains("<Q3>"));
        assert!(mail.html.contains("Agenda:<br>numbers"));
        assert!(mail.invitation.is_none());
        assert_eq!(mail.sender_name, "Ana via Kairos");
    }

    #[test]
    fn the_outcome_says_whether_the_reader_is_invited() {
        let (poll, host) = (poll(""), host(None));
        let mut chosen = parts(PollLetter::Chosen, &poll, &host);
        chosen.link = None;
        chosen.chosen = Some((
            "2026-06-01T09:00:00Z".parse().expect("instant"),
            "2026-06-01T10:00:00Z".parse().expect("instant"),
        ));
        chosen.coming = true;
        let mail = compose_poll(&chosen);
        assert!(
            mail.subject.starts_with("Time chosen: Review <Q3>"),
            "{}",
            mail.subject
        );
        assert!(mail.text.contains("separate email"), "{}", mail.text);
        assert!(
            mail.text
                .contains("Monday, June 1, 2026, 11:00 am – 12:00 pm (Europe/Berlin)"),
            "{}",
            mail.text
        );
        chosen.coming = false;
        assert!(compose_poll(&chosen).text.contains("not invited"));
        let mut closed = parts(PollLetter::Closed, &poll, &host);
        closed.link = None;
        let mail = compose_poll(&closed);
        assert_eq!(mail.subject, "Poll closed: Review <Q3>");
        assert!(
            mail.text.contains("without choosing a time"),
            "{}",
            mail.text
        );
    }
}
