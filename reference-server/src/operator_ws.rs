//! The operator WebSocket: `GET /ws/operator`, subprotocol `baton.v1`. The
//! operator is whoever the session cookie (or bearer token) names; frames
//! never claim an identity. Only same-origin pages may open it, so another
//! site cannot ride an operator's cookie.

use crate::AppState;
use crate::socket::{self, RateLimit};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::{ErrorBody, ErrorCode, Intent, OperatorId, OperatorProfile};
use futures::StreamExt;

pub async fn upgrade(State(app): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let Some(operator) = app.operator_from(&headers) else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    if !same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "the inbox socket only accepts its own origin").into_response();
    }
    if !socket::offers_subprotocol(&headers) {
        return (StatusCode::BAD_REQUEST, "offer the WebSocket subprotocol baton.v1").into_response();
    }
    socket::configure(ws).on_upgrade(move |ws| run(app, operator, ws))
}

/// Browsers always send Origin on WebSocket upgrades; non-browser clients
/// (with a bearer token) may omit it.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        == Some(host)
}

async fn run(app: AppState, operator: OperatorId, ws: WebSocket) {
    let (mut stream, mut peer) = socket::start(ws);
    let Some(outbox) = peer.outbox() else { return };
    let peer_id = match app.hub.operator_connected(&operator, &outbox) {
        Ok(id) => id,
        Err(err) => {
            peer.send(&ServerToOperator::Error(err));
            return;
        }
    };
    drop(outbox);
    peer.handed_to_hub();
    let mut rate = RateLimit::new(40, 10);
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => break,
            _ => continue,
        };
        if !rate.allow() {
            peer.send(&ServerToOperator::Error(socket::rate_limited()));
            continue;
        }
        let reply = match socket::decode::<OperatorToServer>(&text) {
            Ok(frame) => handle(&app, &operator, &peer, frame),
            Err(err) => Some(Err(err)),
        };
        let delivered = match reply {
            Some(Ok(frame)) => peer.send(&frame),
            Some(Err(err)) => peer.send(&ServerToOperator::Error(err)),
            None => true,
        };
        if !delivered {
            break;
        }
    }
    app.hub.operator_gone(peer_id);
}

fn handle(
    app: &AppState,
    me: &OperatorId,
    peer: &socket::PeerOutbox,
    frame: OperatorToServer,
) -> Option<Result<ServerToOperator, ErrorBody>> {
    let ack = |id| move |seq| ServerToOperator::Ack { client_msg_id: id, seq };
    Some(match frame {
        OperatorToServer::Hello { protocol } if protocol == baton_protocol::PROTOCOL_VERSION => return None,
        OperatorToServer::Hello { .. } => Err(ErrorBody::new(
            ErrorCode::UnsupportedVersion,
            "this server speaks protocol version 1",
        )),
        // No direct answer: the roster broadcast that follows is the answer.
        OperatorToServer::SetStatus { status } => match app.hub.set_status(me, status) {
            Ok(()) => return None,
            Err(err) => Err(err),
        },
        // The history is queued by the hub itself, in order with live events.
        OperatorToServer::Open { conversation } => match peer.outbox() {
            Some(outbox) => match app.hub.send_history(&conversation, &outbox) {
                Ok(()) => return None,
                Err(err) => Err(err),
            },
            None => return None,
        },
        OperatorToServer::Join {
            conversation,
            client_msg_id,
            display_name,
        } => {
            let name: String = display_name.trim().chars().take(60).collect();
            app.hub
                .operator_intent(me, &conversation, client_msg_id.clone(), |profile| Intent::Join {
                    operator: OperatorProfile {
                        name: if name.is_empty() { profile.name.clone() } else { name },
                        ..profile
                    },
                })
                .map(ack(client_msg_id))
        }
        OperatorToServer::Leave {
            conversation,
            client_msg_id,
        } => app
            .hub
            .operator_intent(me, &conversation, client_msg_id.clone(), |profile| Intent::Leave {
                operator: profile.id,
            })
            .map(ack(client_msg_id)),
        OperatorToServer::Send {
            conversation,
            client_msg_id,
            text,
        } => app
            .hub
            .operator_send(me, &conversation, client_msg_id.clone(), text)
            .map(ack(client_msg_id)),
        OperatorToServer::Unknown => return None,
    })
}
