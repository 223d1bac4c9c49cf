//! The CalDAV client against a real Radicale server (installed with pip by
//! `.ci/run`): discovery, reading recurring series with overrides and EXDATE,
//! incremental sync after changes, writing and deleting events.

use crate::radicale::{radicale, radicale_with_passwords};
use kairos::engine::{Instant, Interval, Zone, ical::parse_calendar, limits::Budget};
use kairos::sync::caldav::{CaldavClient, CaldavError};

const STANDUP: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kairos//test//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260601T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20260602T090000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260603T090000\r\nDTSTART;TZID=Europe/Berlin:20260603T140000\r\nDURATION:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn lunch(hour: u32) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kairos//test//EN\r\nBEGIN:VEVENT\r\nUID:lunch\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260601T{hour:02}0000Z\r\nDTEND:20260601T{:02}0000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        hour + 1
    )
}

/// Busy starts (UTC) of a set of resources in early June, through our engine.
fn busy_starts(resources: &[kairos::sync::caldav::Resource]) -> Vec<String> {
    let window = Interval::new(Instant(1_780_272_000), Instant(1_780_272_000 + 7 * 86_400));
    let mut starts = Vec::new();
    for resource in resources {
        let calendar = parse_calendar(&resource.ical).expect("Radicale returns what we stored");
        let mut occurrences = Vec::new();
        let unreadable = calendar.busy(
            &Zone::UTC,
            window,
            &mut occurrences,
            &mut Budget::for_query(),
        );
        assert!(unreadable.is_empty(), "{unreadable:?}");
        starts.extend(occurrences.iter().map(|o| o.interval.start.rfc3339()));
    }
    starts.sort();
    starts
}

#[tokio::test]
async fn caldav_discovery_sync_and_writes() {
    let Some(server) = radicale().await else {
        return;
    };
    let (client, _) = server.work_calendar("ana", "app-password").await;
    let calendars = client.discover(&server.url).await.expect("discover");
    assert_eq!(calendars.len(), 1, "{calendars:?}");
    let work = calendars[0].clone();
    assert_eq!(work.name, "Work");
    assert!(
        work.sync_token.is_some(),
        "Radicale supports sync-collection"
    );

    // A recurring series with EXDATE and an overriding instance, and a single event.
    client
        .put(&work.url, "standup.ics", STANDUP)
        .await
        .expect("put standup");
    client
        .put(&work.url, "lunch.ics", &lunch(11))
        .await
        .expect("put lunch");
    let all = client.events(&work.url).await.expect("events");
    assert_eq!(all.len(), 2);
    assert_eq!(
        busy_starts(&all),
        [
            "2026-06-01T07:00:00Z", // the stand-up, 09:00 Berlin
            "2026-06-01T11:00:00Z", // lunch
            "2026-06-03T12:00:00Z", // moved to 14:00 Berlin
            "2026-06-04T07:00:00Z",
            "2026-06-05T07:00:00Z", // (June 2 is an EXDATE)
        ]
    );

    // Incremental sync: a first token, then only what changed.
    let first = client.sync(&work.url, None).await.expect("initial sync");
    assert_eq!(first.changed.len(), 2);
    client
        .put(&work.url, "lunch.ics", &lunch(12))
        .await
        .expect("move lunch");
    client
        .delete(&work.url, "standup.ics")
        .await
        .expect("delete standup");
    let next = client
        .sync(&work.url, Some(&first.token))
        .await
        .expect("incremental sync");
    assert_eq!(next.changed.len(), 1, "{next:?}");
    assert!(next.changed[0].href.ends_with("lunch.ics"));
    assert_eq!(busy_starts(&next.changed), ["2026-06-01T12:00:00Z"]);
    assert_eq!(next.removed.len(), 1);
    assert!(next.removed[0].ends_with("standup.ics"));
    let quiet = client
        .sync(&work.url, Some(&next.token))
        .await
        .expect("nothing new");
    assert!(quiet.changed.is_empty() && quiet.removed.is_empty());
    // An unknown token asks for a full resync.
    let stale = client
        .sync(&work.url, Some("http://radicale.org/ns/sync/nonsense"))
        .await;
    assert!(
        matches!(stale, Err(CaldavError::SyncTokenInvalid)),
        "{stale:?}"
    );
    // Deleting what is gone is fine.
    client
        .delete(&work.url, "standup.ics")
        .await
        .expect("idempotent delete");
}

