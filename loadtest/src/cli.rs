//! The command line: every option with its default, turned into runner options.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::mix::Scenario;
use crate::runner::Options;

/// Load generator for RailFair: the original Locust mix (or a single-endpoint scenario), closed
/// or open model, client-side HDR latencies per endpoint, and an optional pass/fail gate.
#[derive(Debug, Clone, Parser)]
#[command(name = "loadtest", version)]
pub struct Cli {
    /// Base URL of the service.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Which traffic: `mix` (design §9), `mix-nocache` (the mix with `use_cache: false` on every
    /// prediction), `health`, or `predict-one` (one route, the cache-hit path).
    #[arg(long, value_enum, default_value_t = Scenario::Mix)]
    pub scenario: Scenario,
    /// Closed model: concurrent virtual users, each on its own keep-alive connection. Open
    /// model: the connections the arrival schedule is spread over.
    #[arg(long, default_value_t = 100)]
    pub users: u32,
    /// Open model: arrivals per second over all connections (latency counts from each
    /// request's scheduled time). Without it the model is closed.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Closed model: pause after each response before the user's next request, ms.
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// How long to send for: `30s`, `2m`, `500ms`, or plain seconds.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Seed of the request mix (the same seed sends the same requests per user).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Client threads, each a single-threaded runtime. One leaves the other core of a
    /// two-core machine to the server.
    #[arg(long, default_value_t = 1)]
    pub threads: u32,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Gate: fail when the overall p99 exceeds this many milliseconds.
    #[arg(long)]
    pub max_p99_ms: Option<f64>,
    /// Gate: fail when the overall error rate (non-2xx and transport errors / requests)
    /// exceeds this fraction, e.g. `0` or `0.001`.
    #[arg(long)]
    pub max_error_rate: Option<f64>,
    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl Cli {
    /// The runner's options.
    pub fn options(&self) -> Options {
        Options {
            url: self.url.trim_end_matches('/').to_owned(),
            scenario: self.scenario,
            users: self.users,
            rate: self.rate,
            think: Duration::from_millis(self.think_ms),
            duration: self.duration,
            seed: self.seed,
            threads: self.threads,
            progress: !self.quiet,
            max_p99_ms: self.max_p99_ms,
            max_error_rate: self.max_error_rate,
        }
    }
}

/// Parses `30s`, `2m`, `500ms` or `30` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected e.g. 30s, 2m or 500ms"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("{text:?}: the unit must be ms, s or m")),
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("{text:?}: must be longer than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10h").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[test]
    fn defaults_are_a_closed_100_user_mix_without_a_gate() {
        let cli = Cli::parse_from(["loadtest"]);
        let o = cli.options();
        assert_eq!(o.users, 100);
        assert_eq!(o.rate, None);
        assert_eq!(o.scenario, Scenario::Mix);
        assert_eq!(o.threads, 1);
        assert_eq!(o.max_p99_ms, None);
        let cli = Cli::parse_from([
            "loadtest",
            "--scenario",
            "mix-nocache",
            "--rate",
            "500",
            "--url",
            "http://127.0.0.1:9/",
            "--max-p99-ms",
            "25",
        ]);
        let o = cli.options();
        assert_eq!(o.scenario, Scenario::MixNocache);
        assert_eq!(o.rate, Some(500.0));
        assert_eq!(o.url, "http://127.0.0.1:9");
        assert_eq!(o.max_p99_ms, Some(25.0));
    }
}
