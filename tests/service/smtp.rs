//! A real SMTP server for the tests: aiosmtpd (pip, installed by
//! `.ci/run`) running `tests/support/smtp_sink.py` on a free loopback port,
//! saving each message it accepts; and `read_mail.py`, which reads a saved
//! message with Python's email package and the `icalendar` package (not
//! Kairos's code) and answers JSON.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    auth: Option<String>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn support(file: &str) -> String {
    format!("{}/tests/support/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Whether aiosmtpd and icalendar are installed; CI must have them.
fn installed() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd, icalendar"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have aiosmtpd and icalendar (pip install aiosmtpd icalendar)"
        );
        eprintln!("aiosmtpd or icalendar is not installed: skipping the email tests");
    }
    ok
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpSink {
    /// A sink on a free port, or `None` where aiosmtpd is not installed.
    pub async fn start() -> Option<SmtpSink> {
        Self::start_with(None).await
    }

    /// A sink that requires `user:password` (AUTH PLAIN/LOGIN).
    pub async fn with_auth(credentials: &str) -> Option<SmtpSink> {
        Self::start_with(Some(credentials.to_string())).await
    }

    async fn start_with(auth: Option<String>) -> Option<SmtpSink> {
        if !installed() {
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("kairos-smtp-{}", kairos::domain::random_token(10)));
        let mut sink = SmtpSink {
            child: None,
            port: free_port(),
            dir,
            auth,
        };
        sink.restart().await;
        Some(sink)
    }

    /// Starts it again on the same port and folder (after [`SmtpSink::stop`]).
    pub async fn restart(&mut self) {
        let mut command = Command::new("python3");
        command
            .arg(support("smtp_sink.py"))
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(auth) = &self.auth {
            command.args(["--auth", auth]);
        }
        self.child = Some(command.spawn().expect("start the SMTP sink"));
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMTP sink did not start");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, in order of arrival.
    pub fn received(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Every message received, read by `read_mail.py`.
    pub fn messages(&self) -> Vec<Value> {
        self.received().iter().map(|path| read_mail(path)).collect()
    }
}

/// A message as mail clients read it (see the module's documentation).
pub fn read_mail(path: &std::path::Path) -> Value {
    let out = Command::new("python3")
        .arg(support("read_mail.py"))
        .arg(path)
        .output()
        .expect("run read_mail.py");
    assert!(
        out.status.success(),
        "read_mail.py failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("read_mail.py prints JSON")
}
