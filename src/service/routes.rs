//! Route reliability statistics and popular routes. Statistics come from the route's own history
//! when there is any, else from the operator's ORR figures (period 0: the latest annual average),
//! else, for a pair no operator's figures describe, from the best planned journey between them
//! (as predictions are); the score and grade arithmetic is the model's (`model::reliability`).

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Iso8601;
use time::{Date, Duration, OffsetDateTime, Weekday};

use crate::domain::calendar::Nation;
use crate::domain::day_type::DayType;
use crate::domain::{Crs, Route};
use crate::error::{Error, Result};
use crate::model::DelayDistribution;
use crate::model::evidence::EvidenceCounts;
use crate::model::reliability::{DistributionFigures, grade, percent, reliability_score, round1};
use crate::planner::Minute;
use crate::service::itineraries::{self, JourneyLeg};
use crate::service::operator::{self, Journey, OperatorChoice};
use crate::state::AppState;
use crate::store::observations::{self, RollupCounts};
use crate::store::{Db, popularity, punctuality, routes};

/// Days of request counts behind "popular".
pub const POPULAR_WINDOW_DAYS: i64 = 30;
/// Days of route history behind the statistics, back from the route's latest day of data.
pub const HISTORY_WINDOW_DAYS: i64 = 365;

/// Reliability figures of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
// Named apart from `GET /api/statistics`'s `Statistics`: schema names share one namespace.
#[schema(as = RouteStatistics)]
pub struct Statistics {
    /// Service runs in the route history (0 when the figures are the operator's).
    pub total_services: i64,
    /// % arriving less than 1 minute late.
    pub on_time_percentage: f64,
    /// % arriving within 5 minutes (the industry's PPM).
    pub ppm_5_percentage: f64,
    /// % arriving within 10 minutes.
    pub ppm_10_percentage: f64,
    /// % 15 or more minutes late.
    pub late_15_plus_percentage: f64,
    /// % 30 or more minutes late.
    pub late_30_plus_percentage: f64,
    /// Mean minutes late.
    pub avg_delay_minutes: f64,
    /// Median minutes late.
    pub median_delay_minutes: f64,
    /// % cancelled (null when unknown: ORR figures exclude cancelled trains).
    pub cancelled_percentage: Option<f64>,
    /// 0.4·PPM5 + 0.3·PPM10 + 0.2·(100 − cancelled%) + 0.1·(100 − %≥60), re-weighted without
    /// the cancellation term when cancellations are unknown.
    pub reliability_score: f64,
    /// A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F.
    #[schema(example = "C")]
    pub reliability_grade: String,
    /// Whether the score leaves out cancellations (unknown).
    pub reliability_excludes_cancellations: bool,
    /// First day of the data.
    pub data_start: Option<String>,
    /// Last day of the data.
    pub data_end: Option<String>,
    /// `route_history`, `synthetic_route_history` or `operator_statistics`.
    pub source: StatisticsSource,
}

/// What a route's statistics rest on (`statistics.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatisticsSource {
    /// The route's own history (real runs).
    RouteHistory,
    /// The route's history, simulated runs among it.
    SyntheticRouteHistory,
    /// The operator's ORR annual figures.
    OperatorStatistics,
    /// No operator's figures describe the pair: the best planned journey's arrival delay (see
    /// `planned_journey`).
    JourneyLegs,
}

/// Figures for one departure hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HourFigures {
    /// Departure hour.
    pub hour: i64,
    /// Runs with a recorded arrival.
    pub services: i64,
    /// % less than 1 minute late.
    pub on_time_percentage: f64,
    /// Mean minutes late.
    pub avg_delay_minutes: f64,
}

/// Figures for one day of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayFigures {
    /// `Monday` … `Sunday`.
    pub day_of_week: String,
    /// Runs with a recorded arrival.
    pub services: i64,
    /// % less than 1 minute late.
    pub on_time_percentage: f64,
    /// Mean minutes late.
    pub avg_delay_minutes: f64,
}

