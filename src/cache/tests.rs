//! Cache-aside behaviour on the in-process tier (no Redis): hits, bypass, single flight,
//! stale-if-error, per-kind TTLs. Redis behaviour is tested end to end in `tests/api/cache.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::config::Config;

fn cache() -> Cache {
    let config = Config::from_lookup(|name| match name {
        "CACHE_TTL_PREDICTION_SECS" => Some("60".to_owned()),
        _ => None,
    })
    .unwrap();
    Cache::new(&config.cache).unwrap()
}

#[tokio::test]
async fn a_miss_then_a_hit() {
    let c = cache();
    let (v, s) = c
        .get_or_load(Kind::Prediction, "k", true, || async { Ok(1u32) })
        .await
        .unwrap();
    assert_eq!((*v, s), (1, CacheStatus::Miss));
    let (v, s) = c
        .get_or_load(Kind::Prediction, "k", true, || async { Ok(2u32) })
        .await
        .unwrap();
    assert_eq!((*v, s), (1, CacheStatus::HitL1));
}

#[tokio::test]
async fn bypass_runs_the_loader_and_stores_nothing() {
    let c = cache();
    let (v, s) = c
        .get_or_load(Kind::Fare, "k", false, || async { Ok(7u32) })
        .await
        .unwrap();
    assert_eq!((*v, s), (7, CacheStatus::Bypass));
    let (_, s) = c
        .get_or_load(Kind::Fare, "k", true, || async { Ok(8u32) })
        .await
        .unwrap();
    assert_eq!(s, CacheStatus::Miss);
}

#[tokio::test]
async fn concurrent_misses_run_the_loader_once() {
    let c = cache();
    let runs = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (c, runs) = (c.clone(), runs.clone());
        tasks.spawn(async move {
            c.get_or_load(Kind::RouteStats, "one-key", true, || async {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(42u64)
            })
            .await
            .map(|(v, _)| *v)
        });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 42);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failing_loader_serves_the_stale_copy() {
    let c = cache();
    c.get_or_load(Kind::Prediction, "k", true, || async { Ok(5u32) })
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(61 + 6)).await;
    let (v, s) = c
        .get_or_load(Kind::Prediction, "k", true, || async {
            Err::<u32, _>(Error::Database(sqlx::Error::PoolTimedOut))
        })
        .await
        .unwrap();
    assert_eq!((*v, s), (5, CacheStatus::Stale));
}

#[tokio::test]
async fn a_client_error_is_returned_as_is_and_not_cached() {
    let c = cache();
    let err = c
        .get_or_load(Kind::Prediction, "k", true, || async {
            Err::<u32, _>(Error::invalid("origin", "no station"))
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    let (_, s) = c
        .get_or_load(Kind::Prediction, "k", true, || async { Ok(1u32) })
        .await
        .unwrap();
    assert_eq!(s, CacheStatus::Miss);
}

#[test]
fn ttls_follow_the_configuration_with_a_little_jitter() {
    let c = cache();
    assert_eq!(c.ttl(Kind::Prediction), Duration::from_secs(60));
    assert_eq!(c.ttl(Kind::Fare), Duration::from_secs(86_400));
    for _ in 0..100 {
        let t = c.jittered(Kind::Prediction);
        assert!(
            t >= Duration::from_secs(60) && t < Duration::from_secs(66),
            "{t:?}"
        );
    }
}

#[tokio::test]
async fn local_invalidation_drops_only_the_prefix() {
    let c = cache();
    c.get_or_load(
        Kind::Prediction,
        "railfair:v1:prediction:EUS:MAN:x",
        true,
        || async { Ok(1u8) },
    )
    .await
    .unwrap();
    c.get_or_load(
        Kind::Prediction,
        "railfair:v1:prediction:KGX:EDB:x",
        true,
        || async { Ok(1u8) },
    )
    .await
    .unwrap();
    c.l1.run_pending_tasks().await;
    assert_eq!(c.invalidate_local("railfair:v1:prediction:EUS:MAN:"), 1);
    c.l1.run_pending_tasks().await;
    let (_, s) = c
        .get_or_load(
            Kind::Prediction,
            "railfair:v1:prediction:EUS:MAN:x",
            true,
            || async { Ok(1u8) },
        )
        .await
        .unwrap();
    assert_eq!(s, CacheStatus::Miss);
    let (_, s) = c
        .get_or_load(
            Kind::Prediction,
            "railfair:v1:prediction:KGX:EDB:x",
            true,
            || async { Ok(1u8) },
        )
        .await
        .unwrap();
    assert_eq!(s, CacheStatus::HitL1);
}

#[test]
fn every_status_is_counted_under_its_own_result_label() {
    use crate::cache::CACHE_OUTCOMES;
    for status in [
        CacheStatus::HitL1,
        CacheStatus::HitL2,
        CacheStatus::Miss,
        CacheStatus::Stale,
        CacheStatus::Bypass,
    ] {
        let (tier, result) = CACHE_OUTCOMES[status.outcome()];
        assert_eq!(result.to_uppercase(), status.header(), "{status:?}");
        if result == "hit" {
            assert_eq!(tier, status.tier(), "{status:?}");
        }
    }
}
