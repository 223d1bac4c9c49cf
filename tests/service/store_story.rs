//! One story through the storage interface, told on both databases.

use crate::helpers::{Backend, book_with, fresh_store};
use crate::on_both;
use chrono::{DateTime, Utc};
use kairos::domain::*;
use kairos::store::*;
use serde_json::json;

pub(crate) fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("instant")
}

pub(crate) fn user(slug: &str, tz: &str) -> UserInput {
    serde_json::from_value(json!({ "slug": slug, "name": slug, "email": format!("{slug}@example.com"), "timezone": tz }))
        .expect("user")
}

fn invitee() -> Invitee {
    serde_json::from_value(json!({ "name": "Pat", "email": "pat@example.com", "timezone": "UTC" }))
        .expect("invitee")
}

/// Organization "Acme" with host ana (UTC) and her 30-minute "intro".
pub(crate) async fn ana_with_intro(store: &dyn Store) -> (Organization, User, EventType) {
    let org = store.create_organization("Acme").await.expect("org");
    let ana = store
        .insert_user(&org.id, &user("ana", "UTC"))
        .await
        .expect("ana");
    let input: EventTypeInput = serde_json::from_value(json!({
        "owner_id": ana.id, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30
    }))
    .expect("event type");
    let intro = store
        .insert_event_type(&org.id, &input)
        .await
        .expect("event type");
    (org, ana, intro)
}

pub(crate) fn new_booking(
    org: &str,
    event_type: &str,
    host: &str,
    start: &str,
    minutes: i64,
) -> NewBooking {
    let start = at(start);
    NewBooking {
        uid: new_booking_uid(),
        organization_id: org.to_string(),
        event_type_id: event_type.to_string(),
        candidate_hosts: vec![host.to_string()],
        window: (
            start - chrono::Duration::days(1),
            start + chrono::Duration::days(1),
        ),
        start,
        end: start + chrono::Duration::minutes(minutes),
        status: BookingStatus::Accepted,
        invitee: invitee(),
        answers: Default::default(),
        utm: Utm::default(),
        embed_url: None,
        manage_token_hash: hash_secret("token"),
        idempotency_key: None,
        manage_token_sealed: None,
        request_hash: None,
        shared_slot: false,
        replaces: None,
        attendees: Vec::new(),
        actor: "invitee".to_string(),
        effects: Vec::new(),
    }
}

