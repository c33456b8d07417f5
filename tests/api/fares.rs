//! Fares with Delay Repay priced in: on `POST /api/predict` with `include_fares` and on
//! `GET /api/fares/{origin}/{destination}`. The starter data holds the SAMPLE fare set.

use axum::http::StatusCode;
use serde_json::{Value, json};
use time::{Date, Weekday};

use crate::helpers::{TestApp, TestResponse, assert_error, next, predict_body};

fn num(v: &Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is a number: {v}"))
}

fn tickets(fares: &Value) -> &Vec<Value> {
    fares["tickets"].as_array().expect("tickets listed")
}

fn is_off_peak(t: &Value) -> bool {
    matches!(t["type"].as_str(), Some("OFF_PEAK" | "SUPER_OFF_PEAK"))
}

/// The cheapest standard single of `kinds`, optionally only those valid at the departure.
fn cheapest_single(fares: &Value, kinds: &[&str], usable_only: bool) -> Option<f64> {
    tickets(fares)
        .iter()
        .filter(|t| t["journey"] == "single" && t["class"] != "first")
        .filter(|t| kinds.contains(&t["type"].as_str().unwrap()))
        .filter(|t| !usable_only || t["valid_at_departure"] == true)
        .map(|t| num(t, "price"))
        .min_by(f64::total_cmp)
}

fn price_of(fares: &Value, code: &str, field: &str) -> f64 {
    let t = tickets(fares)
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("ticket {code} listed: {fares}"));
    num(t, field)
}

/// The fares block of api.md, internally consistent: summary prices are the tickets' cheapest,
/// the cheapest ticket's savings are against the anytime fare, and every effective price is the
/// price less its expected Delay Repay.
fn assert_consistent_fares(fares: &Value, origin: &str, destination: &str, date: Date) {
    let meta = &fares["meta"];
    assert_eq!(meta["data_source"], "sample", "{fares}");
    assert_eq!(meta["is_sample"], true, "sample prices never pass as real");
    assert_eq!(meta["origin"], origin);
    assert_eq!(meta["destination"], destination);
    assert_eq!(meta["fares_valid_on"], date.to_string());

    let list = tickets(fares);
    assert!(!list.is_empty());
    for t in list {
        let price = num(t, "price");
        let refund = num(t, "expected_delay_repay");
        assert!(price > 0.0, "{t}");
        assert!(refund >= 0.0 && refund <= price, "{t}");
        assert!(
            (num(t, "effective_price") - (price - refund)).abs() <= 0.01,
            "{t}"
        );
        assert!(t["valid_at_departure"].is_boolean(), "{t}");
        assert!(["single", "return"].contains(&t["journey"].as_str().unwrap()));
        assert!(["standard", "first", "both"].contains(&t["class"].as_str().unwrap()));
        assert!(t["code"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(
            ["ADVANCE", "OFF_PEAK", "SUPER_OFF_PEAK", "ANYTIME", "OTHER"]
                .contains(&t["type"].as_str().unwrap()),
            "{t}"
        );
    }
    let summary = |field: &str| fares[field].as_f64();
    assert_eq!(
        summary("advance"),
        cheapest_single(fares, &["ADVANCE"], false)
    );
    assert_eq!(
        summary("anytime"),
        cheapest_single(fares, &["ANYTIME"], false)
    );
    // Each summary field names exactly one ticket kind (issue 11 item 6).
    assert_eq!(
        summary("off_peak"),
        cheapest_single(fares, &["OFF_PEAK"], true)
    );
    assert_eq!(
        summary("super_off_peak"),
        cheapest_single(fares, &["SUPER_OFF_PEAK"], true)
    );

    let cheapest = &fares["cheapest"];
    let usable = cheapest_single(
        fares,
        &["ADVANCE", "OFF_PEAK", "SUPER_OFF_PEAK", "ANYTIME", "OTHER"],
        true,
    )
    .expect("some single is usable");
    assert_eq!(num(cheapest, "price"), usable, "{fares}");
    assert!(
        list.iter().any(|t| t["type"] == cheapest["type"]
            && num(t, "price") == usable
            && t["valid_at_departure"] == true),
        "the cheapest names a usable ticket: {fares}"
    );
    let anytime = summary("anytime").expect("an anytime fare");
    let savings = num(cheapest, "savings_amount");
    assert!((savings - (anytime - usable)).abs() <= 0.01, "{cheapest}");
    assert!(
        (num(cheapest, "savings_percentage") - savings / anytime * 100.0).abs() <= 0.051,
        "{cheapest}"
    );

    let share = num(&fares["delay_repay"], "expected_refund_share");
    assert!((0.0..=1.0).contains(&share), "{fares}");
}

async fn predict_with_fares(app: &TestApp, day: Date, time: &str) -> TestResponse {
    let mut body = predict_body("EUS", "MAN", day, time);
    body["include_fares"] = json!(true);
    let r = app.predict(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r
}

#[tokio::test]
async fn a_weekday_peak_prediction_prices_fares_without_off_peak_tickets() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = predict_with_fares(&app, day, "07:30").await;
    let fares = &r.json["fares"];
    assert_consistent_fares(fares, "EUS", "MAN", day);
    assert_eq!(
        r.json["metadata"]["fares_status"],
        Value::Null,
        "{}",
        r.text
    );

    assert_eq!(fares["off_peak"], Value::Null, "no off-peak fare at 07:30");
    let off_peak: Vec<&Value> = tickets(fares).iter().filter(|t| is_off_peak(t)).collect();
    assert!(
        !off_peak.is_empty(),
        "the sample set has off-peak EUS-MAN fares"
    );
    assert!(off_peak.iter().all(|t| t["valid_at_departure"] == false));
    assert!(
        tickets(fares)
            .iter()
            .filter(|t| !is_off_peak(t))
            .all(|t| t["valid_at_departure"] == true)
    );
    // The advance single is cheapest, and Avanti West Coast pays from 15 minutes.
    assert_eq!(fares["cheapest"]["type"], "ADVANCE");
    assert!(fares["advance"].as_f64().is_some() && fares["anytime"].as_f64().is_some());
    assert_eq!(fares["delay_repay"]["scheme"], "DR15");
    assert!(num(&fares["delay_repay"], "expected_refund_share") > 0.0);
    // With a positive refund share the dearest single is expected to get money back.
    assert!(price_of(fares, "SOS", "expected_delay_repay") > 0.0);
}

#[tokio::test]
async fn a_saturday_morning_accepts_off_peak_tickets() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Saturday, 3);
    let r = predict_with_fares(&app, day, "07:30").await;
    let fares = &r.json["fares"];
    assert_consistent_fares(fares, "EUS", "MAN", day);
    let off_peak = fares["off_peak"]
        .as_f64()
        .expect("an off-peak fare on Saturday");
    assert!(off_peak < fares["anytime"].as_f64().unwrap());
    let super_off_peak = fares["super_off_peak"]
        .as_f64()
        .expect("a super off-peak fare on Saturday");
    assert!(super_off_peak < off_peak, "{fares}");
    assert!(
        tickets(fares)
            .iter()
            .filter(|t| is_off_peak(t))
            .all(|t| t["valid_at_departure"] == true)
    );
}

