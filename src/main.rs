//! The `railfair` binary: read configuration, start logging, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use railfair::cli::{self, Cli};
use railfair::config::{Config, RETIRED};
use railfair::telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` is a development convenience; real deployments set the environment directly.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("railfair: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    for (name, why) in RETIRED
        .iter()
        .filter(|(name, _)| config.ignored.contains(name))
    {
        tracing::warn!(
            config.variable = name,
            "{name} is set but no longer read ({why}); ignoring it"
        );
    }
    match cli::run(cli, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("railfair: {e}");
            ExitCode::FAILURE
        }
    }
}