async fn storage_story(backend: Backend) {
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    let org = store.create_organization("Acme").await.expect("org");
    let other = store.create_organization("Other").await.expect("org");
    store
        .create_api_key(&org.id, "k", &hash_secret("secret"))
        .await
        .expect("key");
    assert_eq!(
        store
            .api_key(&hash_secret("secret"))
            .await
            .expect("lookup")
            .map(|k| k.organization_id),
        Some(org.id.clone())
    );
    assert_eq!(
        store.api_key(&hash_secret("nope")).await.expect("lookup"),
        None
    );

    // Users: unique slugs across the server; organizations see only their own.
    let ana = store
        .insert_user(&org.id, &user("ana", "Europe/Berlin"))
        .await
        .expect("ana");
    assert!(matches!(
        store.insert_user(&other.id, &user("ana", "UTC")).await,
        Err(StoreError::Duplicate { field }) if field == "slug"
    ));
    assert!(matches!(
        store.user(&other.id, &ana.id).await,
        Err(StoreError::NotFound("user"))
    ));
    let renamed = store
        .update_user(&org.id, &ana.id, &user("ana-s", "Europe/Berlin"))
        .await
        .expect("update");
    assert_eq!(renamed.input.slug.as_str(), "ana-s");
    assert_eq!(
        store.user_by_slug("ana-s").await.expect("by slug").id,
        ana.id
    );
    assert_eq!(store.users(&org.id).await.expect("list").len(), 1);
    assert!(store.users(&other.id).await.expect("list").is_empty());

    // Schedules: the default one is found; JSON columns round-trip.
    let schedule: ScheduleInput = serde_json::from_value(json!({
        "user_id": ana.id, "name": "Hours", "timezone": "Europe/Berlin",
        "weekly": { "mon": [["09:00", "17:00"]] },
        "overrides": [{ "date": "2026-06-08", "intervals": [] }],
        "is_default": true
    }))
    .expect("schedule");
    let saved = store
        .insert_schedule(&org.id, &schedule)
        .await
        .expect("schedule");
    assert_eq!(saved.input.weekly, schedule.weekly);
    let default = store
        .default_schedule(&ana.id)
        .await
        .expect("default")
        .expect("some");
    assert_eq!(default.id, saved.id);
    assert_eq!(default.input.overrides.len(), 1);

    // Event types: slug unique per owner.
    let mut input: EventTypeInput = serde_json::from_value(json!({
        "owner_id": ana.id, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30
    }))
    .expect("event type");
    input.validate().expect("valid");
    let intro = store
        .insert_event_type(&org.id, &input)
        .await
        .expect("insert");
    assert!(matches!(
        store.insert_event_type(&org.id, &input).await,
        Err(StoreError::Duplicate { field }) if field == "slug"
    ));
    let (found, owner) = store
        .event_type_by_slugs("ana-s", "intro")
        .await
        .expect("by slugs");
    assert_eq!(
        (found.id.as_str(), owner.id.as_str()),
        (intro.id.as_str(), ana.id.as_str())
    );
    assert!(matches!(
        store.event_type(&other.id, &intro.id).await,
        Err(StoreError::NotFound("event type"))
    ));

    // Busy blocks are found by overlap.
    let block = BusyBlockInput {
        user_id: ana.id.clone(),
        start: at("2026-06-01T10:00:00Z"),
        end: at("2026-06-01T11:00:00Z"),
        source: "manual".to_string(),
        external_id: Some("x1".to_string()),
        ical: None,
    };
    store
        .insert_busy_block(&org.id, &block)
        .await
        .expect("busy");
    let hosts = vec![ana.id.clone()];
    assert_eq!(
        store
            .snapshot(
                &hosts,
                at("2026-06-01T10:30:00Z"),
                at("2026-06-01T12:00:00Z")
            )
            .await
            .expect("busy")
            .busy
            .len(),
        1
    );
    assert!(
        store
            .snapshot(
                &hosts,
                at("2026-06-01T11:00:00Z"),
                at("2026-06-01T12:00:00Z")
            )
            .await
            .expect("busy")
            .busy
            .is_empty()
    );

    // Booking: the decision sees the snapshot; the booking then holds the host's time.
    let first = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 30);
    let booked = book_with(&*store, &first, &|snapshot: &Snapshot| {
        assert!(snapshot.bookings.is_empty());
        assert_eq!(snapshot.busy.len(), 1, "the busy block is in the window");
        Ok(only(&ana.id))
    })
    .await
    .expect("book");
    assert_eq!(booked.hosts, vec![ana.id.clone()]);
    assert_eq!(booked.status, BookingStatus::Accepted);
    let holding = store
        .snapshot(
            &hosts,
            at("2026-06-01T00:00:00Z"),
            at("2026-06-02T00:00:00Z"),
        )
        .await
        .expect("bookings")
        .bookings;
    assert_eq!(holding.len(), 1);
    // A refusal from the decision rolls everything back.
    let refused = book_with(
        &*store,
        &new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 30),
        &|s: &Snapshot| {
            assert_eq!(s.bookings.len(), 1);
            Err(StoreError::SlotTaken)
        },
    )
    .await;
    assert!(matches!(refused, Err(StoreError::SlotTaken)));
    assert_eq!(
        store
            .bookings(&org.id, &BookingFilter::default())
            .await
            .expect("list")
            .len(),
        1
    );

    // Idempotency keys are unique per event type.
    let mut keyed = new_booking(&org.id, &intro.id, &ana.id, "2026-06-02T09:00:00Z", 30);
    keyed.idempotency_key = Some("k-1".to_string());
    let made = book_with(&*store, &keyed, &|_| Ok(only(&ana.id)))
        .await
        .expect("keyed");
    assert!(matches!(
        book_with(&*store, &keyed, &|_| Ok(only(&ana.id))).await,
        Err(StoreError::Duplicate { field }) if field == "idempotency_key"
    ));
    assert_eq!(
        store
            .booking_by_idempotency_key(&intro.id, "k-1")
            .await
            .expect("by key")
            .map(|b| b.booking.uid),
        Some(made.uid.clone())
    );

    // Reschedule: one transaction cancels the old booking and links both ways.
    let mut moved = new_booking(&org.id, &intro.id, &ana.id, "2026-06-02T10:00:00Z", 30);
    moved.replaces = Some(made.uid.clone());
    let new = book_with(&*store, &moved, &|s: &Snapshot| {
        assert!(
            s.bookings
                .iter()
                .all(|b| b.start != at("2026-06-02T09:00:00Z")),
            "the old booking no longer holds time"
        );
        Ok(only(&ana.id))
    })
    .await
    .expect("reschedule");
    assert_eq!(new.rescheduled_from.as_deref(), Some(made.uid.as_str()));
    let old = store.booking(&made.uid).await.expect("old").booking;
    assert_eq!(old.status, BookingStatus::Cancelled);
    assert_eq!(old.rescheduled_to.as_deref(), Some(new.uid.as_str()));

    // Status changes are checked against the current status and recorded.
    let update = StatusUpdate {
        to: BookingStatus::Cancelled,
        actor: "invitee".into(),
        note: None,
        cancel_reason: Some("sick".into()),
        effects: Vec::new(),
    };
    let cancelled = store
        .change_status(&new.uid, &[BookingStatus::Accepted], &update)
        .await
        .expect("cancel");
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("sick"));
    assert!(matches!(
        store.change_status(&new.uid, &[BookingStatus::Accepted], &update).await,
        Err(StoreError::WrongStatus(s)) if s == "cancelled"
    ));
    let history = store.history(&new.uid).await.expect("history");
    assert_eq!(
        history.iter().map(|h| h.to).collect::<Vec<_>>(),
        vec![BookingStatus::Accepted, BookingStatus::Cancelled]
    );

    // Filters.
    let filter = BookingFilter {
        status: Some(BookingStatus::Cancelled),
        ..Default::default()
    };
    assert_eq!(
        store
            .bookings(&org.id, &filter)
            .await
            .expect("filter")
            .len(),
        2
    );
    let filter = BookingFilter {
        from: Some(at("2026-06-02T00:00:00Z")),
        ..Default::default()
    };
    assert_eq!(
        store
            .bookings(&org.id, &filter)
            .await
            .expect("filter")
            .len(),
        2
    );
    assert!(
        store
            .bookings(&other.id, &BookingFilter::default())
            .await
            .expect("other")
            .is_empty()
    );

    // A host with bookings cannot be deleted; an event type with bookings neither.
    assert!(matches!(
        store.delete_user(&org.id, &ana.id).await,
        Err(StoreError::InUse(_))
    ));
    assert!(matches!(
        store.delete_event_type(&org.id, &intro.id).await,
        Err(StoreError::InUse(_))
    ));
    assert!(store.ping().await.is_ok());
}

