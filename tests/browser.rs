//! Kairos in a real browser: the real binary on a free loopback port with a
//! fresh database, seeded through the admin API; host pages served from
//! another loopback origin (and a stand-in booking page from a third); the
//! scenarios in `tests/browser/run.mjs` drive Debian's Chromium through
//! playwright-core (see tests/browser/README.md). Each test says clearly
//! what is missing when Chromium or the node modules are not installed.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// One browser scenario at a time: the machine has few cores, and Chromium
/// competing with another Chromium makes timeouts, not findings.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("KAIROS_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Fails with what to install when the browser or the node modules are missing.
fn require_browser() {
    let mut missing = Vec::new();
    if !chromium().exists() {
        missing.push(format!(
            "Chromium at {} (apt-get install -y chromium chromium-driver, or set KAIROS_CHROMIUM)",
            chromium().display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node on PATH (apt-get install -y nodejs npm)".to_string());
    }
    for module in ["playwright-core/package.json", "axe-core/axe.min.js"] {
        if !root()
            .join("tests/browser/node_modules")
            .join(module)
            .exists()
        {
            missing.push(format!(
                "tests/browser/node_modules/{module} (run `npm ci` in tests/browser)"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "the browser tests cannot run; missing: {}. `.ci/run` installs all of them.",
        missing.join("; ")
    );
}

struct Kairos {
    child: Child,
    base: String,
    key: String,
}

impl Drop for Kairos {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the server writes its emails (the scenarios read links from them).
fn mail_dir() -> PathBuf {
    std::env::temp_dir().join("kairos-browser-mail")
}

fn kairos_command(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kairos"));
    command
        .env("KAIROS_DATABASE_URL", database_url)
        .env("KAIROS_HOST", "127.0.0.1")
        .env("KAIROS_PORT", "0")
        .env_remove("KAIROS_PUBLIC_URL")
        // Its emails go to a folder: a temporary one, not the repository.
        .env("KAIROS_MAIL_DIR", mail_dir())
        .env("RUST_LOG", "warn");
    command
}

fn run_kairos(database_url: &str, args: &[&str]) -> String {
    let output = kairos_command(database_url)
        .args(args)
        .output()
        .expect("run kairos");
    assert!(
        output.status.success(),
        "kairos {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A fresh database for `backend`, or `None` (PostgreSQL not configured).
async fn fresh_database(postgres: bool) -> Option<String> {
    let token = kairos::domain::random_token(12).to_ascii_lowercase();
    if !postgres {
        let dir = std::env::temp_dir().join("kairos-browser-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        return Some(format!(
            "sqlite://{}",
            dir.join(format!("{token}.db")).display()
        ));
    }
    let Ok(admin_url) = std::env::var("KAIROS_TEST_POSTGRES_URL") else {
        eprintln!("KAIROS_TEST_POSTGRES_URL is not set: skipping the PostgreSQL browser run");
        return None;
    };
    let name = format!("kairos_test_{token}");
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), String::new()), |(b, q)| {
            (b, format!("?{q}"))
        });
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    Some(format!("{base}/{name}{query}"))
}

/// The real binary: migrated, an organization and its key made with the
/// CLI, then `serve` on a free port.
fn start_kairos(database_url: &str) -> Kairos {
    run_kairos(database_url, &["migrate"]);
    let org = run_kairos(database_url, &["org", "create", "--name", "Browser tests"]);
    let key = run_kairos(
        database_url,
        &["keys", "create", "--org", &org, "--name", "browser"],
    );
    let mut child = kairos_command(database_url)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kairos");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut base = String::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(url) = line.strip_prefix("Kairos is listening on ") {
            base = url.trim().to_string();
            break;
        }
    }
    assert!(!base.is_empty(), "kairos serve printed where it listens");
    std::thread::spawn(move || for _ in lines {});
    Kairos { child, base, key }
}

struct Seeded {
    poll_url: String,
    poll_join_url: String,
}

async fn admin(kairos: &Kairos, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.clone(), format!("{}{path}", kairos.base))
        .bearer_auth(&kairos.key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("admin request");
    let status = response.status();
    let json: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {json}");
    json
}

/// Ana (Europe/Berlin, every day 07:00–21:00) and her intro call with a
/// question of every kind; a poll with an invitation and an open link.
async fn seed(kairos: &Kairos) -> Seeded {
    let post = reqwest::Method::POST;
    let ana = admin(
        kairos,
        post.clone(),
        "/api/v1/users",
        Some(json!({ "slug": "ana", "name": "Ana Lopez", "email": "ana@example.com", "timezone": "Europe/Berlin" })),
    )
    .await;
    let ana = ana["id"].as_str().expect("id").to_string();
    let day = json!([["07:00", "21:00"]]);
    admin(
        kairos,
        post.clone(),
        "/api/v1/schedules",
        Some(json!({ "user_id": ana, "name": "Hours", "timezone": "Europe/Berlin", "is_default": true,
            "weekly": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } })),
    )
    .await;
    admin(
        kairos,
        post.clone(),
        "/api/v1/event-types",
        Some(json!({
            "owner_id": ana, "slug": "intro", "title": "Intro call", "kind": "one_on_one",
            "description": "Thirty minutes to get to know each other.",
            "duration_minutes": 30, "min_notice_minutes": 60,
            "location": { "kind": "video", "url": "https://meet.example/ana" },
            "questions": [
                { "id": "company", "label": "Company", "kind": "text", "required": true },
                { "id": "notes", "label": "What should we talk about?", "kind": "long_text" },
                { "id": "assistant", "label": "Assistant's email", "kind": "email" },
                { "id": "phone", "label": "Phone", "kind": "phone" },
                { "id": "size", "label": "Team size", "kind": "select", "required": true, "options": ["1-10", "11-50", "51+"] },
                { "id": "topics", "label": "Topics", "kind": "multi_select", "options": ["Pricing", "Integrations", "Security"] },
                { "id": "terms", "label": "I agree to the terms", "kind": "checkbox", "required": true }
            ]
        })),
    )
    .await;
    let soon = chrono::Utc::now() + chrono::Duration::days(3);
    let options: Vec<String> = [0, 1, 2]
        .iter()
        .map(|d| {
            (soon + chrono::Duration::days(*d))
                .format("%Y-%m-%dT10:00:00Z")
                .to_string()
        })
        .collect();
    let poll = admin(
        kairos,
        post,
        "/api/v1/polls",
        Some(json!({
            "host_id": ana, "title": "Quarterly planning", "duration_minutes": 60,
            "timezone": "Europe/Berlin", "options": options, "open": true,
            "participants": [{ "name": "Lee Chen", "email": "lee@example.com" }]
        })),
    )
    .await;
    Seeded {
        poll_url: poll["invitations"][0]["url"]
            .as_str()
            .expect("invitation")
            .to_string(),
        poll_join_url: poll["open_url"].as_str().expect("open url").to_string(),
    }
}

#[derive(Clone)]
struct Origins {
    kairos: String,
    standin: String,
    host: String,
}

/// The host pages (another origin than Kairos): `{{KAIROS}}` becomes the
/// Kairos origin, or the stand-in's when the page is asked `?kairos=standin`.
async fn host_page(
    State(origins): State<Origins>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> axum::response::Response {
    let allowed = ["widget.html", "embed.html", "intruder.html"];
    if !allowed.contains(&file.as_str()) {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    let text =
        std::fs::read_to_string(root().join("tests/browser/pages").join(&file)).expect("host page");
    let standin = query.is_some_and(|q| q.split('&').any(|p| p == "kairos=standin"));
    let kairos = if standin {
        &origins.standin
    } else {
        &origins.kairos
    };
    let text = text
        .replace("{{KAIROS}}", kairos)
        .replace("{{HOST}}", &origins.host);
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], text).into_response()
}

/// A stand-in for Kairos's booking pages (`/{user}/{event}` with frame.js),
/// serving the repository's embed scripts, on its own origin.
fn standin_router() -> Router {
    let file = |path: &'static str, content_type: &'static str| {
        get(move || async move {
            let text = std::fs::read_to_string(root().join(path)).expect("stand-in file");
            ([(CONTENT_TYPE, content_type)], text)
        })
    };
    Router::new()
        .route("/embed/embed.js", file("embed/embed.js", "text/javascript"))
        .route("/embed/frame.js", file("embed/frame.js", "text/javascript"))
        .route(
            "/ana/intro",
            file("tests/browser/pages/standin-page.html", "text/html"),
        )
        .route(
            "/booking/done",
            file("tests/browser/pages/standin-done.html", "text/html"),
        )
        .route(
            "/intruder.html",
            file("tests/browser/pages/intruder.html", "text/html"),
        )
}

async fn serve(router: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

struct Harness {
    kairos: Kairos,
    seeded: Seeded,
    origins: Origins,
}

async fn harness(postgres: bool) -> Option<Harness> {
    require_browser();
    let database = fresh_database(postgres).await?;
    let kairos = tokio::task::spawn_blocking(move || start_kairos(&database))
        .await
        .expect("start");
    let seeded = seed(&kairos).await;
    let standin = format!("http://127.0.0.1:{}", serve(standin_router()).await);
    // "localhost" is another site than "127.0.0.1": the widget and the
    // frames are third-party there, as on a customer's site.
    let host_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = format!(
        "http://localhost:{}",
        host_listener.local_addr().expect("address").port()
    );
    let origins = Origins {
        kairos: kairos.base.clone(),
        standin,
        host,
    };
    let pages = Router::new()
        .route("/{file}", get(host_page))
        .with_state(origins.clone());
    tokio::spawn(async move {
        let _ = axum::serve(host_listener, pages).await;
    });
    Some(Harness {
        kairos,
        seeded,
        origins,
    })
}

/// Runs one scenario of run.mjs; its `RESULT` line, or a failure with its output.
async fn scenario(harness: &Harness, name: &'static str) -> Value {
    let mut command = Command::new("node");
    command
        .arg(root().join("tests/browser/run.mjs"))
        .arg(name)
        .current_dir(root().join("tests/browser"))
        .env("KAIROS_URL", &harness.kairos.base)
        .env("HOST_URL", &harness.origins.host)
        .env("STANDIN_URL", &harness.origins.standin)
        .env("KAIROS_KEY", &harness.kairos.key)
        .env("CHROMIUM", chromium())
        .env("SCREENSHOT_DIR", root().join("target/screenshots"))
        .env("MAIL_DIR", mail_dir())
        .env("POLL_URL", &harness.seeded.poll_url)
        .env("POLL_JOIN_URL", &harness.seeded.poll_join_url);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser scenario {name} failed:\n{stderr}\n{stdout}"
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("scenario {name} printed no RESULT:\n{stdout}\n{stderr}"));
    eprintln!("{name}: {line}");
    serde_json::from_str(line).expect("RESULT is JSON")
}

async fn booking(harness: &Harness, uid: &str) -> Value {
    let all = admin(
        &harness.kairos,
        reqwest::Method::GET,
        "/api/v1/bookings",
        None,
    )
    .await;
    all.as_array()
        .into_iter()
        .flatten()
        .find(|b| b["uid"] == uid)
        .cloned()
        .unwrap_or_else(|| panic!("booking {uid} not in the admin API: {all}"))
}

async fn allow_origins(harness: &Harness, origins: Value) {
    admin(
        &harness.kairos,
        reqwest::Method::PUT,
        "/api/v1/organization/embedding",
        Some(json!({ "allowed_origins": origins })),
    )
    .await;
}

/// (2) The widget on a page of another origin books a time; the host page
/// hears `kairos:booked`; the admin API shows the booking with its UTM.
async fn widget_books_from_another_origin(postgres: bool) {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(postgres).await else {
        return;
    };
    if postgres {
        // Here the organization allows only the host page's site: CORS names
        // it back (the sqlite run covers the default, any site).
        allow_origins(&harness, json!([harness.origins.host])).await;
    }
    let result = scenario(&harness, "widget-books").await;
    let booked = &result["booked"];
    let uid = booked["uid"].as_str().expect("uid in the booked event");
    let stored = booking(&harness, uid).await;
    assert_eq!(stored["start"], booked["start"], "{stored}");
    assert_eq!(stored["end"], booked["end"]);
    assert_eq!(
        stored["start"], result["start"],
        "the time chosen was booked"
    );
    assert_eq!(booked["event_type"], "intro");
    assert_eq!(booked["invitee_email"], "pat@example.com");
    assert_eq!(stored["invitee"]["email"], "pat@example.com");
    assert_eq!(stored["invitee"]["timezone"], "America/New_York");
    assert_eq!(
        stored["utm"],
        json!({ "source": "newsletter", "campaign": "spring", "content": "hero" })
    );
    assert_eq!(
        stored["answers"],
        json!({
            "company": "Acme", "notes": "Line one\nLine two", "assistant": "assistant@example.com",
            "phone": "+1 212 555 0100", "size": "11-50", "topics": ["Pricing"], "terms": true
        })
    );
    assert_eq!(
        result["events"],
        json!(["ready", "date_selected", "time_selected", "booked"])
    );
    // A server that keeps the embedding page (branch `pages`) has it; one
    // that does not take the field booked without it.
    if let Some(url) = stored.get("embed_url") {
        assert_eq!(
            url.as_str(),
            Some(
                format!(
                    "{}/widget.html?utm_source=newsletter&utm_campaign=spring&utm_content=hero",
                    harness.origins.host
                )
                .as_str()
            )
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_books_from_another_origin_sqlite() {
    widget_books_from_another_origin(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_books_from_another_origin_postgres() {
    widget_books_from_another_origin(true).await;
}

/// (3) Keyboard only, no mouse: a booking succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_booking() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "keyboard-only").await;
    let uid = result["booked"]["uid"].as_str().expect("uid");
    let stored = booking(&harness, uid).await;
    assert_eq!(stored["invitee"]["name"], "Kim Keyboard");
    assert_eq!(stored["start"], result["start"]);
    assert_eq!(stored["utm"], json!({ "source": "keyboard" }));
}

/// (3b) Keyboard only through the server-rendered pages (Tab, Enter, Space,
/// arrows): a day, a time, the form, the confirmation page; the booking is
/// the one chosen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_booking_pages() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "keyboard-pages").await;
    let uid = result["uid"].as_str().expect("uid");
    let stored = booking(&harness, uid).await;
    assert_eq!(stored["invitee"]["name"], "Kim Keys");
    assert_eq!(stored["invitee"]["email"], "kim.keys@example.com");
    assert_eq!(
        stored["start"], result["start"],
        "the time chosen was booked"
    );
    assert_eq!(stored["answers"]["size"], result["size"]);
    assert_eq!(stored["answers"]["terms"], true);
    assert_eq!(stored["answers"]["topics"], json!(["Pricing"]));
    assert_eq!(stored["utm"], json!({ "source": "keyboard-pages" }));
}

/// (4) axe-core on the widget (each step), the poll pages and every
/// server-rendered page (host, calendar, form empty and with errors,
/// confirmation, manage, time gone, team and its calendar, one-off link and
/// its 410, 404, German): no serious or critical violations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_serious_accessibility_violations() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "accessibility").await;
    let checked = result["checked"].as_array().expect("checked");
    // 4 widget steps, 2 poll pages, 17 server-rendered pages (tour.mjs).
    assert_eq!(checked.len(), 23, "{result}");
}

/// (5) Two browsers choose the same time: the second is told it is gone and
/// offered others; one booking exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_same_time() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "same-time").await;
    let all = admin(
        &harness.kairos,
        reqwest::Method::GET,
        "/api/v1/bookings",
        None,
    )
    .await;
    let at_start: Vec<&Value> = all
        .as_array()
        .expect("bookings")
        .iter()
        .filter(|b| b["start"] == result["start"])
        .collect();
    assert_eq!(
        at_start.len(),
        1,
        "one booking at the contested time: {all}"
    );
    assert_eq!(at_start[0]["invitee"]["email"], "first@example.com");
}

/// (6) Phone (390×844) and desktop screenshots under target/screenshots/:
/// the widget, polls, embeds and every server-rendered page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_for_review() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "screenshots").await;
    let files = result["files"].as_array().expect("files");
    assert!(files.len() >= 54, "{result}");
    for page in [
        "host",
        "form-errors",
        "confirmation",
        "manage",
        "survey",
        "survey-thanks",
        "approval",
        "time-gone",
        "team-calendar",
        "link-gone",
        "not-found",
        "calendar-de",
    ] {
        for size in ["phone", "desktop"] {
            let name = format!("page-{page}-{size}.png");
            assert!(
                files
                    .iter()
                    .any(|f| f.as_str().is_some_and(|f| f.ends_with(&name))),
                "no {name}: {result}"
            );
        }
    }
    for file in files {
        let path = PathBuf::from(file.as_str().expect("path"));
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 5_000, "{} is {size} bytes", path.display());
        assert!(path.starts_with(root().join("target/screenshots")));
    }
}

