//! The close codes the server ends a connection with (PROTOCOL.md §2.8):
//! 1001 after `going_away`, 1009 for a frame above the hard cap, 1007 for a
//! text frame that is not UTF-8 — not a close without a code (1005).

mod common;

use baton_protocol::MAX_FRAME_BYTES;
use baton_protocol::visitor::ServerToVisitor;
use common::*;
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// A visitor who has said hello and been welcomed.
async fn welcomed(server: &Server) -> Ws {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Welcome(_)).then_some(())
    })
    .await;
    ws
}

/// The text frames before the close, and the close frame, within 5 s.
async fn until_close(ws: &mut Ws) -> (Vec<String>, Option<CloseFrame>) {
    let mut texts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("still open after 5 s"),
            Ok(Some(Ok(Message::Text(text)))) => texts.push(text.to_string()),
            Ok(Some(Ok(Message::Close(frame)))) => return (texts, frame),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(err))) => panic!("the socket failed without a close frame: {err}"),
            Ok(None) => panic!("the socket ended without a close frame"),
        }
    }
}

#[tokio::test]
async fn a_planned_shutdown_closes_with_1001_after_going_away() {
    let mut server = Server::start().await;
    let mut ws = welcomed(&server).await;
    server.begin_shutdown();
    let (texts, close) = until_close(&mut ws).await;
    assert!(
        texts.last().is_some_and(|t| t.contains(r#""type":"going_away""#)),
        "{texts:?}"
    );
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1001));
}

#[tokio::test]
async fn a_frame_above_the_hard_cap_closes_with_1009() {
    let server = Server::start().await;
    let mut ws = welcomed(&server).await;
    let huge = format!(
        r#"{{"type":"send","client_msg_id":"m1","text":"{}"}}"#,
        "x".repeat(4 * MAX_FRAME_BYTES)
    );
    ws.send(Message::text(huge)).await.expect("send");
    let (_, close) = until_close(&mut ws).await;
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1009));
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_closes_with_1007() {
    let server = Server::start().await;
    let mut ws = welcomed(&server).await;
    let bytes: Vec<u8> = b"{\"type\":\"ping\",\"x\":\"\xff\xfe\"}".to_vec();
    ws.send(Message::Frame(Frame::message(bytes, OpCode::Data(Data::Text), true)))
        .await
        .expect("send");
    let (_, close) = until_close(&mut ws).await;
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1007));
}
