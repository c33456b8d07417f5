//! More clients than `MAX_IN_FLIGHT`: the excess is refused at once with 503 `overloaded` and
//! `Retry-After`, what is accepted is served in full, nothing queues towards the request
//! timeout, and the service is itself again the moment the load stops.

use std::time::Duration;

use axum::http::StatusCode;

use crate::harness::{
    Call, Load, Record, Service, check_body, heavy_batch, latencies, max_latency, mixed,
    one_at_a_time, statuses, within,
};

/// Requests the service processes at once.
const MAX_IN_FLIGHT: usize = 4;
/// Concurrent clients: sixteen times that.
const CLIENTS: usize = 64;
/// The request timeout, far above any latency allowed below: a queue in front of the handlers
/// would show up as latencies growing towards it (and then 503 `unavailable`).
const REQUEST_TIMEOUT_MS: &str = "10000";
/// No answer, refused or served, may take longer: a fifth of the request timeout. A served batch
/// (ten routes with fares, computed) takes a few hundred milliseconds here while the refusals
/// keep both cores busy.
const LATENCY_BOUND: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_max_in_flight_the_excess_is_refused_at_once_and_the_rest_served_in_full() {
    let _turn = one_at_a_time().await;
    within(Duration::from_secs(60), async {
        let service = Service::start(&[
            ("MAX_IN_FLIGHT", MAX_IN_FLIGHT.to_string()),
            ("REQUEST_TIMEOUT_MS", REQUEST_TIMEOUT_MS.to_owned()),
        ])
        .await;
        let shed_before = service.metric("http_requests_shed_total").await;

        let load = Load::start(&service.client, CLIENTS, heavy_batch);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let records = load.stop().await;
        let shed_after = service.metric("http_requests_shed_total").await;

        let (refused, served): (Vec<&Record>, Vec<&Record>) = records
            .iter()
            .partition(|r| r.status() == Some(StatusCode::SERVICE_UNAVAILABLE));
        eprintln!(
            "{CLIENTS} clients over MAX_IN_FLIGHT={MAX_IN_FLIGHT}: {:?}\n  served:  {}\n  \
             refused: {}",
            statuses(&records),
            latencies(&served),
            latencies(&refused)
        );
        assert!(
            !refused.is_empty(),
            "nothing was shed: the test proves nothing"
        );
        assert!(
            served.len() >= 2 * MAX_IN_FLIGHT,
            "too little was served: {}",
            served.len()
        );
        for r in &refused {
            let reply = r.outcome.as_ref().expect("answered");
            assert_eq!(reply.header("retry-after"), Some("1"), "{}", reply.text);
            assert_eq!(reply.json["error"]["code"], "overloaded", "{}", reply.text);
            assert!(reply.json["request_id"].is_string(), "{}", reply.text);
        }
        for r in &served {
            let reply = r
                .outcome
                .as_ref()
                .unwrap_or_else(|e| panic!("no answer: {e}"));
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            check_body(&r.call, &reply.json).unwrap_or_else(|e| panic!("{e}"));
        }
        let slowest = max_latency(&served).max(max_latency(&refused));
        assert!(slowest < LATENCY_BOUND, "an answer took {slowest:?}");
        // The service counted exactly the refusals the clients saw.
        assert_eq!(shed_after - shed_before, refused.len() as f64);

        // Right after: nothing is still held, and every kind of request is served at once.
        assert_eq!(service.state.in_flight.current(), 0);
        for n in 0..8 {
            let call: Call = mixed(n, false);
            let reply = service.client.send(&call).await.expect("answered");
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            check_body(&call, &reply.json).unwrap_or_else(|e| panic!("{e}"));
            assert!(reply.latency < LATENCY_BOUND, "{:?}", reply.latency);
        }
        service.stop().await;
    })
    .await;
}
