//! One client address cannot take the server down, over real sockets from
//! several loopback addresses (Linux routes all of 127/8 to `lo`; a client
//! socket bound to 127.0.0.2 is another address to the server):
//! connections per address are capped, half-sent requests are dropped after
//! the header timeout and never starve `/healthz` or new visitors, new
//! conversations per address are bounded, silent sockets are closed after
//! the idle limit, and malformed `client_msg_id`s are refused.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use baton_protocol::{ClientMsgId, ConversationId, ErrorCode, EventBody, Seq};
use baton_server::socket::FrameLimits;
use common::{ORIGIN, Server, Ws, hello, recv, recv_until, send, send_raw};
use futures::StreamExt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn start(tweak: impl FnOnce(&mut FrameLimits)) -> Server {
    let mut limits = FrameLimits::default();
    tweak(&mut limits);
    Server::start_with(&temp_dir(), 60_000, |s| s.limits = limits).await
}

fn address(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// A TCP connection to the server from 127.0.0.`last`.
async fn tcp_from(last: u8, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(address(last), 0)).expect("bind");
    socket.connect(server).await.expect("connect")
}

/// `GET path` from 127.0.0.`last` on a fresh connection: the status line
/// and the body, within 5 s.
async fn get_from(last: u8, server: SocketAddr, path: &str) -> (String, String) {
    let mut tcp = tcp_from(last, server).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer))
        .await
        .expect("an answer within 5 s")
        .expect("read");
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A visitor socket from 127.0.0.`last`, not yet welcomed.
async fn visitor_from(last: u8, server: SocketAddr) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let tcp = tcp_from(last, server).await;
    let mut request = format!("ws://{server}/ws/visitor?bot=demo")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert("origin", ORIGIN.parse().expect("header"));
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "baton.v1".parse().expect("header"));
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(tcp);
    Ok(tokio_tungstenite::client_async(request, stream).await?.0)
}

/// A visitor from 127.0.0.`last` that said hello: its socket and
/// conversation.
async fn welcomed_from(last: u8, server: SocketAddr) -> (Ws, ConversationId) {
    let mut ws = visitor_from(last, server).await.expect("visitor connects");
    send(&mut ws, &hello()).await;
    let conversation = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    (ws, conversation)
}

/// The close code the server ends `ws` with, within `within`.
async fn close_code(ws: &mut Ws, within: Duration) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("the socket is still open after {within:?}"),
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return None,
        }
    }
}

