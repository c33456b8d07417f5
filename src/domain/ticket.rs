//! What a ticket covers, as both the fares feed and the Delay Repay rules see it. Plain values.

use serde::Serialize;

/// Whether a ticket covers one leg or an outward and a return leg; refund shares differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Journey {
    /// One-way ticket: shares apply to the whole price.
    Single,
    /// Return ticket: shares apply to the whole return price, per delayed leg.
    Return,
}
