//! Team pages (`/team/{team}`, `/team/{team}/{event}`), one-off link pages
//! (`/links/{token}`) and suggested-time links, on both databases: what each
//! page shows (escaped), its branding, its 404/410 pages, and bookings made
//! through them landing exactly as through the owner's page.

use crate::helpers::{App, Backend, Response, assert_problem, office_hours};
use crate::on_both;
use crate::page_support::*;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// ana and bo (UTC, weekdays 9–17) in the team "sales" (branded), which
/// lists a round robin (owned by ana), a collective (owned by bo) and a
/// hidden one; returns the app and the team's id.
async fn setup(backend: Backend) -> Option<(App, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "UTC", office_hours()).await;
    let bo = app.host("bo", "UTC", office_hours()).await;
    let made = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({
                "slug": "sales", "name": "Sales <b>EU</b>", "description": "We sell & \"help\".",
                "logo_url": "https://cdn.example.com/logo.png?a=1&b=\"2\"",
                "brand_color": "#ffd400", "brand_color_dark": "#123456"
            })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let sales = made.json["id"].as_str().expect("id").to_string();
    let hosts = json!([{ "user_id": ana }, { "user_id": bo }]);
    app.event_type(json!({
        "owner_id": ana, "slug": "demo", "title": "Demo <script>x</script>", "kind": "round_robin",
        "duration_minutes": 30, "hosts": hosts, "team_id": sales,
        "description": "See it & ask", "location": { "kind": "video", "url": "https://meet.example.com/d" },
        "questions": [{ "id": "company", "label": "Company", "kind": "text", "required": true }]
    }))
    .await;
    app.event_type(json!({
        "owner_id": bo, "slug": "review", "title": "Deal review", "kind": "collective",
        "duration_minutes": 60, "hosts": hosts, "team_id": sales,
        "location": { "kind": "in_person", "address": "Main St 1" }
    }))
    .await;
    app.event_type(json!({
        "owner_id": ana, "slug": "secret", "title": "Hidden one", "kind": "round_robin",
        "duration_minutes": 30, "hosts": hosts, "team_id": sales, "hidden": true
    }))
    .await;
    Some((app, sales))
}