/// The widget's side of the holds contract (the endpoints played by the
/// test, to reach every branch: a 409, a renewal): hold, keep on Back, move,
/// 409, renew before expiry, the booking carries the hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_follows_the_holds_contract() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "holds-contract").await;
    let uid = result["booked"]["uid"].as_str().expect("uid");
    assert_eq!(
        booking(&harness, uid).await["invitee"]["email"],
        "held@example.com"
    );
    assert_eq!(result["log"]["holds"].as_array().map(Vec::len), Some(4));
}

/// A site the organization does not allow gets no calendar, and a plain message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_on_a_refused_site() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    allow_origins(&harness, json!(["https://elsewhere.example"])).await;
    scenario(&harness, "refused-origin").await;
}

/// (1a) embed.js and frame.js against a stand-in booking page: URLs,
/// events, resizing, origins checked, the popup's dialog, focus and Escape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embed_script_and_frame_relay() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "embed-mechanics").await;
    assert!(
        result["after"].as_f64() > result["before"].as_f64(),
        "{result}"
    );
}

/// (1) The real booking pages embedded inline and as a popup on another
/// origin: book through each, the host page hears `kairos:booked`, the
/// admin API has the bookings with their UTM parameters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embed_inline_and_popup_book() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(harness) = harness(false).await else {
        return;
    };
    let result = scenario(&harness, "embed-books").await;
    for (i, mode) in ["inline", "popup"].iter().enumerate() {
        let booked = &result["results"][i]["booked"];
        let uid = booked["uid"].as_str().expect("uid");
        let stored = booking(&harness, uid).await;
        assert_eq!(
            stored["invitee"]["email"],
            format!("embed-{mode}@example.com")
        );
        // The inline element adds utm_medium; the page's URL gives the rest.
        let mut utm = json!({ "source": format!("embed-{mode}"), "campaign": "launch" });
        if *mode == "inline" {
            utm["medium"] = json!("embed");
        }
        assert_eq!(stored["utm"], utm);
    }
}
