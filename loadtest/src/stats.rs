//! What the client measured: per endpoint, an HDR histogram of latencies, responses by status,
//! transport errors and `X-Cache-Status` counts. Each client thread keeps its own figures (no
//! shared lock on the hot path); they are merged once at the end.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;

use crate::mix::Endpoint;

/// Latencies are kept in microseconds from 1 µs up to this bound (longer ones at the bound).
const MAX_LATENCY_MICROS: u64 = 60_000_000;

/// What `X-Cache-Status` said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// `HIT`.
    Hit,
    /// `MISS`.
    Miss,
    /// `STALE`.
    Stale,
    /// `BYPASS`.
    Bypass,
}

impl CacheStatus {
    /// Parses the header's value; anything else (or no header) is `None`.
    pub fn parse(value: &[u8]) -> Option<Self> {
        match value {
            b"HIT" => Some(Self::Hit),
            b"MISS" => Some(Self::Miss),
            b"STALE" => Some(Self::Stale),
            b"BYPASS" => Some(Self::Bypass),
            _ => None,
        }
    }
}

/// Cache outcomes seen in responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CacheCounts {
    /// `HIT`.
    pub hit: u64,
    /// `MISS`.
    pub miss: u64,
    /// `STALE`.
    pub stale: u64,
    /// `BYPASS`.
    pub bypass: u64,
}

impl CacheCounts {
    /// hit / (hit + miss + stale): the share of cache lookups answered from a cache. Bypasses
    /// asked for no lookup and are left out. `None` when there were no lookups.
    pub fn hit_rate(&self) -> Option<f64> {
        let lookups = self.hit + self.miss + self.stale;
        (lookups > 0).then(|| self.hit as f64 / lookups as f64)
    }

    fn add(&mut self, other: &CacheCounts) {
        self.hit += other.hit;
        self.miss += other.miss;
        self.stale += other.stale;
        self.bypass += other.bypass;
    }
}

/// Figures of one endpoint.
#[derive(Debug, Clone)]
pub struct EndpointFigures {
    /// Latency of every response (error statuses included), microseconds.
    pub latency: Histogram<u64>,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no response: connect, write or read failures.
    pub transport_errors: u64,
    /// `X-Cache-Status` outcomes.
    pub cache: CacheCounts,
}

impl Default for EndpointFigures {
    fn default() -> Self {
        Self {
            latency: empty_histogram(),
            statuses: BTreeMap::new(),
            transport_errors: 0,
            cache: CacheCounts::default(),
        }
    }
}

impl EndpointFigures {
    /// Requests sent: responses plus transport errors.
    pub fn requests(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.transport_errors
    }

    /// Responses that were not 2xx.
    pub fn status_errors(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(_, n)| n)
            .sum()
    }

    /// Non-2xx responses plus transport errors.
    pub fn errors(&self) -> u64 {
        self.status_errors() + self.transport_errors
    }

    /// Adds another set of figures of the same endpoint.
    pub fn merge(&mut self, other: &EndpointFigures) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        self.cache.add(&other.cache);
    }
}

/// Figures of every endpoint, indexed by [`Endpoint::index`].
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Per endpoint.
    pub endpoints: [EndpointFigures; Endpoint::ALL.len()],
}

impl Figures {
    /// Records a response.
    pub fn response(
        &mut self,
        endpoint: Endpoint,
        status: u16,
        cache: Option<CacheStatus>,
        micros: u64,
    ) {
        let e = &mut self.endpoints[endpoint.index()];
        e.latency.saturating_record(micros.max(1));
        *e.statuses.entry(status).or_default() += 1;
        match cache {
            Some(CacheStatus::Hit) => e.cache.hit += 1,
            Some(CacheStatus::Miss) => e.cache.miss += 1,
            Some(CacheStatus::Stale) => e.cache.stale += 1,
            Some(CacheStatus::Bypass) => e.cache.bypass += 1,
            None => {}
        }
    }

    /// Records a request that got no response.
    pub fn transport_error(&mut self, endpoint: Endpoint) {
        self.endpoints[endpoint.index()].transport_errors += 1;
    }

    /// Adds another thread's figures.
    pub fn merge(&mut self, other: &Figures) {
        for (mine, theirs) in self.endpoints.iter_mut().zip(&other.endpoints) {
            mine.merge(theirs);
        }
    }
}

/// Counters the progress line reads while the run goes on (relaxed atomics: one add per
/// request, never a lock).
#[derive(Debug, Default)]
pub struct Progress {
    /// Requests finished (responses and transport errors).
    pub done: AtomicU64,
    /// Of those, non-2xx responses and transport errors.
    pub errors: AtomicU64,
}

impl Progress {
    /// Counts one finished request.
    pub fn finished(&self, error: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if error {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn empty_histogram() -> Histogram<u64> {
    // Three significant digits: percentiles within 0.1%.
    Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)
        .expect("constant bounds: low 1, high above 2 × low, 3 significant digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_non_2xx_responses_plus_transport_failures() {
        let mut f = Figures::default();
        f.response(Endpoint::Predict, 200, Some(CacheStatus::Hit), 900);
        f.response(Endpoint::Predict, 201, None, 900);
        f.response(Endpoint::Predict, 503, None, 10);
        f.response(Endpoint::Predict, 304, None, 10);
        f.transport_error(Endpoint::Predict);
        let p = &f.endpoints[Endpoint::Predict.index()];
        assert_eq!(p.requests(), 5);
        assert_eq!(p.status_errors(), 2);
        assert_eq!(p.errors(), 3);
        assert_eq!(p.latency.len(), 4, "transport errors have no latency");
    }

    #[test]
    fn hit_rate_leaves_bypasses_out() {
        let c = CacheCounts {
            hit: 3,
            miss: 1,
            stale: 0,
            bypass: 100,
        };
        assert_eq!(c.hit_rate(), Some(0.75));
        assert_eq!(CacheCounts::default().hit_rate(), None);
        assert_eq!(CacheStatus::parse(b"STALE"), Some(CacheStatus::Stale));
        assert_eq!(CacheStatus::parse(b"hit"), None);
    }

    #[test]
    fn merging_adds_counts_and_histograms() {
        let mut a = Figures::default();
        let mut b = Figures::default();
        a.response(Endpoint::Health, 200, None, 100);
        b.response(Endpoint::Health, 200, None, 300);
        b.response(Endpoint::Health, 500, None, 300);
        b.transport_error(Endpoint::Statistics);
        a.merge(&b);
        let h = &a.endpoints[Endpoint::Health.index()];
        assert_eq!(h.statuses, BTreeMap::from([(200, 2), (500, 1)]));
        assert_eq!(h.latency.len(), 3);
        assert_eq!(h.latency.max(), 300);
        assert_eq!(a.endpoints[Endpoint::Statistics.index()].errors(), 1);
    }
}
