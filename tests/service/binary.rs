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