fn is_html(response: &Response) -> bool {
    response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

async fn team_branding_is_validated(backend: Backend) {
    let Some((app, sales)) = setup(backend).await else {
        return;
    };
    let shown = app
        .admin(Method::GET, &format!("/api/v1/teams/{sales}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.json["brand_color"], "#ffd400");
    assert_eq!(shown.json["brand_color_dark"], "#123456");
    assert_eq!(
        shown.json["logo_url"],
        "https://cdn.example.com/logo.png?a=1&b=\"2\""
    );
    // The same rules as a host's branding, each naming its field.
    for (body, field) in [
        (
            json!({ "logo_url": "http://cdn.example.com/l.png" }),
            "logo_url",
        ),
        (json!({ "logo_url": "javascript:alert(1)" }), "logo_url"),
        (json!({ "logo_url": "https://" }), "logo_url"),
        (json!({ "brand_color": "red" }), "brand_color"),
        (json!({ "brand_color": "#12345g" }), "brand_color"),
        (
            json!({ "brand_color_dark": "#1234567" }),
            "brand_color_dark",
        ),
        (
            json!({ "brand_color_dark": "#123456;background:url(x)" }),
            "brand_color_dark",
        ),
    ] {
        let mut team = json!({ "slug": "ops", "name": "Ops" });
        for (k, v) in body.as_object().expect("object") {
            team[k] = v.clone();
        }
        let refused = app
            .admin(Method::POST, "/api/v1/teams", Some(team.clone()))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
        team["slug"] = json!("sales");
        let refused = app
            .admin(Method::PUT, &format!("/api/v1/teams/{sales}"), Some(team))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // Cleared by leaving them out; the public listing carries what is set.
    let plain = app
        .admin(
            Method::PUT,
            &format!("/api/v1/teams/{sales}"),
            Some(json!({ "slug": "sales", "name": "Sales", "brand_color": "#0B57D0" })),
        )
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.json);
    assert!(plain.json.get("logo_url").is_none(), "{}", plain.json);
    let public = app
        .public(Method::GET, "/api/v1/public/team/sales", None)
        .await;
    assert_eq!(public.json["brand_color"], "#0B57D0");
    assert!(public.json.get("brand_color_dark").is_none());
    // A host's branding still follows the same rules.
    let host = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({ "slug": "cy", "name": "Cy", "email": "cy@example.com", "timezone": "UTC",
                "avatar_url": "http://cdn.example.com/cy.png" }),
            ),
        )
        .await;
    assert_problem(&host, StatusCode::UNPROCESSABLE_ENTITY, Some("avatar_url"));
}

on_both!(team_branding_is_validated);

async fn team_page_lists_its_event_types(backend: Backend) {
    let Some((app, _)) = setup(backend).await else {
        return;
    };
    let (page, html) = get(&app, "/team/sales?utm_source=mail", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(is_html(&page));
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("<h1>Sales &lt;b&gt;EU&lt;/b&gt;</h1>"),
        "{html}"
    );
    assert!(!html.contains("<b>EU"));
    assert!(
        html.contains("We sell &amp; &quot;help&quot;."),
        "description escaped: {html}"
    );
    assert!(
        html.contains(
            "<img class=\"logo\" src=\"https://cdn.example.com/logo.png?a=1&amp;b=&quot;2&quot;\" alt=\"\""
        ),
        "logo escaped, decorative: {html}"
    );
    assert!(
        html.contains("--brand:#ffd400;--brand-ink:#111111"),
        "team brand"
    );
    assert!(
        html.contains("--brand:#123456;--brand-ink:#ffffff"),
        "dark brand"
    );
    // Its public event types, by title, each to its page under the team,
    // carrying the campaign; the hidden one stays off.
    let review = html.find("Deal review").expect("review listed");
    let demo = html
        .find("Demo &lt;script&gt;x&lt;/script&gt;")
        .expect("demo listed");
    assert!(review < demo, "by title");
    assert!(!html.contains("<script>x"));
    assert!(!html.contains("Hidden one"));
    assert!(
        html.contains("href=\"/team/sales/demo?utm_source=mail\""),
        "{html}"
    );
    assert!(html.contains("href=\"/team/sales/review?utm_source=mail\""));
    assert!(
        html.contains("30 min · Video call · With one of the team"),
        "{html}"
    );
    assert!(
        html.contains("60 min · In person · With the whole team"),
        "{html}"
    );
    assert!(html.contains("See it &amp; ask"), "description shown");
    assert!(
        html.contains(
            "{\"type\":\"kairos:ready\",\"detail\":{\"user\":null,\"event\":null,\"team\":\"sales\"}}"
        ),
        "page event: {html}"
    );
    // Accessibility as on the other pages: skip link, main landmark, footer
    // with the language switch.
    assert!(html.contains("<a class=\"skip\" href=\"#main\">"));
    assert!(html.contains("<main id=\"main\" tabindex=\"-1\">"));
    assert!(
        html.contains("<footer><nav aria-label=\"Language\">"),
        "{html}"
    );
    // German.
    let (_, html) = get(&app, "/team/sales", &[("accept-language", "de")]).await;
    assert!(html.contains("<html lang=\"de\">"));
    assert!(
        html.contains("30 Min. · Videoanruf · Mit einer Person aus dem Team"),
        "{html}"
    );
    assert!(html.contains("Mit dem ganzen Team"));
    assert!(html.contains("Wählen Sie, worüber Sie sprechen möchten."));
    // Embedded: no chrome, the relay script, links keep embed=1.
    let (_, html) = get(&app, "/team/sales?embed=1", &[]).await;
    assert!(html.contains("<script src=\"/embed/frame.js\" defer></script>"));
    assert!(html.contains("<body class=\"embed\">") && !html.contains("<footer>"));
    assert!(html.contains("href=\"/team/sales/demo?embed=1\""), "{html}");
    // A team without public event types says so.
    let made = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "ops", "name": "Ops & Co" })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let (page, html) = get(&app, "/team/ops", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html.contains("Ops &amp; Co offers no public bookings at the moment."),
        "{html}"
    );
    assert!(!html.contains("--brand:"), "no brand: Kairos's own colours");
}