/// A changed or revoked app password shows as Unauthorized (the connection
/// will be marked needs_reconnect), not as a generic failure.
#[tokio::test]
async fn caldav_wrong_password_is_unauthorized() {
    let Some(server) = radicale_with_passwords().await else {
        return;
    };
    let wrong = CaldavClient::new("ana", "wrong").expect("client");
    let result = wrong.discover(&server.url).await;
    assert!(
        matches!(result, Err(CaldavError::Unauthorized(401))),
        "{result:?}"
    );
    let right = CaldavClient::new("ana", "right").expect("client");
    assert!(right.discover(&server.url).await.is_ok());
}

/// Servers without sync-collection: changes found by comparing ETags, the
/// same deltas as with sync tokens.
#[tokio::test]
async fn caldav_etag_fallback() {
    use kairos::sync::api::CalendarApi;
    use kairos::sync::caldav::CaldavApi;
    let Some(server) = radicale().await else {
        return;
    };
    let (client, work) = server.work_calendar("ana", "app-password").await;
    client
        .put(&work, "standup.ics", STANDUP)
        .await
        .expect("put");
    client
        .put(&work, "lunch.ics", &lunch(12))
        .await
        .expect("put");
    let api = CaldavApi::new(server.url.clone(), "ana", "app-password", Vec::new(), true)
        .expect("api")
        .with_etags_only();
    let first = api.changes(work.as_str(), None).await.expect("full");
    assert!(first.full);
    assert_eq!(first.upserts.len(), 2, "{first:?}");
    let token = first.token.clone().expect("token");
    assert!(token.starts_with("etags:"));
    let quiet = api
        .changes(work.as_str(), Some(&token))
        .await
        .expect("nothing changed");
    assert!(
        quiet.upserts.is_empty() && quiet.removed.is_empty(),
        "{quiet:?}"
    );
    client
        .put(&work, "lunch.ics", &lunch(13))
        .await
        .expect("put");
    client.delete(&work, "standup.ics").await.expect("delete");
    let next = api
        .changes(work.as_str(), quiet.token.as_deref())
        .await
        .expect("changes");
    assert!(!next.full);
    assert_eq!(next.upserts.len(), 1);
    assert!(next.upserts[0].external_id.ends_with("lunch.ics"));
    assert_eq!(next.removed.len(), 1);
    assert!(next.removed[0].ends_with("standup.ics"));
}

/// A server whose root names no principal (as Nextcloud's): discovery asks
/// `/.well-known/caldav` and follows its redirect with PROPFIND intact.
#[tokio::test]
async fn caldav_discovery_through_well_known() {
    let Some(server) = radicale().await else {
        return;
    };
    let (client, _) = server.work_calendar("ana", "app-password").await;
    let target = server.url.to_string();
    let stub = axum::Router::new()
        .route(
            "/.well-known/caldav",
            axum::routing::any(move || {
                let target = target.clone();
                async move { axum::response::Redirect::permanent(&target) }
            }),
        )
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND });
    let base = crate::fakes::serve(stub).await;
    let start: url::Url = format!("{base}/cloud/").parse().expect("url");
    let calendars = client.discover(&start).await.expect("discovered");
    assert_eq!(calendars.len(), 1, "{calendars:?}");
    assert_eq!(calendars[0].name, "Work");
    assert!(
        calendars[0].url.as_str().starts_with(server.url.as_str()),
        "hrefs resolve against the server that answered: {}",
        calendars[0].url
    );
}
