//! One email as Kairos composes it, and its MIME form. The layout is what
//! calendar clients recognise as an invitation: `multipart/mixed` holding a
//! `multipart/alternative` (text, HTML, and the invitation as
//! `text/calendar; method=…`), plus the same invitation as an `invite.ics`
//! attachment for clients that only look there.

use super::invitation::Method;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// May work later (a 4xx answer, no connection, a timeout).
    #[error("{0}")]
    Temporary(String),
    /// The server refused the message (5xx) or it cannot be written:
    /// sending it again as is cannot help.
    #[error("{0}")]
    Refused(String),
}

/// An invitation to attach.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub method: Method,
    pub ics: String,
}

/// `name <email>` as a recipient. The addresses Kairos sends to were
/// checked when stored; one that still does not parse becomes an address no
/// server accepts, so the message fails visibly instead of going elsewhere.
pub fn recipient(name: &str, email: &str) -> Mailbox {
    let address = email
        .parse()
        .unwrap_or_else(|_| "invalid@invalid".parse().expect("a literal address"));
    Mailbox::new((!name.is_empty()).then(|| name.to_string()), address)
}

#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The Message-ID's local part, stable for this message (its outbox
    /// key): a resend after a crash is recognisably the same message.
    pub id: String,
    /// Shown before the sender address ("Ana Lima via Kairos").
    pub sender_name: String,
    pub reply_to: Option<Mailbox>,
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `en`, `de`: the `Content-Language`.
    pub language: &'static str,
    pub invitation: Option<Attachment>,
}

impl Outgoing {
    /// The message in MIME form, from `from`'s address.
    pub fn to_message(&self, from: &Mailbox) -> Result<lettre::Message, MailError> {
        let domain = from.email.domain();
        let sender = Mailbox::new(Some(self.sender_name.clone()), from.email.clone());
        let mut builder = lettre::Message::builder()
            .from(sender)
            .to(self.to.clone())
            .subject(one_line(&self.subject))
            .message_id(Some(format!("<{}@{domain}>", message_id_part(&self.id))))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                self.language.to_string(),
            ))
            // Keeps auto-responders from answering every confirmation.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(self.text.clone()))
            .singlepart(SinglePart::html(self.html.clone()));
        let built = match &self.invitation {
            None => builder.multipart(alternative),
            Some(invitation) => {
                let kind = calendar_type(invitation.method)?;
                builder.multipart(
                    MultiPart::mixed()
                        .multipart(
                            alternative.singlepart(
                                SinglePart::builder()
                                    .header(kind.clone())
                                    .body(invitation.ics.clone()),
                            ),
                        )
                        .singlepart(
                            lettre::message::Attachment::new("invite.ics".to_string())
                                .body(invitation.ics.clone(), kind),
                        ),
                )
            }
        };
        built.map_err(|e| MailError::Refused(format!("cannot compose the message: {e}")))
    }
}

/// `text/calendar` with the method the calendar object names (Outlook only
/// acts on a cancellation when both agree) and its charset (RFC 6047: text
/// defaults to US-ASCII).
fn calendar_type(method: Method) -> Result<ContentType, MailError> {
    ContentType::parse(&format!(
        "text/calendar; method={}; charset=UTF-8",
        method.as_str()
    ))
    .map_err(|e| MailError::Refused(format!("calendar content type: {e}")))
}

/// Header values are one line.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a Message-ID's left part may hold (RFC 5322 dot-atom text).
fn message_id_part(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(invitation: Option<Attachment>) -> Outgoing {
        Outgoing {
            id: "mail:bk 1:confirmed".to_string(),
            sender_name: "Ana Lima via Kairos".to_string(),
            reply_to: Some("Ana Lima <ana@acme.test>".parse().expect("mailbox")),
            to: "Jane Doe <jane@example.com>".parse().expect("mailbox"),
            subject: "Confirmed:\r\nIntro".to_string(),
            text: "Hello".to_string(),
            html: "<p>Hello</p>".to_string(),
            language: "de",
            invitation,
        }
    }

    #[test]
    fn an_invitation_travels_inline_and_attached_with_its_method() {
        let from: Mailbox = "Kairos <book@kairos.test>".parse().expect("from");
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n".to_string();
        let message = outgoing(Some(Attachment {
            method: Method::Cancel,
            ics,
        }))
        .to_message(&from)
        .expect("message");
        let text = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(
            text.contains("Message-ID: <mail.bk.1.confirmed@kairos.test>"),
            "{text}"
        );
        assert!(
            text.contains("From: \"Ana Lima via Kairos\" <book@kairos.test>"),
            "{text}"
        );
        assert!(
            text.contains("Reply-To: \"Ana Lima\" <ana@acme.test>"),
            "{text}"
        );
        assert!(text.contains("Subject: Confirmed: Intro"), "{text}");
        assert!(text.contains("Content-Language: de"));
        assert!(text.contains("multipart/mixed"));
        assert!(text.contains("multipart/alternative"));
        assert_eq!(
            text.matches("text/calendar; method=CANCEL; charset=utf-8")
                .count(),
            2,
            "{text}"
        );
        assert!(text.contains("filename=\"invite.ics\""), "{text}");
    }

    #[test]
    fn a_message_without_invitation_is_text_and_html() {
        let from: Mailbox = "book@kairos.test".parse().expect("from");
        let message = outgoing(None).to_message(&from).expect("message");
        let text = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(text.contains("multipart/alternative") && !text.contains("multipart/mixed"));
        assert!(!text.contains("text/calendar"));
    }
}
