//! Running the service: open the database, load starter data, bind, serve, and shut down
//! gracefully on SIGTERM/SIGINT with a hard deadline.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::http;
use crate::state::AppState;
use crate::state::rate_limiter::ClientLimiter;
use crate::store::{Db, import_write, starter};

/// Opens the database and loads the built-in starter data: everything needed before serving.
pub async fn prepare(config: Config) -> Result<AppState> {
    let db = Db::connect(&config.database_url, config.db_read_pool_size).await?;
    let loaded = starter::load(&db).await?;
    info!(
        starter.operators = loaded.operators,
        starter.stations = loaded.stations,
        starter.routes = loaded.routes,
        starter.priors = loaded.priors,
        "database ready"
    );
    AppState::new(config, db)
}

/// Imports `RAILFAIR_DATA_DIR` (kinds not yet imported) and then marks the service ready.
/// Runs in the background so the port is open meanwhile; `/ready` stays 503 until it is done.
pub async fn finish_startup(state: AppState) {
    if let Some(dir) = state.config.data_dir.clone() {
        match import_write::bootstrap(&state.db, &dir, true).await {
            Ok(done) => {
                // The server has no stdout summary: each import and each file left out is
                // logged once, here.
                for s in &done.imported {
                    info!(import.kind = %s.kind, import.changed = s.changed(), "{s}");
                }
                for n in &done.not_imported {
                    info!(import.file = %n.path.display(), reason = %n.reason, "not imported");
                }
                // Other instances sharing Redis may hold answers these imports made stale.
                let changed = crate::service::imports::changed_kinds(&done.imported);
                if let Some(invalidated) =
                    crate::service::imports::invalidate_kinds(&state.cache, &changed).await
                {
                    info!("{invalidated}");
                }
                info!(
                    data.dir = %dir.display(),
                    imports = done.imported.len(),
                    not_imported = done.not_imported.len(),
                    "bootstrap finished"
                )
            }
            // The starter data still answers; a broken data directory must not take the service
            // down, but it must be loud.
            Err(e) => {
                warn!(data.dir = %dir.display(), error = %e, "bootstrap failed; serving starter data")
            }
        }
    }
    state.lifecycle.set_ready();
    info!("ready");
    // After readiness, never before it: warming must not delay traffic.
    crate::service::warm::warm(&state).await;
}

/// Serves until `shutdown` resolves, then drains in-flight requests for at most the configured
/// grace period.
pub async fn serve(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let listener = TcpListener::bind(state.config.listen)
        .await
        .map_err(|source| Error::Io {
            path: state.config.listen.to_string(),
            source,
        })?;
    serve_on(listener, state, shutdown).await
}

/// Serves on an already-bound listener (tests bind port 0).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // The bound address, not the configured one: with port 0 only the listener knows the port.
    let addr = listener.local_addr().map_err(|source| Error::Io {
        path: state.config.listen.to_string(),
        source,
    })?;
    info!(listen = %addr, "serving");
    let grace = state.config.shutdown_grace;
    let app = http::router(state.clone());
    tokio::spawn(finish_startup(state.clone()));

    let stop = CancellationToken::new();
    let lifecycle = state.lifecycle.clone();
    let stopping = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        lifecycle.set_shutting_down();
        info!(
            grace_secs = grace.as_secs(),
            "shutdown requested; draining in-flight requests"
        );
        stopping.cancel();
    });

    let flusher = tokio::spawn(flush_popularity(state.clone(), stop.clone()));
    if let Some(redis) = state.cache.redis().cloned() {
        // Invalidations announced by any instance (or a CLI import) drop this instance's L1
        // entries too.
        let listener = state.clone();
        let stopping = stop.clone();
        tokio::spawn(async move {
            redis
                .subscribe(stopping, move |prefix| {
                    listener.apply_announced_invalidation(prefix);
                })
                .await;
        });
    }

    if let Some(limiter) = state.rate_limiter.clone() {
        tokio::spawn(forget_idle_clients(limiter, stop.clone()));
    }

    // The peer address is what the rate limiter keys on.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(stop.clone().cancelled_owned());
    let deadline = async {
        stop.cancelled().await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result.map_err(|source| Error::Io { path: "server".to_owned(), source })?,
        () = deadline => warn!("grace period over; closing remaining connections"),
    }
    // Requests have drained: count what they added, then close the pools.
    if let Err(e) = flusher.await {
        warn!(error = %e, "popularity flusher ended abnormally");
    }
    match state.popularity.flush(&state.db).await {
        Ok(n) => info!(routes = n, "popularity counts flushed"),
        Err(e) => warn!(error = %e, "could not flush popularity counts at shutdown"),
    }
    // `close` waits for connections still checked out; after the grace deadline a request that
    // is still running may hold one, so the wait is bounded: exit must not hang on a slow query.
    if tokio::time::timeout(POOL_CLOSE_BOUND, state.db.close())
        .await
        .is_err()
    {
        warn!("database connections still busy at exit; closing anyway");
    }
    if let Some(redis) = state.cache.redis() {
        redis.close();
    }
    info!("stopped");
    Ok(())
}

/// How long shutdown waits for database connections still in use before exiting anyway.
const POOL_CLOSE_BOUND: Duration = Duration::from_secs(2);

/// Writes the in-memory request counts every `POPULARITY_FLUSH_SECS` until shutdown begins.
async fn flush_popularity(state: AppState, stop: CancellationToken) {
    let mut every = tokio::time::interval(state.config.popularity_flush);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {
                // One warning per failed flush (the counts are kept for the next one).
                if let Err(e) = state.popularity.flush(&state.db).await {
                    warn!(error = %e, "popularity flush failed; will retry");
                }
            }
        }
    }
}

/// Drops rate-limiter entries of clients whose bucket has refilled, so its memory follows the
/// number of recently active clients rather than every client ever seen.
async fn forget_idle_clients(limiter: Arc<ClientLimiter>, stop: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(10));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => limiter.forget_idle(),
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
