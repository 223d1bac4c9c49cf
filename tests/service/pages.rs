//! The booking pages (server-rendered, no JavaScript needed): host page,
//! calendar, form, confirmation and manage page, on both databases. Every
//! value a person typed is escaped; a whole booking goes through POSTed forms.

use crate::helpers::{App, Backend, assert_problem, office_hours};
use crate::on_both;
use crate::page_support::*;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Write;

/// ana (Europe/Berlin, weekdays 9–17), branded, with an intro that asks
/// every kind of question; a hidden event type that must not show.
async fn setup(backend: Backend) -> Option<App> {
    let app = App::new(backend).await?;
    let user = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(json!({
                "slug": "ana", "name": "Ana <b>Bold</b>", "email": "ana@example.com",
                "timezone": "Europe/Berlin", "avatar_url": "https://cdn.example.com/ana.png?a=1&b=\"2\"",
                "brand_color": "#ffd400", "brand_color_dark": "#123456"
            })),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.json);
    assert_eq!(user.json["brand_color"], "#ffd400");
    let ana = user.json["id"].as_str().expect("id").to_string();
    let schedule = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(json!({ "user_id": ana, "name": "Hours", "timezone": "Europe/Berlin", "weekly": office_hours(), "is_default": true })),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
    app.event_type(json!({
        "owner_id": ana, "slug": "intro", "title": "Intro <script>alert(1)</script>",
        "description": "Let's talk & plan\nsecond line", "kind": "one_on_one", "duration_minutes": 30,
        "location": { "kind": "video", "url": "https://meet.example.com/ana" },
        "questions": [
            { "id": "company", "label": "Company <i>", "kind": "text", "required": true },
            { "id": "notes", "label": "Notes", "kind": "long_text" },
            { "id": "work-email", "label": "Work email", "kind": "email" },
            { "id": "phone", "label": "Phone", "kind": "phone" },
            { "id": "size", "label": "Team size", "kind": "select", "required": true, "options": ["1-10", "11-50"] },
            { "id": "topics", "label": "Topics", "kind": "multi_select", "required": true, "options": ["Pricing", "Demo <x>"] },
            { "id": "terms", "label": "I accept the terms", "kind": "checkbox", "required": true }
        ]
    }))
    .await;
    app.event_type(json!({
        "owner_id": ana, "slug": "secret", "title": "Hidden one", "kind": "one_on_one",
        "duration_minutes": 30, "hidden": true
    }))
    .await;
    app.event_type(json!({
        "owner_id": ana, "slug": "workshop", "title": "Workshop", "kind": "group",
        "duration_minutes": 60, "seats": 5
    }))
    .await;
    Some(app)
}

/// A complete, valid form for 2026-06-01 09:00 Berlin (07:00Z).
fn filled_form(extra: &str) -> String {
    format!(
        "start=2026-06-01T07%3A00%3A00Z&timezone=America%2FNew_York&idem=abc123\
         &invitee.name=Pat+%3Cb%3EDoe&invitee.email=pat%40example.com\
         &answers.company=Acme+%3Cscript%3E&answers.size=11-50\
         &answers.topics=Pricing&answers.topics=Demo+%3Cx%3E&answers.terms=true{extra}"
    )
}

