//! The `railfair` command line: `serve` (default), `migrate`, `import <kind> <path>`,
//! `bootstrap <dir>`, `simulate` (synthetic route history) and `eval` (backtest of the delay
//! model).

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::cache::{Cache, Kind};
use crate::config::Config;
use crate::domain::RailPeriod;
use crate::error::{Error, Result};
use crate::feeds::orr3138;
use crate::model::backtest;
use crate::server;
use crate::service::{imports, simulate};
use crate::store::import_write::{self, ImportKind};
use crate::store::{Db, starter};

/// RailFair: how likely is this train to be late, and which ticket is really the best value?
#[derive(Debug, Parser)]
#[command(name = "railfair", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Create the database if needed, apply migrations and load the built-in starter data.
    Migrate,
    /// Import one official data file (HSP: a file or a directory of JSON files; CIF: a file or a
    /// directory of `*.cif` files, applied in extract order).
    Import {
        /// The file's format.
        kind: ImportKind,
        /// The file (or HSP / CIF directory).
        path: PathBuf,
    },
    /// Import every known official file found under a directory (e.g. ../shared/data).
    Bootstrap {
        /// Directory to search (three levels deep).
        dir: PathBuf,
    },
    /// Write SYNTHETIC route history for the starter route catalogue (labelled synthetic
    /// everywhere it shows), drawn from the model's own distributions.
    Simulate {
        /// Days of history to simulate, ending yesterday.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        /// Random seed: the same seed writes the same history.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Backtest the operator forecast on ORR Table 3138, rolling origin and one period ahead,
    /// against two baselines and a reference forecaster; exits non-zero when the gate fails.
    Eval {
        /// The ORR Table 3138 CSV.
        #[arg(long)]
        punctuality: PathBuf,
        /// Also score the periods from this one on as a gated row of their own, e.g. "2024-25 P01"
        /// (the parameters are still chosen from earlier periods only, at each origin).
        #[arg(long)]
        holdout_from: Option<String>,
        /// Print the report as JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the parsed command to completion.
pub async fn run(cli: Cli, config: Config) -> Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let state = server::prepare(config).await?;
            server::serve(state, server::shutdown_signal()).await
        }
        Command::Migrate => {
            let db = Db::connect(&config.database_url, 1).await?;
            let loaded = starter::load(&db).await?;
            println!(
                "database {} migrated; starter data: {loaded:?}",
                config.database_url
            );
            db.close().await;
            Ok(())
        }
        Command::Import { kind, path } => {
            let db = Db::connect(&config.database_url, 1).await?;
            starter::load(&db).await?;
            let summary = import_write::import(&db, kind, &path).await?;
            println!("{summary}");
            db.close().await;
            announce(
                &config,
                &imports::changed_kinds(std::slice::from_ref(&summary)),
            )
            .await
        }
        Command::Simulate { days, seed } => {
            let db = Db::connect(&config.database_url, 1).await?;
            starter::load(&db).await?;
            let today = time::OffsetDateTime::now_utc().date();
            let summary = simulate::simulate(&db, days, seed, today).await?;
            println!(
                "simulated {days} days of SYNTHETIC history for {} route directions: {} runs written, {} unchanged",
                summary.routes, summary.runs_written, summary.runs_unchanged
            );
            db.close().await;
            let changed = if summary.runs_written > 0 {
                imports::ROUTE_HISTORY_KINDS
            } else {
                &[]
            };
            announce(&config, changed).await
        }
        Command::Eval {
            punctuality,
            holdout_from,
            json,
        } => eval(&punctuality, holdout_from.as_deref(), json).await,
        Command::Bootstrap { dir } => {
            let db = Db::connect(&config.database_url, 1).await?;
            starter::load(&db).await?;
            let done = import_write::bootstrap(&db, &dir, false).await?;
            // The one summary (the imports log only that they started).
            print!("{done}");
            db.close().await;
            announce(&config, &imports::changed_kinds(&done.imported)).await
        }
    }
}

/// How long a command gives Redis to answer each call; longer than `REDIS_TIMEOUT_MS` (which
/// bounds what a request waits), since a command has no request to keep fast and a first call
/// also connects.
const CLI_REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Tells servers running beside this command that cached answers of `kinds` are stale: with
/// `REDIS_URL` set, the kinds' Redis keys are removed and the invalidation is published on the
/// channel every server listens on, as `POST /api/cache/invalidate` does. Prints one line on
/// stdout; nothing without Redis or without changed kinds. Redis not answering is said, not an
/// error: the data is imported.
async fn announce(config: &Config, kinds: &[Kind]) -> Result<()> {
    if kinds.is_empty() || config.cache.redis_url.is_none() {
        return Ok(());
    }
    let mut cache_config = config.cache.clone();
    cache_config.redis_timeout = cache_config.redis_timeout.max(CLI_REDIS_TIMEOUT);
    let cache = Cache::new(&cache_config)?;
    if let Some(done) = imports::invalidate_kinds(&cache, kinds).await {
        println!("{done}");
    }
    if let Some(redis) = cache.redis() {
        redis.close();
    }
    Ok(())
}

async fn eval(path: &Path, holdout_from: Option<&str>, json: bool) -> Result<()> {
    let holdout = holdout_from
        .map(|label| {
            RailPeriod::from_label(label).ok_or_else(|| {
                Error::CheckFailed(format!(
                    "--holdout-from: '{label}' is not a rail period like \"2024-25 P01\""
                ))
            })
        })
        .transpose()?;
    let bytes = tokio::fs::read(path).await.map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let rows = orr3138::parse(&bytes[..]).map_err(|e| Error::Import {
        file: path.display().to_string(),
        line: Some(e.line),
        message: e.message,
    })?;
    // A few seconds of arithmetic: kept off the async runtime's worker threads.
    let report = tokio::task::spawn_blocking(move || backtest::backtest_from(&rows, holdout))
        .await
        .map_err(|e| Error::Internal(format!("the backtest stopped: {e}")))?;
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::Internal(format!("cannot render the report: {e}")))?;
        println!("{text}");
    } else {
        println!("{}", report.to_table());
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Error::CheckFailed(format!(
            "the model fails the backtest gate: {}",
            report.failures.join("; ")
        )))
    }
}