/// `GET /api/routes/{origin}/{destination}/stats` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RouteStats {
    /// `ORIGIN-DESTINATION`.
    #[schema(example = "EUS-MAN")]
    pub route: String,
    /// Origin CRS.
    #[schema(value_type = String, example = "EUS")]
    pub origin: Crs,
    /// Destination CRS.
    #[schema(value_type = String)]
    pub destination: Crs,
    /// Operator whose figures apply.
    pub toc: String,
    /// The figures.
    pub statistics: Statistics,
    /// Per departure hour, from route history (empty without it).
    pub by_hour: Vec<HourFigures>,
    /// Per day of the week, from route history (empty without it).
    pub by_day_of_week: Vec<DayFigures>,
    /// For a pair no operator's figures describe: the planned journey the figures are of
    /// (`statistics.source: journey_legs`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_journey: Option<PlannedJourney>,
    /// Whether the answer came from a cache.
    pub cached: bool,
    /// How long this answer may be cached (null: not cached).
    pub cache_ttl_seconds: Option<u64>,
}

/// The planned journey a pair's statistics describe when no operator's figures do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedJourney {
    /// The representative day planned on: the next ordinary Tuesday.
    #[schema(example = "2026-12-08")]
    pub departure_date: String,
    /// The representative departure time asked for.
    #[schema(example = "10:00")]
    pub departure_time: String,
    /// `cif` or `approximate`: the timetable the journey was planned on.
    pub timetable_source: String,
    /// The legs, in travel order.
    pub legs: Vec<JourneyLeg>,
    /// What the figures assume.
    pub assumptions: Vec<String>,
}

/// The departure a pair's planned statistics are figured for (mid-morning, off-peak).
const PLANNED_DEPARTURE: Minute = 10 * 60;

/// Statistics of a route. The operator is resolved as `POST /api/predict` resolves it without
/// `toc` (`operator::resolve`), so both endpoints answer a pair with the same operator. When none
/// is known, the figures are the best planned journey's, as a prediction's are; a 404
/// `unknown_route` remains only for a pair the planner cannot connect either.
pub async fn route_stats(state: &AppState, route: Route) -> Result<RouteStats> {
    let db = &state.db;
    let journey = operator::find_journey(db, route)
        .await
        .map_err(operator::unknown_station_as_not_found)?;
    let op = operator::resolve(db, &journey, None).await?;
    if op.toc.is_some() && op.choice != OperatorChoice::National {
        return route_stats_of(db, route, &journey).await;
    }
    planned_stats(state, route)
        .await?
        .ok_or_else(|| no_operator(route.origin(), route.destination()))
}

/// The next ordinary Tuesday after `today`: a weekday that is no bank holiday or Christmas-period
/// day in either nation, so the planned figures describe a normal working day.
fn representative_day(today: Date) -> Date {
    let mut day = today + Duration::days(1);
    while day.weekday() != Weekday::Tuesday
        || [Nation::EnglandAndWales, Nation::Scotland]
            .iter()
            .any(|n| DayType::on(day, *n) != Some(DayType::Weekday))
    {
        day += Duration::days(1);
    }
    day
}

/// The statistics of the best planned journey between a pair, leaving at
/// [`PLANNED_DEPARTURE`] on the representative day; `None` when the planner cannot connect it.
async fn planned_stats(state: &AppState, route: Route) -> Result<Option<RouteStats>> {
    let date = representative_day(OffsetDateTime::now_utc().date());
    let Some((day, shaped, transfers)) = itineraries::best_journey(
        state,
        route.origin(),
        route.destination(),
        date,
        DayType::Weekday,
        PLANNED_DEPARTURE,
    )
    .await?
    else {
        return Ok(None);
    };
    let end = shaped.data_through;
    let start = end.map(|e| e - Duration::days(364));
    let statistics = distribution_statistics(
        &shaped.distribution,
        None,
        0,
        StatisticsSource::JourneyLegs,
        start,
        end,
    );
    let mut assumptions = vec![format!(
        "figures of the best planned journey leaving at or after {} on {date}, a representative \
         ordinary Tuesday: each train's arrival delay from its operator's ORR figures for that \
         day, with the risk of missed connections",
        itineraries::clock(PLANNED_DEPARTURE)
    )];
    assumptions.extend(itineraries::assumptions(&day, transfers));
    Ok(Some(RouteStats {
        route: route.to_string(),
        origin: route.origin(),
        destination: route.destination(),
        toc: shaped
            .final_operator
            .as_ref()
            .map(|o| o.toc.clone())
            .unwrap_or_default(),
        statistics,
        by_hour: Vec::new(),
        by_day_of_week: Vec::new(),
        planned_journey: Some(PlannedJourney {
            departure_date: date.to_string(),
            departure_time: itineraries::clock(PLANNED_DEPARTURE),
            timetable_source: itineraries::source_label(day.timetable.source()).to_owned(),
            legs: shaped.legs,
            assumptions,
        }),
        cached: false,
        cache_ttl_seconds: None,
    }))
}

