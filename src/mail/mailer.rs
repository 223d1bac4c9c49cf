//! Delivery: SMTP through lettre (pooled connections, STARTTLS or TLS), or
//! without a server a folder of `.eml` files. A refusal (an SMTP 5xx) is
//! told apart from a failure worth retrying (4xx, the network), which the
//! outbox retries with backoff.

use super::message::{MailError, Outgoing};
use crate::config::MailSettings;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one SMTP command may take: a server that accepts and then
/// stalls must not hold a worker.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// `host:port`, for logs (never the URL: it may hold a password).
        server: String,
    },
    Folder(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// The mailer the settings describe (checked when they were loaded;
    /// the errors here name the setting all the same).
    pub fn new(settings: &MailSettings) -> Result<Mailer, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("mail from: \"{}\" is not an address ({e})", settings.from))?;
        let transport = match &settings.smtp_url {
            None => Transport::Folder(settings.folder.clone()),
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT));
                if let (Some(user), Some(password)) = (&settings.smtp_user, &settings.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose().to_string(),
                    ));
                }
                let parsed = url::Url::parse(url.expose()).map_err(|e| format!("smtp_url: {e}"))?;
                let server = format!(
                    "{}:{}",
                    parsed.host_str().unwrap_or_default(),
                    parsed
                        .port()
                        .unwrap_or(if parsed.scheme() == "smtps" { 465 } else { 25 })
                );
                Transport::Smtp {
                    transport: builder.build(),
                    server,
                }
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Where messages go, for the log at start.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { server, .. } => format!("SMTP server {server}"),
            Transport::Folder(folder) => format!("the folder {}", folder.display()),
        }
    }

    /// The folder messages are written to, without an SMTP server.
    pub fn folder(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Folder(folder) => Some(folder),
            Transport::Smtp { .. } => None,
        }
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    pub async fn send(&self, mail: &Outgoing) -> Result<(), MailError> {
        let message = mail.to_message(&self.from)?;
        match &self.transport {
            Transport::Smtp { transport, .. } => match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(error) if error.is_permanent() => Err(MailError::Refused(error.to_string())),
                Err(error) => Err(MailError::Temporary(error.to_string())),
            },
            Transport::Folder(folder) => write_file(folder, &mail.id, &message.formatted()).await,
        }
    }
}

/// Writes `<id>.eml` whole (a temporary file renamed into place), so a
/// reader never sees half a message and a resend replaces, not duplicates.
/// The folder is private to this user: messages hold personal data.
async fn write_file(folder: &Path, id: &str, bytes: &[u8]) -> Result<(), MailError> {
    let failed = |what: &str, e: std::io::Error| {
        MailError::Temporary(format!("cannot {what} in {}: {e}", folder.display()))
    };
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder
        .create(folder)
        .await
        .map_err(|e| failed("create the mail folder", e))?;
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = folder.join(format!("{name}.eml"));
    let partial = folder.join(format!(".{name}.eml.partial"));
    tokio::fs::write(&partial, bytes)
        .await
        .map_err(|e| failed("write a message", e))?;
    tokio::fs::rename(&partial, &path)
        .await
        .map_err(|e| failed("write a message", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Building the SMTP pool spawns its reaper: inside a runtime, as in the server.
    #[tokio::test]
    async fn the_description_never_shows_the_password() {
        let settings = MailSettings {
            smtp_url: Some(crate::config::Secret::new(
                "smtps://user:hunter2@smtp.example.com",
            )),
            ..MailSettings::default()
        };
        let mailer = Mailer::new(&settings).expect("mailer");
        assert_eq!(mailer.describe(), "SMTP server smtp.example.com:465");
        assert!(mailer.folder().is_none());
    }

    #[tokio::test]
    async fn without_smtp_messages_are_files_named_by_their_id() {
        let folder = std::env::temp_dir().join(format!("kairos-mailer-{}", std::process::id()));
        let settings = MailSettings {
            folder: folder.clone(),
            ..MailSettings::default()
        };
        let mailer = Mailer::new(&settings).expect("mailer");
        let mail = Outgoing {
            id: "mail:bk1:confirmed".to_string(),
            sender_name: "Kairos".to_string(),
            reply_to: None,
            to: "jane@example.com".parse().expect("to"),
            subject: "Hi".to_string(),
            text: "Hi".to_string(),
            html: "<p>Hi</p>".to_string(),
            language: "en",
            invitation: None,
        };
        mailer.send(&mail).await.expect("written");
        mailer.send(&mail).await.expect("written again");
        let names: Vec<String> = std::fs::read_dir(&folder)
            .expect("folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["mail_bk1_confirmed.eml".to_string()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&folder)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "private folder");
        }
        std::fs::remove_dir_all(&folder).ok();
    }
}
