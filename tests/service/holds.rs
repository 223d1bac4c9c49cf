//! Slot holds: choosing a time holds it for that invitee for the event
//! type's `hold_minutes`. Others do not see it and cannot book or hold it;
//! the holder sees it and books it (using the hold up); an expired or
//! released hold frees the time. Round robin holds the host it would pick;
//! a group hold takes one seat. Cached slots follow every change.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours, slot_starts};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

const DAY: &str = "start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC";

async fn one_on_one(backend: Backend) -> Option<App> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({
        "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
        "duration_minutes": 30, "buffer_after_minutes": 15
    }))
    .await;
    Some(app)
}

async fn hold(app: &App, page: &str, start: &str) -> crate::helpers::Response {
    app.public(
        Method::POST,
        &format!("/api/v1/public/{page}/holds"),
        Some(json!({ "start": start })),
    )
    .await
}

/// Holds `start` and returns the hold's token (asserting the 201).
async fn held(app: &App, page: &str, start: &str) -> String {
    let answer = hold(app, page, start).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    answer.json["hold"].as_str().expect("hold").to_string()
}

async fn slots(app: &App, page: &str, hold: Option<&str>) -> Value {
    let extra = hold.map(|h| format!("&hold={h}")).unwrap_or_default();
    let answer = app
        .public(
            Method::GET,
            &format!("/api/v1/public/{page}/slots?{DAY}{extra}"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    answer.json
}

async fn starts(app: &App, page: &str, hold: Option<&str>) -> Vec<String> {
    slot_starts(&slots(app, page, hold).await)
}

async fn book_holding(
    app: &App,
    page: &str,
    start: &str,
    email: &str,
    hold: &str,
) -> crate::helpers::Response {
    let mut body = booking(start, email);
    body["hold"] = json!(hold);
    app.public(
        Method::POST,
        &format!("/api/v1/public/{page}/bookings"),
        Some(body),
    )
    .await
}

async fn release(app: &App, hold: &str) -> crate::helpers::Response {
    app.public(
        Method::DELETE,
        &format!("/api/v1/public/holds/{hold}"),
        None,
    )
    .await
}

const TEN: &str = "2026-06-01T10:00:00Z";

async fn hold_hides_the_time_from_others_only(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    // Cached before the hold: the hold must drop it.
    assert!(
        starts(&app, "ana/intro", None)
            .await
            .contains(&TEN.to_string())
    );

    let answer = hold(&app, "ana/intro", TEN).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    assert_eq!(answer.json["start"], TEN);
    assert_eq!(answer.json["end"], "2026-06-01T10:30:00Z");
    // Five minutes by default, from the (test) clock.
    assert_eq!(answer.json["expires_at"], "2026-05-25T00:05:00Z");
    let token = answer.json["hold"].as_str().expect("hold").to_string();
    assert!(token.len() >= 32, "{token}");

    // Others: the time and its neighbours within the 15-minute buffer are
    // gone, exactly as around a booking.
    let others = starts(&app, "ana/intro", None).await;
    for gone in ["2026-06-01T09:30:00Z", TEN, "2026-06-01T10:30:00Z"] {
        assert!(!others.contains(&gone.to_string()), "{gone}: {others:?}");
    }
    assert!(others.contains(&"2026-06-01T11:00:00Z".to_string()));
    // The holder: everything, their own time included.
    let mine = starts(&app, "ana/intro", Some(&token)).await;
    assert!(mine.contains(&TEN.to_string()), "{mine:?}");
    assert_eq!(mine.len(), others.len() + 3);

    // Someone else can neither hold nor book it: the same 409 as a taken slot.
    let second = hold(&app, "ana/intro", TEN).await;
    assert_problem(&second, StatusCode::CONFLICT, Some("start"));
    assert_eq!(second.json["detail"], "that time is no longer available");
    let taken = app.book_public("ana/intro", TEN, "other@example.com").await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("start"));
    assert_eq!(taken.json["detail"], "that time is no longer available");
    // Even with a hold of their own on another time.
    let elsewhere = held(&app, "ana/intro", "2026-06-01T13:00:00Z").await;
    let taken = book_holding(&app, "ana/intro", TEN, "other@example.com", &elsewhere).await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("start"));

    // The holder books it; the hold is used up.
    let booked = book_holding(&app, "ana/intro", TEN, "pat@example.com", &token).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    assert_eq!(booked.json["start"], TEN);
    assert_problem(&release(&app, &token).await, StatusCode::NOT_FOUND, None);
    // Booked now: gone for everyone, the former holder too.
    assert!(
        !starts(&app, "ana/intro", Some(&token))
            .await
            .contains(&TEN.to_string())
    );
    // The other visitor's refused booking left their hold in place.
    assert_eq!(
        release(&app, &elsewhere).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn expiry_frees_the_time(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let first = held(&app, "ana/intro", TEN).await;
    let eleven = "2026-06-01T11:00:00Z";
    let late = held(&app, "ana/intro", eleven).await;
    app.set_now("2026-05-25T00:04:59Z");
    // Cached at 00:04:59 with both holds live…
    let before = starts(&app, "ana/intro", None).await;
    assert!(!before.contains(&TEN.to_string()));
    assert!(!before.contains(&eleven.to_string()));
    assert_problem(
        &hold(&app, "ana/intro", TEN).await,
        StatusCode::CONFLICT,
        Some("start"),
    );

    // …and not served a second past their expiry, though no data changed.
    app.set_now("2026-05-25T00:05:00Z");
    let after = starts(&app, "ana/intro", None).await;
    assert!(after.contains(&TEN.to_string()), "{after:?}");
    assert!(after.contains(&eleven.to_string()), "{after:?}");
    // An expired hold cannot be released (it is gone already).
    assert_problem(&release(&app, &first).await, StatusCode::NOT_FOUND, None);

    // Someone else holds 10:00 now (PostgreSQL: the expired row is no obstacle)…
    let second = held(&app, "ana/intro", TEN).await;
    // …so the first holder, whose hold expired, is told the time is gone…
    let lost = book_holding(&app, "ana/intro", TEN, "first@example.com", &first).await;
    assert_problem(&lost, StatusCode::CONFLICT, Some("start"));
    // …and the second holder books it.
    let booked = book_holding(&app, "ana/intro", TEN, "second@example.com", &second).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);

    // An expired hold whose time is still free just books.
    let booked = book_holding(&app, "ana/intro", eleven, "late@example.com", &late).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    // So does a hold the sweep has deleted (unknown by now).
    let gone = held(&app, "ana/intro", "2026-06-01T14:00:00Z").await;
    app.set_now("2026-05-25T00:11:00Z");
    let swept = app
        .store
        .sweep_holds("2026-05-25T00:11:00Z".parse().expect("instant"))
        .await
        .expect("sweep");
    assert!(swept >= 1, "{swept}");
    let booked = book_holding(
        &app,
        "ana/intro",
        "2026-06-01T14:00:00Z",
        "gone@example.com",
        &gone,
    )
    .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
}

async fn release_frees_the_time(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let token = held(&app, "ana/intro", TEN).await;
    assert!(
        !starts(&app, "ana/intro", None)
            .await
            .contains(&TEN.to_string())
    );
    let released = release(&app, &token).await;
    assert_eq!(released.status, StatusCode::NO_CONTENT, "{}", released.json);
    // The cached answer is dropped: the time is back for everyone.
    assert!(
        starts(&app, "ana/intro", None)
            .await
            .contains(&TEN.to_string())
    );
    assert_problem(&release(&app, &token).await, StatusCode::NOT_FOUND, None);
    for junk in [
        "nope",
        "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
        "not%20a%20token",
    ] {
        assert_problem(&release(&app, junk).await, StatusCode::NOT_FOUND, None);
    }
    // Free again: another visitor holds and books it.
    let other = held(&app, "ana/intro", TEN).await;
    let booked = book_holding(&app, "ana/intro", TEN, "other@example.com", &other).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
}

async fn concurrent_holds_have_one_winner(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let router = app.router.clone();
        tasks.push(tokio::spawn(async move {
            crate::helpers::send(
                &router,
                Method::POST,
                "/api/v1/public/ana/intro/holds",
                Some(json!({ "start": TEN }).to_string()),
                &[],
            )
            .await
        }));
    }
    let (mut won, mut lost) = (0, 0);
    for task in tasks {
        let answer = task.await.expect("task");
        match answer.status {
            StatusCode::CREATED => won += 1,
            StatusCode::CONFLICT => lost += 1,
            other => panic!("{other}: {}", answer.json),
        }
    }
    assert_eq!((won, lost), (1, 31));
}

