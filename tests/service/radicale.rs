//! A real CalDAV server for tests and benchmarks: Radicale (installed with
//! pip by `.ci/run`), started on a free loopback port with its own folder.

use kairos::sync::caldav::CaldavClient;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Radicale {
    child: Child,
    pub url: url::Url,
    /// Its folder; the collections live under `data/collection-root/`.
    pub dir: std::path::PathBuf,
}

impl Drop for Radicale {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts Radicale on a free loopback port, or `None` where it is not
/// installed (CI installs it and must not skip).
pub async fn radicale() -> Option<Radicale> {
    start(&["--auth-type", "none"]).await
}

/// Radicale checking passwords (user `ana`, password `right`).
pub async fn radicale_with_passwords() -> Option<Radicale> {
    let file = std::env::temp_dir().join(format!(
        "kairos-htpasswd-{}",
        kairos::domain::random_token(8)
    ));
    std::fs::write(&file, "ana:right\n").expect("htpasswd");
    let path = file.to_string_lossy().to_string();
    start(&[
        "--auth-type",
        "htpasswd",
        "--auth-htpasswd-filename",
        &path,
        "--auth-htpasswd-encryption",
        "plain",
    ])
    .await
}

async fn start(auth: &[&str]) -> Option<Radicale> {
    let installed = Command::new("python3")
        .args(["-c", "import radicale"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Radicale (pip install radicale)"
        );
        eprintln!("Radicale is not installed: skipping the CalDAV tests");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let dir = std::env::temp_dir().join(format!(
        "kairos-radicale-{}",
        kairos::domain::random_token(8)
    ));
    let mut child = Command::new("python3")
        .args(["-m", "radicale", "--storage-filesystem-folder"])
        .arg(dir.join("data"))
        .args([
            "--server-hosts",
            &format!("127.0.0.1:{port}"),
            "--logging-level",
            "warning",
        ])
        .args(auth)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start radicale");
    let url: url::Url = format!("http://127.0.0.1:{port}/").parse().expect("url");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Radicale { child, url, dir });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("Radicale did not start");
}

impl Radicale {
    /// A client for `user` and a new calendar "Work" at `/user/work/`.
    pub async fn work_calendar(&self, user: &str, password: &str) -> (CaldavClient, url::Url) {
        let client = CaldavClient::new(user, password).expect("client");
        let home = self.url.join(&format!("{user}/")).expect("url");
        // Radicale makes the principal on first contact.
        let _ = client.calendars(&home).await;
        let work = home.join("work/").expect("url");
        client
            .make_calendar(&work, "Work")
            .await
            .expect("mkcalendar");
        (client, work)
    }
}
