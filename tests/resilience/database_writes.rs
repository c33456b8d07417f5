//! Writes while readers hammer the database: real imports of the official files and popularity
//! flushes (the background flusher every second, and direct flushes back to back) during a load
//! of requests that bypass the cache. WAL, one writer and `BEGIN IMMEDIATE` must keep every
//! reader answering and every writer writing: no "database is locked", no 5xx, no count lost.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use railfair::store::import_write::{self as import, ImportKind};
use tokio_util::sync::CancellationToken;

use crate::harness::{
    Kind, Load, Record, Service, assert_all_ok, latencies, mixed, one_at_a_time, shared_data,
    warnings_mark, warnings_since, within,
};

/// Concurrent readers.
const READERS: usize = 16;

async fn scalar(service: &Service, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&service.state.db.read)
        .await
        .expect("query runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_and_popularity_flushes_during_uncached_reads_fail_no_reader_and_lose_no_count() {
    let _turn = one_at_a_time().await;
    within(Duration::from_secs(60), async {
        let service = Service::start(&[("POPULARITY_FLUSH_SECS", "1".to_owned())]).await;
        let log = warnings_mark();
        let data = shared_data();
        let stations_before = scalar(&service, "SELECT COUNT(*) FROM stations").await;

        let load = Load::start(&service.client, READERS, |n| mixed(n, false));
        // Direct flushes back to back, competing with the imports for the one writer.
        let stop_flushing = CancellationToken::new();
        let flusher = {
            let (state, stop) = (service.state.clone(), stop_flushing.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while !stop.is_cancelled() {
                    outcomes.push(state.popularity.flush(&state.db).await);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                outcomes
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;

        let imports_started = Instant::now();
        let mut imported = Vec::new();
        for (kind, file) in [
            (ImportKind::Naptan, "naptan/RailReferences.csv"),
            (ImportKind::Orr1410, "orr/table-1410-station-entries-exits-2022-23.csv"),
            (
                ImportKind::Orr3138,
                "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
            ),
        ] {
            let started = Instant::now();
            let summary = import::import(&service.state.db, kind, &data.join(file))
                .await
                .unwrap_or_else(|e| panic!("{kind} import under load failed: {e}"));
            assert!(summary.changed(), "{summary}");
            imported.push(format!("{kind} {:.0} ms", started.elapsed().as_secs_f64() * 1e3));
        }
        let imports_over = Instant::now();
        // Long enough for the background flusher to run at least once more.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        stop_flushing.cancel();
        let flushes = flusher.await.expect("flusher task");
        let records = load.stop().await;

        let during: Vec<&Record> = records
            .iter()
            .filter(|r| r.started >= imports_started && r.started < imports_over)
            .collect();
        eprintln!(
            "imports under load: {}; {} direct flushes\n  during the imports: {}\n  all:                {}",
            imported.join(", "),
            flushes.len(),
            latencies(&during),
            latencies(&records.iter().collect::<Vec<_>>())
        );
        assert!(
            during.len() >= READERS,
            "too little traffic during the imports: {}",
            during.len()
        );
        assert_all_ok(&records);
        for flush in &flushes {
            if let Err(e) = flush {
                panic!("a popularity flush under load failed: {e}");
            }
        }
        assert!(
            flushes.iter().filter(|f| matches!(f, Ok(n) if *n > 0)).count() > 1,
            "the direct flushes wrote nothing: the test proves nothing"
        );

        // Every prediction served was counted exactly once, whichever flush wrote it.
        service
            .state
            .popularity
            .flush(&service.state.db)
            .await
            .expect("the last flush");
        let served: i64 = records
            .iter()
            .map(|r| match r.call.kind {
                Kind::Predict | Kind::PredictWithFares => 1,
                Kind::Batch => r.call.body.as_ref().map_or(0, |b| {
                    b["routes"].as_array().map_or(0, |routes| routes.len() as i64)
                }),
                _ => 0,
            })
            .sum();
        let counted = scalar(
            &service,
            "SELECT COALESCE(SUM(requests), 0) FROM route_popularity",
        )
        .await;
        assert_eq!(counted, served, "predictions counted vs served");

        // The imports are visible to readers: NaPTAN's stations, not only the starter ones.
        let stations_after = scalar(&service, "SELECT COUNT(*) FROM stations").await;
        assert!(
            stations_before < 200 && stations_after > 2500,
            "stations: {stations_before} before, {stations_after} after"
        );
        let imported_station = service.get("/api/stations/AAP").await;
        assert_eq!(imported_station.status, StatusCode::OK, "{}", imported_station.text);
        assert_eq!(imported_station.json["name"], "Alexandra Palace");

        let warnings = warnings_since(log);
        assert!(!warnings.contains("locked"), "{warnings}");
        assert!(!warnings.contains("flush failed"), "{warnings}");
        service.stop().await;
    })
    .await;
}