async fn round_robin_holds_the_chosen_host(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let ben = app.host("ben", "UTC", office_hours()).await;
    app.event_type(json!({
        "owner_id": ana, "slug": "rr", "title": "RR", "kind": "round_robin",
        "duration_minutes": 60, "hosts": [{ "user_id": ana }, { "user_id": ben }]
    }))
    .await;
    let first = held(&app, "ana/rr", TEN).await;
    // One host is held: the time is still open with the other.
    assert!(
        starts(&app, "ana/rr", None)
            .await
            .contains(&TEN.to_string())
    );
    let plain = app.book_public("ana/rr", TEN, "plain@example.com").await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.json);
    let other_host = plain.json["hosts"][0].as_str().expect("host").to_string();
    // Both hosts are taken now (one booked, one held), except for the holder.
    assert!(
        !starts(&app, "ana/rr", None)
            .await
            .contains(&TEN.to_string())
    );
    assert!(
        starts(&app, "ana/rr", Some(&first))
            .await
            .contains(&TEN.to_string())
    );
    assert_problem(
        &hold(&app, "ana/rr", TEN).await,
        StatusCode::CONFLICT,
        Some("start"),
    );
    let booked = book_holding(&app, "ana/rr", TEN, "holder@example.com", &first).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    let held_host = booked.json["hosts"][0].as_str().expect("host").to_string();
    assert_ne!(held_host, other_host);
    assert!([&ana, &ben].contains(&&held_host));
    assert!(
        booked.json["assignment_reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{}",
        booked.json
    );
}

