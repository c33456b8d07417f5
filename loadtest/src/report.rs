//! The run's report: per endpoint and in total, throughput, latency percentiles, errors by
//! status and cache hit rate; the pass/fail gate; the table printed on stdout and the JSON
//! written with `--json`. Built from merged figures after the run, never on the hot path.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::mix::Endpoint;
use crate::stats::{CacheCounts, EndpointFigures, Figures};

/// Latency percentiles in milliseconds, as the client measured them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// Errors seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    /// Non-2xx responses plus transport errors.
    pub total: u64,
    /// `total` / requests (0 when there were none).
    pub rate: f64,
    /// Non-2xx responses by status code.
    pub by_status: BTreeMap<String, u64>,
    /// Requests that got no response (connect, write or read failures).
    pub transport: u64,
}

/// `X-Cache-Status` outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cache {
    /// `HIT`, `MISS`, `STALE`, `BYPASS` counts.
    #[serde(flatten)]
    pub counts: CacheCounts,
    /// hit / (hit + miss + stale); null when no response carried a cache lookup.
    pub hit_rate: Option<f64>,
}

/// Figures of one endpoint or of all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The endpoint (`METHOD /route/template`), or `total`.
    pub name: String,
    /// Requests sent.
    pub requests: u64,
    /// Requests per second over the run.
    pub throughput_rps: f64,
    /// Client-side latency; null when no response came back.
    pub latency_ms: Option<Latency>,
    /// Errors.
    pub errors: Errors,
    /// Cache outcomes.
    pub cache: Cache,
}

/// How the run was driven.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The target, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// `mix`, `mix-nocache`, `health` or `predict-one`.
    pub scenario: String,
    /// `closed` (users send back to back) or `open` (a fixed arrival rate).
    pub model: String,
    /// Virtual users (closed) or connections (open).
    pub users: u32,
    /// Target arrival rate, requests/s (open model only).
    pub rate: Option<f64>,
    /// Pause between a user's requests, ms (closed model).
    pub think_ms: u64,
    /// Seed of the request mix.
    pub seed: u64,
    /// Client threads (each a single-threaded runtime).
    pub threads: u32,
    /// Measured duration, seconds.
    pub duration_s: f64,
    /// CPU time the load generator used, seconds (user + system); null where unknown.
    pub client_cpu_s: Option<f64>,
    /// Open model: sends still waiting at the end because the run fell behind its schedule
    /// (null in the closed model).
    pub unsent: Option<u64>,
}

/// The gate's limits and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// Limit on the overall p99, ms.
    pub max_p99_ms: Option<f64>,
    /// Limit on the overall error rate (0..1).
    pub max_error_rate: Option<f64>,
    /// Whether every limit held (and at least one request was answered).
    pub passed: bool,
    /// What failed, one sentence each.
    pub failures: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// How the run was driven.
    pub run: RunInfo,
    /// All endpoints together.
    pub total: Line,
    /// Each endpoint that was called, in a fixed order.
    pub endpoints: Vec<Line>,
    /// Pass/fail.
    pub gate: Gate,
}

impl Report {
    /// Builds the report of a run from its merged figures, and judges it.
    pub fn new(
        run: RunInfo,
        figures: &Figures,
        max_p99_ms: Option<f64>,
        max_error_rate: Option<f64>,
    ) -> Self {
        let seconds = run.duration_s;
        let mut all = EndpointFigures::default();
        let mut endpoints = Vec::new();
        for endpoint in Endpoint::ALL {
            let f = &figures.endpoints[endpoint.index()];
            all.merge(f);
            if f.requests() > 0 {
                endpoints.push(line(endpoint.name(), f, seconds));
            }
        }
        let total = line("total", &all, seconds);
        let gate = judge(&total, max_p99_ms, max_error_rate);
        Self {
            run,
            total,
            endpoints,
            gate,
        }
    }

