//! The `kairos` command line.

use crate::app::App;
use crate::config::{LogFormat, Settings};
use crate::engine::{self, instant::parse_rfc3339};
use crate::http;
use crate::{scenario, store};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kairos",
    version,
    about = "Kairos: scheduling with exact availability"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (settings: kairos.toml, then KAIROS_* variables).
    Serve(Listen),
    /// Run the database migrations and exit.
    Migrate,
    /// Run the server with demo data on the configured database (SQLite by
    /// default); it prints an admin key and the README's tour, ready to run.
    Demo(Listen),
    /// Print a new key for KAIROS_SECRET_KEYS (encrypts calendar credentials at rest).
    Keygen {
        /// The key's id (put the new key first in KAIROS_SECRET_KEYS to rotate).
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Organizations: on a new database, create one, then an API key for it.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// API keys of organizations (the admin API also lists, makes and revokes them).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Print the slots of a scenario file (format: docs/availability-spec.md).
    Slots {
        /// The scenario JSON file.
        #[arg(long, value_name = "FILE")]
        scenario: PathBuf,
        /// Instead of the slots, explain why this start time is or is not a slot.
        #[arg(long, value_name = "INSTANT")]
        explain: Option<String>,
        /// Print how long each phase took (parse, expand, slots, output) to stderr.
        #[arg(long)]
        timings: bool,
    },
}

/// Where to listen, overriding the settings.
#[derive(Args, Debug, Default)]
pub struct Listen {
    /// The port (instead of KAIROS_PORT / `port`; 0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// The address to listen on (instead of KAIROS_HOST / `host`).
    #[arg(long, value_name = "ADDRESS")]
    pub bind: Option<String>,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create an organization; prints its id.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List organizations: id, created, name.
    List,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create an API key; prints the key, once (only its hash is kept).
    Create {
        /// The organization's id (`kairos org list`).
        #[arg(long)]
        org: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
    },
    /// List API keys (never the keys themselves): id, organization, name, prefix, created, last used, revoked.
    List {
        /// Only this organization's keys.
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke an API key: it answers 401 from now on.
    Revoke {
        /// The key's id (`kairos keys list`).
        id: String,
    },
}

/// Exit status for input the user must fix (a bad scenario or argument).
const BAD_INPUT: u8 = 2;

/// How long calendar writes and syncs in flight may take at shutdown before
/// they are given back to the queue.
const WORKER_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Slots {
            scenario,
            explain,
            timings,
        } => slots(&scenario, explain.as_deref(), timings),
        Command::Serve(listen) => service(Mode::Serve, &listen),
        Command::Migrate => service(Mode::Migrate, &Listen::default()),
        Command::Demo(listen) => service(Mode::Demo, &listen),
        Command::Keygen { id } => {
            println!("{id}:{}", crate::secrets::KeyRing::generate_key());
            ExitCode::SUCCESS
        }
        Command::Org { command } => admin(Admin::Org(command)),
        Command::Keys { command } => admin(Admin::Keys(command)),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Serve,
    Migrate,
    Demo,
}

fn load_settings() -> Result<Settings, ExitCode> {
    Settings::load(Path::new("kairos.toml"), std::env::vars()).map_err(|error| {
        eprintln!("error: configuration: {error}");
        ExitCode::from(BAD_INPUT)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("error: cannot start the runtime: {error}");
            ExitCode::FAILURE
        })
}