async fn host_page(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (page, html) = get(&app, "/ana", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        content_type(&page).starts_with("text/html"),
        "{}",
        content_type(&page)
    );
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert_eq!(
        page.headers.get("vary").and_then(|v| v.to_str().ok()),
        Some("accept-language"),
        "the language follows the browser's"
    );
    assert!(
        html.contains("Book time with Ana &lt;b&gt;Bold&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Bold"));
    assert!(
        html.contains("src=\"https://cdn.example.com/ana.png?a=1&amp;b=&quot;2&quot;\""),
        "avatar escaped: {html}"
    );
    assert!(
        html.contains("--brand:#ffd400;--brand-ink:#111111"),
        "brand with readable ink"
    );
    assert!(
        html.contains("--brand:#123456;--brand-ink:#ffffff"),
        "dark brand"
    );
    assert!(html.contains("href=\"/ana/intro\""), "{html}");
    assert!(html.contains("Intro &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("Let&#39;s talk &amp; plan"),
        "description escaped"
    );
    assert!(html.contains("30 min · Video call"), "{html}");
    assert!(
        html.contains("Group event"),
        "workshop listed with its kind"
    );
    assert!(!html.contains("Hidden one"), "hidden event types stay off");
    assert!(html.contains("\"type\":\"kairos:ready\""), "page event");
    // Campaign parameters travel on to the event's page.
    let (_, html) = get(&app, "/ana?utm_source=mail&lang=de", &[]).await;
    assert!(
        html.contains("href=\"/ana/intro?utm_source=mail&amp;lang=de\""),
        "{html}"
    );
    assert!(html.contains("Termin mit Ana"), "{html}");
    // Unknown hosts and event types: an HTML page in the reader's language.
    for uri in [
        "/nobody",
        "/ana/nothing",
        "/ana/secret",
        "/Bad%20Slug",
        "/api",
        "/ana/nothing/book",
    ] {
        let (missing, html) = get(&app, uri, &[("accept-language", "de-DE,de;q=0.9")]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            content_type(&missing).starts_with("text/html"),
            "{uri}: never JSON"
        );
        assert!(
            html.contains("lang=\"de\"") && html.contains("Seite nicht gefunden"),
            "{uri}: {html}"
        );
    }
}

async fn calendar_page(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    // Now is Monday 2026-05-25 00:00Z: today's hours are free from 09:00 Berlin.
    let (page, html) = get(
        &app,
        "/ana/intro?timezone=America/New_York&utm_campaign=spring",
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<h3 id=\"kz-month\" aria-live=\"polite\">May 2026</h3>"),
        "{html}"
    );
    assert!(
        html.contains("Times on Monday, May 25, 2026"),
        "first free day chosen: {html}"
    );
    // 09:00 Berlin is 03:00 in New York; 12-hour clock in English.
    assert!(html.contains(">3:00 am</a>"), "{html}");
    assert!(
        html.contains("href=\"/ana/intro/book?utm_campaign=spring&amp;start=2026-05-25T07%3A00%3A00Z&amp;timezone=America%2FNew_York&amp;clock=12\""),
        "time links to the form, carrying the campaign: {html}"
    );
    assert!(
        html.contains("data-date=\"2026-05-26\""),
        "Tuesday has times"
    );
    assert!(
        !html.contains("data-date=\"2026-05-30\""),
        "Saturday does not"
    );
    assert!(html.contains("aria-current=\"date\""));
    assert!(
        html.contains("value=\"America/New_York\""),
        "zone picker shows the zone"
    );
    assert!(
        html.contains("<datalist id=\"kz-zones\">")
            && html.contains("<option value=\"Asia/Kathmandu\">")
    );
    assert!(
        html.contains("\"starts\":[[\"2026-05-25T07:00:00Z\",null]"),
        "the month's times come with the page: {html}"
    );
    assert!(html.contains("Intro &lt;script&gt;"), "title escaped");
    // Without JavaScript: months and days are links.
    let (_, june) = get(
        &app,
        "/ana/intro?timezone=America/New_York&month=2026-06&date=2026-06-03&clock=24",
        &[],
    )
    .await;
    assert!(june.contains(">June 2026</h3>"), "{june}");
    assert!(june.contains("Times on Wednesday, June 3, 2026"), "{june}");
    assert!(june.contains(">03:00</a>"), "24-hour clock: {june}");
    assert!(june.contains("data-month=\"2026-05\""), "back to May");
    // An unknown zone is said so; times fall back to the event's zone.
    let (_, odd) = get(&app, "/ana/intro?timezone=Mars/Olympus%3Cx%3E", &[]).await;
    assert!(
        odd.contains("“Mars/Olympus&lt;x&gt;” is not a time zone"),
        "{odd}"
    );
    assert!(odd.contains("Times are shown in Europe/Berlin."), "{odd}");
    assert!(odd.contains(">9:00 am</a>"), "{odd}");
    // Group events tell the seats left.
    let (_, workshop) = get(&app, "/ana/workshop?timezone=Europe/Berlin", &[]).await;
    assert!(workshop.contains("5 seats left"), "{workshop}");
    assert!(workshop.contains("Group event"));
    // Embedded: no outer chrome, the relay script, the events.
    let (_, embedded) = get(&app, "/ana/intro?embed=1", &[]).await;
    assert!(embedded.contains("<script src=\"/embed/frame.js\" defer></script>"));
    assert!(embedded.contains("<body class=\"embed\">"));
    assert!(!embedded.contains("<footer>"));
    assert!(
        embedded.contains(
            "{\"type\":\"kairos:ready\",\"detail\":{\"user\":\"ana\",\"event\":\"intro\"}}"
        ),
        "{embedded}"
    );
    let (_, html) = get(&app, "/ana/intro", &[]).await;
    assert!(
        html.contains("<footer>"),
        "a page of its own has the language switch"
    );
}

async fn language(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (_, html) = get(&app, "/ana/intro?lang=de&timezone=Europe/Berlin", &[]).await;
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("Datum und Uhrzeit wählen"), "{html}");
    assert!(html.contains(">Mai 2026</h3>"));
    assert!(html.contains("Zeiten am Montag, 25. Mai 2026"), "{html}");
    assert!(html.contains(">09:00</a>"), "German readers get 24 hours");
    assert!(html.contains("30 Min."));
    // The browser's language when the URL names none; ?lang= wins over it.
    let (_, html) = get(
        &app,
        "/ana/intro",
        &[("accept-language", "fr-FR, de;q=0.8, en;q=0.5")],
    )
    .await;
    assert!(html.contains("<html lang=\"de\">"));
    let (_, html) = get(&app, "/ana/intro?lang=en", &[("accept-language", "de")]).await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Select a date and time"));
    // The form's errors too.
    let (refused, html) = post_form(
        &app,
        "/ana/intro/book?lang=de",
        "start=2026-06-01T07%3A00%3A00Z&timezone=Europe%2FBerlin&invitee.email=x",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Dieses Feld ist ein Pflichtfeld."), "{html}");
    assert!(html.contains("Geben Sie eine E-Mail-Adresse"), "{html}");
}

