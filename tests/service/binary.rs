//! The real binary: `kairos serve` on a free port, a booking over HTTP, a
//! restart (SIGTERM, graceful), and the booking is still there.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &std::path::Path, port: u16) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kairos"))
            .arg("demo")
            .current_dir(dir)
            .env("KAIROS_PORT", port.to_string())
            .env("KAIROS_HOST", "127.0.0.1")
            .env_remove("KAIROS_DATABASE_URL")
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
        assert!(!base.is_empty(), "the server printed where it listens");
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("kairos did not stop on SIGTERM within 5 s");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[tokio::test]
async fn booking_survives_a_restart() {
    let dir =
        std::env::temp_dir().join(format!("kairos-binary-{}", kairos::domain::random_token(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    let client = reqwest::Client::new();
    let server = Server::start(&dir, free_port());
    // The demo's intro call is Ana's (Europe/Berlin) 09:00–12:30 on weekdays; pick next week's Wednesday.
    let today = chrono::Utc::now().date_naive();
    let mut day = today + chrono::Days::new(7);
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Wed {
        day = day + chrono::Days::new(1);
    }
    let slots: Value = client
        .get(format!(
            "{}/api/v1/public/ana/intro/slots?start={day}T00:00:00Z&end={day}T23:59:00Z&timezone=UTC",
            server.base
        ))
        .send()
        .await
        .expect("slots")
        .json()
        .await
        .expect("json");
    let start = slots["days"][0]["slots"][0]["start"]
        .as_str()
        .expect("a slot")
        .to_string();
    let made = client
        .post(format!("{}/api/v1/public/ana/intro/bookings", server.base))
        .json(&json!({
            "start": start,
            "invitee": { "name": "Pat", "email": "pat@example.com", "timezone": "UTC" },
            "answers": { "company": "Initech" }
        }))
        .send()
        .await
        .expect("book");
    assert_eq!(made.status(), reqwest::StatusCode::CREATED);
    let made: Value = made.json().await.expect("json");
    let manage = made["manage_url"].as_str().expect("manage url").to_string();
    server.stop();

    let server = Server::start(&dir, free_port());
    let manage = manage.replace(
        manage.split("/api/").next().unwrap_or_default(),
        &server.base,
    );
    let view: Value = client
        .get(&manage)
        .send()
        .await
        .expect("view")
        .json()
        .await
        .expect("json");
    assert_eq!(view["uid"], made["uid"]);
    assert_eq!(view["status"], "accepted");
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kairos` with `args` in `dir`, waited for.
fn kairos(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kairos"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("KAIROS_DATABASE_URL")
        .env_remove("NO_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("kairos runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// A server started with `args`, its log going to `log` (a file, as an
/// operator's service manager would set it up).
fn launch(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    log: &std::path::Path,
) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kairos"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("KAIROS_DATABASE_URL")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start kairos");
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
    assert!(
        !base.is_empty(),
        "the server printed where it listens; log: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// A new database, run for real: an organization and an admin key from the
/// command line, the key working against the server, listed with its last
/// use, revoked while the server runs (401 at once). Logs written to a file
/// carry no colour codes. On SQLite, a second server on the same file and
/// `kairos migrate` refuse while the first runs.
async fn first_run(backend: crate::helpers::Backend) {
    let dir =
        std::env::temp_dir().join(format!("kairos-first-{}", kairos::domain::random_token(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = match backend {
        crate::helpers::Backend::Sqlite => None,
        crate::helpers::Backend::Postgres => match crate::helpers::fresh_database(backend).await {
            Some(url) => Some(url),
            None => return,
        },
    };
    let env: Vec<(&str, &str)> = url
        .iter()
        .map(|u| ("KAIROS_DATABASE_URL", u.as_str()))
        .collect();

    let org = kairos(&dir, &env, &["org", "create", "--name", "Acme"]);
    assert!(org.status.success(), "{}", text(&org.stderr));
    let org_id = text(&org.stdout);
    assert!(
        text(&org.stderr).contains("kairos keys create --org"),
        "says what is next"
    );
    let listed = kairos(&dir, &env, &["org", "list"]);
    assert!(
        text(&listed.stdout).contains(&format!("{org_id}\t")),
        "{}",
        text(&listed.stdout)
    );
    let made = kairos(
        &dir,
        &env,
        &["keys", "create", "--org", &org_id, "--name", "admin"],
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let key = text(&made.stdout);
    assert!(
        key.starts_with("kairos_") && !key.contains(char::is_whitespace),
        "{key}"
    );
    let unknown = kairos(
        &dir,
        &env,
        &["keys", "create", "--org", "nope", "--name", "x"],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("--org"),
        "{}",
        text(&unknown.stderr)
    );
    let unnamed = kairos(
        &dir,
        &env,
        &["keys", "create", "--org", &org_id, "--name", " "],
    );
    assert_eq!(unnamed.status.code(), Some(2));

    let log = dir.join("kairos.log");
    let server = launch(
        &dir,
        &env,
        &["serve", "--port", "0", "--bind", "127.0.0.1"],
        &log,
    );
    let client = reqwest::Client::new();
    let users = |key: String| {
        let request = client
            .get(format!("{}/api/v1/users", server.base))
            .bearer_auth(key);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(users(key.clone()).await, 200);

    let keys = kairos(&dir, &env, &["keys", "list", "--org", &org_id]);
    let row = text(&keys.stdout)
        .lines()
        .find(|line| line.contains("\tadmin\t"))
        .expect("the key is listed")
        .to_string();
    assert!(!row.contains(&key), "never the key itself: {row}");
    let fields: Vec<&str> = row.split('\t').collect();
    assert_eq!(fields.len(), 7, "{row}");
    assert!(key.starts_with(fields[3]), "its prefix: {row}");
    assert_ne!(fields[5], "-", "last use recorded: {row}");
    assert_eq!(fields[6], "-", "not revoked: {row}");

    if backend == crate::helpers::Backend::Sqlite {
        let second = kairos(&dir, &env, &["serve", "--port", "0"]);
        assert!(
            !second.status.success(),
            "a second server on one SQLite file refuses"
        );
        let said = text(&second.stderr);
        assert!(
            said.contains("kairos.db") && said.contains("PostgreSQL"),
            "{said}"
        );
        let migrate = kairos(&dir, &env, &["migrate"]);
        assert!(!migrate.status.success());
        assert!(
            text(&migrate.stderr).contains("stop it"),
            "{}",
            text(&migrate.stderr)
        );
    }

    let revoked = kairos(&dir, &env, &["keys", "revoke", fields[0]]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert_eq!(users(key.clone()).await, 401, "revoked at once");
    let missing = kairos(&dir, &env, &["keys", "revoke", "no-such-key"]);
    assert_eq!(missing.status.code(), Some(2));
    server.stop();

    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("Kairos is listening"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "no colour codes in a log file: {logged}"
    );
    if backend == crate::helpers::Backend::Sqlite {
        let migrate = kairos(&dir, &env, &["migrate"]);
        assert!(
            migrate.status.success(),
            "once stopped: {}",
            text(&migrate.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

crate::on_both!(first_run);

/// The README's tour is what the demo prints: run as printed (with curl), on a
/// new database, with the port given on the command line, every step works.
#[tokio::test]
async fn demo_tour_runs_as_printed() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: the tour cannot run");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kairos-tour-{}", kairos::domain::random_token(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kairos"))
        .args(["demo", "--port", "0"])
        .current_dir(&dir)
        .env_remove("KAIROS_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (mut tour, mut inside, mut base) = (String::new(), false, String::new());
    for line in lines.by_ref() {
        let line = line.expect("line");
        if line == "----8<----" {
            inside = !inside;
        } else if inside {
            tour.push_str(&line);
            tour.push('\n');
        } else if let Some(url) = line.strip_prefix("Kairos is listening on ") {
            base = url.to_string();
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let server = Server { child, base };
    assert!(tour.contains(&format!("B={}", server.base)), "{tour}");
    let ran = tokio::task::spawn_blocking(move || {
        Command::new("sh").arg("-c").arg(tour).output().expect("sh")
    })
    .await
    .expect("tour");
    let out = String::from_utf8_lossy(&ran.stdout).to_string();
    assert!(
        ran.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    for expected in [
        "\"manage_token\":",                        // booked
        "\"status\":409",                           // the same time again
        "\"rescheduled_from\":",                    // rescheduled
        "\"cancel_reason\":\"Found another time\"", // cancelled
        "\"history\":[",                            // the admin's view
        "\"status\":\"finalized\"",                 // the poll booked
        "\"url\":\"http",                           // the one-off link
        "\"revoked_at\":\"",                        // the tour's key revoked
        "\"openapi\":",
    ] {
        assert!(out.contains(expected), "{expected} in:\n{out}");
    }
    assert_eq!(
        out.matches("about:blank").count(),
        1,
        "only the expected 409:\n{out}"
    );
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
