//! Frame rate limits over real sockets: a flood gets `rate_limited` errors
//! (the socket stays open and works again once the bucket refills); a busy
//! operator's burst within the configured bucket is all served.

mod common;

use baton_protocol::ErrorCode;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_server::socket::{Bucket, FrameLimits};
use common::{Server, hello, recv, send};
use std::time::Duration;

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn a_flooding_visitor_is_refused_frame_by_frame_and_served_again_after_the_refill() {
    let limits = FrameLimits {
        visitor: Bucket { burst: 5, per_sec: 1 },
        ..FrameLimits::default()
    };
    let server = Server::start_with(&temp_dir(), 60_000, |s| s.limits = limits).await;
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    // hello took one token: four pings pass, the rest are refused.
    for _ in 0..10 {
        send(&mut ws, &VisitorToServer::Ping).await;
    }
    let (mut pongs, mut refused) = (0, 0);
    while pongs + refused < 10 {
        match recv::<ServerToVisitor>(&mut ws).await {
            ServerToVisitor::Pong => pongs += 1,
            ServerToVisitor::Error(e) => {
                assert_eq!(e.code, ErrorCode::RateLimited, "{e:?}");
                refused += 1;
            }
            _ => {}
        }
    }
    assert_eq!((pongs, refused), (4, 6));
    // A second refills one token: the same socket is served.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    send(&mut ws, &VisitorToServer::Ping).await;
    loop {
        match recv::<ServerToVisitor>(&mut ws).await {
            ServerToVisitor::Pong => break,
            ServerToVisitor::Error(e) => panic!("still refused: {e:?}"),
            _ => {}
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_busy_operators_burst_within_the_default_bucket_is_served() {
    let server = Server::start().await;
    let mut op = server.operator("op-a").await;
    let burst = FrameLimits::default().operator.burst as usize - 10;
    for _ in 0..burst {
        send(&mut op, &OperatorToServer::Ping).await;
    }
    let mut pongs = 0;
    while pongs < burst {
        match recv::<ServerToOperator>(&mut op).await {
            ServerToOperator::Pong => pongs += 1,
            ServerToOperator::Error(e) => panic!("refused after {pongs} pongs: {e:?}"),
            _ => {}
        }
    }
    server.stop().await;
}
