//! The visitor WebSocket: `GET /ws/visitor?bot=ID`, subprotocol `baton.v1`.
//! The page's Origin must be on the bot's allowlist; the first frame must be
//! `hello`; after that the socket carries sends and intents for exactly the
//! one conversation the hello proved.

use crate::AppState;
use crate::hub::PeerId;
use crate::socket::{self, RateLimit};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_protocol::conversation::Input;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ClientMsgId, ConversationId, ErrorBody, ErrorCode, Intent};

#[derive(Debug, serde::Deserialize)]
pub struct VisitorQuery {
    bot: BotId,
}

pub async fn upgrade(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
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
    let country = app
        .country_header
        .as_ref()
        .and_then(|name| headers.get(name))
        .and_then(|v| v.to_str().ok())
        .and_then(crate::hub::country_from_header);
    let ip = app.client_ip(peer, &headers);
    let visitor = Box::new(Visitor {
        hub: app.hub.clone(),
        draining: app.draining.clone(),
        new_conversations: app.new_conversations.clone(),
        limits: app.limits,
        bot: query.bot,
        country,
        ip,
    });
    socket::configure(ws).on_upgrade(move |ws| {
        // Split here, not in `run`: a socket passed into an async fn stays
        // in its state for the connection's whole life.
        let (reader, peer) = socket::start(ws, RateLimit::of(visitor.limits.visitor), visitor.limits.idle);
        run(Box::new(Connection {
            visitor: *visitor,
            reader,
            peer,
        }))
    })
}

/// What a visitor's connection needs of the server, taken once at the
/// upgrade (boxed while the upgrade completes). Boxed with the socket's
/// reader and outbox ([`Connection`]), so
/// the connection's task holds a pointer, not some 900 bytes (the whole
/// `AppState` and an unsplit socket) for as long as the visitor stays —
/// which, for a page left open, is hours.
#[derive(Debug)]
struct Visitor {
    hub: std::sync::Arc<crate::hub::Hub>,
    draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
    new_conversations: std::sync::Arc<crate::limits::RateLimiter>,
    limits: socket::FrameLimits,
    bot: BotId,
    country: Option<String>,
    ip: std::net::IpAddr,
}