    /// The table printed on stdout.
    pub fn table(&self) -> String {
        let r = &self.run;
        let mut out = String::new();
        let model = match r.rate {
            Some(rate) => format!("open, {rate} req/s over {} connections", r.users),
            None => format!("closed, {} users, think {} ms", r.users, r.think_ms),
        };
        let cpu = r
            .client_cpu_s
            .map_or_else(|| "unknown".to_owned(), |s| format!("{s:.1} s"));
        let _ = writeln!(
            out,
            "{} on {} ({model}; {:.1} s; seed {}; {} client thread(s), client CPU {cpu})",
            r.scenario, r.url, r.duration_s, r.seed, r.threads
        );
        if let Some(unsent) = r.unsent.filter(|&n| n > 0) {
            let _ = writeln!(
                out,
                "behind schedule: {unsent} scheduled requests were never sent"
            );
        }
        let _ = writeln!(
            out,
            "{:<46} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>6}  errors by status",
            "endpoint",
            "requests",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
            "hit %"
        );
        for l in self.endpoints.iter().chain(std::iter::once(&self.total)) {
            let (p50, p90, p95, p99, max) = match &l.latency_ms {
                Some(t) => (t.p50, t.p90, t.p95, t.p99, t.max),
                None => (f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            };
            let hit = l
                .cache
                .hit_rate
                .map_or_else(|| "-".to_owned(), |h| format!("{:.1}", h * 100.0));
            let mut by_status: Vec<String> = l
                .errors
                .by_status
                .iter()
                .map(|(s, n)| format!("{s}×{n}"))
                .collect();
            if l.errors.transport > 0 {
                by_status.push(format!("transport×{}", l.errors.transport));
            }
            let _ = writeln!(
                out,
                "{:<46} {:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>6}  {}",
                l.name,
                l.requests,
                l.throughput_rps,
                p50,
                p90,
                p95,
                p99,
                max,
                l.errors.total,
                hit,
                by_status.join(" ")
            );
        }
        let verdict = if self.gate.passed { "PASS" } else { "FAIL" };
        let _ = write!(out, "gate: {verdict}");
        for failure in &self.gate.failures {
            let _ = write!(out, "; {failure}");
        }
        out.push('\n');
        out
    }
}

fn line(name: &str, f: &EndpointFigures, seconds: f64) -> Line {
    let requests = f.requests();
    let errors = f.errors();
    Line {
        name: name.to_owned(),
        requests,
        throughput_rps: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        latency_ms: latency(&f.latency),
        errors: Errors {
            total: errors,
            rate: if requests > 0 {
                errors as f64 / requests as f64
            } else {
                0.0
            },
            by_status: f
                .statuses
                .iter()
                .filter(|(status, _)| !(200..300).contains(*status))
                .map(|(status, n)| (status.to_string(), *n))
                .collect(),
            transport: f.transport_errors,
        },
        cache: Cache {
            counts: f.cache,
            hit_rate: f.cache.hit_rate(),
        },
    }
}

fn latency(h: &Histogram<u64>) -> Option<Latency> {
    if h.is_empty() {
        return None;
    }
    // Microseconds to milliseconds.
    let ms = |micros: u64| micros as f64 / 1000.0;
    Some(Latency {
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p95: ms(h.value_at_quantile(0.95)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
        mean: h.mean() / 1000.0,
    })
}

/// The gate: the overall p99 and error rate against their limits. A run in which no request
/// was answered fails whatever the limits, since it measured nothing.
fn judge(total: &Line, max_p99_ms: Option<f64>, max_error_rate: Option<f64>) -> Gate {
    let mut failures = Vec::new();
    match &total.latency_ms {
        None => failures.push("no request was answered".to_owned()),
        Some(t) => {
            if let Some(limit) = max_p99_ms
                && t.p99 > limit
            {
                failures.push(format!("p99 {:.2} ms > {limit} ms", t.p99));
            }
        }
    }
    if let Some(limit) = max_error_rate
        && total.errors.rate > limit
    {
        failures.push(format!(
            "error rate {:.4} > {limit} ({} of {} requests)",
            total.errors.rate, total.errors.total, total.requests
        ));
    }
    Gate {
        max_p99_ms,
        max_error_rate,
        passed: failures.is_empty(),
        failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::CacheStatus;

    fn run_info() -> RunInfo {
        RunInfo {
            url: "http://127.0.0.1:8080".to_owned(),
            scenario: "mix".to_owned(),
            model: "closed".to_owned(),
            users: 10,
            rate: None,
            think_ms: 0,
            seed: 1,
            threads: 1,
            duration_s: 2.0,
            client_cpu_s: Some(0.5),
            unsent: None,
        }
    }

    /// 100 predictions at 1..=100 ms (one a 503), 10 health checks at 1 ms, one transport error.
    fn figures() -> Figures {
        let mut f = Figures::default();
        for ms in 1..=100u64 {
            let status = if ms == 50 { 503 } else { 200 };
            let cache = if ms <= 75 {
                Some(CacheStatus::Hit)
            } else {
                Some(CacheStatus::Miss)
            };
            f.response(Endpoint::Predict, status, cache, ms * 1000);
        }
        for _ in 0..10 {
            f.response(Endpoint::Health, 200, None, 1000);
        }
        f.transport_error(Endpoint::Health);
        f
    }

    #[test]
    fn the_gate_passes_within_its_limits_and_names_each_failure() {
        let r = Report::new(run_info(), &figures(), Some(100.0), Some(0.05));
        assert!(r.gate.passed, "{:?}", r.gate);
        assert!(r.table().contains("gate: PASS"));

        let r = Report::new(run_info(), &figures(), Some(50.0), Some(0.01));
        assert!(!r.gate.passed);
        assert_eq!(r.gate.failures.len(), 2, "{:?}", r.gate.failures);
        assert!(r.gate.failures[0].starts_with("p99 "), "{:?}", r.gate);
        assert!(
            r.gate.failures[1].starts_with("error rate 0.0180 > 0.01 (2 of 111"),
            "{:?}",
            r.gate
        );
        assert!(r.table().contains("gate: FAIL; p99"));

        // No limits: judged only on having measured something.
        assert!(Report::new(run_info(), &figures(), None, None).gate.passed);
        let empty = Report::new(run_info(), &Figures::default(), None, None);
        assert!(!empty.gate.passed);
        assert_eq!(empty.gate.failures, ["no request was answered"]);
    }

    #[test]
    fn the_report_json_has_the_documented_shape() {
        let r = Report::new(run_info(), &figures(), Some(25.0), Some(0.0));
        let json = serde_json::to_value(&r).unwrap();
        for key in ["run", "total", "endpoints", "gate"] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        assert_eq!(json["run"]["scenario"], "mix");
        assert_eq!(json["run"]["rate"], serde_json::Value::Null);
        let endpoints = json["endpoints"].as_array().unwrap();
        let names: Vec<&str> = endpoints
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["POST /api/predict", "GET /health"],
            "only called ones"
        );

        let predict = &endpoints[0];
        assert_eq!(predict["requests"], 100);
        assert_eq!(predict["throughput_rps"], 50.0);
        let latency = &predict["latency_ms"];
        for key in ["p50", "p90", "p95", "p99", "max", "mean"] {
            assert!(latency[key].is_f64(), "{key}: {latency}");
        }
        assert!((latency["p50"].as_f64().unwrap() - 50.0).abs() < 0.1);
        assert!((latency["p99"].as_f64().unwrap() - 99.0).abs() < 0.1);
        assert!((latency["max"].as_f64().unwrap() - 100.0).abs() < 0.1);
        assert_eq!(
            predict["errors"],
            serde_json::json!({"total": 1, "rate": 0.01, "by_status": {"503": 1}, "transport": 0})
        );
        assert_eq!(
            predict["cache"],
            serde_json::json!({"hit": 75, "miss": 25, "stale": 0, "bypass": 0, "hit_rate": 0.75})
        );

        let health = &endpoints[1];
        assert_eq!(health["errors"]["transport"], 1);
        assert_eq!(health["cache"]["hit_rate"], serde_json::Value::Null);
        assert_eq!(json["total"]["name"], "total");
        assert_eq!(json["total"]["requests"], 111);
        assert_eq!(json["gate"]["passed"], false);
        assert_eq!(json["gate"]["max_p99_ms"], 25.0);

        // The JSON reads back into the same report.
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