/// Two overlapping time-holding bookings of one host are impossible, even when
/// the decision callback wrongly allows them: on PostgreSQL the exclusion
/// constraint refuses; on SQLite the write lock means the snapshot shows the
/// first booking, which our decision logic would see (asserted here).
async fn overlap_guard(backend: Backend) {
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    let org = store.create_organization("Acme").await.expect("org");
    let ana = store
        .insert_user(&org.id, &user("ana", "UTC"))
        .await
        .expect("ana");
    let mut input: EventTypeInput = serde_json::from_value(json!({
        "owner_id": ana.id, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 60
    }))
    .expect("event type");
    input.validate().expect("valid");
    let intro = store
        .insert_event_type(&org.id, &input)
        .await
        .expect("insert");
    let first = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 60);
    book_with(&*store, &first, &|_| Ok(only(&ana.id)))
        .await
        .expect("first");
    let second = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:30:00Z", 60);
    let result = book_with(&*store, &second, &|s: &Snapshot| {
        assert_eq!(
            s.bookings.len(),
            1,
            "the first booking is visible to the check"
        );
        Ok(only(&ana.id))
    })
    .await;
    match backend {
        Backend::Postgres => assert!(matches!(result, Err(StoreError::SlotTaken)), "{result:?}"),
        Backend::Sqlite => assert!(
            result.is_ok(),
            "SQLite relies on the check, which this test bypasses"
        ),
    }
}

