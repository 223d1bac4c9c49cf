//! One workflow step for one booking and one recipient, at its instant:
//! rendered from the step as saved now (an edit reaches steps still
//! waiting), in the reader's zone and language, and sent by email or text
//! message. What happened is written to the run (the booking's run log).
//! A step whose booking no longer is as its trigger says (a reminder of a
//! cancelled booking) is dropped; a template that fails, a refused message
//! or text messages not configured fail the run (retryable through the
//! effects API); anything else is retried with backoff.

use super::booking_mail::{lang_of, present, reader};
use super::job::{Job, JobContext, JobError, store_error};
use crate::booking::{ManageView, details, issue_link};
use crate::domain::{
    Action, LinkPurpose, MAX_SMS, Merge, RunStatus, Subject, User, hash_secret, random_token,
};
use crate::mail::snippets::{DEFAULT_BRAND, button, paragraphs};
use crate::mail::{MailError, Outgoing, recipient};
use crate::notify::{Reader, Recipient, frame};
use crate::sms::SmsError;
use crate::workflows::{Audience, Facts, context, render, still_applies};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowStep {
    /// The run's id (its record in the booking's run log).
    pub run: String,
    /// The booking's uid.
    pub booking: String,
    pub audience: Audience,
    pub due: DateTime<Utc>,
}

/// How a run ended, to record; and what the queue should do.
enum Outcome {
    Sent(String),
    Dropped(RunStatus, String),
    Failed(String),
    Retry(String),
}

#[async_trait]
impl Job for WorkflowStep {
    const KIND: &'static str = "workflow_step";
    const MERGE: Merge = Merge::Never;

    fn subject(&self) -> Option<Subject> {
        Some(Subject::Booking(self.booking.clone()))
    }

    fn dedupe_key(&self) -> Option<String> {
        Some(self.run.clone())
    }

    fn not_before(&self) -> Option<DateTime<Utc>> {
        Some(self.due)
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let store = &ctx.app.store;
        let Some((_, run)) = present(store.workflow_run(&self.run).await)? else {
            return Ok(());
        };
        if !matches!(run.status, RunStatus::Scheduled | RunStatus::Failed) {
            return Ok(());
        }
        let outcome = self.carry_out(ctx, &run).await?;
        let now = ctx.app.now();
        let (status, detail, result) = match outcome {
            Outcome::Sent(detail) => (RunStatus::Sent, detail, Ok(())),
            Outcome::Dropped(status, detail) => (status, detail, Ok(())),
            Outcome::Failed(detail) => (
                RunStatus::Failed,
                detail.clone(),
                Err(JobError::GiveUp(detail)),
            ),
            Outcome::Retry(detail) => (
                RunStatus::Scheduled,
                format!("retrying: {detail}"),
                Err(JobError::retry(detail)),
            ),
        };
        store
            .finish_run(&self.run, status, Some(&detail), now)
            .await
            .map_err(store_error)?;
        result
    }
}

impl WorkflowStep {
    async fn carry_out(
        &self,
        ctx: &JobContext<'_>,
        run: &crate::domain::WorkflowRun,
    ) -> Result<Outcome, JobError> {
        let app = ctx.app;
        let store = &app.store;
        let Some(stored) = present(store.booking(&self.booking).await)? else {
            return Ok(Outcome::Dropped(
                RunStatus::Cancelled,
                "the booking was deleted".into(),
            ));
        };
        let status = stored.booking.status;
        if !still_applies(run.trigger, status) {
            return Ok(Outcome::Dropped(
                RunStatus::Cancelled,
                format!("the booking is {} now", status.as_str()),
            ));
        }
        let org = stored.organization_id.clone();
        let Some(workflow) = present(store.workflow(&org, &run.workflow_id).await)? else {
            return Ok(Outcome::Dropped(
                RunStatus::Skipped,
                "the workflow was deleted".into(),
            ));
        };
        let Some(step) = workflow.input.steps.get(run.step as usize).cloned() else {
            return Ok(Outcome::Dropped(
                RunStatus::Skipped,
                "the step was removed from the workflow".into(),
            ));
        };
        if step.action != run.action {
            return Ok(Outcome::Dropped(
                RunStatus::Skipped,
                "the step was changed to another action".into(),
            ));
        }
        let ManageView {
            booking,
            event_type,
            hosts,
        } = details(store.as_ref(), stored)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        let Some(reader) = self.reader(&run.recipient, &booking, &hosts) else {
            return Ok(Outcome::Dropped(
                RunStatus::Skipped,
                "the recipient is no longer part of the booking".into(),
            ));
        };
        let base = app.public_url().trim_end_matches('/').to_string();
        let now = app.now();
        let guest = matches!(self.audience, Audience::Invitee | Audience::Attendee(_));
        // A link is a row written per message: only for a template that shows it.
        let names_manage = step.body.contains("manage_url")
            || step
                .subject
                .as_deref()
                .is_some_and(|s| s.contains("manage_url"));
        let manage_url = if guest && names_manage && booking.status.holds_time() {
            let token = issue_link(store.as_ref(), &booking.uid, LinkPurpose::Manage, now)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            Some(format!("{base}/booking/{}?token={token}", booking.uid))
        } else {
            None
        };
        let survey_url = if step.action == Action::Survey {
            let token = random_token(32);
            store
                .add_survey_link(&booking.uid, &hash_secret(&token), now)
                .await
                .map_err(store_error)?;
            Some(format!("{base}/survey/{token}"))
        } else {
            None
        };
        let values = context(&Facts {
            booking: &booking,
            event_type: event_type.as_ref(),
            hosts: &hosts,
            zone: reader.zone,
            lang: reader.lang,
            manage_url,
            survey_url: survey_url.clone(),
        });
        let rendered = |source: &str| render(source, &values).map_err(|e| e.0);
        let body = match rendered(&step.body) {
            Ok(body) => body,
            Err(error) => return Ok(Outcome::Failed(format!("body: {error}"))),
        };
        if step.action.is_sms() {
            return Ok(self.text(app, &run.recipient, &body).await);
        }
        let subject = match rendered(step.subject.as_deref().unwrap_or_default()) {
            Ok(subject) => subject,
            Err(error) => return Ok(Outcome::Failed(format!("subject: {error}"))),
        };
        let mail = letter(&Letter {
            id: &run.id,
            subject,
            body,
            reader: &reader,
            booking_invitee: (&booking.invitee.name, booking.invitee.email.as_str()),
            hosts: &hosts,
            survey_url: survey_url.as_deref(),
        });
        Ok(match app.mailer.send(&mail).await {
            Ok(()) => Outcome::Sent(format!("email <{}> to {}", run.id, reader.email)),
            Err(MailError::Refused(why)) => Outcome::Failed(why),
            Err(MailError::Temporary(why)) => Outcome::Retry(why),
        })
    }