async fn group_hold_takes_one_seat(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({
        "owner_id": ana, "slug": "class", "title": "Class", "kind": "group",
        "duration_minutes": 60, "seats": 2
    }))
    .await;
    let seats_at = |answer: &Value| -> Option<u64> {
        answer["days"]
            .as_array()?
            .iter()
            .flat_map(|d| d["slots"].as_array().cloned().unwrap_or_default())
            .find(|s| s["start"] == TEN)
            .and_then(|s| s["seats_left"].as_u64())
    };
    assert_eq!(seats_at(&slots(&app, "ana/class", None).await), Some(2));
    let first = held(&app, "ana/class", TEN).await;
    assert_eq!(seats_at(&slots(&app, "ana/class", None).await), Some(1));
    assert_eq!(
        seats_at(&slots(&app, "ana/class", Some(&first)).await),
        Some(2)
    );
    let second = held(&app, "ana/class", TEN).await;
    // Both seats held: gone for a third visitor, who can neither hold nor book.
    assert_eq!(seats_at(&slots(&app, "ana/class", None).await), None);
    assert_problem(
        &hold(&app, "ana/class", TEN).await,
        StatusCode::CONFLICT,
        Some("start"),
    );
    let third = app.book_public("ana/class", TEN, "third@example.com").await;
    assert_problem(&third, StatusCode::CONFLICT, Some("start"));
    // Each holder books their seat.
    let booked = book_holding(&app, "ana/class", TEN, "one@example.com", &first).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    assert_eq!(
        seats_at(&slots(&app, "ana/class", Some(&second)).await),
        Some(1)
    );
    let booked = book_holding(&app, "ana/class", TEN, "two@example.com", &second).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    assert_eq!(seats_at(&slots(&app, "ana/class", None).await), None);
}