async fn form_prefill_and_errors(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (page, html) = get(
        &app,
        "/ana/intro/book?start=2026-06-01T07:00:00Z&timezone=Europe/Berlin&name=Pat%20%3Cb%3E&email=pat@example.com\
         &company=Acme%22%3E&topics=Pricing&terms=true&utm_source=news%22%3E%3Cx&utm_medium=email&embed_url=https://acme.example/pricing&hold=h0ld",
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Monday, June 1, 2026, 9:00 am – 9:30 am (Europe/Berlin)"),
        "{html}"
    );
    assert!(
        html.contains("name=\"invitee.name\" type=\"text\" value=\"Pat &lt;b&gt;\" required"),
        "{html}"
    );
    assert!(html.contains("value=\"pat@example.com\""));
    assert!(
        html.contains("name=\"answers.company\" type=\"text\" value=\"Acme&quot;&gt;\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"Pricing\" checked"),
        "multi-select prefilled"
    );
    assert!(
        html.contains("name=\"answers.terms\" value=\"true\" checked required"),
        "{html}"
    );
    assert!(
        html.contains("<textarea id=\"f-answers-notes\""),
        "long text"
    );
    assert!(html.contains("type=\"email\"") && html.contains("type=\"tel\""));
    assert!(
        html.contains("<select id=\"f-answers-size\" name=\"answers.size\" required>"),
        "{html}"
    );
    assert!(
        html.contains("Company &lt;i&gt; <span class=\"req\">(required)</span>"),
        "{html}"
    );
    assert!(html.contains("Demo &lt;x&gt;"));
    for hidden in [
        "name=\"utm_source\" value=\"news&quot;&gt;&lt;x\"",
        "name=\"utm_medium\" value=\"email\"",
        "name=\"embed_url\" value=\"https://acme.example/pricing\"",
        "name=\"hold\" value=\"h0ld\"",
        "name=\"start\" value=\"2026-06-01T07:00:00Z\"",
    ] {
        assert!(
            html.contains(&format!("<input type=\"hidden\" {hidden}>")),
            "{hidden}: {html}"
        );
    }
    // Without a time: back to the calendar.
    let (no_time, _) = get(&app, "/ana/intro/book?utm_source=x", &[]).await;
    assert_eq!(no_time.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&no_time), "/ana/intro?utm_source=x");
    // Refused: each error beside its field, a summary, what was typed kept.
    let (refused, html) = post_form(
        &app,
        "/ana/intro/book",
        "start=2026-06-01T07%3A00%3A00Z&timezone=Europe%2FBerlin&idem=k1&invitee.name=&invitee.email=not-an-email\
         &answers.company=Acme+%3Cscript%3E&answers.phone=call+me&answers.work-email=nope&answers.size=99&utm_source=news",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"kz-summary\" role=\"alert\" tabindex=\"-1\""),
        "{html}"
    );
    assert!(html.contains("Please correct 7 field(s):"), "{html}");
    for (field, message) in [
        ("invitee-name", "This field is required."),
        (
            "invitee-email",
            "Enter an email address such as name@example.com.",
        ),
        ("answers-phone", "Enter a phone number"),
        ("answers-work-email", "Enter an email address"),
        ("answers-size", "Choose one of the options."),
        ("answers-topics", "This field is required."),
        ("answers-terms", "Please tick this box"),
    ] {
        assert!(
            html.contains(&format!("aria-describedby=\"e-{field}\"")),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!("<p class=\"error\" id=\"e-{field}\">{message}")),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!("<a href=\"#f-{field}\">")),
            "{field} in the summary"
        );
    }
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"Acme &lt;script&gt;\""),
        "entered values stay, escaped"
    );
    assert!(!html.contains("Acme <script>"), "never raw");
    assert!(
        html.contains("name=\"utm_source\" value=\"news\""),
        "hidden fields kept"
    );
    assert!(
        html.contains("name=\"idem\" value=\"k1\""),
        "the same form key"
    );
    // Nothing was booked.
    let bookings = app.admin(Method::GET, "/api/v1/bookings", None).await;
    assert_eq!(
        bookings.json.as_array().map(Vec::len),
        Some(0),
        "{}",
        bookings.json
    );
}

