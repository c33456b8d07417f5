//! Every per-request query is answered through an index: `EXPLAIN QUERY PLAN` on the full real
//! data must show no scan of a large table (an ordered index walk that stops at a LIMIT is fine).

use railfair::store::import_write as import;
use railfair::store::{HOT_QUERIES, stations};
use sqlx::{AssertSqlSafe, Row};

use crate::helpers::{TestApp, shared_data};

const LARGE_TABLES: &[&str] = &[
    "stations",
    "station_tiplocs",
    "station_search_terms",
    "operator_punctuality",
    "operator_priors",
    "routes",
    "service_observations",
    "route_delay_rollup",
];

async fn plan(app: &TestApp, sql: &str) -> Vec<String> {
    let params = (1..=20)
        .take_while(|i| sql.contains(&format!("${i}")))
        .count();
    let mut q = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
    for _ in 0..params {
        q = q.bind("X");
    }
    q.fetch_all(&app.db().read)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .iter()
        .map(|row| row.get::<String, _>("detail"))
        .collect()
}

fn full_scans(sql: &str, plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|line| {
            let Some(table) = line
                .strip_prefix("SCAN ")
                .and_then(|t| t.split_whitespace().next())
            else {
                return false;
            };
            let ordered_walk =
                line.contains("USING INDEX") || line.contains("USING COVERING INDEX");
            LARGE_TABLES.contains(&table) && !(ordered_walk && sql.contains("LIMIT"))
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn no_hot_query_scans_a_large_table() {
    let app = TestApp::spawn().await;
    import::bootstrap(app.db(), &shared_data(), false)
        .await
        .unwrap();
    sqlx::query("ANALYZE")
        .execute(&app.db().write)
        .await
        .unwrap();

    let mut queries: Vec<(String, String)> = HOT_QUERIES
        .iter()
        .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
        .collect();
    for words in 0..stations::MAX_SEARCH_WORDS {
        queries.push((
            format!("search_stations ({} words)", words + 1),
            stations::search_sql(words),
        ));
    }
    let mut failures = Vec::new();
    for (name, sql) in &queries {
        let plan = plan(&app, sql).await;
        assert!(!plan.is_empty(), "{name}: no plan");
        let scans = full_scans(sql, &plan);
        if !scans.is_empty() {
            failures.push(format!("{name}: {plan:?}"));
        }
    }
    assert!(failures.is_empty(), "full scans:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn the_checker_does_flag_a_full_scan() {
    let app = TestApp::spawn().await;
    let sql = "SELECT crs FROM stations WHERE name = $1";
    let plan = plan(&app, sql).await;
    assert_eq!(full_scans(sql, &plan).len(), 1, "{plan:?}");
}