async fn hold_minutes_is_a_setting(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let body = |slug: &str, minutes: Option<u32>| {
        let mut body = json!({ "owner_id": ana, "slug": slug, "title": "T", "kind": "one_on_one", "duration_minutes": 30 });
        if let Some(minutes) = minutes {
            body["hold_minutes"] = json!(minutes);
        }
        body
    };
    let id = app.event_type(body("intro", None)).await;
    let shown = app
        .admin(Method::GET, &format!("/api/v1/event-types/{id}"), None)
        .await;
    assert_eq!(shown.json["hold_minutes"], 5, "{}", shown.json);
    let page = app
        .public(Method::GET, "/api/v1/public/ana/intro", None)
        .await;
    assert_eq!(page.json["hold_minutes"], 5, "{}", page.json);

    let too_long = app
        .admin(
            Method::POST,
            "/api/v1/event-types",
            Some(body("long", Some(61))),
        )
        .await;
    assert_problem(
        &too_long,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("hold_minutes"),
    );

    app.event_type(body("quarter", Some(15))).await;
    let answer = hold(&app, "ana/quarter", TEN).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    assert_eq!(answer.json["expires_at"], "2026-05-25T00:15:00Z");

    // The quarter-hour hold blocks Ana on her other event types too.
    let direct = "2026-06-01T11:00:00Z";
    let elsewhere = app.book_public("ana/intro", TEN, "pat@example.com").await;
    assert_problem(&elsewhere, StatusCode::CONFLICT, Some("start"));

    // Holds off: a clear 409 without a field (the time itself is fine).
    app.event_type(body("direct", Some(0))).await;
    let off = hold(&app, "ana/direct", direct).await;
    assert_problem(&off, StatusCode::CONFLICT, None);
    assert!(off.json.get("field").is_none(), "{}", off.json);
    assert!(
        off.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("hold_minutes")
    );
    let booked = app
        .book_public("ana/direct", direct, "pat@example.com")
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
}

async fn bad_hold_requests_name_the_field(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    // Off the grid, in the past, outside working hours: 422 on start.
    for start in [
        "2026-06-01T10:10:00Z",
        "2026-05-20T10:00:00Z",
        "2026-06-01T20:00:00Z",
    ] {
        assert_problem(
            &hold(&app, "ana/intro", start).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("start"),
        );
    }
    let answer = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": TEN, "minutes": 60 })),
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("minutes"));
    let answer = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": "tomorrow" })),
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    let answer = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({})),
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    assert_problem(
        &hold(&app, "ana/nope", TEN).await,
        StatusCode::NOT_FOUND,
        None,
    );

    // A malformed hold token is refused where it is read…
    let mut body = booking(TEN, "pat@example.com");
    body["hold"] = json!("not a token!");
    let answer = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(body),
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("hold"));
    let answer = app
        .public(
            Method::GET,
            &format!("/api/v1/public/ana/intro/slots?{DAY}&hold=%3Cscript%3E"),
            None,
        )
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, Some("hold"));
    // …while a well-formed unknown one changes nothing.
    let unknown = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6";
    assert_eq!(
        starts(&app, "ana/intro", Some(unknown)).await,
        starts(&app, "ana/intro", None).await
    );
    let booked = book_holding(&app, "ana/intro", TEN, "pat@example.com", unknown).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
}

async fn replays_and_reserved_slugs(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let token = held(&app, "ana/intro", TEN).await;
    let mut body = booking(TEN, "pat@example.com");
    body["hold"] = json!(token);
    let key = [("idempotency-key", "k-1")];
    let first = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    // The retry finds its booking, though its hold is used up by now.
    let again = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    assert_eq!(again.json["uid"], first.json["uid"]);
    assert_eq!(again.json["manage_token"], first.json["manage_token"]);

    // `/api/v1/public/holds/…` is the holds' path: no host may be called that.
    let user = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "slug": "holds", "name": "H", "email": "h@example.com", "timezone": "UTC" })),
        )
        .await;
    assert_problem(&user, StatusCode::UNPROCESSABLE_ENTITY, Some("slug"));
}

