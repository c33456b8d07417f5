//! Row counts of one table touched by a write: inserted, updated, unchanged. Shared by the
//! importers and the fares writer, which report what a run changed.

use crate::store::stations::Upserted;

/// Row counts of one table touched by an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// New rows.
    pub inserted: u64,
    /// Rows whose values changed.
    pub updated: u64,
    /// Rows already as the file says.
    pub unchanged: u64,
}

impl Counts {
    /// Counts one upsert's outcome.
    pub fn add(&mut self, outcome: Upserted) {
        match outcome {
            Upserted::Inserted => self.inserted += 1,
            Upserted::Updated => self.updated += 1,
            Upserted::Unchanged => self.unchanged += 1,
        }
    }
}
