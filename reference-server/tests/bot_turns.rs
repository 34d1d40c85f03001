//! A bot turn under way when the server stops is finished by the next
//! start, once (issue 12 item 4). The first server's bot never answers (the
//! process "dies" mid-turn: its hub is dropped and its bot's call never
//! returns); the second server, on the same SQLite file, owes the visitor
//! that answer and gives it exactly once.

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use baton_server::bot::{Bot, BotReply, BotTurn};
use common::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Never answers: the turn stays under way until the server is gone.
#[derive(Debug)]
struct Stuck;

impl Bot for Stuck {
    fn reply(&self, _turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(std::future::pending())
    }
}

/// Answers at once, counting the turns it was asked.
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

impl Bot for Counting {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            BotReply {
                text: format!("About \"{}\": it left today.", turn.text),
                offer_human: false,
                handover: None,
            }
        })
    }
}

fn bot_texts(events: &[ConversationEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Message {
                author: Author::Bot,
                text,
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_bot_turn_cut_off_by_a_restart_is_answered_once_after_it() {
    let dir = std::env::temp_dir().join(format!("baton-bot-turns-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let server = Server::start_with_engine(&dir, Arc::new(Stuck)).await;
    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello()).await;
    let ServerToVisitor::Welcome(welcome) = visitor_frame(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "where is my parcel?".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    drop(visitor);
    server.stop().await;

    // The next start owes that answer, and gives it once, even started twice.
    let counting = Arc::new(Counting::default());
    for _ in 0..2 {
        let server = Server::start_with_engine(&dir, counting.clone()).await;
        let mut visitor = server.visitor().await;
        send(
            &mut visitor,
            &VisitorToServer::Hello(VisitorHello {
                protocol: PROTOCOL_VERSION,
                features: vec![],
                bot: BotId("demo".into()),
                resume: Some(Resume {
                    conversation: conversation.clone(),
                    token: token.clone(),
                    last_seq: Seq(0),
                }),
                locale: None,
                page: None,
            }),
        )
        .await;
        let ServerToVisitor::Welcome(welcome) = visitor_frame(&mut visitor).await else {
            panic!("welcome after restart")
        };
        let mut answers = bot_texts(&welcome.replay);
        if answers.is_empty() {
            let event = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
                ServerToVisitor::Event(e) => Some(e.clone()),
                _ => None,
            })
            .await;
            answers = bot_texts(&[event]);
        }
        assert_eq!(
            answers,
            vec!["About \"where is my parcel?\": it left today.".to_string()]
        );
        server.stop().await;
    }
    assert_eq!(counting.0.load(Ordering::SeqCst), 1, "the bot was asked once");
    let log = SqliteStoreLog::read(&dir, &conversation);
    assert_eq!(bot_texts(&log).len(), 1, "one answer stored");
}

/// The stored log, read from the file.
struct SqliteStoreLog;

impl SqliteStoreLog {
    fn read(dir: &std::path::Path, conversation: &ConversationId) -> Vec<ConversationEvent> {
        use baton_server::store::Store;
        baton_server::store::SqliteStore::open(&dir.join("baton.sqlite3"))
            .expect("store")
            .log(conversation)
            .expect("log")
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }
}
