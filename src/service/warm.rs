//! Cache warming: precompute the popular routes' statistics and their predictions for common
//! departure slots, in the background at startup and after an invalidation. Never delays
//! readiness and never fails anything: a route that cannot be warmed is skipped.

use time::{Duration, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use crate::domain::Route;
use crate::service::predict::cached_body;
use crate::service::request::ValidRequest;
use crate::service::routes::{cached_popular_routes, cached_route_stats};
use crate::state::AppState;

/// Routes warmed.
pub const ROUTES: u32 = 10;
/// Departure hours warmed (weekday peaks and midday).
pub const HOURS: [u8; 6] = [7, 8, 9, 12, 17, 18];

/// What a warm-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Warmed {
    /// Entries computed or confirmed present.
    pub entries: usize,
    /// Loads that failed (skipped).
    pub failed: usize,
}

/// Warms the cache for the next weekday's common slots of the most popular routes. Its lookups
/// are counted as warm-up, never as user traffic.
pub async fn warm(state: &AppState) -> Warmed {
    crate::cache::warming(warm_popular(state)).await
}

async fn warm_popular(state: &AppState) -> Warmed {
    let mut done = Warmed::default();
    let popular = match cached_popular_routes(state, ROUTES).await {
        Ok((popular, _)) => popular,
        Err(e) => {
            tracing::warn!(error = %e, "cache warm-up skipped: popular routes unavailable");
            return done;
        }
    };
    let mut day = OffsetDateTime::now_utc().date() + Duration::days(1);
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day += Duration::days(1);
    }
    for route in &popular.routes {
        let Some(route) = Route::new(route.origin, route.destination) else {
            continue;
        };
        match cached_route_stats(state, route).await {
            Ok(_) => done.entries += 1,
            Err(_) => done.failed += 1,
        }
        for hour in HOURS {
            let valid = ValidRequest {
                route,
                departure: PrimitiveDateTime::new(
                    day,
                    Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT),
                ),
                include_fares: false,
                toc: None,
                use_cache: true,
            };
            match cached_body(state, &valid).await {
                Ok(_) => done.entries += 1,
                Err(_) => done.failed += 1,
            }
        }
    }
    tracing::info!(
        cache.warmed = done.entries,
        cache.warm_failures = done.failed,
        "cache warmed"
    );
    done
}
