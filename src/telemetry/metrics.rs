//! The Prometheus recorder (design §6): installed once per process, with real histogram buckets for
//! every `*_seconds` metric, help text for every metric the service exports, and the counters that
//! must read 0 before anything has happened. It owns names and descriptions, never the decision of
//! what to count: the layers that know an event record it.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::telemetry::requests::RequestMetrics;

/// Upper bounds (seconds) of the latency histograms. Dense below 10 ms, where cache hits, SQLite
/// reads and Redis calls live, and with 0.5 s as a bound because the p95 alert fires there.
pub const LATENCY_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes: without it
/// the raw samples of an unscraped instance would pile up in memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process-wide exporter; one per process because `metrics` has one global recorder.
struct Exporter {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

static EXPORTER: OnceLock<Exporter> = OnceLock::new();

/// The metrics handles an app holds: the exporter (shared by the process) and this app's
/// per-route request figures. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    handle: PrometheusHandle,
    /// Per-route request counts and latencies (HTTP metrics and `/api/statistics`).
    pub requests: std::sync::Arc<RequestMetrics>,
}

impl Metrics {
    /// Installs the process's recorder on first use (tests build many apps in one process) and
    /// returns fresh per-app request figures over it. `basis_sources` are the `source` labels of
    /// `prediction_basis_total` (the model's list, handed down: telemetry sits below the model),
    /// registered at 0 when the recorder is installed.
    pub fn install(basis_sources: &[&'static str]) -> Self {
        let exporter = EXPORTER.get_or_init(|| install_exporter(basis_sources));
        Self {
            handle: exporter.handle.clone(),
            requests: std::sync::Arc::new(RequestMetrics::new()),
        }
    }

    /// The Prometheus text of every metric now. Callers set the scrape-time gauges first.
    pub fn render(&self) -> String {
        if let Some(exporter) = EXPORTER.get() {
            exporter.process.collect();
        }
        self.handle.run_upkeep();
        self.handle.render()
    }
}

fn install_exporter(basis_sources: &[&'static str]) -> Exporter {
    let installed = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
        .and_then(PrometheusBuilder::install_recorder);
    let handle = match installed {
        Ok(handle) => handle,
        Err(e) => {
            // Only when something else installed a global recorder first: serve an empty
            // exposition rather than refuse to start, and say so once.
            tracing::warn!(error = %e, "metrics recorder not installed; /metrics will be empty");
            PrometheusBuilder::new().build_recorder().handle()
        }
    };
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no metrics upkeep thread; histograms fold only at scrape time");
    }
    let process = metrics_process::Collector::default();
    process.describe();
    describe();
    register_zeros(basis_sources);
    Exporter { handle, process }
}

/// Help text (and unit) of every metric the service records.
fn describe() {
    describe_counter!(
        "http_requests_total",
        "HTTP responses by method, route template and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time from request to response head, by method and route template"
    );
    describe_gauge!(
        "http_requests_in_flight",
        "Requests being handled right now"
    );
    describe_counter!(
        "cache_requests_total",
        "Cache lookups by kind, the tier that answered and the result (hit, miss, stale, bypass)"
    );
    describe_counter!(
        "cache_warmup_requests_total",
        "Cache lookups made by the background warm-up (not user traffic), by kind, tier and result"
    );
    describe_gauge!(
        "cache_breaker_state",
        "Redis circuit breaker: 0 closed (also when Redis is not configured), 1 open, 2 half-open"
    );
    describe_gauge!(
        "cache_l1_entries",
        "Entries in the in-process cache tier (approximate)"
    );
    describe_histogram!(
        "redis_command_duration_seconds",
        Unit::Seconds,
        "Redis commands that were sent (connecting included), by command"
    );
    describe_histogram!(
        "db_query_duration_seconds",
        Unit::Seconds,
        "Hot read queries, by query name"
    );
    describe_gauge!(
        "db_pool_connections",
        "Database connections by pool (read, write) and state (active, idle)"
    );
    describe_counter!(
        "prediction_basis_total",
        "Predictions served (cached or not) by what they rest on"
    );
    describe_counter!(
        "rate_limited_total",
        "Requests refused with 429 by the rate limiter"
    );
    describe_counter!(
        "http_requests_shed_total",
        "Requests refused with 503 because MAX_IN_FLIGHT requests were already running"
    );
}

/// Counters that must exist at 0 from the start: a series that appears only with its first
/// event hides that event from `rate()`, and an alert on a missing series never fires. The
/// cache registers its own `cache_requests_total` series (every kind × outcome) as it is built.
fn register_zeros(basis_sources: &[&'static str]) {
    counter!("rate_limited_total").increment(0);
    counter!("http_requests_shed_total").increment(0);
    gauge!("http_requests_in_flight").set(0.0);
    gauge!("cache_breaker_state").set(0.0);
    for &source in basis_sources {
        counter!("prediction_basis_total", "source" => source).increment(0);
    }
}

/// Counts one prediction served, by the source its basis names (`BasisSource::as_str`). The
/// label is a `&'static str`: no label text is copied per prediction.
pub fn prediction_served(source: &'static str) {
    counter!("prediction_basis_total", "source" => source).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_increasing_and_include_the_alert_threshold() {
        assert!(LATENCY_BUCKETS.windows(2).all(|w| w[0] < w[1]));
        assert!(LATENCY_BUCKETS.contains(&0.5), "the p95 alert is at 0.5 s");
    }
}
