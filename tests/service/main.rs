//! The service's integration tests: one binary, run against SQLite always and
//! against PostgreSQL when `KAIROS_TEST_POSTGRES_URL` is set (each test gets
//! its own fresh database).

mod helpers;
mod hostile;

mod admin_api;
mod binary;
mod booking_api;
mod caldav;
mod calendar_sync;
mod concurrency;
mod edge_cases;
mod embedding;
mod fakes;
mod google_sync;
mod holds;
mod links;
mod microsoft_sync;
mod multi_process;
mod notifications;
mod openapi_conformance;
mod operations;
mod outbox;
mod page_support;
mod pages;
mod poll_mail;
mod polls;
mod provider_schemas;
mod radicale;
mod refusals;
mod routes;
mod share;
mod smtp;
mod snapshots;
mod spec_over_http;
mod store_story;
mod sync_support;
mod team_directory;
mod team_pages;
mod teams;
mod workflows;
