//! One keep-alive HTTP/1.1 connection per virtual user, on hyper's low-level client: no pool,
//! no per-request header map beyond what the request needs, and the response body drained
//! frame by frame without being collected. Sends no `Accept-Encoding`, so the server does not
//! compress (as a client that cannot decompress would be served).

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::mix::Planned;
use crate::stats::CacheStatus;

/// What came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `X-Cache-Status`, when present and known.
    pub cache: Option<CacheStatus>,
}

/// A request that got no response.
#[derive(Debug)]
pub struct TransportError(pub String);

/// A connection to the target; reconnects on the next request after a failure.
#[derive(Debug)]
pub struct Connection {
    addr: SocketAddr,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection to `addr`, opened lazily; `host` is sent as the `Host` header.
    pub fn new(addr: SocketAddr, host: HeaderValue) -> Self {
        Self {
            addr,
            host,
            sender: None,
        }
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|e| TransportError(format!("connect: {e}")))?;
        // Requests are small and sent whole: do not let Nagle hold them back.
        stream
            .set_nodelay(true)
            .map_err(|e| TransportError(format!("nodelay: {e}")))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| TransportError(format!("handshake: {e}")))?;
        // The connection task ends when the sender is dropped or the server closes.
        tokio::task::spawn_local(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends a request and reads the whole response. On failure the connection is dropped and
    /// the next request opens a new one.
    pub async fn send(&mut self, planned: &Planned) -> Result<Answer, TransportError> {
        let result = self.try_send(planned).await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn try_send(&mut self, planned: &Planned) -> Result<Answer, TransportError> {
        if self.sender.is_none() {
            self.sender = Some(self.open().await?);
        }
        let request = self.request(planned)?;
        let Some(sender) = self.sender.as_mut() else {
            return Err(TransportError("connection: not open".to_owned()));
        };
        sender
            .ready()
            .await
            .map_err(|e| TransportError(format!("connection: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| TransportError(format!("request: {e}")))?;
        let status = response.status().as_u16();
        let cache = response
            .headers()
            .get("x-cache-status")
            .and_then(|v| CacheStatus::parse(v.as_bytes()));
        let mut body = response.into_body();
        // Drain, do not collect: the bytes are not needed, only the end of the response.
        while let Some(frame) = body.frame().await {
            frame.map_err(|e| TransportError(format!("body: {e}")))?;
        }
        Ok(Answer { status, cache })
    }

    fn request(&self, planned: &Planned) -> Result<Request<Full<Bytes>>, TransportError> {
        let builder = Request::builder()
            .uri(
                hyper::Uri::from_maybe_shared(planned.path.clone())
                    .map_err(|e| TransportError(format!("uri: {e}")))?,
            )
            .header(HOST, self.host.clone());
        let request = match &planned.body {
            Some(body) => builder
                .method(Method::POST)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(Full::new(body.clone())),
            None => builder.method(Method::GET).body(Full::new(Bytes::new())),
        };
        request.map_err(|e| TransportError(format!("request: {e}")))
    }
}
