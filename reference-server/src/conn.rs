//! Connections: the accept loop in front of the router. One client address
//! cannot take the server down:
//!
//! - at most [`PerIp::connections`] connections at once per address (HTTP
//!   and WebSocket alike: an upgraded socket keeps its connection's place).
//!   The next ones are answered `429` with a sentence and closed; past twice
//!   the cap they are closed unanswered;
//! - a request's headers must arrive within [`HttpTimeouts::header_secs`]
//!   and its body within [`HttpTimeouts::body_secs`], so half-sent requests
//!   cannot pile up;
//! - behind a reverse proxy, [`client_ip`] reads the visitor's address from
//!   `X-Forwarded-For`, but only from proxies listed in `trusted_proxies`
//!   (whose own connections are not capped: they carry everybody's).
//!
//! It also drains: once the shutdown signal comes, `/healthz` answers
//! `503 draining`, the listener closes (a load balancer's next connection
//! is refused and goes to a sibling), every client gets `going_away`, and
//! [`serve`] returns once every connection — upgraded WebSockets too — has
//! ended and the store writer has committed what it took, or after
//! [`DRAIN_LIMIT`], whichever comes first.

use crate::AppState;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Limits per client address. Config file: `[limits.per_ip]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerIp {
    /// Open connections at once (HTTP and WebSocket) [64]: a household or a
    /// small office behind one address, each person with a few tabs.
    pub connections: u32,
    /// New visitor conversations a minute [20].
    pub new_conversations_per_minute: u32,
}

impl Default for PerIp {
    fn default() -> Self {
        PerIp {
            connections: 64,
            new_conversations_per_minute: 20,
        }
    }
}

/// HTTP read timeouts, in seconds. Config file: `[limits.http]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpTimeouts {
    /// A request's headers, from its first byte (or the connection's
    /// start) [10].
    pub header_secs: u64,
    /// A request's body, from the end of its headers [10].
    pub body_secs: u64,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts {
            header_secs: 10,
            body_secs: 10,
        }
    }
}

/// Open connections per address.
#[derive(Debug, Default)]
pub struct OpenCounts {
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// What a new connection gets.
#[derive(Debug)]
pub enum Admission {
    Served(Slot),
    /// Over the cap: answered `429`, holding a place while it is.
    Refused(Slot),
    /// Far over the cap: closed at once.
    Dropped,
}

impl OpenCounts {
    pub fn admit(self: &Arc<Self>, ip: IpAddr, cap: u32) -> Admission {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= cap.saturating_mul(2) {
            return Admission::Dropped;
        }
        let served = *count < cap;
        *count += 1;
        let slot = Slot {
            counts: self.clone(),
            ip,
        };
        if served {
            Admission::Served(slot)
        } else {
            Admission::Refused(slot)
        }
    }

    pub fn open(&self, ip: IpAddr) -> u32 {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&ip).copied().unwrap_or(0)
    }
}

