//! A hand-written codec for the visitor socket's frames (feature `lean`),
//! for the WebAssembly widget, where serde's decoding of internally tagged
//! enums costs more than the rest of the widget. It decodes into and encodes
//! from the very same protocol types, follows the same tolerance rules
//! (unknown fields ignored, unknown types and values → `Unknown`), and is
//! held to serde's output by `tests/lean.rs`, which runs every golden vector
//! through both.

pub mod json;

use crate::error::{ErrorBody, ErrorCode};
use crate::event::{Author, ConversationEvent, EventBody, OperatorProfile, OwnerGoneReason};
use crate::followup::AfterLapse;
use crate::handover::HandoverState;
use crate::queue::Priority;
use crate::receipts::ReceiptMarks;
use crate::visitor::{Availability, HistoryPage, ServerToVisitor, VisitorSnapshot, VisitorToServer, VisitorWelcome};
use crate::{ClientMsgId, ConversationId, Millis, OperatorId, Seq, Timestamp, VisitorToken};
use json::{Json, Writer};

/// Decodes one server → visitor frame. `None`: not a valid frame (bad JSON,
/// or a known type missing a required field).
pub fn decode_server_to_visitor(text: &str) -> Option<ServerToVisitor> {
    let v = json::parse(text)?;
    let kind = v.get("type")?.as_str()?;
    Some(match kind {
        "welcome" => ServerToVisitor::Welcome(VisitorWelcome {
            protocol: u32::try_from(v.get("protocol")?.as_u64()?).ok()?,
            features: opt(&v, "features").map_or(Some(Vec::new()), strings)?,
            conversation: ConversationId(text_of(&v, "conversation")?),
            token: opt_text(&v, "token")?.map(VisitorToken),
            replay: events(v.get("replay")?)?,
            replay_limited: opt_bool(&v, "replay_limited")?,
            snapshot: snapshot(v.get("snapshot")?)?,
        }),
        "event" => ServerToVisitor::Event(event(&v)?),
        "ack" => ServerToVisitor::Ack {
            client_msg_id: ClientMsgId(text_of(&v, "client_msg_id")?),
            seq: seq(&v, "seq")?,
        },
        "availability" => ServerToVisitor::Availability(availability(&v)?),
        "typing" => ServerToVisitor::Typing {
            author: author(v.get("author")?)?,
            typing: v.get("typing")?.as_bool()?,
        },
        "receipts" => ServerToVisitor::Receipts {
            team: marks(v.get("team")?)?,
        },
        "history" => ServerToVisitor::History(HistoryPage {
            events: events(v.get("events")?)?,
            has_more: v.get("has_more")?.as_bool()?,
        }),
        "queue" => ServerToVisitor::Queue {
            position: u32::try_from(v.get("position")?.as_u64()?).ok()?,
            estimate_minutes: match opt(&v, "estimate_minutes") {
                None => None,
                Some(n) => Some(u32::try_from(n.as_u64()?).ok()?),
            },
        },
        "pong" => ServerToVisitor::Pong,
        "going_away" => ServerToVisitor::GoingAway {
            retry_after: Millis(v.get("retry_after")?.as_u64()?),
        },
        "error" => ServerToVisitor::Error(error(&v)?),
        _ => ServerToVisitor::Unknown,
    })
}

/// Encodes one visitor → server frame, exactly as serde would.
pub fn encode_visitor_to_server(frame: &VisitorToServer) -> String {
    let w = |kind: &str| Writer::object().str("type", kind);
    match frame {
        VisitorToServer::Hello(h) => {
            let mut out = w("hello").uint("protocol", u64::from(h.protocol));
            if !h.features.is_empty() {
                out = out.strs("features", &h.features);
            }
            out = out.str("bot", h.bot.as_str());
            if let Some(r) = &h.resume {
                let resume = Writer::object()
                    .str("conversation", r.conversation.as_str())
                    .str("token", &r.token.0)
                    .uint("last_seq", r.last_seq.0)
                    .finish();
                out = out.raw("resume", &resume);
            }
            out.opt_str("locale", h.locale.as_deref())
                .opt_str("page", h.page.as_deref())
                .finish()
        }
        VisitorToServer::Send { client_msg_id, text } => w("send")
            .str("client_msg_id", client_msg_id.as_str())
            .str("text", text)
            .finish(),
        VisitorToServer::RequestHuman { client_msg_id } => {
            w("request_human").str("client_msg_id", client_msg_id.as_str()).finish()
        }
        VisitorToServer::CancelRequest { client_msg_id } => w("cancel_request")
            .str("client_msg_id", client_msg_id.as_str())
            .finish(),
        VisitorToServer::EndHuman { client_msg_id } => {
            w("end_human").str("client_msg_id", client_msg_id.as_str()).finish()
        }
        VisitorToServer::Typing { typing } => w("typing").bool("typing", *typing).finish(),
        VisitorToServer::Receipt { delivered, read } => w("receipt")
            .opt_uint("delivered", delivered.map(|s| s.0))
            .opt_uint("read", read.map(|s| s.0))
            .finish(),
        VisitorToServer::History { before, limit } => w("history")
            .uint("before", before.0)
            .uint("limit", u64::from(*limit))
            .finish(),
        VisitorToServer::Identify { name, email } => w("identify")
            .opt_str("name", name.as_deref())
            .opt_str("email", email.as_deref())
            .finish(),
        VisitorToServer::Ping => w("ping").finish(),
        VisitorToServer::KeepWaiting { client_msg_id } => {
            w("keep_waiting").str("client_msg_id", client_msg_id.as_str()).finish()
        }
        VisitorToServer::LeaveMessage {
            client_msg_id,
            email,
            text,
        } => w("leave_message")
            .str("client_msg_id", client_msg_id.as_str())
            .str("email", email)
            .str("text", text)
            .finish(),
        VisitorToServer::Rate {
            client_msg_id,
            score,
            comment,
        } => w("rate")
            .str("client_msg_id", client_msg_id.as_str())
            .uint("score", u64::from(*score))
            .opt_str("comment", comment.as_deref())
            .finish(),
        VisitorToServer::Transcript { client_msg_id, email } => w("transcript")
            .str("client_msg_id", client_msg_id.as_str())
            .str("email", email)
            .finish(),
        VisitorToServer::Unknown => w("unknown").finish(),
    }
}

