//! Saving workflows (their templates checked against what they may name),
//! previewing their messages, and a booking's run log.

use super::{BookingError, StoreRef, details};
use crate::domain::{
    Action, Booking, EventType, User, ValidationError, Workflow, WorkflowInput, WorkflowRun,
};
use crate::i18n::Lang;
use crate::mail::snippets::paragraphs;
use crate::workflows::{Facts, Scope, check, context, render, sample_booking, sample_hosts};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The questions a workflow's templates may name (`answers.<id>`): its
/// event type's, or any for a workflow of the whole organization.
async fn questions(
    store: StoreRef<'_>,
    organization_id: &str,
    input: &WorkflowInput,
) -> Result<(Option<Vec<String>>, Option<EventType>), BookingError> {
    let Some(id) = &input.event_type_id else {
        return Ok((None, None));
    };
    match store.event_type(organization_id, id).await {
        Ok(event_type) => Ok((
            Some(
                event_type
                    .input
                    .questions
                    .iter()
                    .map(|q| q.id.as_str().to_string())
                    .collect(),
            ),
            Some(event_type),
        )),
        Err(crate::store::StoreError::NotFound(_)) => {
            Err(ValidationError::new("event_type_id", format!("no such event type {id:?}")).into())
        }
        Err(other) => Err(other.into()),
    }
}

/// The shape, then every template: a syntax error, a forbidden construct
/// or an unknown variable is a `ValidationError` naming the step's field.
async fn checked(
    store: StoreRef<'_>,
    organization_id: &str,
    input: &WorkflowInput,
) -> Result<(Option<Vec<String>>, Option<EventType>), BookingError> {
    input.validate()?;
    let (questions, event_type) = questions(store, organization_id, input).await?;
    for (i, step) in input.steps.iter().enumerate() {
        let scope = Scope {
            survey: step.action == Action::Survey,
            questions: questions.clone(),
        };
        let fields = [
            ("subject", step.subject.as_deref()),
            ("body", Some(&step.body)),
        ];
        for (name, source) in fields {
            if let Some(source) = source {
                check(source, &scope)
                    .map_err(|e| ValidationError::new(format!("steps[{i}].{name}"), e.0))?;
            }
        }
    }
    Ok((questions, event_type))
}

pub async fn create(
    store: StoreRef<'_>,
    organization_id: &str,
    input: &WorkflowInput,
) -> Result<Workflow, BookingError> {
    checked(store, organization_id, input).await?;
    Ok(store.insert_workflow(organization_id, input).await?)
}

pub async fn update(
    store: StoreRef<'_>,
    organization_id: &str,
    id: &str,
    input: &WorkflowInput,
) -> Result<Workflow, BookingError> {
    checked(store, organization_id, input).await?;
    Ok(store.update_workflow(organization_id, id, input).await?)
}

/// What to preview: a workflow as it would be saved, with a booking of
/// the organization's (or made-up data).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub workflow: WorkflowInput,
    /// Render with this booking's data; absent: sample data.
    #[serde(default)]
    pub booking_uid: Option<String>,
    /// The language dates are written in (`en`, `de`); default the invitee's.
    #[serde(default)]
    pub language: Option<String>,
}

/// One step's message as its first recipient would get it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewedStep {
    pub step: u32,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub text: String,
    /// The email's HTML body (emails only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

pub async fn preview(
    store: StoreRef<'_>,
    organization_id: &str,
    request: &PreviewRequest,
) -> Result<Vec<PreviewedStep>, BookingError> {
    let (questions, event_type) = checked(store, organization_id, &request.workflow).await?;
    if let Some(language) = &request.language {
        crate::domain::check_language("language", language)?;
    }
    let (booking, event_type, hosts): (Booking, Option<EventType>, Vec<User>) =
        match &request.booking_uid {
            Some(uid) => {
                let stored = store.booking(uid).await?;
                if stored.organization_id != organization_id {
                    return Err(BookingError::NotFound("booking"));
                }
                let view = details(store, stored).await?;
                (view.booking, view.event_type, view.hosts)
            }
            None => {
                let scope = Scope {
                    survey: false,
                    questions,
                };
                (sample_booking(&scope), event_type, sample_hosts(1))
            }
        };
    let lang = request
        .language
        .as_deref()
        .or(booking.invitee.language.as_deref())
        .and_then(Lang::parse)
        .unwrap_or(Lang::En);
    let zone = booking
        .invitee
        .timezone
        .as_str()
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let base = "https://kairos.example";
    let mut previews = Vec::new();
    for (i, step) in request.workflow.steps.iter().enumerate() {
        let values = context(&Facts {
            booking: &booking,
            event_type: event_type.as_ref(),
            hosts: &hosts,
            zone,
            lang,
            manage_url: Some(format!("{base}/booking/{}?token=…", booking.uid)),
            survey_url: (step.action == Action::Survey).then(|| format!("{base}/survey/…")),
        });
        let field = |name: &str| format!("steps[{i}].{name}");
        let subject = match &step.subject {
            Some(source) => Some(
                render(source, &values).map_err(|e| ValidationError::new(field("subject"), e.0))?,
            ),
            None => None,
        };
        let text =
            render(&step.body, &values).map_err(|e| ValidationError::new(field("body"), e.0))?;
        let html = (!step.action.is_sms()).then(|| paragraphs(&text));
        previews.push(PreviewedStep {
            step: u32::try_from(i).unwrap_or_default(),
            action: step.action,
            subject,
            text,
            html,
        });
    }
    Ok(previews)
}

/// What each workflow step did (or will do) for a booking.
pub async fn runs(
    store: StoreRef<'_>,
    organization_id: &str,
    uid: &str,
) -> Result<Vec<WorkflowRun>, BookingError> {
    let stored = store.booking(uid).await?;
    if stored.organization_id != organization_id {
        return Err(BookingError::NotFound("booking"));
    }
    Ok(store.workflow_runs(organization_id, uid).await?)
}

/// Whether an active workflow of `event_type_id` (or of the whole
/// organization) texts the invitee: booking forms then ask for a number.
pub async fn texts_invitee(
    store: StoreRef<'_>,
    organization_id: &str,
    event_type_id: &str,
) -> bool {
    let Ok(workflows) = store.workflows(organization_id).await else {
        return false;
    };
    workflows.iter().any(|w| {
        w.input.active
            && w.input
                .event_type_id
                .as_deref()
                .is_none_or(|id| id == event_type_id)
            && w.input.steps.iter().any(|s| s.action == Action::SmsInvitee)
    })
}
