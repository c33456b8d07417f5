//! The bound on requests processed at once (`MAX_IN_FLIGHT`), held in the app state. The
//! load-shedding middleware (`http::limits`) takes a slot per request and refuses one when none
//! is left; `/api/statistics` and tests read how many are taken.

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests currently being processed, bounded by `MAX_IN_FLIGHT`.
#[derive(Debug, Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    max: usize,
}

impl InFlight {
    /// A bound of `max` concurrent requests.
    pub fn new(max: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// A slot for one request, held until the permit is dropped; `None` when all are taken.
    pub fn try_admit(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.try_acquire().ok()
    }

    /// Requests being processed right now (probes excluded).
    pub fn current(&self) -> usize {
        self.max - self.permits.available_permits()
    }
}
