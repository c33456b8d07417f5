//! The real server on a socket: startup bootstrap from `RAILFAIR_DATA_DIR` before `/ready`, and
//! graceful shutdown.

use std::time::Duration;

use railfair::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::shared_data;

/// A raw HTTP/1.1 GET; returns the status code and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("server accepts");
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

type Served = tokio::task::JoinHandle<railfair::error::Result<()>>;

/// Serves `state` on a loopback port until the returned sender fires.
async fn serve(
    state: railfair::state::AppState,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    Served,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(railfair::server::serve_on(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

#[tokio::test]
async fn startup_imports_the_data_dir_then_reports_ready_and_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("railfair.db").display());
    let data = shared_data().display().to_string();
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "RAILFAIR_DATA_DIR" => Some(data.clone()),
        "SHUTDOWN_GRACE_SECS" => Some("5".to_owned()),
        _ => None,
    })
    .unwrap();
    let state = railfair::server::prepare(config).await.unwrap();
    let (addr, stop, server) = serve(state.clone()).await;

    // Live at once; ready once the official files are in.
    let (status, _) = http_get(addr, "/health").await;
    assert_eq!(status, 200);
    // The import now includes the timetable, the delay causes and the operator forecast's
    // parameter selection (tens of seconds in a debug build on a busy machine): a generous bound,
    // since what is tested is that readiness follows the import, not its speed.
    let mut ready = false;
    for _ in 0..1800 {
        if http_get(addr, "/ready").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "ready within 90 s");
    let stations: i64 = sqlx::query_scalar("SELECT COUNT(lat) FROM stations")
        .fetch_one(&state.db.read)
        .await
        .unwrap();
    assert!(
        stations >= 2550,
        "{stations} stations after startup bootstrap"
    );
    let (status, body) = http_get(addr, "/api/sources").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("\"id\":\"naptan\"") && body.contains("\"status\":\"imported\""),
        "{body}"
    );

    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server stops cleanly: {result:?}"
    );
    assert!(!state.lifecycle.is_ready(), "not ready once shutting down");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

/// A raw HTTP/1.1 GET with extra header lines; returns the status code.
async fn http_get_with(addr: std::net::SocketAddr, path: &str, headers: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).await.expect("server accepts");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    raw.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

#[tokio::test]
async fn the_rate_limiter_sees_the_socket_peer_of_a_real_connection() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("railfair.db").display());
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "RATE_LIMIT_PER_MINUTE" => Some("60".to_owned()),
        "RATE_LIMIT_BURST" => Some("1".to_owned()),
        // Loopback is "our proxy", so X-Forwarded-For names the client. Were the peer address
        // missing, every request would fall into one shared bucket and the second one would be
        // refused.
        "TRUSTED_PROXIES" => Some("127.0.0.1".to_owned()),
        _ => None,
    })
    .unwrap();
    let state = railfair::server::prepare(config).await.unwrap();
    let (addr, stop, server) = serve(state).await;

    let path = "/api/stations/MAN";
    assert_eq!(
        http_get_with(addr, path, "X-Forwarded-For: 198.51.100.1\r\n").await,
        200
    );
    assert_eq!(
        http_get_with(addr, path, "X-Forwarded-For: 198.51.100.2\r\n").await,
        200
    );
    assert_eq!(
        http_get_with(addr, path, "X-Forwarded-For: 198.51.100.1\r\n").await,
        429
    );

    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
}
