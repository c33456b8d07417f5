//! Benchmarks of the prediction path: the model alone (one distribution per request), the
//! uncached (`use_cache: false`) and cached `POST /api/predict` through the whole router over a
//! real SQLite file, and `GET /health` through the same router as the trivial baseline.
//! Run with `cargo bench --bench predict`.

use axum::body::{Body, to_bytes};
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use railfair::config::Config;
use railfair::model::{OperatorPriors, PredictionInput, PriorSource, predict};
use railfair::store::starter::Starter;
use std::hint::black_box;
use time::macros::datetime;
use tower::ServiceExt;

fn benches(c: &mut Criterion) {
    let starter = Starter::parse().expect("starter data parses");
    let priors = OperatorPriors::from_prior_rows(&starter.priors, "Avanti West Coast")
        .expect("Avanti West Coast has priors");
    let input = PredictionInput::new(
        "Avanti West Coast",
        priors,
        PriorSource::Operator,
        datetime!(2026-12-01 08:30),
    );
    c.bench_function(
        "model: one prediction (distribution, percentiles, explanation)",
        |b| b.iter(|| predict(black_box(&input))),
    );

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
    let app = railfair::http::router(state);
    let date = (time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string();
    let body = format!(
        r#"{{"origin":"EUS","destination":"MAN","departure_date":"{date}","departure_time":"08:30","include_fares":true,"use_cache":false}}"#
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
    c.bench_function("router: POST /api/predict, uncached, with fares", |b| {
        b.iter(|| {
            let req = Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .expect("request");
            rt.block_on(call(req))
        })
    });
    let plain = body.replace(r#","include_fares":true"#, "");
    c.bench_function("router: POST /api/predict, uncached, no fares", |b| {
        b.iter(|| {
            let req = Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(Body::from(plain.clone()))
                .expect("request");
            rt.block_on(call(req))
        })
    });
    let cached = plain.replace(r#","use_cache":false"#, "");
    c.bench_function("router: POST /api/predict, cached (L1 hit)", |b| {
        b.iter(|| {
            let req = Request::post("/api/predict")
                .header("content-type", "application/json")
                .body(Body::from(cached.clone()))
                .expect("request");
            rt.block_on(call(req))
        })
    });
    c.bench_function("router: GET /health (baseline)", |b| {
        b.iter(|| {
            let req = Request::get("/health")
                .body(Body::empty())
                .expect("request");
            rt.block_on(call(req))
        })
    });
}

criterion_group!(predict_benches, benches);
criterion_main!(predict_benches);
