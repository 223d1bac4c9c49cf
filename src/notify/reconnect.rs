//! The letter to a host whose calendar connection needs reconnecting: which
//! calendar, what it means for their booking pages and bookings, and a
//! personal link that reconnects it.

use super::compose::{Envelope, action, envelope, row};
use crate::domain::{Connection, Provider, User};
use crate::html::escape;
use crate::i18n::Lang;
use crate::mail::Outgoing;
use crate::mail::snippets::DEFAULT_BRAND;
use std::fmt::Write as _;

/// Everything the letter is written from.
pub struct ReconnectParts<'a> {
    /// Stable per letter: the Message-ID (and file name without SMTP).
    pub id: &'a str,
    pub host: &'a User,
    pub connection: &'a Connection,
    /// The personal reconnect page.
    pub link: &'a str,
    /// How long the link works.
    pub valid_days: u32,
}

/// The provider as people call it.
pub fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "Google Calendar",
        Provider::Microsoft => "Microsoft Outlook",
        Provider::Caldav => "CalDAV",
    }
}

/// The letter, ready to send, in the host's language.
pub fn compose_reconnect(parts: &ReconnectParts<'_>) -> Outgoing {
    let host = parts.host;
    let connection = parts.connection;
    let lang = host
        .input
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::En);
    let provider = provider_name(connection.provider);
    let account = connection.account.as_str();
    let vars = [("provider", provider), ("account", account)];
    let subject = lang.tf("mail.reconnect.subject", &vars);
    let heading = lang.t("mail.reconnect.heading").to_string();
    let intro = format!(
        "{}\n\n{}",
        lang.tf("mail.reconnect.intro", &vars),
        lang.t("mail.reconnect.means")
    );
    let mut details = String::new();
    let mut text = format!("{heading}\n\n{intro}\n\n");
    let calendar = match connection.server_url.as_deref().filter(|s| !s.is_empty()) {
        Some(server) => format!("{provider}: {account} ({server})"),
        None => format!("{provider}: {account}"),
    };
    row(
        &mut details,
        &mut text,
        lang.t("mail.reconnect.calendar"),
        &escape(&calendar),
        &calendar,
    );
    if let Some(error) = connection.last_error.as_deref().filter(|e| !e.is_empty()) {
        row(
            &mut details,
            &mut text,
            lang.t("mail.reconnect.error"),
            &escape(error),
            error,
        );
    }
    let brand = host.input.brand_color.as_deref().unwrap_or(DEFAULT_BRAND);
    let mut actions = String::new();
    text.push('\n');
    action(
        &mut actions,
        &mut text,
        parts.link,
        lang.t("mail.reconnect.open"),
        brand,
    );
    let valid = lang.tf(
        "mail.reconnect.valid",
        &[("days", &parts.valid_days.to_string())],
    );
    let _ = write!(
        actions,
        "<tr><td style=\"padding:8px 0 0;{};font-size:13px;color:#555555\">{}</td></tr>",
        crate::mail::snippets::FONT,
        escape(&valid)
    );
    let _ = writeln!(text, "{valid}");
    let footer = lang.t("mail.reconnect.footer").to_string();
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
        sender_name: "Kairos".to_string(),
        reply_to: None,
        to: crate::mail::recipient(&host.input.name, host.input.email.as_str()),
        subject,
        text,
        html,
        language: lang.code(),
        invitation: None,
    }
}
