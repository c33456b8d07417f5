//! `POST /api/predict`: the response contract, what moves the numbers (season, peak, day type,
//! operator), the operator fallbacks, and validation.

use axum::http::StatusCode;
use railfair::domain::RailPeriod;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Weekday};

use crate::helpers::{TestApp, TestResponse, assert_error, next, predict_body, today};

/// The probability fields of a prediction, in order of the delay they count.
const DELAYS: [&str; 5] = [
    "delay_5_probability",
    "delay_10_probability",
    "delay_15_probability",
    "delay_30_probability",
    "delay_60_probability",
];

fn num(v: &Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is a number: {v}"))
}

/// The published invariants of one prediction object: every probability in [0, 1], the
/// exceedances ordered, and on time plus 5-minutes-late at most 1.
pub fn assert_prediction_invariants(p: &Value) {
    let on_time = num(p, "on_time_probability");
    let delays: Vec<f64> = DELAYS.iter().map(|f| num(p, f)).collect();
    for (field, v) in DELAYS.iter().zip(&delays).chain([(&"on_time", &on_time)]) {
        assert!(
            (0.0..=1.0).contains(v),
            "{field} = {v} is a probability: {p}"
        );
    }
    for pair in delays.windows(2) {
        assert!(pair[0] >= pair[1], "exceedances are ordered: {delays:?}");
    }
    assert!(
        on_time + delays[0] <= 1.0 + 1e-9,
        "on_time {on_time} + delay_5 {} <= 1",
        delays[0]
    );
    assert!(num(p, "expected_delay_minutes") >= 0.0, "{p}");
    let pct = &p["delay_percentiles"];
    assert!(num(pct, "p50") <= num(pct, "p80") && num(pct, "p80") <= num(pct, "p95"));
    assert!(
        ["HIGH", "MEDIUM", "LOW", "VERY_LOW"].contains(&p["confidence"].as_str().unwrap()),
        "{}",
        p["confidence"]
    );
}

/// Predicts and checks the call succeeded and its prediction keeps the invariants.
async fn predict_ok(app: &TestApp, body: &Value) -> TestResponse {
    let r = app.predict(body).await;
    assert_eq!(r.status, StatusCode::OK, "{body} → {}", r.text);
    assert_prediction_invariants(&r.json["prediction"]);
    r
}

fn delay_5(r: &TestResponse) -> f64 {
    num(&r.json["prediction"], "delay_5_probability")
}

fn assert_rfc3339_utc(value: &Value) {
    let s = value.as_str().unwrap_or_else(|| panic!("{value} is text"));
    assert!(s.ends_with('Z'), "{s} is UTC with Z");
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s} is RFC 3339: {e}"));
}

/// The first `weekday` in the next 366 days whose rail period is `period`.
fn weekday_in_period(weekday: Weekday, period: u8) -> Date {
    (1..=366)
        .map(|n| today() + Duration::days(n))
        .find(|d| d.weekday() == weekday && RailPeriod::containing(*d).period == period)
        .unwrap_or_else(|| panic!("a {weekday} in P{period:02} within 366 days"))
}

/// A Saturday and the Tuesday of the same week, both in one rail period.
fn saturday_and_tuesday_of_one_period() -> (Date, Date) {
    let mut saturday = next(Weekday::Saturday, 5);
    loop {
        let tuesday = saturday - Duration::days(4);
        if RailPeriod::containing(saturday) == RailPeriod::containing(tuesday) {
            return (saturday, tuesday);
        }
        saturday += Duration::days(7);
    }
}

