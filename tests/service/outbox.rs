//! The outbox: typed jobs queued with the change that causes them, run by
//! registered handlers; events run each, dedupe keys once, calendar writes
//! merge per booking; handlers say whether and when to retry; rows queued
//! before the outbox migration keep working.

use crate::helpers::{App, Backend, book_with, fresh_database};
use crate::on_both;
use crate::store_story::{ana_with_intro, at, new_booking};
use crate::sync_support::{book, host};
use async_trait::async_trait;
use axum::http::{Method, StatusCode};
use kairos::domain::{Merge, NewEffect, Subject, random_token};
use kairos::effects::{CalendarWrite, Job, JobContext, JobError, Ran, drain, drain_with, standard};
use kairos::store::{Decision, EffectFilter, EffectOutcome, connect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

/// What the tests' jobs saw, as `tag:event` (tests run in parallel).
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn seen(tag: &str) -> Vec<String> {
    let mut events: Vec<String> = SEEN
        .lock()
        .expect("log")
        .iter()
        .filter_map(|line| line.strip_prefix(&format!("{tag}:")).map(str::to_string))
        .collect();
    events.sort();
    events
}

/// An event-like job of the tests' own (no placeholder kind in Kairos).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Noted {
    tag: String,
    event: String,
    booking: Option<String>,
    key: Option<String>,
    fail: Option<String>,
}

#[async_trait]
impl Job for Noted {
    const KIND: &'static str = "test_noted";
    const MERGE: Merge = Merge::Never;

    fn subject(&self) -> Option<Subject> {
        self.booking.clone().map(Subject::Booking)
    }

    fn dedupe_key(&self) -> Option<String> {
        self.key.clone()
    }

    async fn run(&self, _ctx: &JobContext<'_>) -> Result<(), JobError> {
        SEEN.lock()
            .expect("log")
            .push(format!("{}:{}", self.tag, self.event));
        match self.fail.as_deref() {
            Some("retry") => Err(JobError::Retry {
                reason: "the other side is busy".to_string(),
                after: Some(Duration::from_secs(7200)),
            }),
            Some("give_up") => Err(JobError::GiveUp("the other side refused".to_string())),
            _ => Ok(()),
        }
    }
}

fn noted(tag: &str, event: &str) -> Noted {
    Noted {
        tag: tag.to_string(),
        event: event.to_string(),
        ..Noted::default()
    }
}

async fn organization(app: &App) -> String {
    app.store.organizations().await.expect("organizations")[0]
        .id
        .clone()
}

fn of_kind<'a>(ran: &'a [Ran], kind: &str) -> Vec<&'a Ran> {
    ran.iter().filter(|r| r.kind == kind).collect()
}

