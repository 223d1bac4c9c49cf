//! Typed settings: defaults < `kairos.toml` < `KAIROS_*` environment variables.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must not appear in logs (database URLs carry passwords).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://kairos.db` (default, embedded) or `postgres://…`.
    pub database_url: Secret,
    pub host: String,
    pub port: u16,
    pub log_format: LogFormat,
    /// Where people reach this server (for links in responses); defaults to `http://host:port`.
    pub public_url: Option<String>,
    /// Keys that encrypt calendar credentials at rest (`id:base64,…`, first seals).
    pub secret_keys: Option<Secret>,
    pub providers: ProviderSettings,
    pub holds: HoldLimits,
    pub mail: MailSettings,
    pub sms: SmsSettings,
}

/// Text messages through a Twilio-compatible API (Twilio itself, or any
/// service or stand-in that speaks its Messages resource). Without an
/// account, workflow text messages fail visibly ("not configured").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSettings {
    /// The API's base URL (`https://api.twilio.com`).
    pub api_url: String,
    pub account_sid: Option<String>,
    pub auth_token: Option<Secret>,
    /// The sender: an E.164 number, or a Messaging Service SID (`MG…`).
    pub from: Option<String>,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            api_url: "https://api.twilio.com".to_string(),
            account_sid: None,
            auth_token: None,
            from: None,
        }
    }
}

/// `[sms]` in kairos.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSms {
    api_url: Option<String>,
    account_sid: Option<String>,
    auth_token: Option<String>,
    from: Option<String>,
}

impl FileSms {
    fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.api_url {
            let parsed = url::Url::parse(url).map_err(|e| format!("api_url: not a URL ({e})"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err("api_url: the scheme must be http or https".to_string());
            }
        }
        if let Some(from) = &self.from
            && !from.starts_with("MG")
        {
            crate::domain::check_phone("from", from)
                .map_err(|e| format!("{e} or a Messaging Service SID (MG…)"))?;
        }
        Ok(())
    }

    fn apply(self, to: &mut SmsSettings) {
        if let Some(url) = self.api_url {
            to.api_url = url;
        }
        if let Some(sid) = self.account_sid {
            to.account_sid = Some(sid);
        }
        if let Some(token) = self.auth_token {
            to.auth_token = Some(Secret::new(token));
        }
        if let Some(from) = self.from {
            to.from = Some(from);
        }
    }
}

/// Where email goes: an SMTP server, or without one a folder of `.eml`
/// files (never nowhere: a message nobody can find is a lost message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `smtp://host:port` (plain; `?tls=required` for STARTTLS,
    /// `?tls=opportunistic` for STARTTLS when offered) or `smtps://host:port`
    /// (TLS from the start); user and password may be in the URL.
    pub smtp_url: Option<Secret>,
    /// Credentials given apart from the URL (they win over the URL's).
    pub smtp_user: Option<String>,
    pub smtp_password: Option<Secret>,
    /// The sender address (`Kairos <bookings@example.com>`); messages show
    /// "Host name via Kairos" with it and reply to the host.
    pub from: String,
    /// Where messages are written when no SMTP server is set.
    pub folder: PathBuf,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            smtp_user: None,
            smtp_password: None,
            from: "Kairos <kairos@localhost>".to_string(),
            folder: PathBuf::from("mail"),
        }
    }
}

/// `[mail]` in kairos.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMail {
    smtp_url: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    from: Option<String>,
    folder: Option<PathBuf>,
}

impl FileMail {
    /// Checks what can be checked before the first message: the URL's
    /// scheme and the sender's address (the names say which key).
    fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.smtp_url {
            check_smtp_url(url).map_err(|e| format!("smtp_url: {e}"))?;
        }
        if let Some(from) = &self.from {
            from.parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("from: \"{from}\" is not an email address ({e})"))?;
        }
        Ok(())
    }

    fn apply(self, to: &mut MailSettings) {
        if let Some(url) = self.smtp_url {
            to.smtp_url = Some(Secret::new(url));
        }
        if let Some(user) = self.smtp_user {
            to.smtp_user = Some(user);
        }
        if let Some(password) = self.smtp_password {
            to.smtp_password = Some(Secret::new(password));
        }
        if let Some(from) = self.from {
            to.from = from;
        }
        if let Some(folder) = self.folder {
            to.folder = folder;
        }
    }
}