#[tokio::test]
async fn a_prediction_has_the_documented_shape_and_values() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = predict_ok(&app, &predict_body("EUS", "MAN", day, "09:30")).await;

    let header_id = r.headers["x-request-id"].to_str().unwrap();
    assert!(!header_id.is_empty());
    assert_eq!(r.json["request_id"], header_id);
    assert_eq!(r.headers["content-type"], "application/json");

    let p = &r.json["prediction"];
    assert_eq!(p["origin"], "EUS");
    assert_eq!(p["destination"], "MAN");
    assert_eq!(p["origin_name"], "London Euston");
    assert_eq!(p["destination_name"], "Manchester Piccadilly");
    assert_eq!(p["departure_time"], format!("{day}T09:30:00"));
    assert_eq!(p["toc"], "VT");
    assert_eq!(p["operator_name"], "Avanti West Coast");
    // No route history in the starter data: operator figures, so LOW and no observations.
    assert_eq!(p["confidence"], "LOW");
    assert_eq!(p["sample_size"], 0);
    assert_eq!(p["is_degraded"], false);
    assert_eq!(p["degradation_reason"], Value::Null);
    // 09:30 on a weekday is in the peak (06:00–09:59).
    assert!(num(p, "time_adjustment_factor") > 1.0, "{p}");
    assert_eq!(num(p, "day_adjustment_factor"), 1.0);

    let basis = &p["basis"];
    assert_eq!(basis["source"], "operator_statistics");
    assert_eq!(basis["operator"], "VT");
    assert_eq!(basis["operator_choice"], "route_catalogue");
    assert_eq!(basis["rail_period"], RailPeriod::containing(day).label());
    assert_eq!(basis["data_through"], "2025-03-31");
    assert_eq!(basis["route_observations"], 0);

    let explanation = p["explanation"].as_str().unwrap();
    assert!(explanation.contains("Avanti West Coast"), "{explanation}");
    assert!(
        explanation.contains("5 or more minutes late"),
        "{explanation}"
    );
    assert_rfc3339_utc(&p["prediction_timestamp"]);

    assert_eq!(r.json["fares"], Value::Null);
    assert_eq!(r.json["metadata"]["fares_status"], "not_requested");
    assert_eq!(r.json["timetables"], json!([]));
    assert_eq!(r.json["cached"], false);
    let meta = &r.json["metadata"];
    assert_eq!(meta["route"], "EUS-MAN");
    assert_eq!(meta["cache_status"], "MISS");
    assert!(num(meta, "processing_time_ms") >= 0.0);
    assert!(meta["api_version"].as_str().is_some_and(|v| !v.is_empty()));
    assert_rfc3339_utc(&meta["timestamp"]);
}

#[tokio::test]
async fn use_cache_false_is_reported_as_a_bypass() {
    let app = TestApp::spawn().await;
    let mut body = predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "11:00");
    body["use_cache"] = json!(false);
    let r = predict_ok(&app, &body).await;
    assert_eq!(r.json["metadata"]["cache_status"], "BYPASS", "{}", r.text);
}

#[tokio::test]
async fn autumn_leaf_fall_is_worse_than_summer_for_avanti_west_coast() {
    // ORR 3138 for Avanti West Coast: P09 (late autumn) has 62.9% within 5 minutes, P04
    // (summer) 69.3% — so more arrivals 5+ minutes late in P09 at the same weekday hour.
    let app = TestApp::spawn().await;
    let autumn = weekday_in_period(Weekday::Tuesday, 9);
    let summer = weekday_in_period(Weekday::Tuesday, 4);
    let a = predict_ok(&app, &predict_body("EUS", "MAN", autumn, "11:00")).await;
    let s = predict_ok(&app, &predict_body("EUS", "MAN", summer, "11:00")).await;
    assert!(
        delay_5(&a) > delay_5(&s) + 0.02,
        "P09 {} against P04 {}",
        delay_5(&a),
        delay_5(&s)
    );
    assert!(
        a.json["prediction"]["basis"]["rail_period"]
            .as_str()
            .unwrap()
            .ends_with("P09")
    );
    assert!(
        s.json["prediction"]["basis"]["rail_period"]
            .as_str()
            .unwrap()
            .ends_with("P04")
    );
}

#[tokio::test]
async fn the_weekday_peak_is_worse_than_the_off_peak_on_the_same_day() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Wednesday, 3);
    let peak = predict_ok(&app, &predict_body("EUS", "MAN", day, "08:00")).await;
    let off = predict_ok(&app, &predict_body("EUS", "MAN", day, "11:00")).await;
    assert!(
        delay_5(&peak) > delay_5(&off),
        "{} vs {}",
        peak.text,
        off.text
    );
    assert!(
        num(&peak.json["prediction"], "delay_15_probability")
            > num(&off.json["prediction"], "delay_15_probability")
    );
    assert!(num(&peak.json["prediction"], "time_adjustment_factor") > 1.0);
    assert_eq!(num(&off.json["prediction"], "time_adjustment_factor"), 1.0);
    assert!(
        peak.json["prediction"]["explanation"]
            .as_str()
            .unwrap()
            .contains("peak")
    );
}

