//! The operator WebSocket: `GET /ws/operator`, subprotocol `baton.v1`. The
//! operator is whoever the session cookie (or bearer token) names; frames
//! never claim an identity. Only same-origin pages may open it, so another
//! site cannot ride an operator's cookie.

use crate::AppState;
use crate::hub::PeerId;
use crate::socket::{self, PeerOutbox, RateLimit};
use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_protocol::availability::StatusChange;
use baton_protocol::conversation::Input;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::{ClientMsgId, ErrorBody, ErrorCode, Intent, OperatorId, OperatorProfile};

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
/// (with a bearer token) may omit it. The HTTP API's writes use the same
/// rule (`api::writer`).
pub fn same_origin(headers: &HeaderMap) -> bool {
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
    let _open = crate::metrics::ConnectionGuard::new(app.hub.metrics(), "operator");
    let (mut reader, mut peer, rows) = socket::start_operator(ws, RateLimit::of(app.limits.operator), app.limits.idle);
    let mut session: Option<PeerId> = None;
    // What this connection negotiated: answers of a feature it lacks are
    // not sent either (PROTOCOL.md §2.5).
    let mut negotiated = crate::hub::Features::default();
    loop {
        let frame = match reader.next::<OperatorToServer>(session.is_none()).await {
            socket::Incoming::Frame(frame) => frame,
            socket::Incoming::Refused(err) => {
                peer.send(&ServerToOperator::Error(err));
                continue;
            }
            socket::Incoming::NoHello => {
                peer.send(&ServerToOperator::Error(socket::hello_required()));
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
        let reply = match (session, frame) {
            (None, OperatorToServer::Hello { protocol, features }) => {
                if app.is_draining() {
                    // As a visitor's (`visitor_ws`): too late to join.
                    peer.send(&ServerToOperator::GoingAway {
                        retry_after: crate::GOING_AWAY_RETRY,
                    });
                    break;
                }
                let Some(outbox) = peer.outbox() else { break };
                match app
                    .hub
                    .operator_hello(&operator, protocol, &features, &outbox, rows.clone())
                {
                    Ok(id) => {
                        session = Some(id);
                        negotiated = crate::hub::Features::of(&features);
                        peer.handed_to_hub();
                        None
                    }
                    Err(err) => {
                        peer.send(&ServerToOperator::Error(err));
                        break;
                    }
                }
            }
            (None, _) => Some(Err(ErrorBody::new(ErrorCode::HelloRequired, "say hello first"))),
            (Some(_), frame) => {
                if frame != OperatorToServer::Ping {
                    app.hub.touch(&operator);
                }
                handle(&app, &operator, &peer, frame)
            }
        };
        let delivered = match reply {
            Some(Ok(frame)) if !negotiated.allow(frame.feature()) => true,
            Some(Ok(frame)) => peer.send(&frame),
            Some(Err(err)) => peer.send(&ServerToOperator::Error(err)),
            None => true,
        };
        if !delivered {
            break;
        }
    }
    if let Some(id) = session {
        app.hub.operator_gone(id);
    }
}

/// The conversation a frame acts on, and its client message id if it has
/// one. Such frames need access to the conversation's bot.
fn names_conversation(frame: &OperatorToServer) -> Option<(&baton_protocol::ConversationId, Option<ClientMsgId>)> {
    use OperatorToServer as F;
    match frame {
        F::Open { conversation }
        | F::History { conversation, .. }
        | F::Typing { conversation, .. }
        | F::Receipt { conversation, .. } => Some((conversation, None)),
        F::Join {
            conversation,
            client_msg_id,
            ..
        }
        | F::TakeOver {
            conversation,
            client_msg_id,
            ..
        }
        | F::Transfer {
            conversation,
            client_msg_id,
            ..
        }
        | F::Leave {
            conversation,
            client_msg_id,
        }
        | F::Resolve {
            conversation,
            client_msg_id,
        }
        | F::Send {
            conversation,
            client_msg_id,
            ..
        }
        | F::AddNote {
            conversation,
            client_msg_id,
            ..
        }
        | F::ReplyByEmail {
            conversation,
            client_msg_id,
            ..
        } => Some((conversation, Some(client_msg_id.clone()))),
        F::Hello { .. }
        | F::SetStatus { .. }
        | F::SetTeammateStatus { .. }
        | F::SaveShortcut { .. }
        | F::DeleteShortcut { .. }
        | F::Ping
        | F::Unknown => None,
    }
}

/// One frame of an established operator session. An error answering a
/// request that carries a client message id always names it, whatever
/// refused it (an unknown conversation, the store), so the inbox's outbox
/// settles it instead of resending it for ever.
fn handle(
    app: &AppState,
    me: &OperatorId,
    peer: &PeerOutbox,
    frame: OperatorToServer,
) -> Option<Result<ServerToOperator, ErrorBody>> {
    let id = frame.client_msg_id().cloned();
    handle_frame(app, me, peer, frame).map(|reply| {
        reply.map_err(|err| match (&err.client_msg_id, id) {
            (None, Some(id)) => err.for_msg(Some(id)),
            _ => err,
        })
    })
}

/// A saved reply was saved or deleted: `done`, then the new list — to
/// this operator's inboxes for their own reply, to every inbox for a team
/// reply.
fn shortcuts_changed(
    app: &AppState,
    me: &OperatorId,
    peer: &PeerOutbox,
    client_msg_id: ClientMsgId,
    changed: Result<baton_protocol::operator::ShortcutScope, ErrorBody>,
) -> Option<Result<ServerToOperator, ErrorBody>> {
    match changed {
        Err(err) => Some(Err(err)),
        Ok(baton_protocol::operator::ShortcutScope::Team) => {
            peer.send(&ServerToOperator::Done { client_msg_id });
            app.hub.publish_team_shortcuts();
            None
        }
        Ok(baton_protocol::operator::ShortcutScope::Mine) => Some(app.hub.shortcuts(me).map(|shortcuts| {
            peer.send(&ServerToOperator::Done { client_msg_id });
            ServerToOperator::Shortcuts { shortcuts }
        })),
    }
}

fn handle_frame(
    app: &AppState,
    me: &OperatorId,
    peer: &PeerOutbox,
    frame: OperatorToServer,
) -> Option<Result<ServerToOperator, ErrorBody>> {
    let done = |id: ClientMsgId| move |()| ServerToOperator::Done { client_msg_id: id };
    // As the visitor will see them: the bot's default avatar and colour
    // where the operator set none.
    let profile = |conversation: &baton_protocol::ConversationId| {
        app.hub
            .profile_for(me, conversation)
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))
    };
    let named = |profile: OperatorProfile, name: &str| {
        let name: String = name.trim().chars().take(60).collect();
        OperatorProfile {
            name: if name.is_empty() { profile.name.clone() } else { name },
            ..profile
        }
    };
    if let Some((conversation, id)) = names_conversation(&frame) {
        if !app.hub.may_access(me, conversation) {
            return Some(Err(crate::hub::not_found().for_msg(id)));
        }
    }
    let (conversation, id, input) =
        match frame {
            OperatorToServer::Hello { .. } => {
                return Some(Err(ErrorBody::new(
                    ErrorCode::BadFrame,
                    "hello was already said on this connection",
                )));
            }
            // No direct answer: the roster broadcast that follows is the answer.
            OperatorToServer::SetStatus { status } => {
                return app
                    .hub
                    .change_status(StatusChange::Own {
                        operator: me.clone(),
                        status,
                    })
                    .err()
                    .map(Err);
            }
            OperatorToServer::SetTeammateStatus { operator, status } => {
                let change = StatusChange::ByAdmin {
                    admin: me.clone(),
                    target: operator,
                    status,
                };
                return app.hub.change_status(change).err().map(Err);
            }
            // The history is queued by the hub itself, in order with live events.
            OperatorToServer::Open { conversation } => {
                let outbox = peer.outbox()?;
                return app.hub.open(me, &conversation, &outbox).err().map(Err);
            }
            OperatorToServer::History {
                conversation,
                before,
                limit,
            } => {
                return Some(app.hub.history_page(&conversation, before, limit).map(|page| {
                    ServerToOperator::History {
                        conversation,
                        page,
                        notes: Vec::new(),
                    }
                }));
            }
            OperatorToServer::Join {
                conversation,
                client_msg_id,
                display_name,
            } => {
                let operator = match profile(&conversation) {
                    Ok(p) => named(p, &display_name),
                    Err(e) => return Some(Err(e)),
                };
                (conversation, client_msg_id, Intent::Join { operator })
            }
            OperatorToServer::TakeOver {
                conversation,
                client_msg_id,
                display_name,
                replacing,
            } => {
                let operator = match profile(&conversation) {
                    Ok(p) => named(p, &display_name),
                    Err(e) => return Some(Err(e)),
                };
                (conversation, client_msg_id, Intent::TakeOver { operator, replacing })
            }
            OperatorToServer::Transfer {
                conversation,
                client_msg_id,
                to,
            } => {
                // An unknown `to` is judged like a teammate who is not
                // Available (PROTOCOL.md §7.4): `conflict`, with the state.
                let to_available = app.hub.can_receive_transfer(&to, &conversation);
                let to_profile = app
                    .hub
                    .profile_for(&to, &conversation)
                    .unwrap_or_else(|| OperatorProfile {
                        name: to.to_string(),
                        id: to.clone(),
                        avatar_url: None,
                        colour: None,
                    });
                (
                    conversation,
                    client_msg_id,
                    Intent::Transfer {
                        from: me.clone(),
                        to: to_profile,
                        to_available,
                    },
                )
            }
            OperatorToServer::Leave {
                conversation,
                client_msg_id,
            } => (conversation, client_msg_id, Intent::Leave { operator: me.clone() }),
            OperatorToServer::Resolve {
                conversation,
                client_msg_id,
            } => {
                let operator = match profile(&conversation) {
                    Ok(p) => p,
                    Err(e) => return Some(Err(e)),
                };
                (conversation, client_msg_id, Intent::Resolve { operator })
            }
            OperatorToServer::Send {
                conversation,
                client_msg_id,
                text,
                original,
            } => {
                let input = Input::OperatorMessage {
                    operator: me.clone(),
                    id: client_msg_id.clone(),
                    text,
                    original,
                };
                return answered_later(app, peer, &conversation, input, client_msg_id);
            }
            OperatorToServer::ReplyByEmail {
                conversation,
                client_msg_id,
                text,
            } => {
                if !app.hub.can_email() {
                    return Some(Err(ErrorBody::new(
                        ErrorCode::Forbidden,
                        "email is not set up on this server",
                    )));
                }
                let operator = match profile(&conversation) {
                    Ok(p) => p,
                    Err(e) => return Some(Err(e)),
                };
                let input = Input::ReplyByEmail {
                    operator,
                    id: client_msg_id.clone(),
                    text,
                };
                return answered_later(app, peer, &conversation, input, client_msg_id);
            }
            OperatorToServer::AddNote {
                conversation,
                client_msg_id,
                text,
            } => {
                return Some(
                    app.hub
                        .add_note(me, &conversation, &client_msg_id, text)
                        .map(done(client_msg_id)),
                );
            }
            OperatorToServer::Typing { conversation, typing } => {
                app.hub.operator_typing(me, &conversation, typing);
                return None;
            }
            OperatorToServer::Receipt {
                conversation,
                delivered,
                read,
            } => {
                if let Some(read) = read {
                    app.hub.operator_read(me, &conversation, read);
                }
                app.hub.input(&conversation, Input::TeamReceipt { delivered, read });
                return None;
            }
            OperatorToServer::SaveShortcut {
                client_msg_id,
                shortcut,
            } => {
                let saved = app.hub.save_shortcut(me, &client_msg_id, shortcut);
                return shortcuts_changed(app, me, peer, client_msg_id, saved);
            }
            OperatorToServer::DeleteShortcut { client_msg_id, id } => {
                let deleted = app.hub.delete_shortcut(me, &id);
                return shortcuts_changed(app, me, peer, client_msg_id, deleted);
            }
            OperatorToServer::Ping => return Some(Ok(ServerToOperator::Pong)),
            OperatorToServer::Unknown => return None,
        };
    let input = Input::OperatorIntent {
        id: id.clone(),
        intent: input,
    };
    answered_later(app, peer, &conversation, input, id)
}

/// Runs an input whose answer — its ack once stored, or an error naming
/// its client message id — the store writer queues to this socket.
fn answered_later(
    app: &AppState,
    peer: &PeerOutbox,
    conversation: &baton_protocol::ConversationId,
    input: Input,
    client_msg_id: ClientMsgId,
) -> Option<Result<ServerToOperator, ErrorBody>> {
    let outbox = peer.outbox()?;
    app.hub.input_then(
        conversation,
        input,
        Box::new(move |reply| {
            let frame = match reply {
                Some(Ok(seq)) => ServerToOperator::Ack { client_msg_id, seq },
                Some(Err(err)) if err.client_msg_id.is_none() => {
                    ServerToOperator::Error(err.for_msg(Some(client_msg_id)))
                }
                Some(Err(err)) => ServerToOperator::Error(err),
                None => return,
            };
            let _ = outbox.try_send(crate::hub::encode(&frame));
        }),
    );
    None
}