/// An SMTP URL Kairos can use; the error never repeats the URL (it may hold
/// a password).
fn check_smtp_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "smtp" | "smtps" => {}
        other => return Err(format!("the scheme must be smtp or smtps, not \"{other}\"")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no server".to_string());
    }
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "required" | "opportunistic") if url.scheme() == "smtp" => {}
            ("tls", _) => {
                return Err(
                    "tls must be required or opportunistic, and only with smtp://".to_string(),
                );
            }
            (other, _) => return Err(format!("unknown parameter \"{other}\" (only tls)")),
        }
    }
    Ok(())
}

/// How many live slot holds one client (a visitor's IP address) may keep,
/// so a script cannot hold every free time of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldLimits {
    /// Live holds per client on one event type (0: no cap).
    pub per_event_type: u32,
    /// Live holds per client over every event type (0: no cap).
    pub per_client: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the visitor; from any
    /// other peer the header is ignored (anyone can send it).
    pub trusted_proxies: Vec<ProxyNet>,
}

impl Default for HoldLimits {
    fn default() -> Self {
        HoldLimits {
            per_event_type: 3,
            per_client: 20,
            trusted_proxies: Vec::new(),
        }
    }
}

/// An address or a CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    network: std::net::IpAddr,
    prefix: u8,
}

impl ProxyNet {
    pub fn parse(text: &str) -> Result<ProxyNet, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: std::net::IpAddr = address
            .parse()
            .map_err(|_| format!("\"{text}\" is not an IP address or CIDR range"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= width => p,
                _ => return Err(format!("\"{text}\": the prefix must be 0..={width}")),
            },
        };
        Ok(ProxyNet { network, prefix })
    }

    /// Whether `ip` lies in this range (an IPv4 peer seen as `::ffff:a.b.c.d`
    /// matches IPv4 ranges).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v4) => u128::from(u32::from(v4)),
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        let width: u32 = if self.network.is_ipv4() { 32 } else { 128 };
        if ip.is_ipv4() != self.network.is_ipv4() {
            return false;
        }
        let host_bits = width - u32::from(self.prefix);
        let mask = if host_bits >= 128 {
            0
        } else {
            u128::MAX << host_bits
        };
        bits(ip) & mask == bits(self.network) & mask
    }
}

fn proxy_list(items: &[String]) -> Result<Vec<ProxyNet>, String> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(ProxyNet::parse)
        .collect()
}

/// One OAuth calendar provider: the app's client and the provider's
/// endpoints (configurable, so self-hosted setups and tests can point them
/// elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthProvider {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub auth_url: String,
    pub token_url: String,
    pub api_url: String,
}

/// Calendar providers and how often connections are polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub google: OAuthProvider,
    pub microsoft: OAuthProvider,
    /// Polling interval for connections without working push (CalDAV always).
    pub sync_interval_seconds: u64,
    /// Whether CalDAV servers may be on private or local networks (a
    /// Nextcloud on the LAN); off, the server must be a public address.
    pub caldav_allow_private_networks: bool,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            google: OAuthProvider {
                client_id: None,
                client_secret: None,
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".to_string(),
                token_url: "https://oauth2.googleapis.com/token".to_string(),
                api_url: "https://www.googleapis.com/calendar/v3".to_string(),
            },
            microsoft: OAuthProvider {
                client_id: None,
                client_secret: None,
                auth_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
                    .to_string(),
                token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token".to_string(),
                api_url: "https://graph.microsoft.com/v1.0".to_string(),
            },
            sync_interval_seconds: 300,
            caldav_allow_private_networks: false,
        }
    }
}

/// `[google]` / `[microsoft]` in kairos.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOAuth {
    client_id: Option<String>,
    client_secret: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    api_url: Option<String>,
}

