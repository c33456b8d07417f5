//! What an import means for cached answers: which cached kinds each official file can change,
//! and dropping those kinds everywhere after a run that changed rows (Redis keys, and every
//! running instance's in-process entries through the invalidation channel). Used by the CLI
//! (`import`, `bootstrap`, `simulate`) and by the server's startup import alike; never fails
//! the import: an unavailable Redis only means cached answers live out their TTL.

use crate::cache::{Cache, Kind, key};
use crate::store::import_write::{ImportKind, ImportSummary};

/// The kinds whose cached answers route history (HSP imports, `simulate`) can change (a planned
/// journey's delays rest on the operators' figures alone, not on route history).
pub const ROUTE_HISTORY_KINDS: &[Kind] = &[Kind::Prediction, Kind::RouteStats, Kind::PopularRoutes];

/// The cached kinds whose answers an import of `kind` can change, from what each kind's value
/// is built of (see the loaders in `service::*`).
pub fn kinds_changed_by(kind: ImportKind) -> &'static [Kind] {
    match kind {
        // Station names and positions; names show in predictions and popular routes.
        ImportKind::Naptan => &[
            Kind::Stations,
            Kind::Prediction,
            Kind::RouteStats,
            Kind::PopularRoutes,
            Kind::Journey,
        ],
        // NLC (fares are keyed on it), region (whose bank holidays apply) and facility owner
        // (the operator when the catalogue has none): every kind.
        ImportKind::Orr1410 => &Kind::ALL,
        // The operator figures behind predictions, route statistics and popular routes.
        // (and the planner's delay tables, built from the same figures).
        ImportKind::Orr3138 => &[
            Kind::Prediction,
            Kind::RouteStats,
            Kind::PopularRoutes,
            Kind::Journey,
        ],
        // Delay causes appear only in a prediction's explanation.
        ImportKind::Orr3184 => &[Kind::Prediction],
        // Fares, and the predictions that carry them priced.
        ImportKind::Fares => &[Kind::Fare, Kind::Prediction, Kind::Journey],
        ImportKind::Hsp => ROUTE_HISTORY_KINDS,
        // Planned journeys, and the predictions and route statistics answered from planned
        // legs (pairs without a direct service); dropping journeys drops the built service days.
        ImportKind::Cif => &[Kind::Prediction, Kind::RouteStats, Kind::Journey],
    }
}

/// What was invalidated after an import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalidation {
    /// The kinds dropped, in `Kind::ALL` order.
    pub kinds: Vec<Kind>,
    /// Redis keys removed; `None` when Redis did not answer (running servers then keep their
    /// cached answers until the TTL).
    pub redis_keys_removed: Option<u64>,
}

impl std::fmt::Display for Invalidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.kinds.iter().map(|k| k.name()).collect();
        match self.redis_keys_removed {
            Some(n) => write!(
                f,
                "cache: invalidated {} (Redis keys removed: {n}; running servers told on {})",
                names.join(", "),
                crate::cache::redis::INVALIDATION_CHANNEL
            ),
            None => write!(
                f,
                "cache: Redis did not answer, so {} answers cached by running servers stay until \
                 their TTL",
                names.join(", ")
            ),
        }
    }
}

/// Drops `kinds` everywhere, through the same path as `POST /api/cache/invalidate`
/// (`Cache::invalidate`). Nothing is done, and `None` returned, for no kinds or without Redis
/// configured (then no other process shares this one's cache).
pub async fn invalidate_kinds(cache: &Cache, kinds: &[Kind]) -> Option<Invalidation> {
    if kinds.is_empty() || cache.redis().is_none() {
        return None;
    }
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| kinds.contains(k))
        .collect();
    let mut removed = Some(0);
    for kind in &kinds {
        let (_, redis) = cache.invalidate(&key::kind_prefix(*kind)).await;
        removed = removed.zip(redis).map(|(a, b)| a + b);
    }
    // Not logged here: the caller reports it once (the CLI on stdout, the server in its log).
    Some(Invalidation {
        kinds,
        redis_keys_removed: removed,
    })
}

/// The kinds the import runs that changed rows can change (none when nothing changed, so a
/// repeated import announces nothing).
pub fn changed_kinds(summaries: &[ImportSummary]) -> Vec<Kind> {
    summaries
        .iter()
        .filter(|s| s.changed())
        .flat_map(|s| kinds_changed_by(s.kind).iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_changes_predictions_and_the_timetable_changes_journeys() {
        for kind in [
            ImportKind::Naptan,
            ImportKind::Orr1410,
            ImportKind::Orr3138,
            ImportKind::Orr3184,
            ImportKind::Fares,
            ImportKind::Hsp,
            ImportKind::Cif,
        ] {
            assert!(kinds_changed_by(kind).contains(&Kind::Prediction), "{kind}");
        }
        assert!(kinds_changed_by(ImportKind::Cif).contains(&Kind::Journey));
        assert!(!kinds_changed_by(ImportKind::Cif).contains(&Kind::Stations));
        // Route history is not behind a planned journey's delays.
        assert!(!kinds_changed_by(ImportKind::Hsp).contains(&Kind::Journey));
        assert!(kinds_changed_by(ImportKind::Fares).contains(&Kind::Fare));
        assert!(!kinds_changed_by(ImportKind::Orr3184).contains(&Kind::Stations));
    }
}