async fn booking_without_javascript(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let extra = "&utm_source=newsletter&utm_medium=email&utm_campaign=spring+%3Cb%3E&utm_term=calendar&utm_content=footer\
                 &embed_url=https%3A%2F%2Facme.example%2Fpricing%3Fa%3D1";
    let (booked, html) = post_form(&app, "/ana/intro/book?lang=en", &filled_form(extra)).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{html}");
    let to = location(&booked);
    assert!(
        to.starts_with("/booking/") && to.contains("token=") && to.contains("booked=1"),
        "{to}"
    );
    let uid = to["/booking/".len()..]
        .split('?')
        .next()
        .expect("uid")
        .to_string();
    // The same form sent again (a double click): the same booking.
    let (again, _) = post_form(&app, "/ana/intro/book?lang=en", &filled_form(extra)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(location(&again).starts_with(&format!("/booking/{uid}?")));
    // The admin API shows the booking with its campaign and embedding page.
    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.json);
    let b = &detail.json;
    assert_eq!(b["start"], "2026-06-01T07:00:00Z");
    assert_eq!(b["invitee"]["name"], "Pat <b>Doe");
    assert_eq!(b["invitee"]["timezone"], "America/New_York");
    assert_eq!(
        b["utm"],
        json!({ "source": "newsletter", "medium": "email", "campaign": "spring <b>", "term": "calendar", "content": "footer" })
    );
    assert_eq!(b["embed_url"], "https://acme.example/pricing?a=1");
    assert_eq!(
        b["answers"],
        json!({ "company": "Acme <script>", "size": "11-50", "topics": ["Pricing", "Demo <x>"], "terms": true })
    );
    let listed = app.admin(Method::GET, "/api/v1/bookings", None).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "booked once");
    // The confirmation page.
    let (page, html) = get(&app, &to, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-store")
    );
    assert!(html.contains("You are booked"), "{html}");
    assert!(html.contains("Intro &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("with Ana &lt;b&gt;Bold&lt;/b&gt;"), "{html}");
    assert!(
        html.contains("Monday, June 1, 2026, 3:00 am – 3:30 am (America/New_York)"),
        "invitee's time: {html}"
    );
    assert!(
        html.contains("Monday, June 1, 2026, 9:00 am – 9:30 am (Europe/Berlin)"),
        "host's time: {html}"
    );
    assert!(
        html.contains("href=\"https://meet.example.com/ana\""),
        "the video link, now booked"
    );
    assert!(
        html.contains("https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Intro"),
        "{html}"
    );
    assert!(html.contains("dates=20260601T070000Z/20260601T073000Z"));
    assert!(html.contains("https://outlook.live.com/calendar/0/deeplink/compose?"));
    assert!(html.contains(&format!("/booking/{uid}/event.ics?token=")));
    assert!(
        html.contains(&format!("http://kairos.test/booking/{uid}?")),
        "the manage link, absolute"
    );
    assert!(html.contains("\"type\":\"kairos:booked\""), "{html}");
    assert!(
        html.contains(&format!("\"uid\":\"{uid}\""))
            && html.contains("\"invitee_email\":\"pat@example.com\"")
    );
    assert!(html.contains("\"event_type\":\"intro\""));
    assert!(
        html.contains("<dt>Company &lt;i&gt;</dt><dd class=\"answer\">Acme &lt;script&gt;</dd>"),
        "answers shown, escaped: {html}"
    );
    assert!(html.contains("<dd class=\"answer\">Pricing, Demo &lt;x&gt;</dd>"));
    assert!(html.contains("<dt>I accept the terms</dt><dd class=\"answer\">Yes</dd>"));
    // .ics download.
    let token = to
        .split("token=")
        .nth(1)
        .expect("token")
        .split('&')
        .next()
        .expect("token")
        .to_string();
    let ics = app
        .send(
            Method::GET,
            &format!("/booking/{uid}/event.ics?token={token}"),
            None,
            &[],
        )
        .await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(content_type(&ics).starts_with("text/calendar"));
    let text = ics.json.as_str().expect("ics text").to_string();
    assert!(
        text.contains("DTSTART:20260601T070000Z")
            && text.contains("SUMMARY:Intro <script>alert(1)</script> (Ana <b>Bold</b>)"),
        "{text}"
    );
    assert!(text.contains("LOCATION:https://meet.example.com/ana"));
    // A wrong token: the 404 page, nothing told.
    let (wrong, _) = get(&app, &format!("/booking/{uid}?token=nope"), &[]).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    // The manage page later (no booked=1): no booked event again.
    let (_, manage) = get(&app, &format!("/booking/{uid}?token={token}"), &[]).await;
    assert!(manage.contains("Your booking") && !manage.contains("kairos:booked"));
    assert!(
        manage.contains(&format!("/ana/intro?reschedule={uid}&amp;token={token}")),
        "{manage}"
    );
}

async fn taken_time(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (first, _) = post_form(&app, "/ana/intro/book", &filled_form("")).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    // Someone else opens the same time: it is gone, the nearest are offered.
    let (page, html) = get(
        &app,
        "/ana/intro/book?start=2026-06-01T07:00:00Z&timezone=Europe/Berlin&utm_source=x",
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html.contains("That time is no longer available"), "{html}");
    assert!(html.contains("role=\"alert\""));
    assert!(
        html.contains("data-start=\"2026-06-01T07:30:00Z\""),
        "the next free time: {html}"
    );
    assert_eq!(
        html.matches("data-start=").count(),
        6,
        "six nearest times: {html}"
    );
    assert!(
        html.contains("data-start=\"2026-06-01T09:30:00Z\""),
        "{html}"
    );
    assert!(!html.contains("data-start=\"2026-06-01T07:00:00Z\""));
    assert!(html.contains("utm_source=x"), "links keep the campaign");
    // And when the form is sent anyway (taken between showing and sending).
    let other = filled_form("")
        .replace("idem=abc123", "idem=other")
        .replace("pat%40example.com", "kim%40example.com");
    let (refused, html) = post_form(&app, "/ana/intro/book", &other).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("That time is no longer available"));
    assert!(html.contains("data-start=\"2026-06-01T07:30:00Z\""));
    // A time never bookable (Saturday) is refused the same way.
    let saturday = filled_form("")
        .replace("2026-06-01T07", "2026-05-30T07")
        .replace("idem=abc123", "idem=sat");
    let (refused, _) = post_form(&app, "/ana/intro/book", &saturday).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
}

/// A time the calendar's script held for a visitor: gone for everyone else
/// (calendar, form), still theirs (calendar, form), and used up by their
/// booking through the form.
async fn held_time(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let held = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(serde_json::json!({ "start": "2026-06-01T07:00:00Z" })),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.json);
    let token = held.json["hold"].as_str().expect("hold").to_string();
    let day = "/ana/intro?month=2026-06&date=2026-06-01&timezone=UTC";
    let (_, others) = get(&app, day, &[]).await;
    assert!(
        !others.contains("data-start=\"2026-06-01T07:00:00Z\""),
        "{others}"
    );
    assert!(
        others.contains("data-start=\"2026-06-01T07:30:00Z\""),
        "{others}"
    );
    let (_, mine) = get(&app, &format!("{day}&hold={token}"), &[]).await;
    assert!(
        mine.contains("data-start=\"2026-06-01T07:00:00Z\""),
        "{mine}"
    );
    let form = "/ana/intro/book?start=2026-06-01T07:00:00Z&timezone=UTC";
    let (_, html) = get(&app, form, &[]).await;
    assert!(html.contains("That time is no longer available"), "{html}");
    let (_, html) = get(&app, &format!("{form}&hold={token}"), &[]).await;
    assert!(!html.contains("That time is no longer available"), "{html}");
    assert!(
        html.contains(&format!("name=\"hold\" value=\"{token}\"")),
        "the form carries the hold: {html}"
    );
    // Someone else sends the form for that time: refused.
    let (refused, _) = post_form(&app, "/ana/intro/book", &filled_form("")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    // The holder books it, and the hold is used up.
    let mine = filled_form(&format!("&hold={token}")).replace("idem=abc123", "idem=holder");
    let (booked, html) = post_form(&app, "/ana/intro/book", &mine).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{html}");
    let released = app
        .public(
            Method::DELETE,
            &format!("/api/v1/public/holds/{token}"),
            None,
        )
        .await;
    assert_eq!(
        released.status,
        StatusCode::NOT_FOUND,
        "used up by the booking"
    );
}

