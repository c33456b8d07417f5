//! `/openapi.json` and `/docs`: the document lists exactly the routes the router serves
//! (checked against the endpoints of api.md, written out here independently of the code), each
//! with the method it is served under; every `$ref` resolves; real responses match the schemas
//! documented for their status; and the Swagger UI page and its assets come from the binary.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use time::Weekday;

use crate::helpers::{TestApp, TestResponse, next, predict_body};

/// The endpoints of `shared/spec/api.md`, by method and route template.
const CONTRACT: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("POST", "/api/predict"),
    ("POST", "/api/predict/batch"),
    ("POST", "/api/journey/plan"),
    ("GET", "/api/routes/popular"),
    ("GET", "/api/routes/{origin}/{destination}/stats"),
    ("GET", "/api/statistics"),
    ("POST", "/api/cache/invalidate"),
    ("GET", "/metrics"),
    ("GET", "/api/stations"),
    ("GET", "/api/stations/{crs}"),
    ("GET", "/api/fares/{origin}/{destination}"),
    ("GET", "/api/sources"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
];

/// Served but deliberately not described: the documentation describes the API, it is not part
/// of it.
const DOCUMENTATION: &[(&str, &str)] = &[("GET", "/openapi.json"), ("GET", "/docs")];

/// `(METHOD, /template)` of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item is an object")
                .keys()
                .filter(|k| {
                    matches!(
                        k.as_str(),
                        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
                    )
                })
                .map(|method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

fn set_of(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

/// A concrete path for a template: valid CRS codes for its parameters.
fn concrete(template: &str) -> String {
    template
        .replace("{origin}", "EUS")
        .replace("{destination}", "MAN")
        .replace("{crs}", "MAN")
}

async fn document(app: &TestApp) -> Value {
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json
}

/// Sends `method` to `template` with the smallest plausible request: a JSON `{}` body for
/// methods that take one.
async fn probe(app: &TestApp, method: &str, template: &str) -> TestResponse {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let body = if method == Method::POST {
        Some(("application/json", "{}"))
    } else {
        None
    };
    app.request(method, &concrete(template), body).await
}

/// Whether the router has a route for the request: not its fallback 404 and not a 405.
fn is_routed(r: &TestResponse) -> bool {
    let fallback = r.status == StatusCode::NOT_FOUND
        && r.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("no route for"));
    !fallback && r.status != StatusCode::METHOD_NOT_ALLOWED
}

#[tokio::test]
async fn the_document_lists_exactly_the_endpoints_of_the_contract() {
    let app = TestApp::spawn().await;
    let documented = documented_operations(&document(&app).await);
    let expected: BTreeSet<_> = set_of(CONTRACT)
        .difference(&set_of(DOCUMENTATION))
        .cloned()
        .collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from /openapi.json: {missing:?}; documented but not in api.md: {extra:?}"
    );
}