/// Every store error says what it is about: a missing row names its kind
/// (and the HTTP answer and the use cases' error keep that name), and a
/// refused reference names its field without a message to parse.
async fn errors_name_their_subject(backend: Backend) {
    use kairos::booking::BookingError;
    use kairos::http::error::ApiError;
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    let org = store.create_organization("Acme").await.expect("org");
    let other = store.create_organization("Other").await.expect("org");
    let stranger = store
        .insert_user(&other.id, &user("stranger", "UTC"))
        .await
        .expect("stranger");
    let nobody = "0190aaaa-0000-7000-8000-000000000000";
    let missing: Vec<(&str, StoreError)> = vec![
        ("user", store.user(&org.id, nobody).await.expect_err("user")),
        (
            "schedule",
            store.schedule(&org.id, nobody).await.expect_err("schedule"),
        ),
        (
            "event type",
            store
                .delete_event_type(&org.id, nobody)
                .await
                .expect_err("event type"),
        ),
        (
            "busy block",
            store
                .delete_busy_block(&org.id, nobody)
                .await
                .expect_err("busy block"),
        ),
        (
            "link",
            store.revoke_link(&org.id, nobody).await.expect_err("link"),
        ),
        ("poll", store.poll(&org.id, nobody).await.expect_err("poll")),
        (
            "booking",
            store.booking("nosuchbooking").await.expect_err("booking"),
        ),
        (
            "connection",
            store
                .connection(&org.id, nobody)
                .await
                .expect_err("connection"),
        ),
        (
            "effect",
            store
                .retry_effect(&org.id, nobody, Utc::now())
                .await
                .expect_err("effect"),
        ),
        (
            "API key",
            store
                .revoke_api_key(Some(&org.id), nobody)
                .await
                .expect_err("key"),
        ),
    ];
    for (what, error) in missing {
        assert!(
            matches!(error, StoreError::NotFound(named) if named == what),
            "{what}: {error:?}"
        );
        let problem = ApiError::from(StoreError::NotFound(what));
        assert_eq!(problem.status().as_u16(), 404);
        assert_eq!(problem.detail(), format!("no such {what}"));
        let problem = ApiError::from(BookingError::from(error));
        assert_eq!(
            problem.detail(),
            format!("no such {what}"),
            "through a use case"
        );
    }

    // A reference to another organization's user is refused on its field.
    let schedule: ScheduleInput = serde_json::from_value(json!({
        "user_id": stranger.id, "name": "Hours", "timezone": "UTC"
    }))
    .expect("schedule");
    let refused = store
        .insert_schedule(&org.id, &schedule)
        .await
        .expect_err("another organization's user");
    let StoreError::Refused { field, message } = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!(field, "user_id");
    assert_eq!(message, &format!("no such user {:?}", stranger.id));
    let problem = ApiError::from(refused);
    assert_eq!(problem.status().as_u16(), 422);
    assert_eq!(problem.field(), Some("user_id"));
    assert_eq!(problem.detail(), format!("no such user {:?}", stranger.id));
    // A message of its own with ": " in it stays whole.
    let problem = ApiError::from(StoreError::Refused {
        field: "option".to_string(),
        message: "everyone said: no".to_string(),
    });
    assert_eq!(
        (problem.field(), problem.detail()),
        (Some("option"), "everyone said: no")
    );
}

/// A booking transaction's steps take effect only on `commit`: a handle
/// dropped after cancelling for a reschedule and inserting leaves both
/// bookings as they were (what a use case's early return relies on).
async fn dropped_booking_tx_rolls_back(backend: Backend) {
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    let (org, ana, intro) = ana_with_intro(&*store).await;
    let first = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T09:00:00Z", 30);
    let made = book_with(&*store, &first, &|_| Ok(only(&ana.id)))
        .await
        .expect("first");
    let mut moved = new_booking(&org.id, &intro.id, &ana.id, "2026-06-01T10:00:00Z", 30);
    moved.replaces = Some(made.uid.clone());
    {
        let mut tx = store
            .begin_booking(&moved.candidate_hosts)
            .await
            .expect("begin");
        tx.cancel_for_reschedule(&made.uid, "invitee")
            .await
            .expect("cancel");
        tx.insert(&moved, only(&ana.id)).await.expect("insert");
    }
    let old = store.booking(&made.uid).await.expect("old").booking;
    assert_eq!(old.status, BookingStatus::Accepted);
    assert_eq!(old.rescheduled_to, None);
    assert!(matches!(
        store.booking(&moved.uid).await,
        Err(StoreError::NotFound("booking"))
    ));
}

on_both!(
    storage_story,
    overlap_guard,
    errors_name_their_subject,
    dropped_booking_tx_rolls_back
);

/// The decision that gives the booking to `host`.
fn only(host: &str) -> Decision {
    Decision {
        hosts: vec![host.to_string()],
        reason: None,
        party: None,
    }
}