    async fn text(&self, app: &super::Context, to: &str, body: &str) -> Outcome {
        if body.chars().count() > MAX_SMS {
            return Outcome::Failed(format!("the message is longer than {MAX_SMS} characters"));
        }
        let client = match &app.http {
            Ok(client) => client,
            Err(why) => return Outcome::Failed(format!("no HTTP client: {why}")),
        };
        match app.sms.send(client, to, body).await {
            Ok(sid) => Outcome::Sent(format!("text message {sid} to {to}")),
            Err(error @ (SmsError::NotConfigured | SmsError::Refused(_))) => {
                Outcome::Failed(error.to_string())
            }
            Err(SmsError::Temporary(why)) => Outcome::Retry(why),
        }
    }

    /// Who reads it, in their zone and language; a fixed address reads as
    /// the organizer does.
    fn reader(
        &self,
        address: &str,
        booking: &crate::domain::Booking,
        hosts: &[User],
    ) -> Option<Reader> {
        let as_recipient = match &self.audience {
            Audience::Invitee => Recipient::Invitee,
            Audience::Attendee(email) => Recipient::Attendee(email.clone()),
            Audience::Host(id) => Recipient::Host(id.clone()),
            Audience::Address => {
                let organizer = hosts.first();
                return Some(Reader {
                    name: String::new(),
                    email: address.to_string(),
                    zone: organizer
                        .and_then(|h| h.input.timezone.as_str().parse().ok())
                        .unwrap_or(chrono_tz::UTC),
                    lang: lang_of(organizer.and_then(|h| h.input.language.as_deref())),
                    is_host: true,
                });
            }
        };
        reader(&as_recipient, booking, hosts)
    }
}

/// What a workflow email is written from.
struct Letter<'a> {
    id: &'a str,
    subject: String,
    body: String,
    reader: &'a Reader,
    /// The invitee's name and address (hosts reply to them).
    booking_invitee: (&'a str, &'a str),
    hosts: &'a [User],
    survey_url: Option<&'a str>,
}

/// The email: the rendered text, and the same as email-safe HTML in the
/// letters' frame; a survey step gets its button (and its link in the
/// text, if the template did not place it).
fn letter(parts: &Letter<'_>) -> Outgoing {
    let lang = parts.reader.lang;
    let organizer = parts.hosts.first();
    let host_name = organizer.map_or("Kairos", |h| h.input.name.as_str());
    let brand = organizer
        .and_then(|h| h.input.brand_color.as_deref())
        .unwrap_or(DEFAULT_BRAND);
    let mut text = parts.body.clone();
    let mut html = paragraphs(&parts.body);
    if let Some(url) = parts.survey_url {
        let label = lang.t("mail.survey.open");
        if !text.contains(url) {
            text = format!("{text}\n\n{label}: {url}");
        }
        html.push_str(&button(url, label, brand));
    }
    let footer = lang.tf("mail.footer", &[("host", host_name)]);
    text = format!("{text}\n\n--\n{footer}\n");
    let mailbox = |name: &str, email: &str| {
        email
            .parse()
            .ok()
            .map(|address| Mailbox::new((!name.is_empty()).then(|| name.to_string()), address))
    };
    let reply_to = if parts.reader.is_host {
        mailbox(parts.booking_invitee.0, parts.booking_invitee.1)
    } else {
        organizer.and_then(|h| mailbox(&h.input.name, h.input.email.as_str()))
    };
    Outgoing {
        id: parts.id.to_string(),
        sender_name: format!("{host_name} via Kairos"),
        reply_to,
        to: recipient(&parts.reader.name, &parts.reader.email),
        html: frame(lang, &parts.subject, brand, &parts.subject, &html, &footer),
        subject: parts.subject.clone(),
        text,
        language: lang.code(),
        invitation: None,
    }
}