// ---------------------------------------------------------------- helpers

/// A present, non-null field.
fn opt<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    v.get(key).filter(|f| **f != Json::Null)
}

/// An optional boolean (absent or null: false); `None` if it is not a bool.
fn opt_bool(v: &Json, key: &str) -> Option<bool> {
    opt(v, key).map_or(Some(false), Json::as_bool)
}

fn text_of(v: &Json, key: &str) -> Option<String> {
    Some(v.get(key)?.as_str()?.to_owned())
}

/// An optional string: `Some(None)` when absent or null, `None` when wrong.
fn opt_text(v: &Json, key: &str) -> Option<Option<String>> {
    match opt(v, key) {
        None => Some(None),
        Some(f) => Some(Some(f.as_str()?.to_owned())),
    }
}

fn seq(v: &Json, key: &str) -> Option<Seq> {
    Some(Seq(v.get(key)?.as_u64()?))
}

fn strings(v: &Json) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|s| Some(s.as_str()?.to_owned())).collect()
}

fn events(v: &Json) -> Option<Vec<ConversationEvent>> {
    v.as_array()?.iter().map(event).collect()
}

fn event(v: &Json) -> Option<ConversationEvent> {
    Some(ConversationEvent {
        seq: seq(v, "seq")?,
        at: Timestamp(v.get("at")?.as_u64()?),
        body: body(v.get("body")?)?,
    })
}

fn profile(v: &Json) -> Option<OperatorProfile> {
    Some(OperatorProfile {
        id: OperatorId(text_of(v, "id")?),
        name: text_of(v, "name")?,
        avatar_url: opt_text(v, "avatar_url")?,
        colour: opt_text(v, "colour")?,
    })
}

fn author(v: &Json) -> Option<Author> {
    Some(match v.get("role")?.as_str()? {
        "visitor" => Author::Visitor,
        "bot" => Author::Bot,
        "operator" => Author::Operator {
            operator: profile(v.get("operator")?)?,
        },
        _ => Author::Unknown,
    })
}