on_both!(
    hold_hides_the_time_from_others_only,
    expiry_frees_the_time,
    release_frees_the_time,
    concurrent_holds_have_one_winner,
    round_robin_holds_the_chosen_host,
    group_hold_takes_one_seat,
    hold_minutes_is_a_setting,
    bad_hold_requests_name_the_field,
    replays_and_reserved_slugs,
);

/// Through the store: a hold is read back by its token and in snapshots
/// (expired ones too, for the caller's clock to judge); on PostgreSQL the
/// exclusion constraint refuses two overlapping holds of one host even when
/// the check is bypassed, unless the older one has expired (deleted under
/// the same locks) or both are seats of one group slot.
async fn store_keeps_holds_apart(backend: Backend) {
    use crate::store_story::{ana_with_intro, at};
    use kairos::domain::{hash_secret, new_id};
    use kairos::store::{NewHold, StoreError};
    let Some(store) = crate::helpers::fresh_store(backend).await else {
        return;
    };
    let (org, ana, intro) = ana_with_intro(&*store).await;
    let hosts = vec![ana.id.clone()];
    let new_hold = |token: &str, start: &str, key: Option<&str>, created: &str| {
        let id = new_id();
        NewHold {
            slot_key: key.map_or_else(|| id.clone(), str::to_string),
            id,
            token_hash: hash_secret(token),
            organization_id: org.id.clone(),
            event_type_id: intro.id.clone(),
            start: at(start),
            end: at(start) + chrono::Duration::minutes(30),
            assignment_reason: None,
            expires_at: at(created) + chrono::Duration::minutes(5),
            created_at: at(created),
            client_key: None,
        }
    };
    let insert = |hold: NewHold| {
        let store = store.clone();
        let hosts = hosts.clone();
        async move {
            let mut tx = store.begin_booking(&hosts).await?;
            tx.insert_hold(&hold, &hosts).await?;
            tx.commit().await
        }
    };
    let first = new_hold(
        "first",
        "2026-06-01T09:00:00Z",
        None,
        "2026-05-25T00:00:00Z",
    );
    insert(first.clone()).await.expect("first hold");
    let found = store
        .hold(&hash_secret("first"))
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.hosts, hosts);
    assert_eq!(found.start, first.start);
    assert_eq!(found.expires_at, first.expires_at);
    let snapshot = store
        .snapshot(
            &hosts,
            at("2026-06-01T00:00:00Z"),
            at("2026-06-02T00:00:00Z"),
        )
        .await
        .expect("snapshot");
    assert_eq!(snapshot.holds.len(), 1);
    assert_eq!(snapshot.live_holds(at("2026-05-25T00:04:59Z")).count(), 1);
    assert_eq!(snapshot.live_holds(at("2026-05-25T00:05:00Z")).count(), 0);

    // The check bypassed: only PostgreSQL's constraint stands in the way.
    let overlapping = new_hold(
        "second",
        "2026-06-01T09:15:00Z",
        None,
        "2026-05-25T00:01:00Z",
    );
    let result = insert(overlapping).await;
    match backend {
        Backend::Postgres => assert!(matches!(result, Err(StoreError::SlotTaken)), "{result:?}"),
        Backend::Sqlite => assert!(result.is_ok(), "SQLite relies on the check: {result:?}"),
    }
    // Once the first has expired, a hold over its time goes in (both backends).
    let later = new_hold(
        "later",
        "2026-06-01T09:00:00Z",
        None,
        "2026-05-25T00:06:00Z",
    );
    insert(later).await.expect("over an expired hold");
    assert_eq!(store.hold(&hash_secret("first")).await.expect("read"), None);

    // Seats of one group slot share a key and may overlap.
    let key = Some("group@1");
    insert(new_hold(
        "seat1",
        "2026-06-01T14:00:00Z",
        key,
        "2026-05-25T00:06:00Z",
    ))
    .await
    .expect("seat 1");
    insert(new_hold(
        "seat2",
        "2026-06-01T14:00:00Z",
        key,
        "2026-05-25T00:06:00Z",
    ))
    .await
    .expect("seat 2");

    // Release: a live hold once; an expired or unknown one is "no such hold".
    store
        .release_hold(&hash_secret("seat1"), at("2026-05-25T00:07:00Z"))
        .await
        .expect("released");
    for (token, now) in [
        ("seat1", "2026-05-25T00:07:00Z"),
        ("seat2", "2026-05-25T00:11:00Z"),
    ] {
        let result = store.release_hold(&hash_secret(token), at(now)).await;
        assert!(
            matches!(result, Err(StoreError::NotFound("hold"))),
            "{token}: {result:?}"
        );
    }
    // The sweep deletes what has expired, and only that.
    let left = store
        .sweep_holds(at("2026-05-25T00:10:59Z"))
        .await
        .expect("sweep");
    assert_eq!(left, 0);
    let swept = store
        .sweep_holds(at("2026-05-25T00:11:00Z"))
        .await
        .expect("sweep");
    assert_eq!(
        swept, 1,
        "the later hold (the others were released or replaced)"
    );
}