impl Visitor {
    fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct Connection {
    visitor: Visitor,
    reader: socket::Reader,
    peer: socket::PeerOutbox,
}

/// A `hello` without `resume` starts a conversation: at most
/// `limits.per_ip.new_conversations_per_minute` a minute per address.
fn new_conversation_allowed(app: &Visitor) -> Result<(), ErrorBody> {
    let max = app.limits.per_ip.new_conversations_per_minute as usize;
    app.new_conversations
        .check_up_to(&app.ip.to_string(), max, std::time::Instant::now())
        .map_err(|wait| {
            app.hub.metrics().count_limited("conversations_per_ip");
            let seconds = wait.as_secs().max(1);
            ErrorBody::new(
                ErrorCode::RateLimited,
                format!("too many new conversations from your address; try again in {seconds} s"),
            )
        })
}

async fn run(mut conn: Box<Connection>) {
    let Connection { visitor, reader, peer } = &mut *conn;
    let app = &*visitor;
    let _open = crate::metrics::ConnectionGuard::new(app.hub.metrics(), "visitor");
    let mut session: Option<(ConversationId, PeerId)> = None;
    loop {
        let frame = match reader.next::<VisitorToServer>(session.is_none()).await {
            socket::Incoming::Frame(frame) => frame,
            socket::Incoming::Refused(err) => {
                peer.send(&ServerToVisitor::Error(err));
                continue;
            }
            socket::Incoming::NoHello => {
                peer.send(&ServerToVisitor::Error(socket::hello_required()));
                break;
            }
            socket::Incoming::Idle => {
                tracing::debug!("closing a silent socket");
                app.hub.metrics().count_limited("idle_closed");
                peer.close_with(socket::CLOSE_IDLE, "idle");
                break;
            }
            socket::Incoming::Closed => break,
        };
        let reply = match (&session, frame) {
            (None, VisitorToServer::Hello(hello)) => {
                if app.is_draining() {
                    // Connected before the drain, hello after the hub told
                    // everyone to go: this one goes too (1001 after it).
                    peer.send(&ServerToVisitor::GoingAway {
                        retry_after: crate::GOING_AWAY_RETRY,
                    });
                    break;
                }
                let Some(outbox) = peer.outbox() else { break };
                if hello.resume.is_none()
                    && let Err(err) = new_conversation_allowed(app)
                {
                    // Refused like any hello: the error, then the close.
                    peer.send(&ServerToVisitor::Error(err));
                    break;
                }
                match app.hub.visitor_hello(&app.bot, hello, app.country.clone(), &outbox) {
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
            (Some((conversation, _)), frame) => handle(app, conversation, peer.outbox(), frame),
        };
        let delivered = match reply {
            Some(Ok(frame)) => peer.send(&frame.for_visitor()),
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

/// One frame of an established visitor session.
fn handle(
    app: &Visitor,
    conversation: &ConversationId,
    outbox: Option<crate::hub::Outbox>,
    frame: VisitorToServer,
) -> Option<Result<ServerToVisitor, ErrorBody>> {
    let ack = |id: ClientMsgId| move |seq| ServerToVisitor::Ack { client_msg_id: id, seq };
    let intent = |id: ClientMsgId, intent| Input::VisitorIntent { id, intent };
    let (id, input) = match frame {
        VisitorToServer::Send { client_msg_id, text } => (
            client_msg_id.clone(),
            Input::VisitorMessage {
                id: client_msg_id,
                text,
            },
        ),
        VisitorToServer::RequestHuman { client_msg_id } => {
            (client_msg_id.clone(), intent(client_msg_id, Intent::RequestHuman))
        }
        VisitorToServer::CancelRequest { client_msg_id } => {
            (client_msg_id.clone(), intent(client_msg_id, Intent::CancelRequest))
        }
        VisitorToServer::EndHuman { client_msg_id } => (client_msg_id.clone(), intent(client_msg_id, Intent::EndHuman)),
        VisitorToServer::KeepWaiting { client_msg_id } => {
            (client_msg_id.clone(), intent(client_msg_id, Intent::KeepWaiting))
        }
        VisitorToServer::LeaveMessage {
            client_msg_id,
            email,
            text,
        } => (
            client_msg_id.clone(),
            Input::LeaveMessage {
                id: client_msg_id,
                email,
                text,
            },
        ),
        VisitorToServer::Rate {
            client_msg_id,
            score,
            comment,
        } => (
            client_msg_id.clone(),
            Input::Rate {
                id: client_msg_id,
                score,
                comment,
            },
        ),
        VisitorToServer::Transcript { client_msg_id, email } => (
            client_msg_id.clone(),
            Input::Transcript {
                id: client_msg_id,
                email,
            },
        ),
        VisitorToServer::Receipt { delivered, read } => {
            // Receipts have no answer; the marks are published if they moved.
            app.hub.input(conversation, Input::VisitorReceipt { delivered, read });
            return None;
        }
        VisitorToServer::Typing { typing } => {
            app.hub.visitor_typing(conversation, typing);
            return None;
        }
        VisitorToServer::History { before, limit } => {
            return Some(
                app.hub
                    .history_page(conversation, before, limit)
                    .map(ServerToVisitor::History),
            );
        }
        VisitorToServer::Identify { name, email } => {
            return app.hub.identify(conversation, name, email).err().map(Err);
        }
        VisitorToServer::Ping => return Some(Ok(ServerToVisitor::Pong)),
        VisitorToServer::Hello(_) => return None, // handled by the caller
        VisitorToServer::Unknown => {
            tracing::debug!("dropping a visitor frame of unknown type");
            return None;
        }
    };
    // Answered by the store writer once stored (acked means stored).
    let outbox = outbox?;
    app.hub.input_then(
        conversation,
        input,
        Box::new(move |reply| {
            let frame = match reply {
                Some(Ok(seq)) => ack(id)(seq).for_visitor(),
                // Named, so the visitor's outbox settles it.
                Some(Err(err)) if err.client_msg_id.is_none() => ServerToVisitor::Error(err.for_msg(Some(id))),
                Some(Err(err)) => ServerToVisitor::Error(err),
                None => return,
            };
            let _ = outbox.try_send(crate::hub::encode(&frame));
        }),
    );
    None
}