async fn cancel_and_reschedule(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (booked, _) = post_form(&app, "/ana/intro/book", &filled_form("")).await;
    let to = location(&booked);
    let uid = to["/booking/".len()..]
        .split('?')
        .next()
        .expect("uid")
        .to_string();
    let token = to
        .split("token=")
        .nth(1)
        .expect("token")
        .split('&')
        .next()
        .expect("token")
        .to_string();
    // Reschedule through the calendar: the form needs no details again.
    let (calendar, html) = get(&app, &format!("/ana/intro?reschedule={uid}&token={token}&timezone=Europe/Berlin&month=2026-06&date=2026-06-02"), &[]).await;
    assert_eq!(calendar.status, StatusCode::OK);
    assert!(
        html.contains("Rescheduling: you are moving your booking of Monday, June 1, 2026 9:00 am."),
        "{html}"
    );
    assert!(
        html.contains(&format!("reschedule={uid}")),
        "time links carry the reschedule"
    );
    let (form, html) = get(&app, &format!("/ana/intro/book?reschedule={uid}&token={token}&timezone=Europe/Berlin&start=2026-06-02T08:00:00Z"), &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!html.contains("name=\"invitee.name\""), "{html}");
    let (moved, html) = post_form(
        &app,
        "/ana/intro/book",
        &format!(
            "start=2026-06-02T08%3A00%3A00Z&timezone=Europe%2FBerlin&reschedule={uid}&token={token}"
        ),
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{html}");
    let new_to = location(&moved);
    let new_uid = new_to["/booking/".len()..]
        .split('?')
        .next()
        .expect("uid")
        .to_string();
    assert_ne!(new_uid, uid);
    let old = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(old.json["status"], "cancelled");
    let new = app
        .admin(Method::GET, &format!("/api/v1/bookings/{new_uid}"), None)
        .await;
    assert_eq!(new.json["start"], "2026-06-02T08:00:00Z");
    // Cancel the new one with a reason.
    let new_token = new_to
        .split("token=")
        .nth(1)
        .expect("token")
        .split('&')
        .next()
        .expect("token")
        .to_string();
    let (cancelled, _) = post_form(
        &app,
        &format!("/booking/{new_uid}/cancel?token={new_token}"),
        "reason=Sorry+%3Cb%3Ebusy%3C%2Fb%3E",
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let (_, html) = get(&app, &location(&cancelled), &[]).await;
    assert!(html.contains("This booking is cancelled."), "{html}");
    assert!(!html.contains("Cancel booking"), "no cancel form any more");
    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{new_uid}"), None)
        .await;
    assert_eq!(detail.json["status"], "cancelled");
    assert_eq!(detail.json["cancel_reason"], "Sorry <b>busy</b>");
    // Cancelling again: the page says it is over.
    let (again, _) = post_form(
        &app,
        &format!("/booking/{new_uid}/cancel?token={new_token}"),
        "",
    )
    .await;
    assert_eq!(again.status, StatusCode::GONE);
}

async fn embedded_and_approval(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0]["id"].as_str().expect("id").to_string();
    app.event_type(json!({
        "owner_id": ana, "slug": "vip", "title": "VIP", "kind": "one_on_one", "duration_minutes": 30,
        "requires_approval": true, "location": { "kind": "phone", "number": "+49 30 1234567" }
    }))
    .await;
    // Embedded from the first page to the confirmation: no chrome, the relay.
    let (_, form) = get(
        &app,
        "/ana/vip/book?embed=1&lang=de&start=2026-06-01T07:00:00Z&timezone=Europe/Berlin",
        &[],
    )
    .await;
    assert!(
        form.contains("action=\"/ana/vip/book?embed=1&amp;lang=de\""),
        "{form}"
    );
    assert!(
        form.contains("Buchung anfragen"),
        "approval asks, in German: {form}"
    );
    let (booked, _) = post_form(
        &app,
        "/ana/vip/book?embed=1&lang=de",
        "start=2026-06-01T07%3A00%3A00Z&timezone=Europe%2FBerlin&invitee.name=Pat&invitee.email=pat%40example.com&idem=e1",
    )
    .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER);
    let to = location(&booked);
    assert!(to.contains("embed=1") && to.contains("lang=de"), "{to}");
    let (page, html) = get(&app, &to, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html.contains("<script src=\"/embed/frame.js\" defer></script>"));
    assert!(!html.contains("<footer>"));
    assert!(html.contains("Ihre Anfrage ist gesendet"), "{html}");
    assert!(
        html.contains("href=\"tel:+49301234567\""),
        "the number, now booked: {html}"
    );
    assert!(html.contains("\"type\":\"kairos:booked\""));
    let uid = to["/booking/".len()..].split('?').next().expect("uid");
    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(detail.json["status"], "pending");
}

async fn redirect_after_booking(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0]["id"].as_str().expect("id").to_string();
    let refused = app
        .admin(Method::POST, "/api/v1/event-types", Some(json!({
            "owner_id": ana, "slug": "demo", "title": "Demo", "kind": "one_on_one", "duration_minutes": 30,
            "redirect_url": "http://acme.example/thanks"
        })))
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("redirect_url"),
    );
    app.event_type(json!({
        "owner_id": ana, "slug": "demo", "title": "Demo", "kind": "one_on_one", "duration_minutes": 30,
        "redirect_url": "https://acme.example/thanks?from=kairos"
    }))
    .await;
    let (booked, _) = post_form(
        &app,
        "/ana/demo/book",
        "start=2026-06-01T07%3A00%3A00Z&timezone=Europe%2FBerlin&invitee.name=Pat&invitee.email=pat%40example.com&utm_source=ads",
    )
    .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER);
    let to = location(&booked);
    assert!(
        to.starts_with("https://acme.example/thanks?from=kairos&booking_uid="),
        "{to}"
    );
    assert!(
        to.contains("&event_type=demo") && to.contains("&start=2026-06-01T07%3A00%3A00Z"),
        "{to}"
    );
    assert!(
        to.contains("&invitee_email=pat%40example.com") && to.contains("&utm_source=ads"),
        "{to}"
    );
    assert!(!to.contains("token"), "the manage secret stays with Kairos");
}