#[tokio::test]
async fn a_saturday_differs_from_a_weekday_by_its_day_factor() {
    let app = TestApp::spawn().await;
    let (saturday, tuesday) = saturday_and_tuesday_of_one_period();
    let sat = predict_ok(&app, &predict_body("EUS", "MAN", saturday, "11:00")).await;
    let wkd = predict_ok(&app, &predict_body("EUS", "MAN", tuesday, "11:00")).await;
    let (sp, wp) = (&sat.json["prediction"], &wkd.json["prediction"]);
    assert_eq!(sp["basis"]["rail_period"], wp["basis"]["rail_period"]);
    let factor = num(sp, "day_adjustment_factor");
    assert_eq!(num(wp, "day_adjustment_factor"), 1.0);
    assert_ne!(factor, 1.0, "a Saturday gets its own day factor: {sp}");
    // The reported factor says which way the numbers move.
    if factor < 1.0 {
        assert!(delay_5(&sat) < delay_5(&wkd), "{sp} vs {wp}");
    } else {
        assert!(delay_5(&sat) > delay_5(&wkd), "{sp} vs {wp}");
    }
    assert!(sp["explanation"].as_str().unwrap().contains("Saturday"));
}

#[tokio::test]
async fn toc_restricts_the_prediction_to_that_operator() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    // PRE→MAN has no catalogue entry, so any known operator may be asked for; by default the
    // origin's manager (Avanti West Coast) answers.
    let default = predict_ok(&app, &predict_body("PRE", "MAN", day, "11:00")).await;
    assert_eq!(
        default.json["prediction"]["basis"]["operator_choice"],
        "origin_facility_owner"
    );
    let mut body = predict_body("PRE", "MAN", day, "11:00");
    body["toc"] = json!("nt");
    let northern = predict_ok(&app, &body).await;
    let (d, n) = (&default.json["prediction"], &northern.json["prediction"]);
    assert_eq!(
        (d["toc"].as_str(), d["operator_name"].as_str()),
        (Some("VT"), Some("Avanti West Coast"))
    );
    assert_eq!(
        (n["toc"].as_str(), n["operator_name"].as_str()),
        (Some("NT"), Some("Northern"))
    );
    assert_eq!(n["basis"]["operator"], "NT");
    assert_eq!(n["basis"]["operator_choice"], "requested");
    assert!(n["explanation"].as_str().unwrap().contains("Northern"));
    // Northern's ORR figures are better than Avanti West Coast's (87.5% vs 69.4% within 5 min).
    assert!(
        delay_5(&northern) < delay_5(&default) - 0.05,
        "NT {} vs VT {}",
        delay_5(&northern),
        delay_5(&default)
    );
}

#[tokio::test]
async fn an_uncatalogued_route_falls_back_to_the_origin_stations_operator() {
    let app = TestApp::spawn().await;
    // Premise: Aberdeen is managed by ScotRail and ABD–MAN is not in the route catalogue.
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM routes WHERE (origin = 'ABD' AND destination = 'MAN') \
             OR (origin = 'MAN' AND destination = 'ABD')"
        )
        .await,
        0
    );
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM stations WHERE crs = 'ABD' AND facility_owner_toc = 'SR'"
        )
        .await,
        1
    );
    let r = predict_ok(
        &app,
        &predict_body("ABD", "MAN", next(Weekday::Tuesday, 3), "11:00"),
    )
    .await;
    let p = &r.json["prediction"];
    assert_eq!(p["toc"], "SR");
    assert_eq!(p["operator_name"], "ScotRail");
    assert_eq!(p["basis"]["operator_choice"], "origin_facility_owner");
    assert_eq!(p["basis"]["source"], "operator_statistics");
    assert_eq!(p["is_degraded"], false);
    assert!(p["explanation"].as_str().unwrap().contains("ScotRail"));
}

#[tokio::test]
async fn a_journey_with_no_known_operator_is_degraded_to_national_figures() {
    let app = TestApp::spawn().await;
    // Premise: both stations are managed by Network Rail (which runs no trains) and the pair
    // is not catalogued.
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM stations WHERE crs IN ('CLJ', 'CST') \
             AND facility_owner = 'Network Rail' AND facility_owner_toc IS NULL"
        )
        .await,
        2
    );
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM routes WHERE (origin = 'CLJ' AND destination = 'CST') \
             OR (origin = 'CST' AND destination = 'CLJ')"
        )
        .await,
        0
    );
    let day = next(Weekday::Tuesday, 3);
    let r = predict_ok(&app, &predict_body("CLJ", "CST", day, "11:00")).await;
    let p = &r.json["prediction"];
    assert_eq!(p["is_degraded"], true);
    assert!(
        p["degradation_reason"]
            .as_str()
            .is_some_and(|s| s.contains("national")),
        "{p}"
    );
    // Only national figures and no route history: the lowest confidence there is.
    assert_eq!(p["confidence"], "VERY_LOW");
    assert_eq!(p["toc"], Value::Null);
    assert_eq!(p["basis"]["source"], "national_statistics");
    assert_eq!(p["basis"]["operator"], Value::Null);
    assert_eq!(p["basis"]["operator_choice"], "national");
    assert_eq!(p["origin_name"], "Clapham Junction");
    // National figures, not a guess: the Great Britain series is better than Avanti's.
    let vt = predict_ok(&app, &predict_body("EUS", "MAN", day, "11:00")).await;
    assert_ne!(delay_5(&r), delay_5(&vt));
}