#[tokio::test]
async fn a_likelier_delay_is_worth_more_delay_repay_on_the_same_ticket() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Thursday, 3);
    let peak = predict_with_fares(&app, day, "08:00").await;
    let off = predict_with_fares(&app, day, "11:00").await;
    let p15 = |r: &TestResponse| {
        r.json["prediction"]["delay_15_probability"]
            .as_f64()
            .unwrap()
    };
    assert!(p15(&peak) > p15(&off), "premise: the peak is likelier late");
    for code in ["SOS", "AS1", "SOR"] {
        let (a, b) = (
            price_of(&peak.json["fares"], code, "expected_delay_repay"),
            price_of(&off.json["fares"], code, "expected_delay_repay"),
        );
        assert!(a > b, "{code}: peak {a} vs off-peak {b}");
        assert_eq!(
            price_of(&peak.json["fares"], code, "price"),
            price_of(&off.json["fares"], code, "price")
        );
    }
    assert!(
        num(&peak.json["fares"]["delay_repay"], "expected_refund_share")
            > num(&off.json["fares"]["delay_repay"], "expected_refund_share")
    );
}

#[tokio::test]
async fn fares_are_null_with_a_reason_when_the_flow_has_none() {
    let app = TestApp::spawn().await;
    let mut body = predict_body("CLJ", "CST", next(Weekday::Tuesday, 3), "11:00");
    body["include_fares"] = json!(true);
    let r = app.predict(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["fares"], Value::Null);
    assert_eq!(r.json["metadata"]["fares_status"], "no_fares_for_flow");
}

#[tokio::test]
async fn the_fares_endpoint_returns_the_same_block_as_predict() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let predicted = predict_with_fares(&app, day, "07:30").await;
    let r = app
        .fares("EUS", "MAN", &format!("?date={day}&time=07:30"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_consistent_fares(&r.json, "EUS", "MAN", day);
    assert_eq!(r.json, predicted.json["fares"]);
    // Lower-case codes, seconds in the time.
    let lower = app
        .fares("eus", "man", &format!("?date={day}&time=07:30:00"))
        .await;
    assert_eq!(lower.status, StatusCode::OK, "{}", lower.text);
    assert_eq!(lower.json, r.json);
}

#[tokio::test]
async fn the_fares_endpoint_requires_a_valid_date_and_time() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    for (query, field) in [
        ("?time=07:30".to_owned(), "date"),
        (format!("?date={day}"), "time"),
        ("?date=2026-13-40&time=07:30".to_owned(), "date"),
        (format!("?date={day}&time=25:61"), "time"),
    ] {
        let r = app.fares("EUS", "MAN", &query).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            r.json["error"]["fields"][0]["field"], field,
            "{query}: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn the_fares_endpoint_is_404_for_a_flow_without_fares() {
    let app = TestApp::spawn().await;
    // Premise: the sample set has no CLJ (5595) – CST (5142) flow in either direction.
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM fares WHERE origin_nlc IN ('5595', '5142') \
             AND dest_nlc IN ('5595', '5142')"
        )
        .await,
        0
    );
    let day = next(Weekday::Tuesday, 3);
    let r = app
        .fares("CLJ", "CST", &format!("?date={day}&time=11:00"))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_fares");
}

#[tokio::test]
async fn the_fares_endpoint_rejects_an_unknown_station() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = app
        .fares("XYZ", "MAN", &format!("?date={day}&time=11:00"))
        .await;
    // A station in the path is a resource: unknown is 404, as for route stats.
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_station");
    assert!(r.json["error"]["message"].as_str().unwrap().contains("XYZ"));
}
