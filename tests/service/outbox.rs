//! The outbox: typed jobs queued with the change that causes them, run by
//! registered handlers; events run each, dedupe keys once, calendar writes
//! merge per booking; handlers say whether and when to retry; rows queued
//! before the outbox migration keep working.

use crate::helpers::{App, Backend, fresh_database};
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
    let ours = of_booking
        .json
        .as_array()
        .expect("list")
        .iter()
        .filter(|e| e["kind"] == "calendar_write" || e["kind"] == "test_noted");
    assert_eq!(ours.count(), 3, "{}", of_booking.json);
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
    let ran = of_kind(&ran, CalendarWrite::KIND);
    assert_eq!(ran.len(), 1, "{ran:?}");
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
        not_before: None,
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
///
/// The data is made with today's schema and code; then only the effects table
/// goes back to its shape before the outbox (frozen below, as that migration
/// found it) with an old row in it, and the outbox migration runs again. So
/// the test does not break each time a later migration adds a column.
async fn writes_queued_before_the_outbox_survive(backend: Backend) {
    let Some(url) = fresh_database(backend).await else {
        return;
    };
    let store = connect(&url).await.expect("open store");
    store.migrate().await.expect("migrate");
    let (org, ana, intro) = ana_with_intro(&*store).await;
    let new = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 30);
    let decision = Decision {
        hosts: vec![ana.id.clone()],
        reason: None,
        party: None,
    };
    let mut tx = store.begin_booking(&new.candidate_hosts).await.expect("tx");
    let booked = tx.insert(&new, decision).await.expect("book");
    tx.commit().await.expect("commit");
    let queued_at = at("2026-05-01T00:00:00Z");
    let old_row = "INSERT INTO effects (id, organization_id, kind, booking_id, status, attempts, \
         run_at, created_at, updated_at) SELECT 'old-write', organization_id, 'calendar_write', \
         id, 'pending', 0, $1, $1, $1 FROM bookings WHERE uid = $2";
    let old_table = |instant: &str| {
        format!(
            "CREATE TABLE effects (id TEXT PRIMARY KEY, \
             organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE, \
             kind TEXT NOT NULL, \
             booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE, \
             status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, run_at {instant} NOT NULL, \
             lease_until {instant}, last_error TEXT, created_at {instant} NOT NULL, \
             updated_at {instant} NOT NULL)"
        )
    };
    let forget = "DELETE FROM _sqlx_migrations WHERE version = $1";
    macro_rules! before_the_outbox {
        ($pool:ty, $instant:expr, $version:expr) => {{
            let pool = <$pool>::connect(&url).await.expect("pool");
            for statement in [
                "DROP TABLE effects".to_string(),
                old_table($instant),
                "CREATE INDEX effects_due ON effects(status, run_at)".to_string(),
                "CREATE INDEX effects_booking ON effects(booking_id, kind)".to_string(),
            ] {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&pool)
                    .await
                    .expect("old effects table");
            }
            sqlx::query(old_row)
                .bind(queued_at)
                .bind(&booked.uid)
                .execute(&pool)
                .await
                .expect("old row");
            let forgotten = sqlx::query(forget)
                .bind($version)
                .execute(&pool)
                .await
                .expect("forget the outbox migration");
            assert_eq!(
                forgotten.rows_affected(),
                1,
                "the outbox migration is number {}",
                $version
            );
            pool.close().await;
        }};
    }
    match backend {
        Backend::Sqlite => before_the_outbox!(sqlx::SqlitePool, "TEXT", 11_i64),
        Backend::Postgres => before_the_outbox!(sqlx::PgPool, "TIMESTAMPTZ", 12_i64),
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

on_both!(
    events_run_each_once,
    calendar_writes_merge_per_booking,
    handlers_say_when_to_retry,
    writes_queued_before_the_outbox_survive,
);
