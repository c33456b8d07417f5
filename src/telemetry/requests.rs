//! Per-route request figures: the HTTP series of `/metrics` (`http_requests_total`,
//! `http_request_duration_seconds`, `http_requests_in_flight`) and the latency percentiles of
//! `/api/statistics`. Routes are keyed by their template, never the raw path, so the number of
//! series is bounded by the route table. It never allocates per request once a route (and a
//! method and status on it) has been seen.
//!
//! Why an HDR histogram per route behind a `Mutex`, not lock-free atomic buckets: the lock is
//! per route, held for one bucket increment (tens of nanoseconds), and only contended by
//! concurrent requests to the same route; in return the percentiles are exact to two significant
//! digits at any latency, and the all-routes figures are a merge of the per-route histograms, so
//! no lock is shared by every request. The route map itself is only read-locked on the hot path
//! (written once per new route template).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use hdrhistogram::Histogram;
use metrics::{Counter, Gauge, counter, gauge, histogram};

/// The route label of requests that matched no route (never the raw path: that is unbounded).
pub const UNMATCHED: &str = "unmatched";

/// Latencies are kept in microseconds up to this bound (longer ones are counted at the bound).
const MAX_LATENCY_MICROS: u64 = 3_600_000_000;

/// Status recorded when the client went away before the response (nginx's "client closed
/// request"; no response was sent, so no real status exists).
const CLIENT_CLOSED: u16 = 499;

/// Request figures of one app: per route template, plus the in-flight gauge.
#[derive(Debug)]
pub struct RequestMetrics {
    routes: RwLock<HashMap<Box<str>, Arc<RouteFigures>>>,
    in_flight: Gauge,
}

/// Everything kept for one route template.
#[derive(Debug)]
struct RouteFigures {
    route: Box<str>,
    // Registered metric handles per (method, status): after the first request with that pair,
    // recording is an atomic add, with no key building, hashing of labels or allocation.
    series: RwLock<HashMap<(&'static str, u16), Series>>,
    latency: Mutex<Histogram<u64>>,
}

#[derive(Debug)]
struct Series {
    requests: Counter,
    duration: metrics::Histogram,
}

/// Latency figures of one route (or of all of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyFigures {
    /// Requests recorded.
    pub requests: u64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 95th percentile latency, ms.
    pub p95_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
}

/// Latency figures since the app started: all requests, and each route template.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySnapshot {
    /// Every request, unmatched ones included.
    pub total: LatencyFigures,
    /// Per route template with at least one request answered, sorted by template; requests
    /// that matched no route are not listed.
    pub routes: Vec<(String, LatencyFigures)>,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestMetrics {
    /// Empty figures.
    pub fn new() -> Self {
        Self {
            routes: RwLock::default(),
            in_flight: gauge!("http_requests_in_flight"),
        }
    }

    /// Starts timing a request to `route` (a route template or [`UNMATCHED`]). Record the
    /// outcome with [`InFlight::finish`]; a request dropped unfinished is recorded on drop.
    pub fn begin(&self, method: &Method, route: &str) -> InFlight<'_> {
        let figures = self.route(route);
        self.in_flight.increment(1.0);
        InFlight {
            metrics: self,
            route: figures,
            method: method_label(method),
            started: Instant::now(),
            finished: false,
        }
    }

    fn route(&self, route: &str) -> Arc<RouteFigures> {
        let known = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
            .cloned();
        if let Some(figures) = known {
            return figures;
        }
        self.routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(route.into())
            .or_insert_with(|| Arc::new(RouteFigures::new(route)))
            .clone()
    }

    /// The latency figures now. Copies each route's histogram under its lock, then merges
    /// outside it, so a scrape holds no lock for longer than one copy.
    pub fn snapshot(&self) -> LatencySnapshot {
        let routes: Vec<Arc<RouteFigures>> = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        let mut total = empty_histogram();
        let mut listed = Vec::new();
        for figures in routes {
            let latency = figures
                .latency
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            // Same bounds on both sides, so adding cannot fail.
            let _ = total.add(&latency);
            // A route whose first request is still in flight has nothing to report yet.
            if &*figures.route != UNMATCHED && !latency.is_empty() {
                listed.push((figures.route.to_string(), figures_of(&latency)));
            }
        }
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        LatencySnapshot {
            total: figures_of(&total),
            routes: listed,
        }
    }
}

impl RouteFigures {
    fn new(route: &str) -> Self {
        Self {
            route: route.into(),
            series: RwLock::default(),
            latency: Mutex::new(empty_histogram()),
        }
    }

