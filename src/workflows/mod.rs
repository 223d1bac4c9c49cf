//! Workflows, pure: which steps a booking change schedules for whom and
//! when (`plan`), the variables a template may use and their values for one
//! reader (`vars`), and the sandboxed templates (`template`). The outbox
//! jobs that record, render and send are in `crate::effects`
//! (`workflow_fanout.rs`, `workflow_step.rs`); saving and previewing are
//! in `crate::booking::workflows`.

mod plan;
mod template;
mod vars;

pub use plan::{Audience, Planned, fired, runs, still_applies};
pub use template::{MAX_OUTPUT, TemplateError, check, render};
pub use vars::{Facts, Scope, context, sample_booking, sample_hosts};
