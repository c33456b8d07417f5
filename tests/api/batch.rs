//! `POST /api/predict/batch`: one bad route does not fail the batch, results keep request order,
//! and the batch size is bounded.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::Weekday;

use crate::helpers::{TestApp, assert_error, next, predict_body};
use crate::predict::assert_prediction_invariants;

fn routes(pairs: &[(&str, &str)]) -> Vec<Value> {
    let day = next(Weekday::Tuesday, 3);
    pairs
        .iter()
        .map(|(o, d)| predict_body(o, d, day, "11:00"))
        .collect()
}

#[tokio::test]
async fn one_bad_route_fails_alone_and_the_rest_are_answered_in_order() {
    let app = TestApp::spawn().await;
    let r = app
        .batch(&json!({"routes": routes(&[("EUS", "MAN"), ("XYZ", "MAN"), ("KGX", "EDB")])}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = &r.json;
    assert_eq!(b["total_routes"], 3);
    assert_eq!(b["successful"], 2);
    assert_eq!(b["failed"], 1);
    assert_eq!(b["parallel_processing"], true, "parallel is the default");
    assert_eq!(b["batch_id"], r.headers["x-request-id"].to_str().unwrap());
    assert!(b["processing_time_ms"].as_f64().is_some_and(|t| t >= 0.0));

    let results = b["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[1], Value::Null);
    for (i, (o, d, toc)) in [(0, ("EUS", "MAN", "VT")), (2, ("KGX", "EDB", "GR"))] {
        let p = &results[i]["prediction"];
        assert_eq!(
            (p["origin"].as_str(), p["destination"].as_str()),
            (Some(o), Some(d))
        );
        assert_eq!(p["toc"], toc);
        assert_prediction_invariants(p);
        assert_eq!(results[i]["metadata"]["route"], format!("{o}-{d}"));
        assert_eq!(results[i]["timetables"], json!([]));
    }

    let errors = b["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["route_index"], 1);
    assert_eq!(errors[0]["error"]["code"], "unknown_station");
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("XYZ")
    );
    assert_eq!(errors[0]["error"]["fields"][0]["field"], "origin");
}

#[tokio::test]
async fn a_batch_without_failures_has_null_errors_and_can_run_sequentially() {
    let app = TestApp::spawn().await;
    let body = json!({
        "routes": routes(&[("KGX", "EDB"), ("EUS", "MAN"), ("LIV", "MAN")]),
        "parallel": false,
    });
    let r = app.batch(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["errors"], Value::Null);
    assert_eq!(
        (
            &r.json["total_routes"],
            &r.json["successful"],
            &r.json["failed"]
        ),
        (&json!(3), &json!(3), &json!(0))
    );
    assert_eq!(r.json["parallel_processing"], false);
    let routes: Vec<&str> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["metadata"]["route"].as_str().unwrap())
        .collect();
    assert_eq!(routes, ["KGX-EDB", "EUS-MAN", "LIV-MAN"]);

    // Sequential and parallel answer the same numbers.
    let mut parallel = body.clone();
    parallel["parallel"] = json!(true);
    let p = app.batch(&parallel).await;
    for i in 0..3 {
        assert_eq!(
            r.json["results"][i]["prediction"]["delay_5_probability"],
            p.json["results"][i]["prediction"]["delay_5_probability"]
        );
    }
}

#[tokio::test]
async fn a_route_that_fails_validation_is_reported_with_its_fields() {
    let app = TestApp::spawn().await;
    let mut bad = routes(&[("EUS", "MAN")]).remove(0);
    bad["departure_time"] = json!("25:61");
    let r = app
        .batch(&json!({"routes": [routes(&[("EUS", "MAN")])[0].clone(), bad]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["failed"], 1);
    let e = &r.json["errors"][0];
    assert_eq!(e["route_index"], 1);
    assert_eq!(e["error"]["code"], "validation_failed");
    assert_eq!(e["error"]["fields"][0]["field"], "departure_time");
}

#[tokio::test]
async fn a_route_asking_for_an_operator_the_catalogue_does_not_list_is_answered_as_the_single_endpoint_would()
 {
    let app = TestApp::spawn().await;
    let good = routes(&[("EUS", "MAN")]).remove(0);
    let mut elsewhere = good.clone();
    elsewhere["toc"] = json!("GR");
    let r = app
        .batch(&json!({"routes": [good, elsewhere.clone()]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["successful"].as_u64(), r.json["failed"].as_u64()),
        (Some(2), Some(0)),
        "{}",
        r.text
    );
    let item = &r.json["results"][1]["prediction"];
    let single = app.predict(&elsewhere).await;
    assert_eq!(single.status, StatusCode::OK, "{}", single.text);
    for p in [item, &single.json["prediction"]] {
        assert_eq!(
            p["basis"]["operator_choice"], "requested_not_in_catalogue",
            "{p}"
        );
    }
    assert_eq!(
        item["assumptions"],
        single.json["prediction"]["assumptions"]
    );
}

#[tokio::test]
async fn batches_of_zero_or_more_than_ten_routes_are_rejected() {
    let app = TestApp::spawn().await;
    for n in [0, 11] {
        let pairs = vec![("EUS", "MAN"); n];
        let r = app.batch(&json!({"routes": routes(&pairs)})).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            r.json["error"]["fields"][0]["field"], "routes",
            "{}",
            r.text
        );
    }
    // Ten is allowed.
    let r = app
        .batch(&json!({"routes": routes(&vec![("EUS", "MAN"); 10])}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["successful"], 10);
}

#[tokio::test]
async fn each_malformed_route_is_answered_alone_as_the_single_endpoint_would() {
    let app = TestApp::spawn().await;
    let good = routes(&[("EUS", "MAN")]).remove(0);
    let mut unknown_field = good.clone();
    unknown_field["colour"] = json!("red");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("destination");
    let mut wrong_type = good.clone();
    wrong_type["destination"] = json!(2);
    wrong_type["use_cache"] = json!("no");
    let items = [
        good.clone(),
        unknown_field,
        missing,
        wrong_type,
        json!(7),
        good,
    ];
    let r = app.batch(&json!({ "routes": items })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["successful"], 2, "{}", r.text);
    assert_eq!(r.json["failed"], 4, "{}", r.text);
    assert!(r.json["results"][0].is_object() && r.json["results"][5].is_object());
    let errors = r.json["errors"].as_array().unwrap();
    let indexes: Vec<u64> = errors
        .iter()
        .map(|e| e["route_index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2, 3, 4]);
    for e in errors {
        let i = e["route_index"].as_u64().unwrap() as usize;
        let single = app.predict(&items[i]).await;
        assert_error(
            &single,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(e["error"], single.json["error"], "route {i}: {}", r.text);
    }
    assert_eq!(errors[2]["error"]["fields"][0]["field"], "destination");
    assert_eq!(errors[2]["error"]["fields"][1]["field"], "use_cache");
}

#[tokio::test]
async fn only_a_malformed_envelope_rejects_the_batch() {
    let app = TestApp::spawn().await;
    let good = routes(&[("EUS", "MAN")]).remove(0);
    for (body, field) in [
        (json!({"routes": {"origin": "EUS"}}), "routes"),
        (
            json!({"routes": [good.clone()], "parallel": "yes"}),
            "parallel",
        ),
        (json!({"routes": [good], "colour": "red"}), "colour"),
        (json!({"parallel": true}), "routes"),
    ] {
        let r = app.batch(&body).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.json["error"]["fields"][0]["field"], field, "{}", r.text);
        assert_eq!(
            r.json["error"]["fields"].as_array().unwrap().len(),
            1,
            "{}",
            r.text
        );
    }
}
