//! The operations files (design §8, issue 5): `docker-compose.yml`, the Prometheus configuration
//! and alert rules, the Grafana dashboard and the Dockerfile. There is no Docker engine on the
//! development machines, so nothing here is run; these tests parse the files and check the
//! properties the stack depends on, so a rename in one file (a service, a metric, a path) cannot
//! silently break another. `promtool check config/rules` checks Prometheus's own syntax.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use test_support::promtool;

/// A file of the repository, by its path from the repository root.
fn repo_file(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn yaml(rel: &str) -> Yaml {
    serde_yaml_ng::from_str(&repo_file(rel)).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

fn compose() -> Yaml {
    yaml("docker-compose.yml")
}

fn service<'a>(compose: &'a Yaml, name: &str) -> &'a Yaml {
    compose
        .get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("docker-compose.yml has no service '{name}'"))
}

/// A scalar or a sequence of scalars as one string (compose accepts both for `command` and
/// healthcheck `test`).
fn flat(value: &Yaml) -> String {
    match value {
        Yaml::Sequence(items) => items.iter().map(flat).collect::<Vec<_>>().join(" "),
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Null => String::new(),
        other => panic!("expected a scalar or a list, got {other:?}"),
    }
}

/// A service's `environment`, in either of compose's forms (mapping or `KEY=value` list).
fn environment(service: &Yaml) -> BTreeMap<String, String> {
    match service.get("environment") {
        Some(Yaml::Mapping(map)) => map.iter().map(|(k, v)| (flat(k), flat(v))).collect(),
        Some(Yaml::Sequence(items)) => items
            .iter()
            .map(|item| {
                let item = flat(item);
                let (k, v) = item.split_once('=').unwrap_or((item.as_str(), ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        None => BTreeMap::new(),
        Some(other) => panic!("environment should be a mapping or a list, got {other:?}"),
    }
}

fn healthcheck_test(service: &Yaml, name: &str) -> String {
    let test = service
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .unwrap_or_else(|| panic!("service '{name}' has no healthcheck test"));
    flat(test)
}

#[test]
fn compose_has_the_four_services() {
    let compose = compose();
    for name in ["api", "redis", "prometheus", "grafana"] {
        service(&compose, name);
    }
}

#[test]
fn compose_api_is_healthchecked_waits_for_redis_and_keeps_its_data() {
    let compose = compose();
    let api = service(&compose, "api");

    let test = healthcheck_test(api, "api");
    assert!(
        test.contains("/health"),
        "api healthcheck should probe /health: {test}"
    );
    assert!(
        test.contains("8080"),
        "api healthcheck should probe port 8080: {test}"
    );

    let condition = api
        .get("depends_on")
        .and_then(|d| d.get("redis"))
        .and_then(|r| r.get("condition"))
        .and_then(Yaml::as_str);
    assert_eq!(
        condition,
        Some("service_healthy"),
        "api should wait for a healthy redis"
    );

    let env = environment(api);
    let redis_url = env
        .get("REDIS_URL")
        .expect("api environment sets REDIS_URL");
    assert!(
        redis_url.starts_with("redis://redis:6379"),
        "REDIS_URL should name the redis service: {redis_url}"
    );
    assert_eq!(
        env.get("RAILFAIR_LISTEN").map(String::as_str),
        Some("0.0.0.0:8080"),
        "the API must listen on every interface inside its container"
    );
    let database_url = env
        .get("DATABASE_URL")
        .expect("api environment sets DATABASE_URL");
    assert!(
        database_url.starts_with("sqlite:///app/data/"),
        "the database should live on the data volume: {database_url}"
    );

    let ports = flat(api.get("ports").expect("api publishes a port"));
    assert!(
        ports.contains("8080:8080"),
        "api should publish 8080: {ports}"
    );

    // The data volume: a named volume (declared at the top level) mounted at /app/data.
    let declared = compose.get("volumes").expect("named volumes are declared");
    let volumes = api
        .get("volumes")
        .and_then(Yaml::as_sequence)
        .expect("api mounts volumes");
    let data = volumes
        .iter()
        .filter_map(Yaml::as_str)
        .filter_map(|v| v.split_once(':'))
        .find(|(_, target)| target.trim_end_matches(":rw") == "/app/data")
        .expect("a volume is mounted at /app/data");
    assert!(
        declared.get(data.0).is_some(),
        "the /app/data volume '{}' should be a declared named volume",
        data.0
    );
}

#[test]
fn compose_passes_only_documented_variables() {
    // Every variable the api service takes from the shell or .env (`${NAME...}`) is documented in
    // .env.example, the one list of the service's configuration.
    let documented: Vec<String> = repo_file(".env.example")
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect();
    let compose = compose();
    for (key, value) in environment(service(&compose, "api")) {
        if let Some(rest) = value.strip_prefix("${") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert_eq!(
                name, key,
                "{key} should be taken from the variable of the same name"
            );
            assert!(
                documented.contains(&name),
                "{name} is passed to the api but missing from .env.example"
            );
        }
    }
}

#[test]
fn compose_redis_is_a_bounded_lru_cache_with_a_healthcheck() {
    let compose = compose();
    let redis = service(&compose, "redis");
    let test = healthcheck_test(redis, "redis");
    assert!(
        test.contains("redis-cli") && test.contains("ping"),
        "redis healthcheck: {test}"
    );

    let command = flat(redis.get("command").expect("redis has a command"));
    assert!(
        command.contains("allkeys-lru"),
        "redis should evict with allkeys-lru: {command}"
    );
    let maxmemory = command
        .split_whitespace()
        .skip_while(|w| *w != "--maxmemory")
        .nth(1)
        .unwrap_or_else(|| panic!("redis command should set --maxmemory: {command}"));
    assert!(
        maxmemory.starts_with(|c: char| c.is_ascii_digit() && c != '0'),
        "--maxmemory should be a positive bound, got {maxmemory}"
    );
}

#[test]
fn compose_mounts_the_prometheus_and_grafana_files_that_exist() {
    let compose = compose();
    for name in ["prometheus", "grafana"] {
        let volumes = service(&compose, name)
            .get("volumes")
            .and_then(Yaml::as_sequence)
            .unwrap_or_else(|| panic!("{name} mounts volumes"));
        let binds: Vec<&str> = volumes
            .iter()
            .filter_map(Yaml::as_str)
            .filter_map(|v| v.split(':').next())
            .filter(|source| source.starts_with("./"))
            .collect();
        assert!(!binds.is_empty(), "{name} should mount files from ops/");
        for source in binds {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(source);
            assert!(
                path.exists(),
                "{name} mounts {source}, which does not exist"
            );
        }
    }
}

#[test]
fn prometheus_scrapes_the_api_metrics() {
    let config = yaml("ops/prometheus/prometheus.yml");
    let rule_files = flat(config.get("rule_files").expect("rule_files"));
    assert!(
        rule_files.contains("alerts.yml"),
        "rule_files: {rule_files}"
    );

    let jobs = config
        .get("scrape_configs")
        .and_then(Yaml::as_sequence)
        .expect("scrape_configs");
    let api = jobs
        .iter()
        .find(|job| {
            job.get("static_configs")
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|sc| sc.get("targets"))
                .any(|targets| flat(targets).split(' ').any(|t| t == "api:8080"))
        })
        .expect("a scrape job targets api:8080");
    let path = api
        .get("metrics_path")
        .and_then(Yaml::as_str)
        .unwrap_or("/metrics");
    assert_eq!(path, "/metrics");
}

#[test]
fn alert_rules_are_complete_and_about_the_design_metrics() {
    let rules = yaml("ops/prometheus/alerts.yml");
    let rules: Vec<&Yaml> = rules
        .get("groups")
        .and_then(Yaml::as_sequence)
        .expect("groups")
        .iter()
        .flat_map(|g| {
            g.get("rules")
                .and_then(Yaml::as_sequence)
                .expect("each group has rules")
        })
        .collect();

    let mut by_name = BTreeMap::new();
    for rule in &rules {
        let name = rule
            .get("alert")
            .and_then(Yaml::as_str)
            .unwrap_or_else(|| panic!("every rule is an alert with a name: {rule:?}"));
        let expr = rule
            .get("expr")
            .and_then(Yaml::as_str)
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| panic!("{name} has no expr"));
        assert!(
            rule.get("for").is_some() || rule.get("labels").is_some(),
            "{name} should have a `for` or labels"
        );
        assert!(
            rule.get("annotations")
                .and_then(|a| a.get("summary"))
                .is_some(),
            "{name} should say what is wrong (annotations.summary)"
        );
        by_name.insert(name.to_owned(), expr.to_owned());
    }

    // The four alerts issue 5 asks for, each on its design §6 metric.
    let wanted = [
        ("error rate", "http_requests_total", "5.."),
        (
            "p95 latency",
            "http_request_duration_seconds_bucket",
            "0.95",
        ),
        ("breaker open", "cache_breaker_state", "== 1"),
        ("rate-limit spikes", "rate_limited_total", "rate("),
    ];
    for (what, metric, detail) in wanted {
        assert!(
            by_name
                .values()
                .any(|expr| expr.contains(metric) && expr.contains(detail)),
            "no alert rule for {what} (an expr with {metric} and {detail}): {by_name:?}"
        );
    }
}

#[test]
fn alert_rules_pass_promtool_check_rules() {
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ops/prometheus/alerts.yml");
    let out = promtool()
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("promtool runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "promtool check rules failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every rule in the file was read (a group promtool skipped would still pass).
    let rules: usize = yaml("ops/prometheus/alerts.yml")
        .get("groups")
        .and_then(Yaml::as_sequence)
        .expect("groups")
        .iter()
        .filter_map(|g| g.get("rules").and_then(Yaml::as_sequence))
        .map(Vec::len)
        .sum();
    assert!(rules > 0);
    assert!(
        stdout.contains(&format!("SUCCESS: {rules} rules found")),
        "{stdout}"
    );
}

/// Every panel, including those nested in collapsed rows.
fn panels(dashboard: &Json) -> Vec<&Json> {
    fn walk<'a>(panels: &'a Json, out: &mut Vec<&'a Json>) {
        for panel in panels.as_array().into_iter().flatten() {
            out.push(panel);
            if let Some(nested) = panel.get("panels") {
                walk(nested, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

#[test]
fn grafana_dashboard_is_valid_and_shows_the_design_metrics() {
    let dashboard: Json = serde_json::from_str(&repo_file("ops/grafana/dashboards/railfair.json"))
        .expect("the dashboard is valid JSON");
    assert_eq!(dashboard["uid"], "railfair");
    assert_eq!(dashboard["title"], "RailFair");
    assert!(dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 30));

    let panels = panels(&dashboard);
    let graphs: Vec<&Json> = panels
        .iter()
        .copied()
        .filter(|p| p["type"] != "row")
        .collect();
    assert!(graphs.len() >= 5, "at least 5 panels, got {}", graphs.len());

    let mut ids = std::collections::BTreeSet::new();
    let mut exprs = Vec::new();
    for panel in &graphs {
        let title = panel["title"].as_str().unwrap_or_default();
        assert!(!title.is_empty(), "every panel has a title: {panel}");
        assert!(
            ids.insert(panel["id"].as_u64()),
            "panel ids are unique ({title})"
        );
        assert!(panel["gridPos"].is_object(), "{title} has a gridPos");
        let targets = panel["targets"].as_array().filter(|t| !t.is_empty());
        let targets = targets.unwrap_or_else(|| panic!("{title} has no queries"));
        for target in targets {
            let expr = target["expr"].as_str().unwrap_or_default();
            assert!(!expr.is_empty(), "{title}: a query without expr");
            exprs.push(expr);
        }
        // The provisioned datasource's fixed uid, so the dashboard needs no manual pick.
        assert_eq!(
            panel["datasource"]["uid"], "prometheus",
            "{title} datasource"
        );
    }
    for metric in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "cache_requests_total",
        "cache_breaker_state",
    ] {
        assert!(
            exprs.iter().any(|e| e.contains(metric)),
            "no panel queries {metric}"
        );
    }
    for quantile in ["0.5", "0.95", "0.99"] {
        assert!(
            exprs
                .iter()
                .any(|e| e.contains(&format!("histogram_quantile({quantile},"))),
            "no p{quantile} latency query"
        );
    }

    // The provisioning that loads it: the datasource uid the panels name, and the directory
    // compose mounts the dashboards into.
    let datasources = yaml("ops/grafana/provisioning/datasources/prometheus.yml");
    let ds = &datasources["datasources"][0];
    assert_eq!(ds["uid"].as_str(), Some("prometheus"));
    assert_eq!(ds["url"].as_str(), Some("http://prometheus:9090"));
    let providers = yaml("ops/grafana/provisioning/dashboards/railfair.yml");
    assert_eq!(
        providers["providers"][0]["options"]["path"].as_str(),
        Some("/var/lib/grafana/dashboards")
    );
}

#[test]
fn dockerfile_is_multi_stage_non_root_and_healthchecked() {
    let dockerfile = repo_file("Dockerfile");
    // Instructions only: comments and continuation lines are not instructions.
    let instructions: Vec<(String, &str)> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (word, rest) = line.split_once(char::is_whitespace)?;
            Some((word.to_ascii_uppercase(), rest.trim()))
        })
        .collect();
    let args = |word: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(w, _)| w == word)
            .map(|(_, rest)| *rest)
            .collect()
    };

    assert!(args("FROM").len() >= 2, "multi-stage: at least two FROM");
    let user = args("USER");
    let user = user.last().expect("a USER instruction");
    assert!(
        !["root", "0", "0:0", "root:root"].contains(user),
        "the runtime user must not be root, got {user}"
    );
    // USER comes after the last FROM, or the runtime stage runs as root.
    let last_from = instructions.iter().rposition(|(w, _)| w == "FROM");
    let last_user = instructions.iter().rposition(|(w, _)| w == "USER");
    assert!(last_user > last_from, "USER must be set in the final stage");

    let healthcheck = args("HEALTHCHECK");
    assert!(
        healthcheck.iter().any(|h| h.contains("--interval")),
        "a HEALTHCHECK with options"
    );
    assert!(
        dockerfile.contains("/health"),
        "the HEALTHCHECK probes /health"
    );
    assert!(
        args("EXPOSE")
            .iter()
            .any(|p| p.split_whitespace().any(|p| p == "8080"))
    );
    assert!(args("VOLUME").iter().any(|v| v.contains("/app/data")));
}