async fn team_pages_not_found(backend: Backend) {
    let Some((app, _)) = setup(backend).await else {
        return;
    };
    for uri in [
        "/team/nobody",
        "/team/Bad%20Slug",
        "/team/sales/nothing",
        "/team/sales/secret",
        "/team/nobody/demo",
        "/team/sales/nothing/book",
        "/team/sales/nothing/book?start=2026-06-01T09:00:00Z",
        "/team/sales/Bad%20Slug",
    ] {
        let (missing, html) = get(&app, uri, &[("accept-language", "de")]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(is_html(&missing), "{uri}: never JSON");
        assert!(html.contains("Seite nicht gefunden"), "{uri}: {html}");
    }
    // ana's own event type is not the team's.
    app.event_type(json!({
        "owner_id": app.admin(Method::GET, "/api/v1/users", None).await.json[0]["id"],
        "slug": "solo", "title": "Solo", "kind": "one_on_one", "duration_minutes": 30
    }))
    .await;
    let (missing, _) = get(&app, "/team/sales/solo", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let (posted, _) = post_form(&app, "/team/sales/nothing/book", "start=x").await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
}

async fn team_calendar_and_form(backend: Backend) {
    let Some((app, _)) = setup(backend).await else {
        return;
    };
    let (page, html) = get(&app, "/team/sales/demo?timezone=UTC&utm_campaign=q3", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(
        html.contains("--brand:#ffd400;--brand-ink:#111111"),
        "team brand"
    );
    assert!(
        html.contains("<a href=\"/team/sales?utm_campaign=q3\">Sales &lt;b&gt;EU&lt;/b&gt;</a>"),
        "back to the team's page: {html}"
    );
    assert!(html.contains("<img class=\"logo\""), "team logo");
    assert!(
        html.contains("<h1>Demo &lt;script&gt;x&lt;/script&gt;</h1>"),
        "{html}"
    );
    assert!(html.contains("With one of the team"));
    assert!(
        html.contains(
            "<title>Demo &lt;script&gt;x&lt;/script&gt; – Sales &lt;b&gt;EU&lt;/b&gt;</title>"
        ),
        "{html}"
    );
    // The same calendar: the first free day's times link to the team's form.
    assert!(html.contains("Times on Monday, May 25, 2026"), "{html}");
    assert!(
        html.contains("href=\"/team/sales/demo/book?utm_campaign=q3&amp;start=2026-05-25T09%3A00%3A00Z&amp;timezone=UTC&amp;clock=12\""),
        "{html}"
    );
    assert!(
        html.contains("action=\"/team/sales/demo\""),
        "zone picker stays here"
    );
    // The script's JSON calls go to the owner's public API.
    assert!(
        html.contains("\"slots\":\"/api/v1/public/ana/demo/slots\""),
        "{html}"
    );
    assert!(html.contains("\"holds\":\"/api/v1/public/ana/demo/holds\""));
    assert!(html.contains("\"book\":\"/team/sales/demo/book\""));
    assert!(
        html.contains("\"team\":\"sales\""),
        "page event names the team"
    );
    assert!(html.contains("\"user\":\"ana\""));
    // German, embedded.
    let (_, html) = get(&app, "/team/sales/demo?lang=de&embed=1&timezone=UTC", &[]).await;
    assert!(html.contains("Datum und Uhrzeit wählen") && html.contains("<body class=\"embed\">"));
    assert!(
        html.contains("/team/sales/demo/book?lang=de&amp;embed=1&amp;start="),
        "{html}"
    );
    // The form.
    let (form, html) = get(
        &app,
        "/team/sales/demo/book?start=2026-06-01T09:00:00Z&timezone=UTC&utm_source=x",
        &[],
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<form method=\"post\" action=\"/team/sales/demo/book\">"),
        "{html}"
    );
    assert!(html.contains("--brand:#ffd400"), "team brand on the form");
    assert!(html.contains("Monday, June 1, 2026, 9:00 am – 9:30 am (UTC)"));
    assert!(
        html.contains("href=\"/team/sales/demo?utm_source=x&amp;timezone=UTC\""),
        "back to the team's calendar: {html}"
    );
    let (none, _) = get(&app, "/team/sales/demo/book?lang=de", &[]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&none), "/team/sales/demo?lang=de");
}

async fn booking_through_the_team_page(backend: Backend) {
    let Some((app, _)) = setup(backend).await else {
        return;
    };
    let form = "start=2026-06-01T09%3A00%3A00Z&timezone=Europe%2FBerlin&idem=team1\
                &invitee.name=Pat+%3Cb%3E&invitee.email=pat%40example.com&answers.company=Acme&utm_source=team";
    let (done, html) = post_form(&app, "/team/sales/demo/book", form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{html}");
    let to = location(&done);
    assert!(to.starts_with("/booking/") && to.contains("token="), "{to}");
    let uid = to["/booking/".len()..]
        .split('?')
        .next()
        .expect("uid")
        .to_string();
    // The same again (a double click): the same booking.
    let (again, _) = post_form(&app, "/team/sales/demo/book", form).await;
    assert_eq!(location(&again), to);
    // Through the owner's public API, the next time.
    let api = app
        .public(
            Method::POST,
            "/api/v1/public/ana/demo/bookings",
            Some(json!({ "start": "2026-06-01T10:00:00Z", "answers": { "company": "Acme" },
                "invitee": { "name": "Pat <b>", "email": "pat@example.com", "timezone": "Europe/Berlin" },
                "utm": { "source": "team" } })),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.json);
    let paged = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(paged.status, StatusCode::OK, "{}", paged.json);
    let direct = app
        .admin(
            Method::GET,
            &format!(
                "/api/v1/bookings/{}",
                api.json["uid"].as_str().expect("uid")
            ),
            None,
        )
        .await;
    // Exactly as through the owner's page: the same event type, status,
    // invitee, answers and a host chosen by the round robin.
    for key in ["event_type_id", "status", "invitee", "answers", "utm"] {
        let mut paged = paged.json[key].clone();
        if key == "invitee" {
            // The page also records the language it was read in.
            assert_eq!(paged["language"], "en");
            paged.as_object_mut().expect("invitee").remove("language");
        }
        assert_eq!(paged, direct.json[key], "{key}");
    }
    assert_eq!(paged.json["hosts"].as_array().map(Vec::len), Some(1));
    assert!(
        paged.json["assignment_reason"].is_string(),
        "{}",
        paged.json
    );
    // The confirmation page is the usual one.
    let (confirmed, html) = get(&app, &to, &[]).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert!(html.contains("You are booked"), "{html}");
    // Round robin: the other host is still free at 09:00, so the form shows.
    let (open, html) = get(
        &app,
        "/team/sales/demo/book?start=2026-06-01T09:00:00Z&timezone=UTC",
        &[],
    )
    .await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(html.contains("Enter your details"), "{html}");
    let second = app
        .book_public("ana/demo", "2026-06-01T09:00:00Z", "lee@example.com")
        .await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "company is required: {}",
        second.json
    );
    let second = app
        .public(
            Method::POST,
            "/api/v1/public/ana/demo/bookings",
            Some(
                json!({ "start": "2026-06-01T09:00:00Z", "answers": { "company": "Lee" },
                "invitee": { "name": "Lee", "email": "lee@example.com", "timezone": "UTC" } }),
            ),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.json);
    // Both hosts taken: the team's form offers the nearest free times, under the team.
    let (taken, html) = get(
        &app,
        "/team/sales/demo/book?start=2026-06-01T09:00:00Z&timezone=UTC",
        &[],
    )
    .await;
    assert_eq!(taken.status, StatusCode::OK);
    assert!(html.contains("That time is no longer available"), "{html}");
    assert!(
        html.contains("href=\"/team/sales/demo/book?start=2026-06-01T09%3A30%3A00Z&amp;timezone=UTC&amp;clock=12\""),
        "{html}"
    );
}

/// ana (UTC, weekdays 9–17) with a one-hour call that asks for a company;
/// returns the app and the call's id.
async fn link_setup(backend: Backend) -> Option<(App, String)> {
    let app = App::new(backend).await?;
    let ana = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "slug": "ana", "name": "Ana <i>", "email": "ana@example.com", "timezone": "UTC",
                "brand_color": "#0b57d0" })),
        )
        .await;
    assert_eq!(ana.status, StatusCode::CREATED, "{}", ana.json);
    let id = ana.json["id"].as_str().expect("id").to_string();
    let schedule = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(json!({ "user_id": id, "name": "Hours", "timezone": "UTC", "weekly": office_hours(), "is_default": true })),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED);
    let call = app
        .event_type(json!({ "owner_id": id, "slug": "call", "title": "Call <&>", "kind": "one_on_one",
            "duration_minutes": 60,
            "questions": [{ "id": "company", "label": "Company", "kind": "text", "required": true }] }))
        .await;
    Some((app, call))
}