on_both!(store_keeps_holds_apart);

/// Rescheduling through the manage link takes a hold like booking does.
async fn reschedule_uses_the_hold(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let made = app.book_public("ana/intro", TEN, "pat@example.com").await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let manage = format!(
        "/api/v1/manage/{}/reschedule?token={}",
        made.json["uid"].as_str().expect("uid"),
        made.json["manage_token"].as_str().expect("token")
    );
    // Someone else's hold is in the way…
    let theirs = held(&app, "ana/intro", "2026-06-01T13:00:00Z").await;
    let refused = app
        .public(
            Method::POST,
            &manage,
            Some(json!({ "start": "2026-06-01T13:00:00Z" })),
        )
        .await;
    assert_problem(&refused, StatusCode::CONFLICT, Some("start"));
    // …one's own is not, and the new booking uses it up.
    let mine = held(&app, "ana/intro", "2026-06-01T14:00:00Z").await;
    let moved = app
        .public(
            Method::POST,
            &manage,
            Some(json!({ "start": "2026-06-01T14:00:00Z", "hold": mine })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    assert_eq!(moved.json["start"], "2026-06-01T14:00:00Z");
    assert_problem(&release(&app, &mine).await, StatusCode::NOT_FOUND, None);
    assert_eq!(release(&app, &theirs).await.status, StatusCode::NO_CONTENT);
    // The old time is free again.
    assert!(
        starts(&app, "ana/intro", None)
            .await
            .contains(&TEN.to_string())
    );
}

on_both!(reschedule_uses_the_hold);

/// Several processes over one PostgreSQL database: a hold taken or released
/// through one reaches the others' cached slots (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_reach_other_processes() {
    use crate::helpers::{fresh_database, send, test_now};
    use kairos::domain::{hash_secret, random_token};
    use std::time::Duration;
    let Some(url) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let process = || async {
        let store = kairos::store::connect(&url).await.expect("store");
        store.migrate().await.expect("migrate");
        let state = kairos::app::App::new(store, "http://kairos.test")
            .with_clock(std::sync::Arc::new(test_now));
        state.watch_changes().await.expect("listen");
        kairos::http::router(state)
    };
    let (first, second) = (process().await, process().await);
    let store = kairos::store::connect(&url).await.expect("store");
    let org = store.create_organization("Org").await.expect("org");
    let key = format!("k{}", random_token(20));
    store
        .create_api_key(&org.id, "k", &hash_secret(&key))
        .await
        .expect("key");
    let bearer = format!("Bearer {key}");
    let auth = [("authorization", bearer.as_str())];
    let post = |path: &'static str, body: Value| {
        let first = first.clone();
        async move {
            let answer = send(&first, Method::POST, path, Some(body.to_string()), &auth).await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
            answer.json
        }
    };
    let user = post(
        "/api/v1/users",
        json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "UTC" }),
    )
    .await;
    let ana = user["id"].as_str().expect("id");
    post("/api/v1/schedules", json!({ "user_id": ana, "name": "H", "timezone": "UTC", "weekly": office_hours(), "is_default": true })).await;
    post("/api/v1/event-types", json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 })).await;
    let url_slots = format!("/api/v1/public/ana/call/slots?{DAY}");
    // Waits until `router`'s answer does (or does not) offer 10:00.
    let offers_ten = |router: axum::Router, wanted: bool| {
        let url_slots = url_slots.clone();
        async move {
            for _ in 0..100 {
                let answer = send(&router, Method::GET, &url_slots, None, &[]).await;
                if slot_starts(&answer.json).contains(&TEN.to_string()) == wanted {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        }
    };
    assert!(offers_ten(second.clone(), true).await, "cached with 10:00");
    let taken = send(
        &first,
        Method::POST,
        "/api/v1/public/ana/call/holds",
        Some(json!({ "start": TEN }).to_string()),
        &[],
    )
    .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.json);
    assert!(
        offers_ten(second.clone(), false).await,
        "the hold shows elsewhere"
    );
    assert!(offers_ten(first.clone(), false).await);
    let token = taken.json["hold"].as_str().expect("hold");
    let released = send(
        &second,
        Method::DELETE,
        &format!("/api/v1/public/holds/{token}"),
        None,
        &[],
    )
    .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT, "{}", released.json);
    assert!(
        offers_ten(first.clone(), true).await,
        "the release shows elsewhere"
    );
}