async fn metric(server: &Server, kind: &str) -> u64 {
    let (_, body) = get_from(1, server.addr, "/metrics").await;
    let prefix = format!("baton_limited_total{{kind=\"{kind}\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |v| v.trim().parse().expect("a count"))
}

#[tokio::test]
async fn an_address_at_its_cap_is_refused_with_a_sentence_while_another_is_served() {
    let server = start(|l| l.per_ip.connections = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(welcomed_from(2, server.addr).await.0);
    }
    // The fifth, plain HTTP or a socket, is refused with 429 and a sentence.
    let (status, body) = get_from(2, server.addr, "/healthz").await;
    assert!(status.contains("429"), "{status}");
    assert!(body.contains("Too many connections from your address"), "{body}");
    let refused = visitor_from(2, server.addr).await.expect_err("a fifth socket");
    assert!(refused.to_string().contains("429"), "{refused}");
    // Another address is served: health, and a visitor.
    let (status, body) = get_from(3, server.addr, "/healthz").await;
    assert!(status.contains("200"), "{status}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("/healthz answers JSON");
    assert_eq!(
        (&health["status"], &health["store"]["status"]),
        (&"ok".into(), &"ok".into()),
        "{body}"
    );
    assert_eq!(
        (&health["bus"]["backend"], &health["bus"]["status"]),
        (&"in-process".into(), &"ok".into()),
        "{body}"
    );
    welcomed_from(3, server.addr).await;
    assert!(metric(&server, "connections_per_ip").await >= 2);
    // A closed socket gives its place back.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let (status, _) = get_from(2, server.addr, "/healthz").await;
        if status.contains("200") {
            break;
        }
        assert!(Instant::now() < deadline, "the place never came back: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn half_sent_requests_from_one_address_starve_nobody_and_are_dropped_after_the_header_timeout() {
    let server = start(|l| l.http.header_secs = 1).await;
    // 150 requests that never finish their headers, from one address: the
    // first 64 wait for their headers, the rest are refused or closed.
    let mut half_sent = Vec::new();
    for _ in 0..150 {
        let mut tcp = tcp_from(2, server.addr).await;
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop.test\r\nX-Slow: ")
            .await
            .expect("write");
        half_sent.push(tcp);
    }
    let sent_at = Instant::now();
    // Meanwhile others are served at once.
    let started = Instant::now();
    let (status, body) = get_from(3, server.addr, "/healthz").await;
    assert!(
        status.contains("200") && body.contains(r#""status":"ok""#),
        "{status} {body}"
    );
    welcomed_from(4, server.addr).await;
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    // Every half-sent request is closed by the server (after an answer at
    // most) soon after the header timeout.
    for (i, tcp) in half_sent.iter_mut().enumerate() {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(4), tcp.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "request {i} still open after {:?}", sent_at.elapsed());
    }
    assert!(sent_at.elapsed() < Duration::from_secs(4), "{:?}", sent_at.elapsed());
    // And the address has its places back.
    let (status, _) = get_from(2, server.addr, "/healthz").await;
    assert!(status.contains("200"), "{status}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_stops_arriving_ends_its_request_after_the_body_timeout() {
    let server = start(|l| l.http.body_secs = 1).await;
    let mut tcp = tcp_from(2, server.addr).await;
    let head =
        "POST /api/login HTTP/1.1\r\nHost: shop.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    tcp.write_all(head.as_bytes()).await.expect("write");
    tcp.write_all(br#"{"email": "op-a@te"#).await.expect("write");
    let sent_at = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(4), tcp.read_to_end(&mut answer))
        .await
        .expect("the request ends within 4 s")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "refused: {answer}");
    assert!(
        sent_at.elapsed() >= Duration::from_millis(900),
        "{:?}",
        sent_at.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn new_conversations_per_address_are_bounded_and_resuming_is_not() {
    let server = start(|l| l.per_ip.new_conversations_per_minute = 3).await;
    let mut first = None;
    for _ in 0..3 {
        let mut ws = visitor_from(2, server.addr).await.expect("connects");
        send(&mut ws, &hello()).await;
        let welcome = recv_until(&mut ws, |f: &ServerToVisitor| match f {
            ServerToVisitor::Welcome(w) => Some(w.clone()),
            _ => None,
        })
        .await;
        first.get_or_insert(welcome);
    }
    let mut ws = visitor_from(2, server.addr).await.expect("connects");
    send(&mut ws, &hello()).await;
    match recv::<ServerToVisitor>(&mut ws).await {
        ServerToVisitor::Error(e) => {
            assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
            assert!(e.message.contains("too many new conversations"), "{e:?}");
        }
        other => panic!("expected rate_limited, got {other:?}"),
    }
    // A refused hello ends the connection (this panics if it stays open).
    close_code(&mut ws, Duration::from_secs(3)).await;
    // Resuming from the same address is not limited.
    let first = first.expect("a welcome");
    let mut ws = visitor_from(2, server.addr).await.expect("connects");
    let VisitorToServer::Hello(mut resume) = hello() else {
        unreachable!()
    };
    resume.resume = Some(Resume {
        conversation: first.conversation.clone(),
        token: first.token.clone().expect("a new conversation's token"),
        last_seq: Seq(0),
    });
    send(&mut ws, &VisitorToServer::Hello(resume)).await;
    let resumed = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        ServerToVisitor::Error(e) => panic!("{e:?}"),
        _ => None,
    })
    .await;
    assert_eq!(resumed, first.conversation);
    // Another address may start one.
    welcomed_from(3, server.addr).await;
    assert_eq!(metric(&server, "conversations_per_ip").await, 1);
    server.stop().await;
}

#[tokio::test]
async fn a_silent_socket_is_closed_after_the_idle_limit_and_a_pinging_one_is_not() {
    let server = start(|l| l.idle = Duration::from_millis(400)).await;
    let (mut silent, _) = welcomed_from(2, server.addr).await;
    let (mut pinging, _) = welcomed_from(2, server.addr).await;
    let mut operator = server.operator("op-a").await;
    let since = Instant::now();
    let silent_closed = tokio::spawn(async move { close_code(&mut silent, Duration::from_secs(3)).await });
    let operator_closed = tokio::spawn(async move { close_code(&mut operator, Duration::from_secs(3)).await });
    for _ in 0..8 {
        send(&mut pinging, &VisitorToServer::Ping).await;
        recv_until(&mut pinging, |f: &ServerToVisitor| {
            matches!(f, ServerToVisitor::Pong).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let idle = CloseCode::from(baton_server::socket::CLOSE_IDLE);
    assert_eq!(silent_closed.await.expect("task"), Some(idle));
    assert_eq!(operator_closed.await.expect("task"), Some(idle));
    assert!(since.elapsed() >= Duration::from_millis(1_000), "pinged past the limit");
    // The pinging visitor is still served.
    send(&mut pinging, &VisitorToServer::Ping).await;
    recv_until(&mut pinging, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Pong).then_some(())
    })
    .await;
    assert!(metric(&server, "idle_closed").await >= 2);
    server.stop().await;
}

#[tokio::test]
async fn empty_and_oversized_client_msg_ids_are_refused_and_store_nothing() {
    let server = start(|_| {}).await;
    let (mut ws, conversation) = welcomed_from(2, server.addr).await;
    let too_long = "m".repeat(15 * 1024);
    for id in ["", too_long.as_str()] {
        let frame = serde_json::json!({"type": "send", "client_msg_id": id, "text": "hello"});
        send_raw(&mut ws, &frame.to_string()).await;
        let err = recv_until(&mut ws, |f: &ServerToVisitor| match f {
            ServerToVisitor::Error(e) => Some(e.clone()),
            _ => None,
        })
        .await;
        assert_eq!(err.code, ErrorCode::BadFrame, "{err:?}");
        assert!(err.message.contains("client_msg_id must be 1 to 64 bytes"), "{err:?}");
        assert_eq!(err.client_msg_id, None, "not an id to echo");
    }
    // 64 bytes is fine, and the socket still works.
    let id = ClientMsgId("m".repeat(64));
    send(
        &mut ws,
        &VisitorToServer::Send {
            client_msg_id: id.clone(),
            text: "hello".into(),
        },
    )
    .await;
    recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { client_msg_id, .. } if *client_msg_id == id => Some(()),
        ServerToVisitor::Error(e) => panic!("{e:?}"),
        _ => None,
    })
    .await;
    let stored = server.state.hub.store().recent(&conversation, 50).expect("events");
    let messages: Vec<_> = stored
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Message { client_msg_id, .. } => client_msg_id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(messages, [id], "only the valid one is stored");
    // Operators' frames are checked the same way.
    let mut op = server.operator("op-a").await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    send(
        &mut op,
        &OperatorToServer::Resolve {
            conversation,
            client_msg_id: ClientMsgId(String::new()),
        },
    )
    .await;
    let err = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Error(e) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(err.code, ErrorCode::BadFrame, "{err:?}");
    server.stop().await;
}
