//! Benchmarks of journey planning as the service does it, side by side in one run: the uncached
//! and cached `POST /api/journey/plan` through the whole router over a real SQLite file (starter
//! data, so the APPROXIMATE timetable from the route catalogue), the planner alone on the same
//! built service day (`itineraries::plan_between`: one MEAT scan per pair of journey ends), the
//! building of a service day, and `GET /health` through the same router as the trivial baseline.
//! The planner's share of the endpoint is the ratio of the first two. Run with
//! `cargo bench --bench journey`.

use std::hint::black_box;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use railfair::config::Config;
use railfair::domain::Crs;
use railfair::domain::day_type::DayType;
use railfair::service::itineraries::{plan_between, service_day};
use tower::ServiceExt;

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    // Every iteration comes from one "client": the per-client rate limit is off, as it must be
    // for any load from a single source.
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "RATE_LIMIT_PER_MINUTE" => Some("0".to_owned()),
        _ => None,
    })
    .expect("config");
    let state = rt
        .block_on(railfair::server::prepare(config))
        .expect("app starts");
    state.lifecycle.set_ready();
    let app = railfair::http::router(state.clone());
    // A Tuesday ten or more days ahead, so the day is an ordinary weekday.
    let mut day = time::OffsetDateTime::now_utc().date() + time::Duration::days(10);
    while day.weekday() != time::Weekday::Tuesday {
        day = day.next_day().expect("date");
    }
    let body = format!(
        r#"{{"origin":"MAN","destination":"WAT","departure_date":"{day}","departure_time":"08:00","use_cache":false}}"#
    );
    let call = |req: Request<Body>| {
        let app = app.clone();
        async move {
            let response = app.oneshot(req).await.expect("infallible");
            assert!(response.status().is_success(), "{}", response.status());
            to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body")
        }
    };
    let post = |body: &str| {
        Request::post("/api/journey/plan")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    c.bench_function("router: POST /api/journey/plan MAN->WAT, uncached", |b| {
        b.iter(|| rt.block_on(call(post(&body))))
    });
    let built = rt
        .block_on(service_day(&state, day, DayType::of(day)))
        .expect("service day");
    let (man, wat) = (Crs::parse("MAN").unwrap(), Crs::parse("WAT").unwrap());
    c.bench_function(
        "planner alone: plan_between MAN->WAT on the built day",
        |b| b.iter(|| plan_between(black_box(&built), man, wat, 8 * 60, 2).expect("planned")),
    );
    c.bench_function(
        "building a service day (approximate timetable, delay table)",
        |b| {
            b.iter(|| {
                state.service_days.clear();
                rt.block_on(service_day(&state, day, DayType::of(day)))
                    .expect("service day")
            })
        },
    );
    let cached = body.replace(r#","use_cache":false"#, "");
    c.bench_function(
        "router: POST /api/journey/plan MAN->WAT, cached (L1 hit)",
        |b| b.iter(|| rt.block_on(call(post(&cached)))),
    );
    c.bench_function("router: GET /health (baseline)", |b| {
        b.iter(|| {
            let req = Request::get("/health")
                .body(Body::empty())
                .expect("request");
            rt.block_on(call(req))
        })
    });
}

criterion_group!(journey_benches, benches);
criterion_main!(journey_benches);