fn body(v: &Json) -> Option<EventBody> {
    let op = |key: &str| profile(v.get(key)?);
    Some(match v.get("type")?.as_str()? {
        "message" => EventBody::Message {
            author: author(v.get("author")?)?,
            text: text_of(v, "text")?,
            client_msg_id: opt_text(v, "client_msg_id")?.map(ClientMsgId),
            offer_human: opt_bool(v, "offer_human")?,
            // Operators only: servers never send it to a visitor.
            original: None,
        },
        "help_requested" => EventBody::HelpRequested {
            deadline: Timestamp(v.get("deadline")?.as_u64()?),
            reason: opt_text(v, "reason")?,
            priority: match v.get("priority") {
                None => Priority::Normal,
                Some(p) => match p.as_str()? {
                    "normal" => Priority::Normal,
                    "high" => Priority::High,
                    "urgent" => Priority::Urgent,
                    _ => Priority::Unknown,
                },
            },
        },
        "message_left" => EventBody::MessageLeft {
            email: text_of(v, "email")?,
            text: text_of(v, "text")?,
        },
        "email_replied" => EventBody::EmailReplied {
            operator: op("operator")?,
            text: text_of(v, "text")?,
        },
        "rated" => EventBody::Rated {
            score: u8::try_from(v.get("score")?.as_u64()?).ok()?,
            comment: opt_text(v, "comment")?,
        },
        "transcript_requested" => EventBody::TranscriptRequested {
            email: text_of(v, "email")?,
        },
        "request_cancelled" => EventBody::RequestCancelled,
        "request_lapsed" => EventBody::RequestLapsed,
        "operator_joined" => EventBody::OperatorJoined {
            operator: op("operator")?,
        },
        "operator_took_over" => EventBody::OperatorTookOver {
            operator: op("operator")?,
            previous: op("previous")?,
        },
        "transferred" => EventBody::Transferred {
            from: op("from")?,
            to: op("to")?,
        },
        "operator_left" => EventBody::OperatorLeft {
            operator: op("operator")?,
        },
        "visitor_ended_human" => EventBody::VisitorEndedHuman {
            operator: op("operator")?,
        },
        "owner_gone" => EventBody::OwnerGone {
            operator: op("operator")?,
            deadline: Timestamp(v.get("deadline")?.as_u64()?),
            reason: match v.get("reason")?.as_str()? {
                "offline" => OwnerGoneReason::Offline,
                "deactivated" => OwnerGoneReason::Deactivated,
                "disconnected" => OwnerGoneReason::Disconnected,
                _ => OwnerGoneReason::Unknown,
            },
        },
        "resolved" => EventBody::Resolved {
            by: opt(v, "by").map(|b| profile(b).map(Some)).unwrap_or(Some(None))?,
        },
        _ => EventBody::Unknown,
    })
}

fn handover(v: &Json) -> Option<HandoverState> {
    Some(match v.get("state")?.as_str()? {
        "bot" => HandoverState::Bot,
        "waiting" => HandoverState::Waiting {
            deadline: Timestamp(v.get("deadline")?.as_u64()?),
        },
        "human" => HandoverState::Human {
            operator: profile(v.get("operator")?)?,
        },
        "resolved" => HandoverState::Resolved,
        _ => HandoverState::Unknown,
    })
}

fn marks(v: &Json) -> Option<ReceiptMarks> {
    Some(ReceiptMarks {
        delivered: seq(v, "delivered")?,
        read: seq(v, "read")?,
    })
}

fn availability(v: &Json) -> Option<Availability> {
    Some(Availability {
        human_available: v.get("human_available")?.as_bool()?,
        button_label: text_of(v, "button_label")?,
        offline_message: text_of(v, "offline_message")?,
        show_button: opt(v, "show_button").map_or(Some(true), Json::as_bool)?,
        after_lapse: match v.get("after_lapse") {
            None => AfterLapse::default(),
            Some(c) => AfterLapse {
                keep_waiting: c.get("keep_waiting")?.as_bool()?,
                leave_message: c.get("leave_message")?.as_bool()?,
                back_to_bot: c.get("back_to_bot")?.as_bool()?,
            },
        },
        rating: opt(v, "rating").map_or(Some(true), Json::as_bool)?,
    })
}

fn snapshot(v: &Json) -> Option<VisitorSnapshot> {
    Some(VisitorSnapshot {
        state: handover(v.get("state")?)?,
        last_seq: seq(v, "last_seq")?,
        availability: availability(v.get("availability")?)?,
        team_marks: marks(v.get("team_marks")?)?,
        visitor_marks: marks(v.get("visitor_marks")?)?,
    })
}

fn error(v: &Json) -> Option<ErrorBody> {
    let code = match v.get("code")?.as_str()? {
        "bad_frame" => ErrorCode::BadFrame,
        "too_large" => ErrorCode::TooLarge,
        "unsupported_version" => ErrorCode::UnsupportedVersion,
        "unauthorized" => ErrorCode::Unauthorized,
        "forbidden" => ErrorCode::Forbidden,
        "not_found" => ErrorCode::NotFound,
        "conflict" => ErrorCode::Conflict,
        "no_operator_available" => ErrorCode::NoOperatorAvailable,
        "handover_disabled" => ErrorCode::HandoverDisabled,
        "rate_limited" => ErrorCode::RateLimited,
        "hello_required" => ErrorCode::HelloRequired,
        "internal" => ErrorCode::Internal,
        _ => ErrorCode::Unknown,
    };
    let versions = match opt(v, "supported_versions") {
        None => Vec::new(),
        Some(list) => list
            .as_array()?
            .iter()
            .map(|n| u32::try_from(n.as_u64()?).ok())
            .collect::<Option<_>>()?,
    };
    Some(ErrorBody {
        code,
        message: text_of(v, "message")?,
        client_msg_id: opt_text(v, "client_msg_id")?.map(ClientMsgId),
        state: opt(v, "state")
            .map(|s| handover(s).map(|h| Some(Box::new(h))))
            .unwrap_or(Some(None))?,
        supported_versions: versions,
    })
}
