//! Kairos: scheduling and calendar platform.
//!
//! Layers, outermost first: `cli` and `http` → `booking` (use cases) →
//! `store` → `engine` and `domain`. The engine is pure; see docs/ARCHITECTURE.md.

pub mod app;
pub mod booking;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_site;
pub mod domain;
pub mod effects;
pub mod engine;
pub mod html;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod notify;
pub mod scenario;
pub mod secrets;
pub mod sms;
pub mod store;
pub mod sync;
pub mod workers;
pub mod workflows;

#[cfg(test)]
mod import_circles;
