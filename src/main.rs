//! The `placement-rs` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use placement_rs::engine::{EngineConfig, prepare_database};
use placement_rs::load::{self, LoadOptions};
use placement_rs::server::{ServeConfig, serve};

const DEFAULT_DB: &str = "sqlite://placement.sqlite";

#[derive(Parser)]
#[command(
    name = "placement-rs",
    version,
    about = "A wire-compatible OpenStack Placement API service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, sync standard classes and traits, and serve the API.
    ///
    /// Environment: PLACEMENT_AUTH_STRATEGY (noauth2), PLACEMENT_POLICY_MODE
    /// (legacy, secure-rbac, open), PLACEMENT_CORS_ALLOWED_ORIGIN and
    /// PLACEMENT_CORS_ALLOW_HEADERS (comma separated; CORS is off when empty),
    /// RUST_LOG (log level, e.g. info).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "PLACEMENT_BIND", default_value = "127.0.0.1:8778")]
        bind: String,
        /// Database: sqlite://PATH, a bare file path, or postgres://USER@HOST/DB.
        #[arg(long, env = "PLACEMENT_DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        /// HTTP worker threads (0 = one per CPU core).
        #[arg(long, env = "PLACEMENT_WORKERS", default_value_t = 0)]
        workers: usize,
    },
    /// Run a scheduler-shaped load against any Placement endpoint (ours or
    /// upstream's) and report throughput, latency percentiles, 409s by code
    /// and an invariant check of the server's usages.
    ///
    /// Populates --providers compute nodes (optionally nested with
    /// --numa-nodes/--pfs), then runs --concurrency schedulers that GET
    /// /allocation_candidates, pick one and PUT /allocations/{new consumer}
    /// (retrying on 409), with --delete-rate/--move-rate churn, for
    /// --duration seconds or --count attempts; --mode read only queries
    /// candidates, --mode populate only populates. Exits non-zero when the
    /// invariant check fails or workers stop on repeated request failures.
    Load(Box<LoadOptions>),
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply migrations and sync the standard resource classes and traits, then exit.
    Sync {
        /// Database: sqlite://PATH, a bare file path, or postgres://USER@HOST/DB.
        #[arg(long, env = "PLACEMENT_DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
    },
}

/// mimalloc: claims allocate on one thread and free on another (callers,
/// the engine thread, the writers), which glibc's allocator handles
/// poorly (a fifth of the engine thread's time was in malloc/free).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            bind,
            database_url,
            workers,
        } => serve(&ServeConfig {
            bind,
            database_url,
            workers,
        })
        .map_err(|e| e.to_string()),
        Command::Load(opts) => load::run(&opts).map_err(|e| e.to_string()),
        Command::Db {
            command: DbCommand::Sync { database_url },
        } => prepare_database(&EngineConfig::new(database_url))
            .map(|_| ())
            .map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("placement-rs: {e}");
            ExitCode::FAILURE
        }
    }
}