async fn events_run_each_once(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    host(&app).await;
    let (uid, _) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    let org = organization(&app).await;
    let tag = random_token(8);
    let about = |event: &str| Noted {
        booking: Some(uid.clone()),
        ..noted(&tag, event)
    };
    let charge = || Noted {
        key: Some(format!("charge-{tag}")),
        ..noted(&tag, "charged")
    };
    let effects = [
        about("confirmed").effect(),
        about("cancelled").effect(),
        noted(&tag, "webhook").effect(),
        charge().effect(),
        charge().effect(),
    ];
    app.store
        .enqueue_effects(&org, &effects)
        .await
        .expect("enqueue");
    // Queued again later: a dedupe key is queued once, ever.
    app.store
        .enqueue_effects(&org, &[charge().effect()])
        .await
        .expect("enqueue");
    // A subject of another organization is no subject of this one.
    let other = app.store.create_organization("Other").await.expect("org");
    assert!(matches!(
        app.store
            .enqueue_effects(&other.id, &[about("foreign").effect()])
            .await,
        Err(kairos::store::StoreError::NotFound("booking"))
    ));

    let registry = standard().register::<Noted>();
    let ran = drain_with(&app.context, &registry).await.expect("drain");
    let writes = of_kind(&ran, "calendar_write");
    assert_eq!(writes.len(), 1, "{ran:?}");
    assert_eq!(writes[0].booking_uid.as_deref(), Some(uid.as_str()));
    assert_eq!(of_kind(&ran, "test_noted").len(), 4, "{ran:?}");
    assert!(ran.iter().all(|r| matches!(r.outcome, EffectOutcome::Done)));
    // Two events of one booking both run: no merging for events.
    assert_eq!(seen(&tag), ["cancelled", "charged", "confirmed", "webhook"]);
    assert!(
        drain_with(&app.context, &registry)
            .await
            .expect("drain")
            .is_empty(),
        "the queue drained"
    );

    let listed = app.admin(Method::GET, "/api/v1/effects", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    let rows = listed.json.as_array().expect("list");
    let noted_rows: Vec<_> = rows.iter().filter(|e| e["kind"] == "test_noted").collect();
    assert_eq!(noted_rows.len(), 4, "{}", listed.json);
    let without_booking = noted_rows.iter().filter(|e| e["booking_uid"].is_null());
    assert_eq!(without_booking.count(), 2, "{}", listed.json);
    let of_booking = app
        .admin(Method::GET, &format!("/api/v1/effects?booking={uid}"), None)
        .await;
    assert_eq!(of_booking.json.as_array().expect("list").len(), 3);
}

async fn calendar_writes_merge_per_booking(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    host(&app).await;
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    // Booked then cancelled before the worker ran: one write, of the final state.
    let ran = drain(&app.context).await.expect("drain");
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert_eq!(ran[0].kind, CalendarWrite::KIND);
    assert_eq!(ran[0].booking_uid.as_deref(), Some(uid.as_str()));
    assert!(matches!(ran[0].outcome, EffectOutcome::Done));
    assert!(drain(&app.context).await.expect("drain").is_empty());
}

async fn handlers_say_when_to_retry(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let org = organization(&app).await;
    let tag = random_token(8);
    let failing = |event: &str, fail: &str| Noted {
        fail: Some(fail.to_string()),
        ..noted(&tag, event)
    };
    let unknown = NewEffect {
        kind: "from_a_newer_version",
        payload: "{}".to_string(),
        subject: None,
        dedupe_key: None,
        merge: Merge::Never,
    };
    let effects = [
        failing("busy", "retry").effect(),
        failing("refused", "give_up").effect(),
        unknown,
    ];
    app.store
        .enqueue_effects(&org, &effects)
        .await
        .expect("enqueue");
    let before = chrono::Utc::now();
    let registry = standard().register::<Noted>();
    let ran = drain_with(&app.context, &registry).await.expect("drain");
    assert_eq!(ran.len(), 3, "{ran:?}");
    let outcome = |kind: &str, error: &str| {
        ran.iter()
            .find(|r| {
                r.kind == kind
                    && match &r.outcome {
                        EffectOutcome::Retry { error: e, .. }
                        | EffectOutcome::Failed { error: e } => e.contains(error),
                        EffectOutcome::Done => false,
                    }
            })
            .map(|r| r.outcome.clone())
            .unwrap_or_else(|| panic!("no {kind} ending in {error:?}: {ran:?}"))
    };
    // Not before the time the handler named, even on the first attempt.
    match outcome("test_noted", "busy") {
        EffectOutcome::Retry { at, .. } => assert!(at >= before + chrono::Duration::hours(2)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outcome("test_noted", "refused"),
        EffectOutcome::Failed { .. }
    ));
    // A kind this process does not know waits for one that does.
    assert!(matches!(
        outcome("from_a_newer_version", "no handler"),
        EffectOutcome::Retry { .. }
    ));
    assert!(
        drain_with(&app.context, &registry)
            .await
            .expect("drain")
            .is_empty()
    );
    let failed = app
        .admin(Method::GET, "/api/v1/effects?status=failed", None)
        .await;
    assert_eq!(
        failed.json[0]["last_error"], "the other side refused",
        "{}",
        failed.json
    );
    assert_eq!(failed.json.as_array().expect("list").len(), 1);
}

/// A calendar write queued before the outbox migration (no payload, booking
/// id only) is still carried out after it.
async fn writes_queued_before_the_outbox_survive(backend: Backend) {
    let Some(url) = fresh_database(backend).await else {
        return;
    };
    let store = connect(&url).await.expect("open store");
    match backend {
        Backend::Sqlite => {
            let mut migrator = sqlx::migrate!("./migrations/sqlite");
            before_outbox(&mut migrator, 11);
            let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
            migrator.run(&pool).await.expect("old migrations");
            pool.close().await;
        }
        Backend::Postgres => {
            let mut migrator = sqlx::migrate!("./migrations/postgres");
            before_outbox(&mut migrator, 12);
            let pool = sqlx::PgPool::connect(&url).await.expect("pool");
            migrator.run(&pool).await.expect("old migrations");
            pool.close().await;
        }
    }
    let (org, ana, intro) = ana_with_intro(&*store).await;
    let new = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 30);
    let decision = |_: &kairos::store::Snapshot| {
        Ok(Decision {
            hosts: vec![ana.id.clone()],
            reason: None,
            party: None,
        })
    };
    let booked = book_with(&*store, &new, &decision).await.expect("book");
    let queued_at = at("2026-05-01T00:00:00Z");
    let old_row = "INSERT INTO effects (id, organization_id, kind, booking_id, status, attempts, \
         run_at, created_at, updated_at) SELECT 'old-write', organization_id, 'calendar_write', \
         id, 'pending', 0, $1, $1, $1 FROM bookings WHERE uid = $2";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
            sqlx::query(old_row)
                .bind(queued_at)
                .bind(&booked.uid)
                .execute(&pool)
                .await
                .expect("old row");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&url).await.expect("pool");
            sqlx::query(old_row)
                .bind(queued_at)
                .bind(&booked.uid)
                .execute(&pool)
                .await
                .expect("old row");
            pool.close().await;
        }
    }

    store.migrate().await.expect("the outbox migration");
    let listed = store
        .effects(&org.id, &EffectFilter::default())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kind, CalendarWrite::KIND);
    assert_eq!(listed[0].booking_uid.as_deref(), Some(booked.uid.as_str()));
    let now = chrono::Utc::now();
    let claimed = store
        .claim_effects(now, now + chrono::Duration::minutes(5), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    let job: CalendarWrite = serde_json::from_str(&claimed[0].payload).expect("payload");
    assert_eq!(job.booking, booked.uid, "the handler reads its booking");
    assert_eq!(claimed[0].booking_uid.as_deref(), Some(booked.uid.as_str()));
    // A new write of the same booking still merges with a waiting one.
    store
        .finish_effect(
            &claimed[0].id,
            &EffectOutcome::Retry {
                at: now,
                error: "later".to_string(),
            },
            now,
        )
        .await
        .expect("retry");
    let org_id = org.id.clone();
    store
        .enqueue_effects(&org_id, &[CalendarWrite::of(&booked.uid).effect()])
        .await
        .expect("enqueue");
    let listed = store
        .effects(&org.id, &EffectFilter::default())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1, "merged into the migrated row: {listed:?}");
}

/// Later migrations the current store's inserts need (columns of users and
/// bookings, unrelated to the outbox): applied with the old ones, so the
/// store can write the booking that the old effects row points at.
const NEEDED_BY_THE_STORE: [&str; 1] = ["pages"];

fn before_outbox(migrator: &mut sqlx::migrate::Migrator, outbox: i64) {
    let older: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version < outbox || NEEDED_BY_THE_STORE.contains(&m.description.as_ref()))
        .cloned()
        .collect();
    assert!(
        migrator.migrations.iter().any(|m| m.version == outbox),
        "the outbox migration is number {outbox}"
    );
    migrator.migrations = older.into();
}

on_both!(
    events_run_each_once,
    calendar_writes_merge_per_booking,
    handlers_say_when_to_retry,
    writes_queued_before_the_outbox_survive,
);
