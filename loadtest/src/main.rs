//! The `loadtest` binary: parse the command line, run the load, print the table, write the
//! JSON report, and exit non-zero when the gate fails (1) or the run could not start (2).

use std::process::ExitCode;

use clap::Parser;
use loadtest::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = cli.options();
    let report = match loadtest::runner::run(&options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    if let Some(path) = &cli.json {
        let written = serde_json::to_vec_pretty(&report)
            .map_err(|e| e.to_string())
            .and_then(|json| std::fs::write(path, json).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("loadtest: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if report.gate.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