#[tokio::test]
async fn a_national_prediction_does_not_claim_its_own_figures_are_missing() {
    let app = TestApp::spawn().await;
    let r = predict_ok(
        &app,
        &predict_body("CLJ", "CST", next(Weekday::Tuesday, 3), "11:00"),
    )
    .await;
    let p = &r.json["prediction"];
    let explanation = p["explanation"].as_str().unwrap();
    assert!(explanation.contains("national"), "{explanation}");
    assert!(!explanation.contains("no ORR figures"), "{explanation}");
    for a in p["assumptions"].as_array().unwrap() {
        assert!(!a.as_str().unwrap().contains("no ORR figures"), "{a}");
    }
}

#[tokio::test]
async fn lower_case_and_padded_codes_are_normalised() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = predict_body("  eus ", " man", day, " 11:00 ");
    body["toc"] = json!(" vt ");
    let r = predict_ok(&app, &body).await;
    let p = &r.json["prediction"];
    assert_eq!(
        (p["origin"].as_str(), p["destination"].as_str()),
        (Some("EUS"), Some("MAN"))
    );
    assert_eq!(p["toc"], "VT");
    assert_eq!(p["departure_time"], format!("{day}T11:00:00"));
    assert_eq!(r.json["metadata"]["route"], "EUS-MAN");
    // Seconds are accepted too.
    let r = predict_ok(&app, &predict_body("EUS", "MAN", day, "11:00:15")).await;
    assert_eq!(
        r.json["prediction"]["departure_time"],
        format!("{day}T11:00:15")
    );
}

/// Asserts a 422 whose fields name exactly `fields`, with `code`.
fn assert_invalid(r: &TestResponse, code: &str, fields: &[&str]) {
    assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, code);
    let named: Vec<&str> = r.json["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("fields listed: {}", r.text))
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, fields, "{}", r.text);
    for f in r.json["error"]["fields"].as_array().unwrap() {
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn an_unknown_station_is_rejected_naming_its_field() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = app.predict(&predict_body("XYZ", "MAN", day, "11:00")).await;
    assert_invalid(&r, "unknown_station", &["origin"]);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("XYZ"));
    let r = app.predict(&predict_body("EUS", "xyz", day, "11:00")).await;
    assert_invalid(&r, "unknown_station", &["destination"]);
    // Not three letters at all: a validation error, not a lookup.
    let r = app
        .predict(&predict_body("EUST", "MAN", day, "11:00"))
        .await;
    assert_invalid(&r, "validation_failed", &["origin"]);
}

#[tokio::test]
async fn origin_and_destination_must_differ() {
    let app = TestApp::spawn().await;
    let r = app
        .predict(&predict_body(
            "EUS",
            " eus",
            next(Weekday::Tuesday, 3),
            "11:00",
        ))
        .await;
    assert_invalid(&r, "validation_failed", &["destination"]);
}

#[tokio::test]
async fn bad_dates_and_times_are_rejected_naming_the_field() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = predict_body("EUS", "MAN", day, "11:00");
    body["departure_date"] = json!("2026-13-40");
    assert_invalid(
        &app.predict(&body).await,
        "validation_failed",
        &["departure_date"],
    );
    let r = app.predict(&predict_body("EUS", "MAN", day, "25:61")).await;
    assert_invalid(&r, "validation_failed", &["departure_time"]);
    // Both at once are both named.
    body["departure_time"] = json!("9h30");
    assert_invalid(
        &app.predict(&body).await,
        "validation_failed",
        &["departure_date", "departure_time"],
    );
}