async fn branding_validation(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    for (body, field) in [
        (
            json!({ "avatar_url": "http://cdn.example.com/a.png" }),
            "avatar_url",
        ),
        (json!({ "avatar_url": "javascript:alert(1)" }), "avatar_url"),
        (json!({ "brand_color": "red" }), "brand_color"),
        (json!({ "brand_color_dark": "#12345g" }), "brand_color_dark"),
        (json!({ "slug": "api" }), "slug"),
        (json!({ "slug": "booking" }), "slug"),
        (json!({ "slug": "embed" }), "slug"),
    ] {
        let mut user =
            json!({ "slug": "bo", "name": "Bo", "email": "bo@example.com", "timezone": "UTC" });
        for (k, v) in body.as_object().expect("object") {
            user[k] = v.clone();
        }
        let refused = app.admin(Method::POST, "/api/v1/users", Some(user)).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // Branding is updated like any field, and shown by the admin API.
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0].clone();
    let id = ana["id"].as_str().expect("id");
    let mut changed = json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "Europe/Berlin", "brand_color": "#0b57d0" });
    let updated = app
        .admin(
            Method::PUT,
            &format!("/api/v1/users/{id}"),
            Some(changed.clone()),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.json);
    assert_eq!(updated.json["brand_color"], "#0b57d0");
    assert!(updated.json.get("avatar_url").is_none(), "removed");
    let (_, html) = get(&app, "/ana", &[]).await;
    assert!(html.contains("--brand:#0b57d0;--brand-ink:#ffffff"));
    assert!(!html.contains("class=\"avatar\""));
    changed["embed_url"] = json!("x");
    let refused = app
        .admin(Method::PUT, &format!("/api/v1/users/{id}"), Some(changed))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields refused"
    );
    // The booking API checks the embedding page's URL.
    let mut request = crate::helpers::booking("2026-06-01T07:00:00Z", "pat@example.com");
    request["answers"] =
        json!({ "company": "Acme", "size": "1-10", "topics": ["Pricing"], "terms": true });
    request["embed_url"] = json!("not a url");
    let refused = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(request),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("embed_url"),
    );
}

async fn poll_pages_speak_german(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0]["id"].as_str().expect("id").to_string();
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Planung", "duration_minutes": 60, "timezone": "Europe/Berlin",
            "options": ["2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z"], "open": true,
            "participants": [{ "name": "Eve <i>", "email": "eve@example.com" }]
        })))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let token = created.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let (page, html) = get(
        &app,
        &format!("/polls/{token}?timezone=Europe/Berlin"),
        &[("accept-language", "de")],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(html.contains("Hallo Eve &lt;i&gt;."), "{html}");
    assert!(
        html.contains("Mo, 1. Juni 2026, 11:00–12:00 (Europe/Berlin)"),
        "{html}"
    );
    assert!(html.contains("> Notfalls</label>") && html.contains("Stimmen speichern"));
    // A refused ballot keeps the language chosen in the URL.
    let (refused, html) = post_form(
        &app,
        &format!("/polls/{token}?lang=de"),
        "vote_0=yes&comment=x",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("wählen Sie Ja, Notfalls oder Nein"), "{html}");
    let open = created.json["open_url"].as_str().expect("open url");
    let open_token = open.rsplit('/').next().expect("token");
    let (_, join) = get(&app, &format!("/polls/join/{open_token}?lang=de"), &[]).await;
    assert!(join.contains("An der Umfrage teilnehmen") && join.contains("Ihre E-Mail-Adresse"));
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip").len()
}