/// Statistics of a route whose stations (`journey`) are found.
async fn route_stats_of(db: &Db, route: Route, journey: &Journey) -> Result<RouteStats> {
    let (origin, destination) = (route.origin(), route.destination());
    let op = operator::resolve(db, journey, None).await?;
    let (Some(toc), false) = (op.toc.clone(), op.choice == OperatorChoice::National) else {
        return Err(no_operator(origin, destination));
    };
    let unknown = || Error::NotFound {
        code: "unknown_route",
        message: format!(
            "no route statistics for {origin}→{destination}: no route history and no ORR \
             figures are loaded for {}",
            op.name
        ),
    };
    let latest = observations::route_latest_day(db, route, &toc).await?;
    let since = latest.map_or(Date::MAX, |l| l - Duration::days(HISTORY_WINDOW_DAYS - 1));
    let rollup = match latest {
        Some(_) => observations::route_rollup(db, route, &toc, since).await?,
        None => Vec::new(),
    };
    let (statistics, by_hour, by_day_of_week) = if rollup.iter().any(|r| r.n + r.cancelled > 0) {
        let daily = observations::route_daily(db, route, &toc, since).await?;
        history_statistics(&rollup, &daily)
    } else {
        let priors = punctuality::priors_for_series(db, &op.series).await?;
        let Some(annual) = priors.iter().find(|p| p.period == 0) else {
            return Err(unknown());
        };
        let Some((dist, _)) = DelayDistribution::from_orr_shares(&annual.shares()) else {
            return Err(unknown());
        };
        let end = Date::parse(&annual.data_through, &Iso8601::DATE).ok();
        let start = end.map(|e| e - Duration::days(364));
        let stats = distribution_statistics(
            &dist,
            None,
            0,
            StatisticsSource::OperatorStatistics,
            start,
            end,
        );
        (stats, Vec::new(), Vec::new())
    };
    Ok(RouteStats {
        route: route.to_string(),
        origin,
        destination,
        toc,
        statistics,
        by_hour,
        by_day_of_week,
        planned_journey: None,
        cached: false,
        cache_ttl_seconds: None,
    })
}

/// The 404 for a pair with no operator that the planner cannot connect either: predictions for
/// such a pair use national figures, which describe no route.
fn no_operator(origin: Crs, destination: Crs) -> Error {
    Error::NotFound {
        code: "unknown_route",
        message: format!(
            "no route statistics for {origin}→{destination}: it is not a direct route in the \
             route catalogue, its origin station is not managed by a train operator whose \
             figures are held, and the planner finds no journey between them on an ordinary \
             weekday; predictions for this pair (POST /api/predict) use national figures"
        ),
    }
}

fn distribution_statistics(
    dist: &DelayDistribution,
    cancelled_percentage: Option<f64>,
    total_services: i64,
    source: StatisticsSource,
    start: Option<Date>,
    end: Option<Date>,
) -> Statistics {
    let figures = DistributionFigures::of(dist, cancelled_percentage);
    Statistics {
        total_services,
        on_time_percentage: figures.on_time_percentage,
        ppm_5_percentage: figures.ppm_5_percentage,
        ppm_10_percentage: figures.ppm_10_percentage,
        late_15_plus_percentage: figures.late_15_plus_percentage,
        late_30_plus_percentage: figures.late_30_plus_percentage,
        avg_delay_minutes: figures.avg_delay_minutes,
        median_delay_minutes: figures.median_delay_minutes,
        cancelled_percentage,
        reliability_score: figures.reliability_score,
        reliability_grade: figures.reliability_grade.to_owned(),
        reliability_excludes_cancellations: cancelled_percentage.is_none(),
        data_start: start.map(|d| d.to_string()),
        data_end: end.map(|d| d.to_string()),
        source,
    }
}