/// Choosing another time moves the hold; choosing the same time renews it.
async fn a_new_choice_replaces_the_hold(backend: Backend) {
    let Some(app) = one_on_one(backend).await else {
        return;
    };
    let first = held(&app, "ana/intro", TEN).await;
    // The same visitor chooses the same time again a few minutes later: renewed.
    app.set_now("2026-05-25T00:04:00Z");
    let again = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": TEN, "hold": first })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.json);
    assert_eq!(again.json["expires_at"], "2026-05-25T00:09:00Z");
    let renewed = again.json["hold"].as_str().expect("hold").to_string();
    assert_ne!(renewed, first, "a fresh secret");
    assert_problem(&release(&app, &first).await, StatusCode::NOT_FOUND, None);
    app.set_now("2026-05-25T00:06:00Z");
    assert!(
        !starts(&app, "ana/intro", None)
            .await
            .contains(&TEN.to_string())
    );

    // Then another time: the hold moves, 10:00 is free for others.
    let eleven = "2026-06-01T11:00:00Z";
    let moved = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": eleven, "hold": renewed })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    let others = starts(&app, "ana/intro", None).await;
    assert!(others.contains(&TEN.to_string()), "{others:?}");
    assert!(!others.contains(&eleven.to_string()), "{others:?}");

    // A refused move keeps the hold it would have replaced.
    let taken = held(&app, "ana/intro", "2026-06-01T14:00:00Z").await;
    let mine = moved.json["hold"].as_str().expect("hold").to_string();
    let refused = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": "2026-06-01T14:00:00Z", "hold": mine })),
        )
        .await;
    assert_problem(&refused, StatusCode::CONFLICT, Some("start"));
    assert!(
        !starts(&app, "ana/intro", None)
            .await
            .contains(&eleven.to_string())
    );
    assert_eq!(release(&app, &mine).await.status, StatusCode::NO_CONTENT);
    assert_eq!(release(&app, &taken).await.status, StatusCode::NO_CONTENT);
}

on_both!(a_new_choice_replaces_the_hold);

