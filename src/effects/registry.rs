//! Every effect kind Kairos carries out, registered in one place. Adding a
//! kind is its file (a [`Job`]) plus one `.register::<…>()` line in
//! [`standard`].

use super::booking_mail::BookingMail;
use super::calendar_write::CalendarWrite;
use super::job::{Job, JobContext, JobError};
use super::notify::Notify;
use super::poll_mail::PollMail;
use super::poll_notify::PollNotify;
use super::reconnect_mail::ReconnectMail;
use super::workflow_fanout::WorkflowFanout;
use super::workflow_step::WorkflowStep;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// How long an effect of a kind this process does not know waits.
const UNKNOWN_KIND_WAIT: Duration = Duration::from_secs(300);

type Running<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;
type Handler = for<'a> fn(&'a str, &'a JobContext<'a>) -> Running<'a>;

/// Handlers by kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: Arc<BTreeMap<&'static str, Handler>>,
}

/// The kinds the workers run.
pub fn standard() -> Registry {
    Registry::default()
        .register::<CalendarWrite>()
        .register::<Notify>()
        .register::<BookingMail>()
        .register::<WorkflowFanout>()
        .register::<WorkflowStep>()
        .register::<PollNotify>()
        .register::<PollMail>()
        .register::<ReconnectMail>()
}

/// [`standard`], built once.
pub fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(standard);
    &REGISTRY
}

impl Registry {
    pub fn register<J: Job>(mut self) -> Registry {
        Arc::make_mut(&mut self.handlers).insert(J::KIND, run::<J>);
        self
    }

    /// The registered kinds, by name.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.handlers.keys().copied()
    }

    /// Runs a claimed effect with its kind's handler.
    pub async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let effect = ctx.effect;
        match self.handlers.get(effect.kind.as_str()) {
            Some(handler) => handler(&effect.payload, ctx).await,
            // A newer version (another process, or this one after an
            // upgrade) may know it: not ours to drop. Retried, failed in the
            // end like any effect that keeps failing.
            None => Err(JobError::Retry {
                reason: format!("no handler for effects of kind {:?}", effect.kind),
                after: Some(UNKNOWN_KIND_WAIT),
            }),
        }
    }
}

fn run<'a, J: Job>(payload: &'a str, ctx: &'a JobContext<'a>) -> Running<'a> {
    Box::pin(async move {
        let job: J = serde_json::from_str(payload).map_err(|error| {
            JobError::GiveUp(format!("unreadable {} payload: {error}", J::KIND))
        })?;
        job.run(ctx).await
    })
}