fn history_statistics(
    rollup: &[RollupCounts],
    daily: &[observations::DailyCounts],
) -> (Statistics, Vec<HourFigures>, Vec<DayFigures>) {
    let mut total = EvidenceCounts::default();
    let mut by_hour: Vec<HourFigures> = Vec::new();
    let mut synthetic = false;
    for r in rollup {
        total += &r.evidence();
        synthetic |= r.synthetic;
        match by_hour.iter_mut().find(|h| h.hour == r.hour) {
            Some(h) => {
                // Running sums; turned into percentages below.
                h.services += r.n;
                h.on_time_percentage += r.lt1 as f64;
                h.avg_delay_minutes += r.sum_delay as f64;
            }
            None => by_hour.push(HourFigures {
                hour: r.hour,
                services: r.n,
                on_time_percentage: r.lt1 as f64,
                avg_delay_minutes: r.sum_delay as f64,
            }),
        }
    }
    for h in &mut by_hour {
        let n = h.services.max(1) as f64;
        h.on_time_percentage = round1(h.on_time_percentage * 100.0 / n);
        h.avg_delay_minutes = round1(h.avg_delay_minutes / n);
    }
    by_hour.sort_by_key(|h| h.hour);

    let weekdays = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    let mut days = [(0i64, 0i64, 0i64); 7];
    for d in daily {
        if let Ok(date) = Date::parse(&d.day, &Iso8601::DATE) {
            let i = usize::from(date.weekday().number_days_from_monday());
            days[i].0 += d.n;
            days[i].1 += d.lt1;
            days[i].2 += d.sum_delay;
        }
    }
    let by_day_of_week = weekdays
        .iter()
        .zip(days)
        .filter(|(_, (n, ..))| *n > 0)
        .map(|(w, (n, lt1, sum))| DayFigures {
            day_of_week: w.to_string(),
            services: n,
            on_time_percentage: percent(lt1, n),
            avg_delay_minutes: round1(sum as f64 / n as f64),
        })
        .collect();

    let n = i64::try_from(total.n).unwrap_or(i64::MAX);
    let cancelled = i64::try_from(total.cancelled).unwrap_or(0);
    let cancelled_pct = percent(cancelled, n + cancelled);
    let start = daily
        .first()
        .and_then(|d| Date::parse(&d.day, &Iso8601::DATE).ok());
    let end = daily
        .last()
        .and_then(|d| Date::parse(&d.day, &Iso8601::DATE).ok());
    let source = if synthetic {
        StatisticsSource::SyntheticRouteHistory
    } else {
        StatisticsSource::RouteHistory
    };
    let stats = match DelayDistribution::from_weights(total.bucket_counts()) {
        Some(dist) => {
            let mut s = distribution_statistics(
                &dist,
                Some(cancelled_pct),
                n + cancelled,
                source,
                start,
                end,
            );
            // Observed counts are exact: use them rather than the bucket model for the mean.
            s.avg_delay_minutes = round1(total.sum_delay as f64 / n.max(1) as f64);
            s
        }
        // Only cancellations recorded: nothing arrived, so every arrival figure is zero.
        None => {
            let score = reliability_score(0.0, 0.0, Some(cancelled_pct), 0.0);
            Statistics {
                total_services: n + cancelled,
                on_time_percentage: 0.0,
                ppm_5_percentage: 0.0,
                ppm_10_percentage: 0.0,
                late_15_plus_percentage: 0.0,
                late_30_plus_percentage: 0.0,
                avg_delay_minutes: 0.0,
                median_delay_minutes: 0.0,
                cancelled_percentage: Some(cancelled_pct),
                reliability_score: score,
                reliability_grade: grade(score).to_owned(),
                reliability_excludes_cancellations: false,
                data_start: start.map(|d| d.to_string()),
                data_end: end.map(|d| d.to_string()),
                source,
            }
        }
    };
    (stats, by_hour, by_day_of_week)
}

/// One popular route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PopularRoute {
    /// Origin CRS.
    #[schema(value_type = String)]
    pub origin: Crs,
    /// Destination CRS.
    #[schema(value_type = String)]
    pub destination: Crs,
    /// Origin name.
    pub origin_name: String,
    /// Destination name.
    pub destination_name: String,
    /// Operator whose figures apply.
    pub toc: String,
    /// Prediction requests in the last 30 days (flushed counts).
    pub query_count: i64,
    /// Share arriving less than 1 minute late (0–1).
    pub on_time_probability: f64,
    /// Mean minutes late.
    pub avg_delay_minutes: f64,
    /// How this entry earned its place: `requests` (ranked by `query_count`) or
    /// `route_catalogue` (filling the list up to `limit` after the requested routes).
    pub ranked_by: String,
}

/// `GET /api/routes/popular` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PopularRoutes {
    /// Routes listed.
    pub count: usize,
    /// Requested routes first, most requested first; then the catalogue's routes fill the list
    /// up to `limit` (each entry's `ranked_by` says which).
    pub routes: Vec<PopularRoute>,
    /// How the first entries are ranked: `requests` when any route has been requested in the
    /// window, else `route_catalogue`.
    pub ranking: String,
    /// Whether the answer came from a cache.
    pub cached: bool,
    /// How long this answer may be cached (null: not cached).
    pub cache_ttl_seconds: Option<u64>,
}

