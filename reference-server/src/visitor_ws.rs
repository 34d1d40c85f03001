//! The visitor WebSocket: `GET /ws/visitor?bot=ID`, subprotocol `baton.v1`.
//! The page's Origin must be on the bot's allowlist; the first frame must be
//! `hello`; after that the socket carries sends and intents for exactly the
//! one conversation the hello proved.

use crate::AppState;
use crate::hub::PeerId;
use crate::socket::{self, RateLimit};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ConversationId, ErrorBody, ErrorCode, Intent};
use futures::StreamExt;

#[derive(Debug, serde::Deserialize)]
pub struct VisitorQuery {
    bot: BotId,
}

pub async fn upgrade(
    State(app): State<AppState>,
    Query(query): Query<VisitorQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(settings) = app.hub.bot_settings(&query.bot) else {
        return (StatusCode::NOT_FOUND, "unknown bot").into_response();
    };
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default();
    if !settings.allowed_origins.iter().any(|allowed| allowed == origin) {
        tracing::warn!(origin, bot = %query.bot, "visitor socket refused: origin not allowed");
        return (StatusCode::FORBIDDEN, "this page's origin may not embed this bot").into_response();
    }
    if !socket::offers_subprotocol(&headers) {
        return (StatusCode::BAD_REQUEST, "offer the WebSocket subprotocol baton.v1").into_response();
    }
    socket::configure(ws).on_upgrade(move |ws| run(app, query.bot, ws))
}

async fn run(app: AppState, bot: BotId, ws: WebSocket) {
    let (mut stream, mut peer) = socket::start(ws);
    let mut rate = RateLimit::new(20, 5);
    let mut session: Option<(ConversationId, PeerId)> = None;
    loop {
        let next = if session.is_none() {
            match tokio::time::timeout(socket::HELLO_TIMEOUT, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    peer.send(&ServerToVisitor::Error(ErrorBody::new(
                        ErrorCode::HelloRequired,
                        "say hello first",
                    )));
                    break;
                }
            }
        } else {
            stream.next().await
        };
        let text = match next {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                peer.send(&ServerToVisitor::Error(ErrorBody::new(
                    ErrorCode::BadFrame,
                    "frames are JSON text",
                )));
                continue;
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => continue, // ping/pong are answered by the library
        };
        if !rate.allow() {
            peer.send(&ServerToVisitor::Error(socket::rate_limited()));
            continue;
        }
        let frame = match socket::decode::<VisitorToServer>(&text) {
            Ok(frame) => frame,
            Err(err) => {
                peer.send(&ServerToVisitor::Error(err));
                continue;
            }
        };
        let reply = match (&session, frame) {
            (None, VisitorToServer::Hello(hello)) => {
                let Some(outbox) = peer.outbox() else { break };
                match app.hub.visitor_hello(&bot, hello, &outbox) {
                    Ok(joined) => {
                        session = Some(joined);
                        peer.handed_to_hub();
                        None
                    }
                    Err(err) => {
                        // A failed hello ends the connection: the client must
                        // fix what it sends (version, token) before retrying.
                        peer.send(&ServerToVisitor::Error(err));
                        break;
                    }
                }
            }
            (Some(_), VisitorToServer::Hello(_)) => Some(Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "hello was already said on this connection",
            ))),
            (None, _) => Some(Err(ErrorBody::new(ErrorCode::HelloRequired, "say hello first"))),
            (Some((conversation, _)), VisitorToServer::Send { client_msg_id, text }) => Some(
                app.hub
                    .visitor_send(conversation, client_msg_id.clone(), text)
                    .map(|seq| ServerToVisitor::Ack { client_msg_id, seq }),
            ),
            (Some((conversation, _)), VisitorToServer::RequestHuman { client_msg_id }) => Some(
                app.hub
                    .visitor_intent(conversation, client_msg_id.clone(), Intent::RequestHuman)
                    .map(|seq| ServerToVisitor::Ack { client_msg_id, seq }),
            ),
            (Some(_), VisitorToServer::Unknown) => {
                tracing::debug!("dropping a visitor frame of unknown type");
                None
            }
        };
        let delivered = match reply {
            Some(Ok(frame)) => peer.send(&frame),
            Some(Err(err)) => peer.send(&ServerToVisitor::Error(err)),
            None => true,
        };
        if !delivered {
            break;
        }
    }
    if let Some((conversation, peer_id)) = session {
        app.hub.visitor_gone(&conversation, peer_id);
    }
}
