//! The stations and routes requests are made of: the service's own built-in starter tables,
//! compiled into the generator, so every code it sends is a real CRS code the service knows
//! with or without the official data. It never reads data files at run time.

use std::collections::HashSet;

/// The starter stations table (CSV, `#` comment lines first).
const STATIONS_CSV: &str = include_str!("../../src/store/starter/stations.csv");
/// The starter route catalogue, in priority order.
const ROUTES_CSV: &str = include_str!("../../src/store/starter/routes.csv");
/// The starter operators, with the facility-owner names ORR uses for them.
const OPERATORS_CSV: &str = include_str!("../../src/store/starter/operators.csv");

/// How many of the catalogue's routes, in priority order, form the popular list.
pub const POPULAR_ROUTES: usize = 20;

/// A route the generator asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Origin CRS code.
    pub origin: &'static str,
    /// Destination CRS code.
    pub destination: &'static str,
    /// ATOC code of the operator that runs it (what a client sends as `toc`).
    pub toc: &'static str,
}

/// Everything the generator draws from.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The popular list: the first [`POPULAR_ROUTES`] of the route catalogue.
    pub popular: Vec<Route>,
    /// The whole route catalogue, in priority order.
    pub routes: Vec<Route>,
    /// Every built-in station's CRS code.
    pub stations: Vec<&'static str>,
    /// Stations managed by a known operator: a route from one of them has statistics even when
    /// it is not in the catalogue (otherwise the service rightly answers 404 `unknown_route`).
    pub stats_origins: Vec<&'static str>,
}

impl Catalogue {
    /// The built-in catalogue.
    pub fn builtin() -> Self {
        let owners: HashSet<&str> = rows(OPERATORS_CSV)
            .filter_map(|fields| fields.get(4).copied())
            .flat_map(|names| names.split('|'))
            .filter(|name| !name.is_empty())
            .collect();
        let mut stations = Vec::new();
        let mut stats_origins = Vec::new();
        for fields in rows(STATIONS_CSV) {
            let (Some(&crs), Some(&owner)) = (fields.first(), fields.get(6)) else {
                continue;
            };
            stations.push(crs);
            if owners.contains(owner) {
                stats_origins.push(crs);
            }
        }
        let routes: Vec<Route> = rows(ROUTES_CSV)
            .filter_map(|fields| match fields[..] {
                [origin, destination, toc, ..] => Some(Route {
                    origin,
                    destination,
                    toc,
                }),
                _ => None,
            })
            .collect();
        Self {
            popular: routes.iter().copied().take(POPULAR_ROUTES).collect(),
            routes,
            stations,
            stats_origins,
        }
    }
}

impl Catalogue {
    /// The operator the catalogue lists between two stations (a row serves both directions):
    /// sent as the random pair's `toc` so the load asks for the route's own operator (another one
    /// is answered too, with a note that the catalogue lists a different one).
    pub fn catalogued_toc(&self, a: &str, b: &str) -> Option<&'static str> {
        self.routes
            .iter()
            .find(|r| (r.origin, r.destination) == (a, b) || (r.origin, r.destination) == (b, a))
            .map(|r| r.toc)
    }
}

/// The data rows of a starter CSV: comment lines and the header skipped. The starter tables
/// quote nothing in their data rows (a test below checks), so a split on commas is exact.
fn rows(csv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    csv.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .skip(1)
        .map(|line| line.split(',').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_has_real_codes_and_a_full_popular_list() {
        let c = Catalogue::builtin();
        assert_eq!(c.popular.len(), POPULAR_ROUTES);
        assert_eq!(
            c.popular[0],
            Route {
                origin: "EUS",
                destination: "MAN",
                toc: "VT"
            }
        );
        assert!(c.stations.len() >= 100, "{} stations", c.stations.len());
        let all: HashSet<&str> = c.stations.iter().copied().collect();
        for code in c.stations.iter().chain(&c.stats_origins) {
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
        }
        for r in &c.popular {
            assert!(
                all.contains(r.origin) && all.contains(r.destination),
                "{r:?}"
            );
            assert_eq!(r.toc.len(), 2, "{r:?}");
        }
        // The operator of a catalogued pair, either way round; none for a pair it lacks.
        assert_eq!(c.routes.len(), 94);
        assert_eq!(c.catalogued_toc("MAN", "EUS"), Some("VT"));
        assert_eq!(c.catalogued_toc("KGX", "EDB"), Some("GR"));
        assert_eq!(c.catalogued_toc("PRE", "MAN"), None);
        // Network Rail manages the big London termini: those are no stats origins.
        assert!(!c.stats_origins.contains(&"EUS"));
        assert!(c.stats_origins.len() >= 50, "{:?}", c.stats_origins);
    }

    #[test]
    fn starter_data_rows_quote_nothing() {
        for csv in [STATIONS_CSV, ROUTES_CSV, OPERATORS_CSV] {
            assert!(rows(csv).flatten().all(|field| !field.contains('"')));
        }
    }
}