/// Makes a link; returns its token and the path of its page (from `url`).
async fn make_link(app: &App, body: Value) -> (String, String) {
    let made = app.admin(Method::POST, "/api/v1/links", Some(body)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let token = made.json["token"].as_str().expect("token").to_string();
    let url = made.json["url"].as_str().expect("url");
    let path = url
        .strip_prefix("http://kairos.test")
        .expect("public url")
        .to_string();
    assert_eq!(path, format!("/links/{token}"));
    (token, path)
}

fn secret_page(response: &Response) {
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(
        header("cache-control").as_deref(),
        Some("private, no-store")
    );
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
}

async fn link_page_with_picked_times(backend: Backend) {
    let Some((app, call)) = link_setup(backend).await else {
        return;
    };
    // Saturday 10:00 is outside ana's hours: only the link offers it.
    let (token, path) = make_link(
        &app,
        json!({ "event_type_id": call, "times": ["2026-06-06T10:00:00Z", "2026-06-01T19:00:00Z"] }),
    )
    .await;
    let (page, html) = get(&app, &format!("{path}?timezone=UTC"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(is_html(&page));
    secret_page(&page);
    assert!(html.contains("--brand:#0b57d0"), "the host's brand");
    assert!(
        html.contains("<p class=\"muted\">Ana &lt;i&gt;</p>"),
        "the host, without a link away: {html}"
    );
    assert!(html.contains("<h1>Call &lt;&amp;&gt;</h1>"), "{html}");
    // It opens on the month of the first picked time, which offers only them.
    assert!(html.contains(">June 2026</h3>"), "{html}");
    assert!(html.contains("data-date=\"2026-06-01\"") && html.contains("data-date=\"2026-06-06\""));
    assert!(
        !html.contains("data-date=\"2026-06-02\""),
        "normal slots are not the link's"
    );
    assert!(html.contains("Times on Monday, June 1, 2026"), "{html}");
    assert!(
        html.contains(&format!(
            "href=\"/links/{token}/book?start=2026-06-01T19%3A00%3A00Z&amp;timezone=UTC&amp;clock=12\""
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("\"slots\":\"/api/v1/links/{token}/slots\"")),
        "{html}"
    );
    assert!(
        html.contains("\"holds\":null"),
        "no holds on hand-picked times"
    );
    assert!(
        html.contains(
            "\"starts\":[[\"2026-06-01T19:00:00Z\",null],[\"2026-06-06T10:00:00Z\",null]]"
        ),
        "{html}"
    );
    // The Saturday's time.
    let (_, html) = get(
        &app,
        &format!("{path}?timezone=UTC&month=2026-06&date=2026-06-06&clock=24"),
        &[],
    )
    .await;
    assert!(html.contains(">10:00</a>"), "{html}");
    // The form, for a picked time; a time the link does not offer is gone.
    let (form, html) = get(
        &app,
        &format!("{path}/book?start=2026-06-06T10:00:00Z&timezone=UTC"),
        &[],
    )
    .await;
    assert_eq!(form.status, StatusCode::OK, "{html}");
    secret_page(&form);
    assert!(
        html.contains(&format!(
            "<form method=\"post\" action=\"/links/{token}/book\">"
        )),
        "{html}"
    );
    assert!(
        html.contains("Saturday, June 6, 2026, 10:00 am – 11:00 am (UTC)"),
        "{html}"
    );
    let (other, html) = get(
        &app,
        &format!("{path}/book?start=2026-06-02T09:00:00Z&timezone=UTC"),
        &[],
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(html.contains("That time is no longer available"), "{html}");
    assert!(
        html.contains(&format!("href=\"/links/{token}/book?start=2026-06-01T19%3A00%3A00Z&amp;timezone=UTC&amp;clock=12\"")),
        "the link's nearest times: {html}"
    );
    // Booked through the page: the link's use case (used up in the booking).
    let form = "start=2026-06-06T10%3A00%3A00Z&timezone=UTC&idem=l1&invitee.name=Pat\
                &invitee.email=pat%40example.com&answers.company=Acme&utm_source=link";
    let (done, html) = post_form(&app, &format!("{path}/book"), form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{html}");
    let to = location(&done);
    let uid = to["/booking/".len()..]
        .split('?')
        .next()
        .expect("uid")
        .to_string();
    // Submitted twice (a double click): the same booking, not "used".
    let (twice, html) = post_form(&app, &format!("{path}/book"), form).await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location(&twice), to);
    let booked = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(
        booked.json["start"], "2026-06-06T10:00:00Z",
        "{}",
        booked.json
    );
    assert_eq!(booked.json["event_type_id"], json!(call));
    assert_eq!(booked.json["utm"]["source"], "link");
    let links = app.admin(Method::GET, "/api/v1/links", None).await;
    assert_eq!(links.json[0]["state"], "used");
    assert_eq!(links.json[0]["used_booking"], json!(uid));
    // Used: a 410 page in words, in the reader's language.
    let (gone, html) = get(&app, &path, &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(is_html(&gone));
    secret_page(&gone);
    assert!(html.contains("This link can no longer be used"), "{html}");
    assert!(
        html.contains("This link has already been used to book a meeting."),
        "{html}"
    );
    let (gone, html) = get(
        &app,
        &format!("{path}/book?start=2026-06-01T19:00:00Z&lang=de"),
        &[],
    )
    .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(
        html.contains("<html lang=\"de\">")
            && html.contains("Über diesen Link wurde bereits ein Termin gebucht."),
        "{html}"
    );
    let again = "start=2026-06-01T19%3A00%3A00Z&timezone=UTC&idem=l2&invitee.name=Lee\
                &invitee.email=lee%40example.com&answers.company=Acme";
    let (gone, _) = post_form(&app, &format!("{path}/book"), again).await;
    assert_eq!(gone.status, StatusCode::GONE);
}

async fn link_page_without_times_and_dead_links(backend: Backend) {
    let Some((app, call)) = link_setup(backend).await else {
        return;
    };
    // No picked times: the event type's calendar, booked through the link.
    let (token, path) = make_link(&app, json!({ "event_type_id": call })).await;
    let (page, html) = get(&app, &format!("{path}?timezone=UTC"), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(html.contains("Times on Monday, May 25, 2026"), "{html}");
    assert!(html.contains(&format!("\"slots\":\"/api/v1/links/{token}/slots\"")));
    assert!(
        html.contains("\"holds\":\"/api/v1/public/ana/call/holds\""),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/links/{token}/book?")));
    let form = "start=2026-05-26T09%3A00%3A00Z&timezone=UTC&idem=l3&invitee.name=Pat\
                &invitee.email=pat%40example.com&answers.company=%3Cb%3EAcme";
    let (refused, html) = post_form(&app, &format!("{path}/book"), "start=2026-05-26T09%3A00%3A00Z&timezone=UTC&invitee.name=Pat&invitee.email=pat%40example.com").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "company is required"
    );
    assert!(html.contains("This field is required."), "{html}");
    let (done, html) = post_form(&app, &format!("{path}/book"), form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{html}");
    let links = app.admin(Method::GET, "/api/v1/links", None).await;
    assert_eq!(links.json[0]["state"], "used", "{}", links.json);
    // Expired and withdrawn links.
    let (_, expiring) = make_link(
        &app,
        json!({ "event_type_id": call, "expires_at": "2026-05-26T00:00:00Z" }),
    )
    .await;
    let made = app.admin(Method::GET, "/api/v1/links", None).await;
    let (_, withdrawn) = make_link(&app, json!({ "event_type_id": call })).await;
    let all = app.admin(Method::GET, "/api/v1/links", None).await;
    let known: Vec<&Value> = made.json.as_array().expect("links").iter().collect();
    let newest = all
        .json
        .as_array()
        .expect("links")
        .iter()
        .find(|l| !known.contains(l))
        .expect("new link");
    let revoked = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/links/{}", newest["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.json);
    let (gone, html) = get(&app, &withdrawn, &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(html.contains("The host has withdrawn this link."), "{html}");
    let (gone, html) = get(&app, &format!("{withdrawn}?lang=de"), &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(
        html.contains("Der Gastgeber hat diesen Link zurückgezogen."),
        "{html}"
    );
    let (open, _) = get(&app, &expiring, &[]).await;
    assert_eq!(open.status, StatusCode::OK, "not expired yet");
    app.set_now("2026-05-26T00:00:01Z");
    let (gone, html) = get(&app, &expiring, &[]).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(html.contains("This link has expired."), "{html}");
    let (gone, html) = get(
        &app,
        &format!("{expiring}/book?start=2026-05-27T09:00:00Z"),
        &[("accept-language", "de")],
    )
    .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(html.contains("Dieser Link ist abgelaufen."), "{html}");
    // Unknown and malformed tokens: 404 pages.
    for uri in [
        "/links/abcdefghijkmnpqrstuvwxyz2345678",
        "/links/a%20b",
        "/links/x%3Cy%3E/book",
    ] {
        let (missing, html) = get(&app, uri, &[]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(html.contains("Page not found"), "{uri}: {html}");
    }
}

on_both!(
    link_page_with_picked_times,
    link_page_without_times_and_dead_links
);

on_both!(
    team_page_lists_its_event_types,
    team_pages_not_found,
    team_calendar_and_form,
    booking_through_the_team_page,
);
