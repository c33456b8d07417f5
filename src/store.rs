//! The store layer: the only place with SQL. Typed query functions over a read pool and a single
//! writer connection, migrations, the built-in starter data, the write side of importing the
//! official files (their parsers are in `feeds`) and the import log. Nothing above this layer
//! sees a SQL string.

pub mod codec;
pub mod counts;
pub mod db;
pub mod delay_causes;
pub mod fares;
pub mod import_log;
pub mod import_write;
pub mod memo;
pub mod observations;
pub mod operators;
pub mod popularity;
pub mod punctuality;
pub mod routes;
pub mod starter;
pub mod stations;
pub mod timetable;
pub mod timing;

pub use db::Db;

/// The queries that run per request, by name, for the query-plan test: each must be answered
/// through an index, never by scanning a large table.
pub const HOT_QUERIES: &[(&str, &str)] = &[
    ("find_station", stations::FIND_STATION_SQL),
    ("find_two_stations", stations::FIND_TWO_STATIONS_SQL),
    ("station_tiplocs", stations::STATION_TIPLOCS_SQL),
    ("busiest_stations", stations::BUSIEST_STATIONS_SQL),
    ("find_operator", operators::FIND_OPERATOR_SQL),
    ("find_route", routes::FIND_ROUTE_SQL),
    ("top_routes", routes::TOP_ROUTES_SQL),
    ("priors_for_series", punctuality::PRIORS_FOR_SERIES_SQL),
    ("period_shares", punctuality::PERIOD_SHARES_SQL),
    ("causes_for_series", delay_causes::CAUSES_FOR_SERIES_SQL),
    ("route_rollup", observations::ROUTE_ROLLUP_SQL),
    ("route_daily", observations::ROUTE_DAILY_SQL),
    ("route_latest_day", observations::ROUTE_LATEST_DAY_SQL),
    ("popular_routes", popularity::POPULAR_ROUTES_SQL),
    ("fares_between", fares::FARES_BETWEEN_SQL),
    ("has_fares", fares::HAS_FARES_SQL),
    ("fare_sources", fares::FARE_SOURCES_SQL),
];
