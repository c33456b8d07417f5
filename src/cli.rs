//! The `railfair` command line: `serve` (default), `migrate`, `import <kind> <path>` and
//! `bootstrap <dir>`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::error::Result;
use crate::server;
use crate::store::import::{self, ImportKind};
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
    /// Import one official data file (HSP: a file or a directory of JSON files).
    Import {
        /// The file's format.
        kind: ImportKind,
        /// The file (or HSP directory).
        path: PathBuf,
    },
    /// Import every known official file found under a directory (e.g. ../shared/data).
    Bootstrap {
        /// Directory to search (three levels deep).
        dir: PathBuf,
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
            let summary = import::import(&db, kind, &path).await?;
            println!("{summary}");
            db.close().await;
            Ok(())
        }
        Command::Bootstrap { dir } => {
            let db = Db::connect(&config.database_url, 1).await?;
            starter::load(&db).await?;
            let summaries = import::bootstrap(&db, &dir, false).await?;
            for s in &summaries {
                println!("{s}");
            }
            if summaries.is_empty() {
                println!("no known data files under {}", dir.display());
            } else if summaries.iter().all(|s| !s.changed()) {
                println!("no changes: every file was already imported");
            }
            db.close().await;
            Ok(())
        }
    }
}
