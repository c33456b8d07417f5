//! Counts prediction requests per route in memory, held in the app state, and flushes them to
//! the store in batches, so the request path never writes to the database.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::domain::Crs;
use crate::error::Result;
use crate::store::{Db, popularity};

/// In-memory request counts since the last flush.
#[derive(Debug, Default)]
pub struct PopularityCounter {
    counts: Mutex<HashMap<(Crs, Crs), i64>>,
}

impl PopularityCounter {
    /// Counts one prediction request for a route (a map update under a short lock).
    pub fn record(&self, origin: Crs, destination: Crs) {
        // A poisoned lock only means another thread panicked mid-increment; counts stay usable.
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry((origin, destination)).or_insert(0) += 1;
    }

    /// Writes the counts gathered so far (dated today, UTC) and starts again from zero. On a
    /// write failure the counts are put back so the next flush retries them.
    pub async fn flush(&self, db: &Db) -> Result<usize> {
        let taken = std::mem::take(&mut *self.counts.lock().unwrap_or_else(|e| e.into_inner()));
        if taken.is_empty() {
            return Ok(0);
        }
        let day = OffsetDateTime::now_utc().date().to_string();
        let batch: Vec<(Crs, Crs, i64)> = taken.iter().map(|(&(o, d), &n)| (o, d, n)).collect();
        if let Err(e) = popularity::add_counts(db, &day, &batch).await {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            for (route, n) in taken {
                *counts.entry(route).or_insert(0) += n;
            }
            return Err(e);
        }
        Ok(batch.len())
    }
}
