//! The `kairos` command line.

use crate::config::{LogFormat, Settings};
use crate::engine::{self, instant::parse_rfc3339};
use crate::http::{self, AppState};
use crate::{scenario, store};
use clap::{Parser, Subcommand};
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
    Serve,
    /// Run the database migrations and exit.
    Migrate,
    /// Run the server with demo data on the configured database (SQLite by default).
    Demo,
    /// Print a new key for KAIROS_SECRET_KEYS (encrypts calendar credentials at rest).
    Keygen {
        /// The key's id (put the new key first in KAIROS_SECRET_KEYS to rotate).
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Print the slots of a scenario file (format: shared/spec/availability.md).
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

/// Exit status for input the user must fix (a bad scenario or argument).
const BAD_INPUT: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Slots {
            scenario,
            explain,
            timings,
        } => slots(&scenario, explain.as_deref(), timings),
        Command::Serve => service(Mode::Serve),
        Command::Migrate => service(Mode::Migrate),
        Command::Demo => service(Mode::Demo),
        Command::Keygen { id } => {
            println!("{id}:{}", crate::secrets::KeyRing::generate_key());
            ExitCode::SUCCESS
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Serve,
    Migrate,
    Demo,
}

fn service(mode: Mode) -> ExitCode {
    let settings = match Settings::load(Path::new("kairos.toml"), std::env::vars()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: configuration: {error}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    init_tracing(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
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
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn run_service(mode: Mode, settings: Settings) -> Result<(), String> {
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
        print_demo(&base, &demo);
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
    let state = AppState::new(store, base)
        .with_keys(keys)
        .with_providers(providers);
    crate::workers::spawn(state.sync.clone());
    state
        .watch_changes()
        .await
        .map_err(|e| format!("cannot listen for changes: {e}"))?;
    http::serve(listener, state)
        .await
        .map_err(|e| format!("server error: {e}"))
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

fn print_demo(base: &str, demo: &crate::demo::DemoData) {
    let today = chrono::Utc::now().date_naive();
    let start = today.succ_opt().unwrap_or(today);
    let end = start + chrono::Days::new(7);
    println!("Kairos demo");
    println!("  admin API key:   {}", demo.api_key);
    println!("  OpenAPI:         {base}/api/v1/openapi.json");
    println!("  event types (public, no key needed):");
    for (user, event, title) in &demo.links {
        println!("    {title:<32} {base}/api/v1/public/{user}/{event}");
    }
    println!(
        "  calendar credentials: sealed with KAIROS_SECRET_KEYS, else the key in kairos-demo.keys"
    );
    println!("  slots for the next week:");
    println!(
        "    curl '{base}/api/v1/public/ana/intro/slots?start={start}T00:00:00Z&end={end}T00:00:00Z&timezone=Europe/Berlin'"
    );
    println!(
        "  admin: curl -H 'Authorization: Bearer {}' {base}/api/v1/bookings",
        demo.api_key
    );
}

fn slots(path: &PathBuf, explain: Option<&str>, timings: bool) -> ExitCode {
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
    let mut text = String::new();
    file.take(limit as u64 + 1).read_to_string(&mut text)?;
    if text.len() > limit {
        return Err(std::io::Error::other(format!(
            "larger than the limit of {limit} bytes"
        )));
    }
    Ok(text)
}