#[tokio::test]
async fn dates_more_than_366_days_ahead_are_rejected() {
    let app = TestApp::spawn().await;
    let last = today() + Duration::days(366);
    predict_ok(&app, &predict_body("EUS", "MAN", last, "11:00")).await;
    let r = app
        .predict(&predict_body(
            "EUS",
            "MAN",
            last + Duration::days(1),
            "11:00",
        ))
        .await;
    assert_invalid(&r, "validation_failed", &["departure_date"]);
    assert!(
        r.json["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("366")
    );
    // Before the data starts.
    let r = app
        .predict(&predict_body(
            "EUS",
            "MAN",
            time::macros::date!(2014 - 03 - 31),
            "11:00",
        ))
        .await;
    assert_invalid(&r, "validation_failed", &["departure_date"]);
}

#[tokio::test]
async fn an_unknown_field_is_rejected_naming_it() {
    let app = TestApp::spawn().await;
    let mut body = predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "11:00");
    body["colour"] = json!("red");
    let r = app.predict(&body).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{}",
        r.text
    );
    assert_eq!(
        r.json["error"]["fields"][0]["field"], "colour",
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_wrongly_typed_field_is_rejected_naming_it() {
    let app = TestApp::spawn().await;
    let mut body = predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "11:00");
    body["include_fares"] = json!("yes");
    let r = app.predict(&body).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.json["error"]["fields"][0]["field"], "include_fares",
        "{}",
        r.text
    );
}

#[tokio::test]
async fn an_unknown_operator_is_rejected_naming_toc() {
    let app = TestApp::spawn().await;
    let mut body = predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "11:00");
    body["toc"] = json!("ZZ");
    let r = app.predict(&body).await;
    assert_invalid(&r, "unknown_operator", &["toc"]);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("ZZ"));
    body["toc"] = json!("AVANTI");
    assert_invalid(&app.predict(&body).await, "validation_failed", &["toc"]);
}

#[tokio::test]
async fn an_operator_the_catalogue_does_not_list_on_the_route_is_used_and_the_answer_says_so() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = predict_body("EUS", "MAN", day, "11:00");
    body["toc"] = json!("GR");
    let r = predict_ok(&app, &body).await;
    let p = &r.json["prediction"];
    assert_eq!(p["basis"]["operator"], "GR", "{}", r.text);
    assert_eq!(p["basis"]["operator_choice"], "requested_not_in_catalogue");
    let note = "the route catalogue lists VT (Avanti West Coast) on EUS→MAN, not the requested \
                GR (London North Eastern Railway); the figures are GR's own (the catalogue holds one operator per flow, \
                so GR may still run it)";
    assert!(
        p["assumptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == note),
        "{}",
        r.text
    );
    // A catalogue row serves both directions, and the code's case does not matter.
    let mut back = predict_body("MAN", "EUS", day, "11:00");
    back["toc"] = json!("gr");
    let r = predict_ok(&app, &back).await;
    assert_eq!(
        r.json["prediction"]["basis"]["operator_choice"],
        "requested_not_in_catalogue"
    );
    // The catalogue's own operator is taken as asked for, with no note.
    body["toc"] = json!("VT");
    let r = predict_ok(&app, &body).await;
    assert_eq!(
        r.json["prediction"]["basis"]["operator_choice"],
        "requested"
    );
    assert_eq!(r.json["prediction"]["toc"], "VT");
    // An unknown code is still `unknown_operator`, whatever the route.
    body["toc"] = json!("ZZ");
    assert_invalid(&app.predict(&body).await, "unknown_operator", &["toc"]);
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let r = app
        .predict_raw(Some("application/json"), r#"{"origin": "EUS", "#)
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "malformed_json");
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let body = predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "11:00").to_string();
    let r = app.predict_raw(None, &body).await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let r = app.predict_raw(Some("text/plain"), &body).await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn delay_repay_bands_are_rounded_like_the_other_probabilities() {
    let app = TestApp::spawn().await;
    let r = predict_ok(
        &app,
        &predict_body("EUS", "MAN", next(Weekday::Tuesday, 3), "08:30"),
    )
    .await;
    let bands = &r.json["prediction"]["delay_repay_bands"];
    for band in ["p15_29", "p30_59", "p60_119", "p120_plus"] {
        let p = num(bands, band);
        assert!((0.0..=1.0).contains(&p), "{band}: {bands}");
        assert_eq!((p * 1000.0).round() / 1000.0, p, "{band}: {bands}");
    }
    // The bands split P(15 or more minutes late) up, so they add up to it (within rounding).
    let sum: f64 = ["p15_29", "p30_59", "p60_119", "p120_plus"]
        .iter()
        .map(|b| num(bands, b))
        .sum();
    assert!(
        (sum - num(&r.json["prediction"], "delay_15_probability")).abs() <= 0.003,
        "{bands}"
    );
}