impl FileOAuth {
    fn apply(self, to: &mut OAuthProvider) {
        if let Some(v) = self.client_id {
            to.client_id = Some(v);
        }
        if let Some(v) = self.client_secret {
            to.client_secret = Some(Secret::new(v));
        }
        if let Some(v) = self.auth_url {
            to.auth_url = v;
        }
        if let Some(v) = self.token_url {
            to.token_url = v;
        }
        if let Some(v) = self.api_url {
            to.api_url = v;
        }
    }

    /// Reads `KAIROS_<PROVIDER>_<FIELD>`; false when `name` is not one.
    fn set_from_env(&mut self, field: &str, value: String) -> bool {
        let slot = match field {
            "CLIENT_ID" => &mut self.client_id,
            "CLIENT_SECRET" => &mut self.client_secret,
            "AUTH_URL" => &mut self.auth_url,
            "TOKEN_URL" => &mut self.token_url,
            "API_URL" => &mut self.api_url,
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: Secret::new("sqlite://kairos.db"),
            host: "127.0.0.1".to_string(),
            port: 8080,
            log_format: LogFormat::Text,
            public_url: None,
            secret_keys: None,
            providers: ProviderSettings::default(),
            holds: HoldLimits::default(),
            mail: MailSettings::default(),
            sms: SmsSettings::default(),
        }
    }
}

/// The file layer: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    log_format: Option<LogFormat>,
    public_url: Option<String>,
    secret_keys: Option<String>,
    sync_interval_seconds: Option<u64>,
    caldav_allow_private_networks: Option<bool>,
    max_holds_per_event_type: Option<u32>,
    max_holds_per_client: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    google: Option<FileOAuth>,
    microsoft: Option<FileOAuth>,
    mail: Option<FileMail>,
    sms: Option<FileSms>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{name}: {message}")]
    Env { name: String, message: String },
}