/// The most requested routes over the last 30 days, then the catalogue's most popular flows up
/// to `limit`.
pub async fn popular_routes(db: &Db, limit: u32) -> Result<PopularRoutes> {
    let since =
        (OffsetDateTime::now_utc().date() - Duration::days(POPULAR_WINDOW_DAYS)).to_string();
    let counted = popularity::popular_routes(db, &since, limit).await?;
    let ranking = if counted.is_empty() {
        "route_catalogue"
    } else {
        "requests"
    };
    // Enough catalogue routes to fill up after the requested ones, even when all of those are
    // also catalogue routes.
    let catalogue = routes::top_routes(
        db,
        limit.saturating_add(u32::try_from(counted.len()).unwrap_or(u32::MAX)),
    )
    .await?;
    let requested = counted
        .into_iter()
        .map(|r| (r.origin, r.destination, r.requests, "requests"));
    let filling = catalogue
        .into_iter()
        .map(|r| (r.origin, r.destination, 0, "route_catalogue"));
    let limit = limit as usize;
    let mut out: Vec<PopularRoute> = Vec::with_capacity(limit);
    for (o, d, query_count, ranked_by) in requested.chain(filling) {
        if out.len() == limit {
            break;
        }
        if out.iter().any(|p| p.origin == o && p.destination == d) {
            continue;
        }
        let Some(route) = Route::new(o, d) else {
            continue;
        };
        // A counted route may have no figures (unknown station or operator): it is skipped,
        // not an error.
        let found = operator::find_journey(db, route)
            .await
            .map_err(operator::unknown_station_as_not_found);
        let stats = match found {
            Ok(journey) => route_stats_of(db, route, &journey)
                .await
                .map(|stats| (stats, journey)),
            Err(e) => Err(e),
        };
        let (stats, journey) = match stats {
            Ok(found) => found,
            Err(Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        out.push(PopularRoute {
            origin: stats.origin,
            destination: stats.destination,
            origin_name: journey.origin.name,
            destination_name: journey.destination.name,
            toc: stats.toc,
            query_count,
            on_time_probability: (stats.statistics.on_time_percentage * 10.0).round() / 1000.0,
            avg_delay_minutes: stats.statistics.avg_delay_minutes,
            ranked_by: ranked_by.to_owned(),
        });
    }
    Ok(PopularRoutes {
        count: out.len(),
        routes: out,
        ranking: ranking.to_owned(),
        cached: false,
        cache_ttl_seconds: None,
    })
}

/// Route statistics through the cache, with `cached` and `cache_ttl_seconds` filled in.
pub async fn cached_route_stats(
    state: &crate::state::AppState,
    route: Route,
) -> Result<(RouteStats, crate::cache::CacheStatus)> {
    let key = crate::cache::key::route_stats(route.origin(), route.destination());
    let (stats, status) = state
        .cache
        .get_or_load(crate::cache::Kind::RouteStats, &key, true, || {
            route_stats(state, route)
        })
        .await?;
    let mut stats = std::sync::Arc::unwrap_or_clone(stats);
    stats.cached = is_cached(status);
    stats.cache_ttl_seconds = Some(state.cache.ttl(crate::cache::Kind::RouteStats).as_secs());
    Ok((stats, status))
}

/// Popular routes through the cache, with `cached` and `cache_ttl_seconds` filled in.
pub async fn cached_popular_routes(
    state: &crate::state::AppState,
    limit: u32,
) -> Result<(PopularRoutes, crate::cache::CacheStatus)> {
    let key = crate::cache::key::popular_routes(limit);
    let (popular, status) = state
        .cache
        .get_or_load(crate::cache::Kind::PopularRoutes, &key, true, || {
            popular_routes(&state.db, limit)
        })
        .await?;
    let mut popular = std::sync::Arc::unwrap_or_clone(popular);
    popular.cached = is_cached(status);
    popular.cache_ttl_seconds = Some(state.cache.ttl(crate::cache::Kind::PopularRoutes).as_secs());
    Ok((popular, status))
}

fn is_cached(status: crate::cache::CacheStatus) -> bool {
    use crate::cache::CacheStatus::{HitL1, HitL2, Stale};
    matches!(status, HitL1 | HitL2 | Stale)
}