/// One connection's place in its address's count, given back when the
/// connection (or the WebSocket it became) ends.
#[derive(Debug)]
pub struct Slot {
    counts: Arc<OpenCounts>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A TCP stream carrying its [`Slot`] and its place among the open
/// connections a drain waits for: hyper hands the stream to the WebSocket
/// on upgrade, so both live exactly as long as the socket.
#[derive(Debug)]
struct Counted {
    tcp: TcpStream,
    _slot: Option<Slot>,
    _open: Option<watch::Receiver<()>>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// The client's address: the peer's, or — when the peer is a trusted proxy
/// — the right-most address in `X-Forwarded-For` that is not itself a
/// trusted proxy (entries further left were written by the client and may
/// be forged).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().map(canonical))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    hops.iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// IPv4 peers of a dual-stack listener arrive as `::ffff:a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// How long a drain waits for clients to close and for the store writer
/// (each, in turn) before `serve` returns anyway: bounded, so a client that
/// never closes cannot hold a stopping process, and short enough for a
/// process manager's stop timeout (systemd's 90 s, Kubernetes' 30 s).
pub const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Serves `state`'s app on `listener` until `shutdown` resolves, then
/// drains (see the module's notes): stops accepting, tells every client to
/// go, and waits — at most [`DRAIN_LIMIT`] for the connections, then as
/// long again for the store writer.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let per_ip = state.limits.per_ip;
    let header_timeout = Duration::from_secs(state.limits.http.header_secs.max(1));
    let trusted = state.trusted_proxies.clone();
    let hub = state.hub.clone();
    let metrics_hub = hub.clone();
    let writer_hub = hub.clone();
    let draining = state.draining.clone();
    let counts = Arc::new(OpenCounts::default());
    let router = crate::app(state);
    // Dropped to tell connections to finish; `closed` once they all have.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    // Its own task, so that `going_away` goes out even if whoever awaits
    // this future stops polling it once the signal is given.
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("draining: no new connections; every client is told to go");
        draining.store(true, std::sync::atomic::Ordering::SeqCst);
        // Clients reconnect (to this server restarted, or a sibling) and
        // resume from their cursors; nothing in flight is lost because
        // nothing is acked before it is stored.
        hub.going_away(crate::GOING_AWAY_RETRY);
        drop(stop_tx);
    });
    let mut stopping = stop_rx.clone();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little
                    // rather than spin; open connections keep being served.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopping.changed() => break,
        };
        // Chat frames are small and each waits for an answer: without
        // TCP_NODELAY, Nagle's algorithm and delayed ACKs hold them for tens
        // of milliseconds.
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
        let ip = canonical(peer.ip());
        let slot = if trusted.contains(&ip) {
            None
        } else {
            match counts.admit(ip, per_ip.connections) {
                Admission::Served(slot) => Some(slot),
                Admission::Refused(slot) => {
                    metrics_hub.metrics().count_limited("connections_per_ip");
                    tokio::spawn(refuse(tcp, slot, header_timeout));
                    continue;
                }
                Admission::Dropped => {
                    metrics_hub.metrics().count_limited("connections_per_ip");
                    continue;
                }
            }
        };
        let io = TokioIo::new(Counted {
            tcp,
            _slot: slot,
            _open: Some(done_rx.clone()),
        });
        let service = TowerToHyperService::new(tower::util::MapRequest::new(
            router.clone(),
            move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            let mut conn = pin!(builder.serve_connection(io, service).with_upgrades());
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(err) = result {
                        tracing::trace!(%err, "connection ended");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    drop(done_rx);
    if tokio::time::timeout(DRAIN_LIMIT, done_tx.closed()).await.is_err() {
        tracing::warn!("draining: some connections were still open after {DRAIN_LIMIT:?}");
    }
    // No socket feeds the hub any more: what the writer holds is the last.
    if tokio::time::timeout(DRAIN_LIMIT, writer_hub.drained()).await.is_err() {
        tracing::warn!("draining: the store writer had not finished after {DRAIN_LIMIT:?}");
    }
    tracing::info!("drained");
    Ok(())
}

/// An over-the-cap connection: its request read (within the header timeout)
/// and answered `429`, then closed. Reading first lets the client see the
/// answer rather than a reset.
async fn refuse(tcp: TcpStream, slot: Slot, header_timeout: Duration) {
    let io = TokioIo::new(Counted {
        tcp,
        _slot: Some(slot),
        _open: None,
    });
    let service = hyper::service::service_fn(|_request: Request<Incoming>| async {
        let body = "Too many connections from your address at once. Close some, then try again.\n";
        Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, "10")
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(header::CONNECTION, "close")
            .body(axum::body::Body::from(body))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(false);
    let _ = tokio::time::timeout(header_timeout * 2, builder.serve_connection(io, service)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn admits_up_to_the_cap_refuses_up_to_twice_it_then_drops() {
        let counts = Arc::new(OpenCounts::default());
        let a = ip("127.0.0.2");
        let mut held = Vec::new();
        for _ in 0..2 {
            match counts.admit(a, 2) {
                Admission::Served(slot) => held.push(slot),
                other => panic!("{other:?}"),
            }
        }
        for _ in 0..2 {
            match counts.admit(a, 2) {
                Admission::Refused(slot) => held.push(slot),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(counts.admit(a, 2), Admission::Dropped));
        assert!(matches!(counts.admit(ip("127.0.0.3"), 2), Admission::Served(_)));
        assert_eq!(counts.open(a), 4);
        // Places free up as connections end.
        drop(held);
        assert_eq!(counts.open(a), 0);
        assert!(matches!(counts.admit(a, 2), Admission::Served(_)));
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().expect("header"));
        assert_eq!(client_ip(ip("198.51.100.1"), &headers, &[proxy]), ip("198.51.100.1"));
        assert_eq!(client_ip(proxy, &headers, &[proxy]), ip("203.0.113.7"));
        // Two proxies in a row: the right-most hop that is not one of ours.
        headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.2".parse().expect("header"));
        assert_eq!(client_ip(proxy, &headers, &[proxy, ip("10.0.0.2")]), ip("203.0.113.7"));
        // No header, or garbage in it: the peer.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
        headers.insert("x-forwarded-for", "not an address".parse().expect("header"));
        assert_eq!(client_ip(proxy, &headers, &[proxy]), proxy);
        assert_eq!(
            client_ip(ip("::ffff:127.0.0.2"), &HeaderMap::new(), &[]),
            ip("127.0.0.2")
        );
    }
}