fn service(mode: Mode, listen: &Listen) -> ExitCode {
    let mut settings = match load_settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    if let Some(port) = listen.port {
        settings.port = port;
    }
    if let Some(bind) = &listen.bind {
        settings.host.clone_from(bind);
    }
    init_tracing(settings.log_format);
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(run_service(mode, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colours only for a person at a terminal: a log file or collector gets
    // plain text (NO_COLOR turns them off at a terminal too).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Err(error) = installed {
        // No logger to say it with: the process runs on, silent.
        eprintln!("kairos: cannot set up logging: {error}");
    }
}

/// Takes the SQLite file's process lock (nothing for PostgreSQL) for a server
/// or `migrate`; refuses when another process holds it.
fn lock_database(mode: Mode, url: &str) -> Result<Option<store::ProcessLock>, String> {
    match store::ProcessLock::acquire(url) {
        Ok(lock) => Ok(lock),
        Err(error @ store::LockError::Busy { .. }) if mode == Mode::Migrate => Err(format!(
            "{error}: stop it before running migrations (a server applies them itself when it starts)"
        )),
        Err(error @ store::LockError::Busy { .. }) => Err(format!(
            "{error}. An SQLite database serves one Kairos process (a second one would \
             answer from stale caches); to run several, use PostgreSQL \
             (KAIROS_DATABASE_URL=postgres://…)"
        )),
        Err(error) => Err(error.to_string()),
    }
}

async fn run_service(mode: Mode, settings: Settings) -> Result<(), String> {
    let _lock = lock_database(mode, settings.database_url.expose())?;
    let store = store::connect(settings.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    if mode == Mode::Migrate {
        println!("migrations applied ({})", store.backend());
        return Ok(());
    }
    let address = format!("{}:{}", settings.host, settings.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    if mode == Mode::Demo {
        let demo = crate::demo::seed(store.as_ref())
            .await
            .map_err(|e| format!("cannot create the demo data: {e}"))?;
        let times = crate::demo::tour_times(store.as_ref(), chrono::Utc::now()).await;
        // A company site on its own port (another origin) embedding the pages.
        let site = tokio::net::TcpListener::bind(format!("{}:0", settings.host))
            .await
            .map_err(|e| format!("cannot listen for the demo site: {e}"))?;
        let site_url = format!("http://{}/", site.local_addr().map_err(|e| e.to_string())?);
        print_demo(&base, &site_url, &demo, times);
        tokio::spawn(crate::demo_site::serve(site, base.clone()));
    }
    tracing::info!(%local, backend = store.backend(), "Kairos is listening");
    println!("Kairos is listening on {base}");
    let keys = match &settings.secret_keys {
        Some(spec) => Some(
            crate::secrets::KeyRing::parse(spec.expose())
                .map_err(|e| format!("KAIROS_SECRET_KEYS: {e}"))?,
        ),
        None if mode == Mode::Demo => Some(demo_keys()?),
        None => {
            tracing::warn!(
                "KAIROS_SECRET_KEYS is not set: calendars cannot be connected (see `kairos keygen`)"
            );
            None
        }
    };
    let mut providers = settings.providers.clone();
    if mode == Mode::Demo {
        // The demo runs on one's own machine, next to a local CalDAV server perhaps.
        providers.caldav_allow_private_networks = true;
    }
    let state = App::new(store.clone(), base)
        .with_keys(keys)
        .with_providers(providers)
        .with_hold_limits(settings.holds.clone())
        .with_mail(&settings.mail)?
        .with_sms(&settings.sms);
    tracing::info!(to = %state.mailer.describe(), "email delivery");
    if !state.sms.is_configured() {
        tracing::info!(
            "text messages are not configured: workflow SMS steps will fail until KAIROS_SMS_* are set"
        );
    }
    if let Some(folder) = state.mailer.folder() {
        let folder = std::env::current_dir()
            .map(|here| here.join(folder))
            .unwrap_or_else(|_| folder.to_path_buf());
        println!(
            "Emails are written to {} as .eml files (set KAIROS_SMTP_URL to send them; see the README)",
            folder.display()
        );
    }
    state
        .watch_changes()
        .await
        .map_err(|e| format!("cannot listen for changes: {e}"))?;
    let workers = crate::workers::spawn(state.clone());
    let served = http::serve(listener, state).await;
    // Calendar writes and syncs in flight finish, or go back to the queue
    // for the next process instead of waiting out their lease.
    workers.shutdown(WORKER_GRACE).await;
    // Connections closed cleanly (SQLite checkpoints its WAL); a connection
    // that never comes back must not keep the process alive.
    if tokio::time::timeout(std::time::Duration::from_secs(3), store.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections did not close in time");
    }
    served.map_err(|e| format!("server error: {e}"))
}

/// The demo's key ring, kept in `kairos-demo.keys` beside the database so a
/// restarted demo can still read the credentials it stored.
fn demo_keys() -> Result<crate::secrets::KeyRing, String> {
    let path = std::path::Path::new("kairos-demo.keys");
    let spec = match std::fs::read_to_string(path) {
        Ok(text) => text.trim().to_string(),
        Err(_) => {
            let spec = format!("demo:{}", crate::secrets::KeyRing::generate_key());
            write_private(path, &spec)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            spec
        }
    };
    crate::secrets::KeyRing::parse(&spec).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

fn print_demo(
    base: &str,
    site: &str,
    demo: &crate::demo::DemoData,
    times: Result<crate::demo::TourTimes, String>,
) {
    println!("Kairos demo");
    println!("  admin API key:   {}", demo.api_key);
    println!("  Ana's user id:   {}", demo.ana_id);
    println!("  OpenAPI:         {base}/api/v1/openapi.json");
    println!("  booking pages (open them in a browser):");
    println!("    {:<32} {base}/ana", "Ana's page");
    for (user, event, title) in &demo.links {
        println!("    {title:<32} {base}/{user}/{event}");
    }
    println!("    {:<32} {base}/team/acme", "The Acme team's page");
    println!(
        "  a company site embedding them (inline, popup, button, the <kairos-booking> element):"
    );
    println!("    {site}");
    println!("  embed a page on any site with one line (and an element where it goes):");
    println!("    <script src=\"{base}/embed/embed.js\" async></script>");
    println!("    <div data-kairos-inline=\"ana/intro\"></div>");
    println!("  event types as JSON (public, no key needed):");
    for (user, event, title) in &demo.links {
        println!("    {title:<32} {base}/api/v1/public/{user}/{event}");
    }
    println!(
        "  calendar credentials: sealed with KAIROS_SECRET_KEYS, else the key in kairos-demo.keys"
    );
    println!();
    match times {
        Ok(times) => {
            println!("The tour (README.md explains each step): run these in another terminal.");
            println!("----8<----");
            print!(
                "{}",
                crate::demo::tour(base, demo, &times, &crate::domain::random_token(8))
            );
            println!("----8<----");
        }
        // Earlier tours booked every free time: the demo still serves.
        Err(error) => println!("No tour this time ({error}); start on a new database for one."),
    }
}

/// The organization and key commands: they work beside a running server
/// (which has migrated the database); alone, they migrate first.
enum Admin {
    Org(OrgCommand),
    Keys(KeysCommand),
}

/// An error of an admin command: the user's to fix (status 2) or not.
enum Failure {
    Input(String),
    Other(String),
}

impl From<store::StoreError> for Failure {
    fn from(error: store::StoreError) -> Self {
        Failure::Other(error.to_string())
    }
}

fn admin(command: Admin) -> ExitCode {
    let settings = match load_settings() {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(run_admin(command, settings.database_url.expose())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(BAD_INPUT)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run_admin(command: Admin, url: &str) -> Result<(), Failure> {
    // A server holding the SQLite file has migrated it; otherwise migrate
    // under the lock, so no server starts half-way.
    let lock = match store::ProcessLock::acquire(url) {
        Ok(lock) => Some(lock),
        Err(store::LockError::Busy { .. }) => None,
        Err(error) => return Err(Failure::Other(error.to_string())),
    };
    let store = store::connect(url)
        .await
        .map_err(|e| Failure::Other(format!("cannot open the database: {e}")))?;
    if lock.is_some() {
        store
            .migrate()
            .await
            .map_err(|e| Failure::Other(format!("migrations failed: {e}")))?;
    }
    let result = match command {
        Admin::Org(command) => org_command(store.as_ref(), command).await,
        Admin::Keys(command) => keys_command(store.as_ref(), command).await,
    };
    store.close().await;
    result
}

fn check_name(name: &str) -> Result<(), Failure> {
    crate::domain::check_text("--name", name, 200, true).map_err(|e| Failure::Input(e.to_string()))
}

async fn org_command(store: &dyn store::Store, command: OrgCommand) -> Result<(), Failure> {
    match command {
        OrgCommand::Create { name } => {
            check_name(&name)?;
            let org = store.create_organization(name.trim()).await?;
            println!("{}", org.id);
            eprintln!(
                "created organization {:?}; next, its first API key: kairos keys create --org {} --name admin",
                org.name, org.id
            );
        }
        OrgCommand::List => {
            for org in store.organizations().await? {
                println!("{}\t{}\t{}", org.id, stamp(Some(org.created_at)), org.name);
            }
        }
    }
    Ok(())
}

async fn keys_command(store: &dyn store::Store, command: KeysCommand) -> Result<(), Failure> {
    match command {
        KeysCommand::Create { org, name } => {
            check_name(&name)?;
            let key = crate::domain::NewApiKey::generate();
            let made = match store.insert_api_key(&org, name.trim(), &key).await {
                Err(store::StoreError::NotFound(_)) => {
                    return Err(Failure::Input(format!(
                        "--org: no organization {org} (see `kairos org list`)"
                    )));
                }
                other => other?,
            };
            println!("{}", key.secret);
            eprintln!(
                "created API key {} ({:?}) for organization {org}; it is shown only this once: \
                 send it as `Authorization: Bearer <key>`",
                made.id, made.name
            );
        }
        KeysCommand::List { org } => {
            println!("ID\tORGANIZATION\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED");
            for key in store.api_keys(org.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    key.id,
                    key.organization_id,
                    key.name,
                    key.prefix.as_deref().unwrap_or("-"),
                    stamp(Some(key.created_at)),
                    stamp(key.last_used_at),
                    stamp(key.revoked_at),
                );
            }
        }
        KeysCommand::Revoke { id } => match store.revoke_api_key(None, &id).await {
            Ok(key) => println!("revoked {} ({:?})", key.id, key.name),
            Err(store::StoreError::NotFound(_)) => {
                return Err(Failure::Input(format!(
                    "no API key {id} (see `kairos keys list`)"
                )));
            }
            Err(other) => return Err(other.into()),
        },
    }
    Ok(())
}

fn stamp(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(
        || "-".to_string(),
        |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

fn slots(path: &Path, explain: Option<&str>, timings: bool) -> ExitCode {
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(BAD_INPUT)
    };
    let began = std::time::Instant::now();
    let text = match read_bounded(path, scenario::MAX_SCENARIO_BYTES) {
        Ok(text) => text,
        Err(error) => return fail(format!("cannot read scenario {}: {error}", path.display())),
    };
    let query = match scenario::parse_scenario(&text) {
        Ok(query) => query,
        Err(error) => return fail(format!("{}: {error}", path.display())),
    };
    let parsed = began.elapsed();
    let mut expand = std::time::Duration::ZERO;
    let computing = std::time::Instant::now();
    let json = match explain {
        None => {
            let search = engine::search(&query);
            expand = search.expand_time;
            match scenario::strict_slots_of(search) {
                Ok(slots) => scenario::slots_text(&query, &slots),
                Err(error) => return fail(format!("{}: {error}", path.display())),
            }
        }
        Some(text) => match parse_rfc3339(text) {
            Some(start) => scenario::explanation_text(&query, &engine::explain(&query, start)),
            None => {
                return fail(format!(
                    "--explain: {text:?} is not an RFC 3339 instant with an offset"
                ));
            }
        },
    };
    let computed = computing.elapsed();
    let output = std::time::Instant::now();
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = writeln!(stdout, "{json}").and_then(|()| stdout.flush()) {
            // A closed pipe (`| head`) is the reader's choice, not our failure.
            if error.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: cannot write the answer: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    // The process ends here: freeing a big scenario piece by piece would
    // only make the user wait for what the OS reclaims at once.
    std::mem::forget(query);
    std::mem::forget(text);
    if timings {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings: parse {:.2} ms, expand {:.2} ms, slots {:.2} ms, output {:.2} ms, total {:.2} ms",
            ms(parsed),
            ms(expand),
            ms(computed.saturating_sub(expand)),
            ms(output.elapsed()),
            ms(began.elapsed())
        );
    }
    ExitCode::SUCCESS
}

/// The file's text, refusing one larger than `limit` before reading it all.
fn read_bounded(path: &Path, limit: usize) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Sized from the file's length (when it has one), so a big scenario is
    // read into one buffer instead of one that doubles as it goes.
    let expected = file.metadata().map_or(0, |m| m.len()).min(limit as u64 + 1);
    let mut text = String::with_capacity(expected as usize + 1);
    file.take(limit as u64 + 1).read_to_string(&mut text)?;
    if text.len() > limit {
        return Err(std::io::Error::other(format!(
            "larger than the limit of {limit} bytes"
        )));
    }
    Ok(text)
}