impl Settings {
    /// Loads settings: defaults, then `file` if it exists, then the environment.
    pub fn load(
        file: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut settings = Settings::default();
        if file.exists() {
            let path = file.display().to_string();
            let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let layer: FileSettings = toml::from_str(&text).map_err(|e| ConfigError::File {
                path,
                message: e.to_string(),
            })?;
            if let Some(url) = &layer.database_url {
                crate::store::backend_of(url).map_err(|message| ConfigError::File {
                    path: file.display().to_string(),
                    message: format!("database_url: {message}"),
                })?;
            }
            if let Some(keys) = &layer.secret_keys {
                crate::secrets::KeyRing::parse(keys).map_err(|e| ConfigError::File {
                    path: file.display().to_string(),
                    message: format!("secret_keys: {e}"),
                })?;
            }
            if let Some(proxies) = &layer.trusted_proxies {
                proxy_list(proxies).map_err(|e| ConfigError::File {
                    path: file.display().to_string(),
                    message: format!("trusted_proxies: {e}"),
                })?;
            }
            if let Some(mail) = &layer.mail {
                mail.check().map_err(|message| ConfigError::File {
                    path: file.display().to_string(),
                    message: format!("mail.{message}"),
                })?;
            }
            if let Some(sms) = &layer.sms {
                sms.check().map_err(|message| ConfigError::File {
                    path: file.display().to_string(),
                    message: format!("sms.{message}"),
                })?;
            }
            settings.apply(layer);
        }
        let mut layer = FileSettings::default();
        for (name, value) in env {
            let bad = |message: &str| ConfigError::Env {
                name: name.clone(),
                message: message.to_string(),
            };
            match name.as_str() {
                "KAIROS_DATABASE_URL" => {
                    crate::store::backend_of(&value).map_err(|message| bad(&message))?;
                    layer.database_url = Some(value);
                }
                "KAIROS_HOST" => layer.host = Some(value),
                "KAIROS_PORT" => {
                    layer.port = Some(value.parse().map_err(|_| bad("not a port number"))?);
                }
                "KAIROS_LOG_FORMAT" => {
                    layer.log_format = Some(match value.as_str() {
                        "text" => LogFormat::Text,
                        "json" => LogFormat::Json,
                        _ => return Err(bad("expected text or json")),
                    });
                }
                "KAIROS_PUBLIC_URL" => layer.public_url = Some(value),
                "KAIROS_SYNC_INTERVAL_SECONDS" => {
                    let seconds: u64 = value.parse().map_err(|_| bad("not a number of seconds"))?;
                    if seconds == 0 {
                        return Err(bad("must be at least 1"));
                    }
                    layer.sync_interval_seconds = Some(seconds);
                }
                "KAIROS_CALDAV_ALLOW_PRIVATE_NETWORKS" => {
                    layer.caldav_allow_private_networks = Some(match value.as_str() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => return Err(bad("expected true or false")),
                    });
                }
                other
                    if other.starts_with("KAIROS_GOOGLE_")
                        || other.starts_with("KAIROS_MICROSOFT_") =>
                {
                    let (slot, field) = match other.strip_prefix("KAIROS_GOOGLE_") {
                        Some(field) => (&mut layer.google, field),
                        None => (&mut layer.microsoft, &other["KAIROS_MICROSOFT_".len()..]),
                    };
                    if !slot
                        .get_or_insert_with(FileOAuth::default)
                        .set_from_env(field, value)
                    {
                        return Err(bad(
                            "unknown provider setting (CLIENT_ID, CLIENT_SECRET, AUTH_URL, TOKEN_URL, API_URL)",
                        ));
                    }
                }
                "KAIROS_MAX_HOLDS_PER_EVENT_TYPE" => {
                    layer.max_holds_per_event_type =
                        Some(value.parse().map_err(|_| bad("not a number (0: no cap)"))?);
                }
                "KAIROS_MAX_HOLDS_PER_CLIENT" => {
                    layer.max_holds_per_client =
                        Some(value.parse().map_err(|_| bad("not a number (0: no cap)"))?);
                }
                "KAIROS_TRUSTED_PROXIES" => {
                    let items: Vec<String> = value.split(',').map(str::to_string).collect();
                    proxy_list(&items).map_err(|e| bad(&e))?;
                    layer.trusted_proxies = Some(items);
                }
                "KAIROS_SMTP_URL"
                | "KAIROS_SMTP_USER"
                | "KAIROS_SMTP_PASSWORD"
                | "KAIROS_MAIL_FROM"
                | "KAIROS_MAIL_DIR" => {
                    let mail = layer.mail.get_or_insert_with(FileMail::default);
                    match name.as_str() {
                        "KAIROS_SMTP_URL" => {
                            check_smtp_url(&value).map_err(|e| bad(&e))?;
                            mail.smtp_url = Some(value);
                        }
                        "KAIROS_SMTP_USER" => mail.smtp_user = Some(value),
                        "KAIROS_SMTP_PASSWORD" => mail.smtp_password = Some(value),
                        "KAIROS_MAIL_FROM" => {
                            let single = FileMail {
                                from: Some(value),
                                ..FileMail::default()
                            };
                            single.check().map_err(|e| bad(&e))?;
                            mail.from = single.from;
                        }
                        _ => mail.folder = Some(PathBuf::from(value)),
                    }
                }
                "KAIROS_SMS_API_URL"
                | "KAIROS_SMS_ACCOUNT_SID"
                | "KAIROS_SMS_AUTH_TOKEN"
                | "KAIROS_SMS_FROM" => {
                    let sms = layer.sms.get_or_insert_with(FileSms::default);
                    let mut single = FileSms::default();
                    match name.as_str() {
                        "KAIROS_SMS_API_URL" => single.api_url = Some(value),
                        "KAIROS_SMS_ACCOUNT_SID" => single.account_sid = Some(value),
                        "KAIROS_SMS_AUTH_TOKEN" => single.auth_token = Some(value),
                        _ => single.from = Some(value),
                    }
                    single
                        .check()
                        .map_err(|e| bad(e.split_once(": ").map_or(&*e, |(_, m)| m)))?;
                    sms.api_url = single.api_url.or(sms.api_url.take());
                    sms.account_sid = single.account_sid.or(sms.account_sid.take());
                    sms.auth_token = single.auth_token.or(sms.auth_token.take());
                    sms.from = single.from.or(sms.from.take());
                }
                "KAIROS_SECRET_KEYS" => {
                    crate::secrets::KeyRing::parse(&value).map_err(|e| bad(&e.to_string()))?;
                    layer.secret_keys = Some(value);
                }
                _ => {}
            }
        }
        settings.apply(layer);
        Ok(settings)
    }

    fn apply(&mut self, layer: FileSettings) {
        if let Some(url) = layer.database_url {
            self.database_url = Secret::new(url);
        }
        if let Some(host) = layer.host {
            self.host = host;
        }
        if let Some(port) = layer.port {
            self.port = port;
        }
        if let Some(format) = layer.log_format {
            self.log_format = format;
        }
        if let Some(url) = layer.public_url {
            self.public_url = Some(url);
        }
        if let Some(keys) = layer.secret_keys {
            self.secret_keys = Some(Secret::new(keys));
        }
        if let Some(seconds) = layer.sync_interval_seconds {
            self.providers.sync_interval_seconds = seconds;
        }
        if let Some(allow) = layer.caldav_allow_private_networks {
            self.providers.caldav_allow_private_networks = allow;
        }
        if let Some(n) = layer.max_holds_per_event_type {
            self.holds.per_event_type = n;
        }
        if let Some(n) = layer.max_holds_per_client {
            self.holds.per_client = n;
        }
        if let Some(proxies) = layer.trusted_proxies {
            // Checked when read (file or environment).
            self.holds.trusted_proxies = proxy_list(&proxies).unwrap_or_default();
        }
        if let Some(google) = layer.google {
            google.apply(&mut self.providers.google);
        }
        if let Some(microsoft) = layer.microsoft {
            microsoft.apply(&mut self.providers.microsoft);
        }
        if let Some(mail) = layer.mail {
            mail.apply(&mut self.mail);
        }
        if let Some(sms) = layer.sms {
            sms.apply(&mut self.sms);
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{}", self.host, self.port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_limits_and_trusted_proxies() {
        let dir = std::env::temp_dir().join(format!("kairos-holds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("kairos.toml");
        std::fs::write(
            &file,
            "max_holds_per_event_type = 2\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n",
        )
        .expect("write");
        let env = vec![("KAIROS_MAX_HOLDS_PER_CLIENT".to_string(), "0".to_string())];
        let settings = Settings::load(&file, env).expect("loads");
        assert_eq!(settings.holds.per_event_type, 2);
        assert_eq!(settings.holds.per_client, 0);
        let proxies = &settings.holds.trusted_proxies;
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert!(proxies[0].contains(ip("10.1.2.3")));
        assert!(
            proxies[0].contains(ip("::ffff:10.1.2.3")),
            "IPv4 seen over IPv6"
        );
        assert!(!proxies[0].contains(ip("11.0.0.1")));
        assert!(proxies[1].contains(ip("::1")) && !proxies[1].contains(ip("::2")));
        assert_eq!(HoldLimits::default().per_event_type, 3);
        assert_eq!(HoldLimits::default().per_client, 20);
        let env = vec![(
            "KAIROS_TRUSTED_PROXIES".to_string(),
            "10.0.0.0/33".to_string(),
        )];
        let error = Settings::load(&dir.join("missing.toml"), env).expect_err("bad range");
        assert!(
            error.to_string().starts_with("KAIROS_TRUSTED_PROXIES: "),
            "{error}"
        );
        std::fs::write(&file, "trusted_proxies = [\"proxy.local\"]\n").expect("write");
        let error = Settings::load(&file, Vec::new()).expect_err("a name");
        assert!(error.to_string().contains("trusted_proxies: "), "{error}");
        assert!(
            ProxyNet::parse("0.0.0.0/0")
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
    }

    #[test]
    fn mail_settings_are_checked_and_keep_passwords_out() {
        let dir = std::env::temp_dir().join(format!("kairos-mail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("kairos.toml");
        std::fs::write(
            &file,
            "[mail]\nsmtp_url = \"smtps://mailer:hunter2@smtp.example.com\"\nfrom = \"Acme <book@acme.test>\"\n",
        )
        .expect("write");
        let env = vec![(
            "KAIROS_MAIL_DIR".to_string(),
            "/var/mail/kairos".to_string(),
        )];
        let settings = Settings::load(&file, env).expect("loads");
        assert_eq!(settings.mail.from, "Acme <book@acme.test>");
        assert_eq!(settings.mail.folder, PathBuf::from("/var/mail/kairos"));
        assert!(!format!("{settings:?}").contains("hunter2"));
        for (name, value, says) in [
            (
                "KAIROS_SMTP_URL",
                "http://smtp.example.com",
                "smtp or smtps",
            ),
            (
                "KAIROS_SMTP_URL",
                "smtps://x:hunter2@h?tls=required",
                "tls must be",
            ),
            (
                "KAIROS_SMTP_URL",
                "smtp://h?starttls=1",
                "unknown parameter",
            ),
            ("KAIROS_MAIL_FROM", "not an address", "not an email address"),
        ] {
            let env = vec![(name.to_string(), value.to_string())];
            let error = Settings::load(&dir.join("missing.toml"), env).expect_err(value);
            let text = error.to_string();
            assert!(text.starts_with(&format!("{name}: ")), "{text}");
            assert!(text.contains(says) && !text.contains("hunter2"), "{text}");
        }
        std::fs::write(&file, "[mail]\nsmtp_url = \"smtp:/\"\n").expect("write");
        let error = Settings::load(&file, Vec::new()).expect_err("no server");
        assert!(error.to_string().contains("mail.smtp_url: "), "{error}");
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("kairos-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("kairos.toml");
        std::fs::write(&file, "port = 9000\nhost = \"0.0.0.0\"\n").expect("write");
        let env = vec![("KAIROS_PORT".to_string(), "9100".to_string())];
        let settings = Settings::load(&file, env).expect("loads");
        assert_eq!(settings.port, 9100, "environment beats the file");
        assert_eq!(settings.host, "0.0.0.0", "file beats the default");
        assert_eq!(settings.database_url.expose(), "sqlite://kairos.db");
        assert!(
            !format!("{settings:?}").contains("kairos.db"),
            "secrets stay out of Debug"
        );
        std::fs::write(&file, "prot = 1\n").expect("write");
        assert!(
            Settings::load(&file, Vec::new()).is_err(),
            "unknown keys are errors"
        );
        let env = vec![("KAIROS_PORT".to_string(), "http".to_string())];
        assert!(Settings::load(&dir.join("missing.toml"), env).is_err());
        let env = vec![("KAIROS_SECRET_KEYS".to_string(), "k1:short".to_string())];
        let error = Settings::load(&dir.join("missing.toml"), env).expect_err("bad keys");
        assert!(error.to_string().contains("KAIROS_SECRET_KEYS"), "{error}");
        for (url, scheme) in [
            ("mysql://root:hunter2@db/kairos", "\"mysql\""),
            ("kairos.db", "no scheme"),
        ] {
            let env = vec![("KAIROS_DATABASE_URL".to_string(), url.to_string())];
            let error = Settings::load(&dir.join("missing.toml"), env).expect_err(url);
            let text = error.to_string();
            assert!(text.starts_with("KAIROS_DATABASE_URL: "), "{text}");
            assert!(
                text.contains(scheme) && text.contains("sqlite://"),
                "{text}"
            );
            assert!(!text.contains("hunter2"), "passwords stay out: {text}");
        }
        std::fs::write(&file, "database_url = \"mysql://db/kairos\"\n").expect("write");
        let error = Settings::load(&file, Vec::new()).expect_err("mysql in the file");
        assert!(error.to_string().contains("database_url: "), "{error}");
        let key = format!("k1:{}", crate::secrets::KeyRing::generate_key());
        let env = vec![("KAIROS_SECRET_KEYS".to_string(), key.clone())];
        let settings = Settings::load(&dir.join("missing.toml"), env).expect("good keys");
        assert!(
            !format!("{settings:?}").contains(&key),
            "keys stay out of Debug"
        );
    }
}