async fn page_weight(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let (page, html) = get(&app, "/ana/intro?timezone=America/New_York", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let asset = |kind: &str| {
        let start = html.find("/assets/pages.").expect("asset link");
        let rest = &html[start..];
        let names: Vec<&str> = rest
            .split('"')
            .filter(|s| s.starts_with("/assets/pages.") && s.ends_with(kind))
            .collect();
        names.first().map(|s| s.to_string()).expect(kind)
    };
    let (css_url, js_url) = (asset(".css"), asset(".js"));
    let mut total = gzip_len(html.as_bytes());
    for url in [&css_url, &js_url] {
        let (response, body) = get(&app, url, &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{url}");
        assert_eq!(
            response
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("public, max-age=31536000, immutable")
        );
        total += gzip_len(body.as_bytes());
    }
    assert!(
        total <= 50 * 1024,
        "the booking page weighs {total} bytes gzipped"
    );
    eprintln!("booking page: {total} bytes gzipped (HTML + CSS + JS)");
    // Another version's name is not this build's file.
    let (old, _) = get(&app, "/assets/pages.0000000000.css", &[]).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
}

on_both!(
    host_page,
    calendar_page,
    language,
    form_prefill_and_errors,
    booking_without_javascript,
    taken_time,
    held_time,
    cancel_and_reschedule,
    redirect_after_booking,
    embedded_and_approval,
    branding_validation,
    poll_pages_speak_german,
    page_weight
);

/// Everyone's votes as a grid (participants × times), counts, the best
/// option marked, the visitor's row editable in place; the outcome once
/// booked; nothing of the others when the host keeps votes private.
async fn poll_grid(backend: Backend) {
    let Some(app) = setup(backend).await else {
        return;
    };
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0]["id"].as_str().expect("id").to_string();
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Retro <script>", "description": "Bring <ideas>\nand snacks",
            "duration_minutes": 60, "timezone": "Europe/Berlin",
            "location": { "kind": "in_person", "address": "Main St <1>" },
            "options": ["2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z", "2026-06-02T09:00:00Z"],
            "deadline": "2026-05-30T10:00:00Z", "open": true,
            "participants": [
                { "name": "Bo <b>", "email": "bo@example.com" },
                { "name": "Cy", "email": "cy@example.com" },
                { "name": "Di", "email": "di@example.com" }
            ]
        })))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let token = |i: usize| {
        created.json["invitations"][i]["token"]
            .as_str()
            .expect("token")
            .to_string()
    };
    let (bo, cy, di) = (token(0), token(1), token(2));
    for (who, votes, comment) in [
        (&bo, json!(["yes", "yes", "no"]), Value::Null),
        (
            &cy,
            json!(["yes", "if_need_be", "no"]),
            json!("<3 works & fine"),
        ),
        (&di, json!(["no", "yes", "no"]), Value::Null),
    ] {
        let voted = app
            .public(
                Method::PUT,
                &format!("/api/v1/poll-votes/{who}"),
                Some(json!({ "votes": votes, "comment": comment })),
            )
            .await;
        assert_eq!(voted.status, StatusCode::OK, "{}", voted.json);
    }
    let (page, html) = get(&app, &format!("/polls/{bo}?timezone=UTC"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    // The address is the secret: not cached, not told to other sites.
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-store")
    );
    assert_eq!(
        page.headers
            .get("referrer-policy")
            .and_then(|v| v.to_str().ok()),
        Some("no-referrer")
    );
    // The host and the meeting, every value escaped, in the host's colours.
    assert!(
        html.contains("A poll by Ana &lt;b&gt;Bold&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        html.contains("src=\"https://cdn.example.com/ana.png?a=1&amp;b=&quot;2&quot;\""),
        "{html}"
    );
    assert!(html.contains("--brand:#ffd400"), "{html}");
    assert!(html.contains("<h1>Retro &lt;script&gt;</h1>"), "{html}");
    assert!(html.contains("Bring &lt;ideas&gt;<br>and snacks"), "{html}");
    assert!(html.contains("In person: Main St &lt;1&gt;"), "{html}");
    assert!(html.contains("60 min"), "{html}");
    assert!(
        html.contains("Vote by Sat 30 May 2026, 10:00 am (UTC)"),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    // An accessible table: caption, column and row headers.
    assert!(
        html.contains("<caption id=\"kz-grid-cap\" class=\"visually-hidden\">Everyone’s votes, times in UTC</caption>"),
        "{html}"
    );
    assert!(html.contains("role=\"region\" aria-labelledby=\"kz-grid-cap\" tabindex=\"0\""));
    assert!(
        html.contains("<th scope=\"col\">Participant</th>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"row\">Cy</th>"), "{html}");
    // Counts per option, and the best one marked (yes ties, if-need-be decides).
    for count in [
        "2 yes, 0 if need be, 1 no",
        "2 yes, 1 if need be, 0 no",
        "0 yes, 0 if need be, 3 no",
    ] {
        assert!(html.contains(count), "{count}: {html}");
    }
    assert_eq!(html.matches("class=\"opt best\"").count(), 1, "{html}");
    assert!(
        html.contains(
            "<th scope=\"col\" class=\"opt best\"><span class=\"day\">Mon 1 Jun</span> \
             <span class=\"time\">12:00 pm–1:00 pm</span><span class=\"badge\"><span aria-hidden=\"true\">★</span> Best</span></th>"
        ),
        "{html}"
    );
    // The visitor's row first and editable; the others' votes in words and symbols.
    let mine = html
        .find("<tr class=\"me\"><th scope=\"row\">Bo &lt;b&gt; (you)</th>")
        .expect("own row");
    let cy_row = html.find("<th scope=\"row\">Cy</th>").expect("Cy's row");
    assert!(mine < cy_row);
    assert!(
        html.contains("name=\"vote_1\" value=\"yes\" required checked"),
        "{html}"
    );
    assert!(
        html.contains("<form method=\"post\" action=\"/polls/"),
        "{html}"
    );
    let cy_cells = &html[cy_row..html[cy_row..].find("</tr>").expect("row end") + cy_row];
    assert!(
        cy_cells.contains("<span aria-hidden=\"true\">✓</span> Yes"),
        "{cy_cells}"
    );
    assert!(
        cy_cells.contains("<span aria-hidden=\"true\">(✓)</span> If need be"),
        "{cy_cells}"
    );
    assert!(
        cy_cells.contains("<span aria-hidden=\"true\">✗</span> No"),
        "{cy_cells}"
    );
    assert!(
        html.contains("<strong>Cy</strong>: &lt;3 works &amp; fine"),
        "{html}"
    );
    assert!(
        !html.contains("cy@example.com"),
        "others' emails stay private"
    );
    // German, with the counts and marks in words.
    let (_, de) = get(&app, &format!("/polls/{cy}?timezone=UTC&lang=de"), &[]).await;
    for text in [
        "Eine Umfrage von Ana",
        "Alle Stimmen, Zeiten in UTC",
        "2 Ja, 1 Notfalls, 0 Nein",
        "Beste Wahl",
        "Cy (Sie)",
        "Abstimmen bis Sa, 30. Mai 2026, 10:00 (UTC)",
    ] {
        assert!(de.contains(text), "{text}: {de}");
    }
    // The open link shows the same grid with no row of its own, and the form.
    let open_token = created.json["open_url"]
        .as_str()
        .expect("open url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    let (join, html) = get(&app, &format!("/polls/join/{open_token}?timezone=UTC"), &[]).await;
    assert_eq!(join.status, StatusCode::OK);
    assert_eq!(
        join.headers
            .get("referrer-policy")
            .and_then(|v| v.to_str().ok()),
        Some("no-referrer")
    );
    assert!(
        html.contains("A poll by Ana &lt;b&gt;Bold&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">Bo &lt;b&gt;</th>"),
        "{html}"
    );
    assert!(html.contains("2 yes, 1 if need be, 0 no"), "{html}");
    assert!(html.contains("name=\"email\""), "{html}");
    // A newcomer's row waits at the top of the table, to vote while joining.
    assert!(
        html.contains("<tr class=\"me\"><th scope=\"row\">You</th>"),
        "{html}"
    );
    assert!(
        html.contains("name=\"vote_2\" value=\"no\" required>"),
        "{html}"
    );
    // Half a ballot is refused before anyone joins, with what was entered.
    let join_url = format!("/polls/join/{open_token}?timezone=UTC");
    let (refused, html) = post_form(
        &app,
        &join_url,
        "name=Hal&email=hal%40example.com&vote_0=yes",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("value=\"Hal\"") && html.contains("value=\"hal@example.com\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"vote_0\" value=\"yes\" required checked"),
        "{html}"
    );
    let beside = html
        .find("id=\"err-vote_1\"")
        .expect("error beside option 1");
    assert!(
        html[beside..].starts_with("id=\"err-vote_1\">choose yes, if need be or no"),
        "{html}"
    );
    // Name, email and votes at once: joined, votes saved, on their own page.
    let (joined, _) = post_form(
        &app,
        &join_url,
        "name=Gus+%3Cb%3E&email=gus%40example.com&vote_0=yes&vote_1=no&vote_2=if_need_be&comment=Hi+%3Ci%3E",
    )
    .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.json);
    let mine = location(&joined);
    assert!(
        mine.starts_with("/polls/") && mine.contains("saved=1"),
        "{mine}"
    );
    assert!(mine.contains("timezone=UTC"), "{mine}");
    let (_, html) = get(&app, &mine, &[]).await;
    assert!(html.contains("Gus &lt;b&gt; (you)"), "{html}");
    assert!(
        html.contains("name=\"vote_2\" value=\"if_need_be\" required checked"),
        "{html}"
    );
    assert!(html.contains("Hi &lt;i&gt;</textarea>"), "{html}");
    assert!(html.contains("Your votes are saved."), "{html}");
    // Hal, refused above, was never added: the same email joins now.
    let (hal, _) = post_form(&app, &join_url, "name=Hal&email=hal%40example.com").await;
    assert_eq!(hal.status, StatusCode::SEE_OTHER);
    let (unknown, _) = get(&app, "/polls/join/nosuchtokenatall", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Booked: the outcome, the chosen time marked, no form any more.
    let poll_id = created.json["poll"]["id"].as_str().expect("id");
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/polls/{poll_id}/finalize"),
            Some(json!({ "option": 0 })),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    let (_, html) = get(&app, &format!("/polls/{bo}?timezone=UTC"), &[]).await;
    assert!(
        html.contains("The meeting is booked for Mon 1 Jun 2026, 9:00 am–10:00 am (UTC)."),
        "{html}"
    );
    assert!(!html.contains("<form method=\"post\""), "{html}");
    assert!(!html.contains("type=\"radio\""), "{html}");
    assert!(!html.contains("opt best"), "{html}");
    assert!(html.contains("class=\"opt chosen\""), "{html}");
    assert!(html.contains("</span> Booked</span>"), "{html}");
    let (_, html) = get(&app, &format!("/polls/join/{open_token}?timezone=UTC"), &[]).await;
    assert!(html.contains("The meeting is booked for"), "{html}");
    assert!(!html.contains("name=\"email\""), "{html}");
    // Private votes: only the visitor's own row, no counts, no marks.
    let private = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Private", "duration_minutes": 30, "timezone": "UTC",
            "options": ["2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z"], "open": true, "votes_visible": false,
            "participants": [{ "name": "Eve", "email": "eve@example.com" }, { "name": "Fox", "email": "fox@example.com" }]
        })))
        .await;
    assert_eq!(private.status, StatusCode::CREATED, "{}", private.json);
    let fox = private.json["invitations"][1]["token"]
        .as_str()
        .expect("token");
    let eve = private.json["invitations"][0]["token"]
        .as_str()
        .expect("token");
    let voted = app
        .public(
            Method::PUT,
            &format!("/api/v1/poll-votes/{fox}"),
            Some(json!({ "votes": ["yes", "yes"], "comment": "secret note" })),
        )
        .await;
    assert_eq!(voted.status, StatusCode::OK);
    let (_, html) = get(&app, &format!("/polls/{eve}?timezone=UTC"), &[]).await;
    assert!(
        html.contains("keeps the results of this poll private"),
        "{html}"
    );
    assert!(html.contains("Your votes, times in UTC"), "{html}");
    assert!(html.contains("Eve (you)"), "{html}");
    for hidden in [
        "Fox",
        "secret note",
        "if need be, ",
        "opt best",
        "class=\"counts\"",
    ] {
        assert!(!html.contains(hidden), "{hidden}: {html}");
    }
    let open = private.json["open_url"].as_str().expect("open url");
    let open_token = open.rsplit('/').next().expect("token");
    let (_, html) = get(&app, &format!("/polls/join/{open_token}?timezone=UTC"), &[]).await;
    assert!(html.contains("Your votes, times in UTC"), "{html}");
    for hidden in ["Fox", "secret note", "class=\"counts\""] {
        assert!(!html.contains(hidden), "{hidden}: {html}");
    }
    // The grid scrolls sideways on a phone with the names kept in view.
    let css = html
        .split('"')
        .find(|s| s.starts_with("/assets/pages.") && s.ends_with(".css"))
        .expect("stylesheet")
        .to_string();
    let (_, css) = get(&app, &css, &[]).await;
    assert!(css.contains(".grid-wrap{overflow-x:auto"), "{css}");
    assert!(
        css.contains(".poll-grid th[scope=row]{position:sticky;left:0"),
        "{css}"
    );
}

on_both!(poll_grid);