/// Holds `start` as a visitor connected from `peer` (what the server's
/// accept loop records), with an `X-Forwarded-For` header if given.
async fn hold_from(
    app: &App,
    page: &str,
    body: Value,
    peer: &str,
    forwarded: Option<&str>,
) -> crate::helpers::Response {
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/public/{page}/holds"))
        .header("content-type", "application/json");
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    let peer: std::net::SocketAddr = format!("{peer}:50000").parse().expect("peer");
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    crate::helpers::Response {
        status,
        headers,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A script cannot hold every free time: one visitor (IP address) keeps at
/// most so many live holds per event type and overall; beyond that a 429
/// says when their earliest hold expires. Others are not affected, moving a
/// hold is not a new one, and expiry frees the cap.
async fn hold_caps(backend: Backend) {
    use kairos::config::{HoldLimits, ProxyNet};
    let Some(app) = App::with_state(backend, |state| {
        state.with_hold_limits(HoldLimits {
            per_event_type: 3,
            per_client: 4,
            trusted_proxies: vec![ProxyNet::parse("10.0.0.0/8").expect("net")],
        })
    })
    .await
    else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    for slug in ["intro", "demo"] {
        app.event_type(json!({
            "owner_id": ana, "slug": slug, "title": slug, "kind": "one_on_one", "duration_minutes": 30
        }))
        .await;
    }
    let at = |hour: u32| format!("2026-06-01T{hour:02}:00:00Z");
    let visitor = "203.0.113.5";
    let take = |page: &'static str, hour: u32, peer: &'static str| {
        let body = json!({ "start": at(hour) });
        let app = &app;
        async move { hold_from(app, page, body, peer, None).await }
    };
    // 00:00 and 00:01: three holds on intro (each for 5 minutes).
    let first = take("ana/intro", 9, visitor).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    app.set_now("2026-05-25T00:01:00Z");
    for hour in [10, 11] {
        let held = take("ana/intro", hour, visitor).await;
        assert_eq!(held.status, StatusCode::CREATED, "{}", held.json);
    }
    // A fourth is refused until the earliest expires (00:05, three minutes on).
    app.set_now("2026-05-25T00:02:00Z");
    let refused = take("ana/intro", 12, visitor).await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, None);
    assert_eq!(
        refused
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("180")
    );
    let detail = refused.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("3 times of this event type"), "{detail}");
    // The refused time stays free: another visitor holds it.
    let other = take("ana/intro", 12, "198.51.100.7").await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.json);
    // Choosing another time moves a hold: not one more.
    let token = first.json["hold"].as_str().expect("hold");
    let moved = hold_from(
        &app,
        "ana/intro",
        json!({ "start": at(13), "hold": token }),
        visitor,
        None,
    )
    .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    // Overall: a fourth live hold on another event type, then no fifth.
    let demo = take("ana/demo", 15, visitor).await;
    assert_eq!(demo.status, StatusCode::CREATED, "{}", demo.json);
    let refused = take("ana/demo", 16, visitor).await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, None);
    let detail = refused.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("4 times on this server"), "{detail}");
    // The earliest of all four: 10:00 and 11:00, taken at 00:01, expire at 00:06.
    assert_eq!(
        refused
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("240")
    );
    // Behind a trusted proxy the forwarded address is the visitor…
    let proxied = hold_from(
        &app,
        "ana/demo",
        json!({ "start": at(16) }),
        "10.0.0.1",
        Some("203.0.113.5"),
    )
    .await;
    assert_problem(&proxied, StatusCode::TOO_MANY_REQUESTS, None);
    // …but from anyone else the header is ignored.
    let spoofed = hold_from(
        &app,
        "ana/demo",
        json!({ "start": at(16) }),
        "198.51.100.9",
        Some("203.0.113.5"),
    )
    .await;
    assert_eq!(spoofed.status, StatusCode::CREATED, "{}", spoofed.json);
    // Expiry frees the cap: at 00:06 the two holds taken at 00:01 are gone.
    app.set_now("2026-05-25T00:06:00Z");
    for hour in [10, 11] {
        let again = take("ana/intro", hour, visitor).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.json);
    }
    let full = take("ana/intro", 14, visitor).await;
    assert_problem(&full, StatusCode::TOO_MANY_REQUESTS, None);
}

on_both!(hold_caps);