#[tokio::test]
async fn every_endpoint_of_the_contract_is_served_exactly_when_it_is_documented() {
    let app = TestApp::spawn().await;
    let documented = documented_operations(&document(&app).await);
    for &(method, template) in CONTRACT {
        let key = (method.to_owned(), template.to_owned());
        let r = probe(&app, method, template).await;
        if DOCUMENTATION.contains(&(method, template)) {
            assert!(is_routed(&r), "{method} {template} is served: {}", r.text);
            assert!(
                !documented.contains(&key),
                "{method} {template} is not an API operation"
            );
        } else {
            assert!(
                is_routed(&r),
                "{method} {template} is not served: {}",
                r.text
            );
            assert!(
                documented.contains(&key),
                "{method} {template} is served but undocumented"
            );
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_a_documented_status() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let operations = documented_operations(&doc);
    assert!(operations.len() >= 13, "{operations:?}");
    for (method, template) in operations {
        let r = probe(&app, &method, &template).await;
        assert!(
            is_routed(&r),
            "{method} {template} is documented but the router has no such route: {} {}",
            r.status,
            r.text
        );
        assert_matches_documented_response(&doc, &method, &template, &r);
    }
}

#[tokio::test]
async fn every_ref_in_the_document_resolves() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50, "the document uses references: {refs:?}");
    let unresolved: Vec<_> = refs.iter().filter(|r| resolve(&doc, r).is_none()).collect();
    assert!(unresolved.is_empty(), "unresolved $refs: {unresolved:?}");
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_our_info_errors_and_admin_security() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "RailFair API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap()
            .contains("Europe/London wall time")
    );
    let scheme = &doc["components"]["securitySchemes"]["admin_token"];
    assert_eq!(
        (&scheme["type"], &scheme["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    assert_eq!(
        doc["paths"]["/api/cache/invalidate"]["post"]["security"],
        json!([{"admin_token": []}])
    );
    for (method, template) in documented_operations(&doc) {
        let responses = &doc["paths"][&template][method.to_lowercase()]["responses"];
        let expected: &[&str] = if template.starts_with("/api/") {
            &["429", "500", "503"]
        } else {
            &["500", "503"]
        };
        for status in expected {
            assert!(
                responses.get(*status).is_some(),
                "{method} {template} documents {status}"
            );
        }
        // Every error is our envelope, except the health report that keeps its own body at 503.
        for (status, response) in responses.as_object().unwrap() {
            if status.starts_with('2') || (template == "/health" && status == "503") {
                continue;
            }
            let schema = response_schema(&doc, response).expect("an error has a body");
            assert_eq!(
                schema["$ref"], "#/components/schemas/ErrorEnvelope",
                "{method} {template} {status}"
            );
        }
    }
}

#[tokio::test]
async fn the_docs_page_and_its_assets_are_served_offline_and_point_at_the_document() {
    let app = TestApp::spawn().await;
    let mut r = app.get("/docs").await;
    if r.status.is_redirection() {
        let location = r.headers["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/docs/");
        r = app.get(&location).await;
    }
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text.contains("swagger-ui"), "{}", r.text);
    let scripts: Vec<&str> = r
        .text
        .split("<script src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(
        scripts.iter().any(|s| s.ends_with("swagger-ui-bundle.js")),
        "{scripts:?}"
    );
    let mut configuration = String::new();
    for script in &scripts {
        assert!(
            !script.contains("://"),
            "{script} would be fetched from the internet"
        );
        let url = format!("/docs/{}", script.trim_start_matches("./"));
        let asset = app.get(&url).await;
        assert_eq!(asset.status, StatusCode::OK, "{url}");
        if script.ends_with("swagger-ui-bundle.js") {
            assert!(asset.text.len() > 100_000, "{url} is the real bundle");
        }
        configuration.push_str(&asset.text);
    }
    assert!(
        configuration.contains("\"url\": \"/openapi.json\""),
        "the page loads our document: {configuration}"
    );
    let css = app.get("/docs/swagger-ui.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.text.len() > 10_000);
}

#[tokio::test]
async fn real_responses_match_their_documented_schemas() {
    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    let doc = document(&app).await;
    let date = next(Weekday::Tuesday, 14);
    let mut with_fares = predict_body("EUS", "MAN", date, "10:30");
    with_fares["include_fares"] = json!(true);

    let predicted = app.predict(&with_fares).await;
    assert_eq!(predicted.status, StatusCode::OK, "{}", predicted.text);
    assert!(predicted.json["fares"].is_object(), "{}", predicted.text);
    // The schema's top-level required fields are in the real answer (and there are some).
    let schema = response_schema(
        &doc,
        &doc["paths"]["/api/predict"]["post"]["responses"]["200"],
    )
    .expect("predict documents its body");
    let schema = resolve(&doc, schema["$ref"].as_str().unwrap()).unwrap();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(required.contains(&"prediction") && required.contains(&"metadata"));
    for field in &required {
        assert!(
            predicted.json.get(field).is_some(),
            "{field} in {}",
            predicted.text
        );
    }
    assert_matches_documented_response(&doc, "POST", "/api/predict", &predicted);

    let mut bad_route = predict_body("XYZ", "MAN", date, "10:30");
    bad_route["toc"] = json!("VT");
    let batch = app
        .batch(&json!({"routes": [predict_body("EUS", "MAN", date, "08:00"), bad_route]}))
        .await;
    assert_eq!(batch.json["failed"], 1, "{}", batch.text);
    assert_matches_documented_response(&doc, "POST", "/api/predict/batch", &batch);

    // A journey plan with fares, a prediction answered from planned legs, and no journey.
    let mut journey = predict_body("MAN", "WAT", date, "09:30");
    journey["include_fares"] = json!(true);
    let planned = app.post_json("/api/journey/plan", &journey).await;
    assert_eq!(planned.status, StatusCode::OK, "{}", planned.text);
    assert_matches_documented_response(&doc, "POST", "/api/journey/plan", &planned);
    let legs = app
        .predict(&predict_body("MAN", "WAT", date, "09:30"))
        .await;
    assert_eq!(legs.json["prediction"]["basis"]["source"], "journey_legs");
    assert_matches_documented_response(&doc, "POST", "/api/predict", &legs);
    let none = app
        .post_json(
            "/api/journey/plan",
            &predict_body("CLJ", "CST", date, "09:30"),
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
    assert_matches_documented_response(&doc, "POST", "/api/journey/plan", &none);

    let gets = [
        ("/", "/"),
        ("/health", "/health"),
        ("/ready", "/ready"),
        ("/api/sources", "/api/sources"),
        ("/api/statistics", "/api/statistics"),
        ("/api/routes/popular", "/api/routes/popular?limit=5"),
        (
            "/api/routes/{origin}/{destination}/stats",
            "/api/routes/EUS/MAN/stats",
        ),
        (
            "/api/fares/{origin}/{destination}",
            &format!("/api/fares/EUS/MAN?date={date}&time=10:30"),
        ),
        ("/api/stations", "/api/stations?q=manc"),
        ("/api/stations/{crs}", "/api/stations/MAN"),
        // Errors too: a validation error with fields, and an unknown station.
        ("/api/stations", "/api/stations?limit=0"),
        ("/api/stations/{crs}", "/api/stations/XYZ"),
    ];
    for (template, uri) in gets {
        let r = app.get(uri).await;
        assert!(r.status.is_success() || uri.contains("XYZ") || uri.contains("limit=0"));
        assert_matches_documented_response(&doc, "GET", template, &r);
    }

    let invalidated = app
        .send(
            Request::post("/api/cache/invalidate")
                .header("authorization", "Bearer test-token")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"cache_type":"all"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(invalidated.status, StatusCode::OK, "{}", invalidated.text);
    assert_matches_documented_response(&doc, "POST", "/api/cache/invalidate", &invalidated);
}

#[tokio::test]
async fn exactly_the_answers_with_cache_headers_document_them() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let date = next(Weekday::Tuesday, 14);
    let answers = [
        (
            "POST",
            "/api/predict",
            app.predict(&predict_body("EUS", "MAN", date, "10:30"))
                .await,
        ),
        ("GET", "/", app.get("/").await),
        ("GET", "/health", app.get("/health").await),
        ("GET", "/api/sources", app.get("/api/sources").await),
        ("GET", "/api/statistics", app.get("/api/statistics").await),
        (
            "GET",
            "/api/routes/popular",
            app.get("/api/routes/popular").await,
        ),
        (
            "GET",
            "/api/routes/{origin}/{destination}/stats",
            app.get("/api/routes/EUS/MAN/stats").await,
        ),
        (
            "GET",
            "/api/fares/{origin}/{destination}",
            app.get(&format!("/api/fares/EUS/MAN?date={date}&time=10:30"))
                .await,
        ),
        (
            "GET",
            "/api/stations",
            app.get("/api/stations?q=manc").await,
        ),
        (
            "GET",
            "/api/stations/{crs}",
            app.get("/api/stations/MAN").await,
        ),
    ];
    let mut cached = 0;
    for (method, template, r) in answers {
        assert_eq!(r.status, StatusCode::OK, "{method} {template}: {}", r.text);
        let headers = &doc["paths"][template][method.to_lowercase()]["responses"]["200"]["headers"];
        for name in ["X-Cache-Status", "Server-Timing"] {
            let sent = r.headers.contains_key(name);
            let documented = headers.get(name).is_some();
            assert_eq!(
                documented, sent,
                "{method} {template}: {name} sent {sent}, documented {documented}"
            );
            cached += usize::from(sent);
        }
    }
    assert_eq!(cached, 12, "six cached operations, two headers each");
}

#[test]
fn the_schema_check_rejects_what_it_should() {
    // The checker is what gives the tests above teeth: prove it fails on drift.
    let doc = json!({"components": {"schemas": {
        "Inner": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
        "Outer": {"type": "object", "required": ["inner"], "properties": {
            "inner": {"$ref": "#/components/schemas/Inner"},
            "maybe": {"type": ["string", "null"]},
            "list": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Inner"}, {"type": "null"}]}}
        }},
        "Both": {"allOf": [{"$ref": "#/components/schemas/Inner"},
                           {"type": "object", "required": ["s"], "properties": {"s": {"type": "string"}}}]}
    }}});
    let outer = json!({"$ref": "#/components/schemas/Outer"});
    let both = json!({"$ref": "#/components/schemas/Both"});
    let ok = |schema: &Value, value: Value| schema_errors(&doc, schema, &value).is_empty();
    assert!(ok(
        &outer,
        json!({"inner": {"n": 1}, "maybe": null, "list": [null, {"n": 2}]})
    ));
    assert!(!ok(&outer, json!({"inner": {"n": 1.5}})), "wrong type");
    assert!(!ok(&outer, json!({"inner": {}})), "missing required");
    assert!(
        !ok(&outer, json!({"inner": {"n": 1}, "extra": 1})),
        "undocumented field"
    );
    assert!(
        !ok(&outer, json!({"inner": {"n": 1}, "list": [{"n": "x"}]})),
        "bad item"
    );
    assert!(ok(&both, json!({"n": 1, "s": "x"})));
    assert!(!ok(&both, json!({"n": 1})), "flattened part missing");
    assert!(
        !ok(&both, json!({"n": 1, "s": "x", "t": 2})),
        "undocumented flattened field"
    );
}

/// Asserts the response's status and media type are documented for the operation and a JSON
/// body matches the schema documented for that status.
fn assert_matches_documented_response(doc: &Value, method: &str, template: &str, r: &TestResponse) {
    let responses = &doc["paths"][template][method.to_lowercase()]["responses"];
    let status = r.status.as_str();
    let response = responses.get(status).unwrap_or_else(|| {
        panic!(
            "{method} {template} answered an undocumented {status}: {}",
            r.text
        )
    });
    let media_type = r.headers["content-type"].to_str().unwrap();
    let essence = |t: &str| t.split(';').next().unwrap().trim().to_owned();
    if essence(media_type) != "application/json" {
        // Not JSON (e.g. Prometheus text): the media type must be the documented one.
        let response = match response["$ref"].as_str() {
            Some(r) => resolve(doc, r).unwrap(),
            None => response,
        };
        let documented: Vec<String> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(t, _)| essence(t))
            .collect();
        assert!(
            documented.contains(&essence(media_type)),
            "{method} {template} {status} answered {media_type}, documented {documented:?}"
        );
        return;
    }
    let schema = response_schema(doc, response)
        .unwrap_or_else(|| panic!("{method} {template} {status} documents no JSON body"));
    let errors = schema_errors(doc, schema, &r.json);
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema: {errors:#?}\n{}",
        r.text
    );
}

/// The JSON schema of a response object (following a response `$ref`).
fn response_schema<'a>(doc: &'a Value, response: &'a Value) -> Option<&'a Value> {
    let response = match response["$ref"].as_str() {
        Some(r) => resolve(doc, r)?,
        None => response,
    };
    response["content"]["application/json"].get("schema")
}

/// Resolves a local reference (`#/components/...`).
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => refs.push(r.clone()),
                    _ => collect_refs(v, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// Where `value` departs from `schema`: types, required properties, undocumented properties
/// (objects that list their properties are closed), array items, `oneOf`/`anyOf`/`allOf`.
/// Only the keywords utoipa emits for our types are understood.
fn schema_errors(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(doc, schema, value, "$", &mut errors);
    errors
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        match resolve(doc, reference) {
            Some(target) => check(doc, target, value, at, errors),
            None => errors.push(format!("{at}: unresolved {reference}")),
        }
        return;
    }
    if let Some(parts) = schema["allOf"].as_array() {
        // `#[serde(flatten)]`: one object made of every part's properties.
        let mut merged = json!({"type": "object", "required": [], "properties": {}});
        for part in parts {
            let part = part["$ref"]
                .as_str()
                .and_then(|r| resolve(doc, r))
                .unwrap_or(part);
            for field in part["required"].as_array().into_iter().flatten() {
                merged["required"]
                    .as_array_mut()
                    .unwrap()
                    .push(field.clone());
            }
            for (name, s) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][name] = s.clone();
            }
        }
        check(doc, &merged, value, at, errors);
        return;
    }
    for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(alternatives) = schema[keyword].as_array() {
            let matching = alternatives
                .iter()
                .filter(|alt| schema_errors(doc, alt, value).is_empty())
                .count();
            if matching == 0 || (exactly_one && matching > 1) {
                errors.push(format!(
                    "{at}: {matching} alternatives of {keyword} match {value}"
                ));
            }
            return;
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
        errors.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    match value {
        Value::Object(fields) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                if !fields.contains_key(name) {
                    errors.push(format!("{at}: required {name} missing"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, v) in fields {
                    match properties.get(name) {
                        Some(s) => check(doc, s, v, &format!("{at}.{name}"), errors),
                        None => errors.push(format!("{at}: undocumented field {name}")),
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(doc, item_schema, v, &format!("{at}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

fn has_type(value: &Value, json_type: &str) -> bool {
    match json_type {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_documented_413_on_every_operation() {
    let app = TestApp::spawn_with(&[("BODY_LIMIT_BYTES", "1024".to_owned())]).await;
    let doc = document(&app).await;
    for (method, template) in documented_operations(&doc) {
        let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(4096));
        let r = app
            .send(
                Request::builder()
                    .method(method.as_str())
                    .uri(concrete(&template))
                    .header("content-type", "application/json")
                    .header("content-length", body.len())
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{method} {template}: {}",
            r.text
        );
        assert_eq!(r.json["error"]["code"], "payload_too_large", "{}", r.text);
        assert_matches_documented_response(&doc, &method, &template, &r);
    }
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_documented_400_naming_the_path() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let templated: Vec<(String, String)> = documented_operations(&doc)
        .into_iter()
        .filter(|(_, template)| template.contains('{'))
        .collect();
    assert_eq!(templated.len(), 3, "{templated:?}");
    for (method, template) in templated {
        // `%FF` decodes to a byte that is not UTF-8: no code at all, not a wrong one.
        let path = template
            .replace("{origin}", "EUS")
            .replace("{destination}", "%FF")
            .replace("{crs}", "%FF");
        let r = probe(&app, &method, &path).await;
        assert_eq!(
            (r.status, r.json["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("malformed_path")),
            "{method} {path}: {}",
            r.text
        );
        assert!(
            r.json["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("malformed path:")),
            "{}",
            r.text
        );
        assert_matches_documented_response(&doc, &method, &template, &r);
    }
}