    fn record(&self, method: &'static str, status: u16, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .saturating_record(micros.max(1));

        let seconds = elapsed.as_secs_f64();
        if let Some(series) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(method, status))
        {
            series.record(seconds);
            return;
        }
        // First request with this method and status on this route: register its series.
        let route = self.route.to_string();
        let series = Series {
            requests: counter!(
                "http_requests_total",
                "method" => method,
                "route" => route.clone(),
                "status" => status.to_string()
            ),
            duration: histogram!(
                "http_request_duration_seconds",
                "method" => method,
                "route" => route
            ),
        };
        self.series
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((method, status))
            .or_insert(series)
            .record(seconds);
    }
}

impl Series {
    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }
}

/// A request being handled: counted in `http_requests_in_flight` until dropped.
#[derive(Debug)]
pub struct InFlight<'a> {
    metrics: &'a RequestMetrics,
    route: Arc<RouteFigures>,
    method: &'static str,
    started: Instant,
    finished: bool,
}

impl InFlight<'_> {
    /// Records the response's status and latency; returns the latency.
    pub fn finish(mut self, status: StatusCode) -> Duration {
        let elapsed = self.started.elapsed();
        self.route.record(self.method, status.as_u16(), elapsed);
        self.finished = true;
        elapsed
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.decrement(1.0);
        if !self.finished {
            // No response came out: the timeout and panic layers sit inside this one and answer
            // with a status, so only a client that went away leaves a request unfinished.
            self.route
                .record(self.method, CLIENT_CLOSED, self.started.elapsed());
        }
    }
}

/// The method label: the standard methods by name, anything else as `OTHER` (a client can send
/// any token as a method, and each would otherwise be a new series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

fn empty_histogram() -> Histogram<u64> {
    // Two significant digits: percentiles within 1%, about 26 KB per route.
    Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 2)
        .expect("constant bounds: low 1, high above 2 × low, 2 significant digits")
}

fn figures_of(h: &Histogram<u64>) -> LatencyFigures {
    let ms = |q: f64| {
        if h.is_empty() {
            0.0
        } else {
            // Microseconds to milliseconds: three decimals, exactly.
            h.value_at_quantile(q) as f64 / 1000.0
        }
    };
    LatencyFigures {
        requests: h.len(),
        p50_ms: ms(0.5),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(m: &RequestMetrics, route: &str, status: StatusCode, latency: Duration) {
        let mut request = m.begin(&Method::GET, route);
        request.started -= latency;
        request.finish(status);
    }

    #[test]
    fn percentiles_are_per_route_template_and_merged_for_the_total() {
        let m = RequestMetrics::new();
        for i in 1..=100 {
            record(&m, "/fast", StatusCode::OK, Duration::from_micros(i * 10));
        }
        for _ in 0..10 {
            record(&m, "/slow", StatusCode::OK, Duration::from_millis(200));
        }
        record(
            &m,
            UNMATCHED,
            StatusCode::NOT_FOUND,
            Duration::from_millis(1),
        );

        let s = m.snapshot();
        let names: Vec<&str> = s.routes.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(names, ["/fast", "/slow"], "unmatched is not an endpoint");
        let fast = s.routes[0].1;
        assert_eq!(fast.requests, 100);
        // 1% precision: the median of 10..=1000 µs is 500 µs.
        assert!((fast.p50_ms - 0.5).abs() <= 0.01, "{fast:?}");
        assert!((fast.p99_ms - 0.99).abs() <= 0.01, "{fast:?}");
        let slow = s.routes[1].1;
        assert!((slow.p50_ms - 200.0).abs() <= 2.0, "{slow:?}");

        assert_eq!(s.total.requests, 111, "every request, unmatched included");
        assert!(
            s.total.p50_ms < 1.0,
            "most requests were fast: {:?}",
            s.total
        );
        assert!(
            s.total.p99_ms >= 190.0,
            "the slow tail shows: {:?}",
            s.total
        );
        assert!(s.total.p50_ms <= s.total.p95_ms && s.total.p95_ms <= s.total.p99_ms);
    }

    #[test]
    fn no_requests_read_as_zeros() {
        let s = RequestMetrics::new().snapshot();
        assert_eq!(s.total.requests, 0);
        assert_eq!(s.total.p99_ms, 0.0);
        assert!(s.routes.is_empty());
    }

    #[test]
    fn a_request_dropped_without_a_response_is_still_counted() {
        let m = RequestMetrics::new();
        drop(m.begin(&Method::POST, "/api/predict"));
        assert_eq!(m.snapshot().routes[0].1.requests, 1);
    }

    #[test]
    fn unknown_methods_share_one_label() {
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "OTHER");
        assert_eq!(method_label(&Method::GET), "GET");
    }
}
