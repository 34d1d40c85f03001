//! Wire-format tests: every frame round-trips, and a newer peer's additions
//! (unknown fields, types, enum values) decode instead of failing.

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
    let text = serde_json::to_string(&value).expect("serialises");
    let back: T = serde_json::from_str(&text).expect("deserialises");
    assert_eq!(back, value, "{text}");
}

fn op() -> OperatorProfile {
    OperatorProfile {
        id: OperatorId("op-1".into()),
        name: "Dana".into(),
        avatar_url: None,
        colour: Some("#0b7a75".into()),
    }
}

#[test]
fn visitor_frames_round_trip() {
    round_trip(VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        bot: BotId("demo".into()),
        features: vec!["receipts".into()],
        resume: Some(Resume {
            conversation: ConversationId("c1".into()),
            token: VisitorToken("secret".into()),
            last_seq: Seq(4),
        }),
        locale: Some("en-GB".into()),
        page: Some("https://shop.example/pricing".into()),
    }));
    round_trip(VisitorToServer::Send {
        client_msg_id: ClientMsgId("m1".into()),
        text: "hi".into(),
    });
    round_trip(VisitorToServer::RequestHuman {
        client_msg_id: ClientMsgId("m2".into()),
    });
    round_trip(ServerToVisitor::Event(ConversationEvent {
        seq: Seq(2),
        at: Timestamp(1_700_000_000_000),
        body: EventBody::Message {
            author: Author::Operator { operator: op() },
            text: "Hello".into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    }));
    round_trip(ServerToVisitor::Ack {
        client_msg_id: ClientMsgId("m1".into()),
        seq: Seq(3),
    });
    round_trip(ServerToVisitor::Error(ErrorBody::new(ErrorCode::TooLarge, "too long")));
}

#[test]
fn operator_frames_round_trip() {
    round_trip(OperatorToServer::SetStatus {
        status: OperatorStatus::Available,
    });
    round_trip(OperatorToServer::Join {
        conversation: ConversationId("c1".into()),
        client_msg_id: ClientMsgId("j1".into()),
        display_name: "Dana".into(),
    });
    round_trip(ServerToOperator::Event {
        conversation: ConversationId("c1".into()),
        event: ConversationEvent {
            seq: Seq(1),
            at: Timestamp(5),
            body: EventBody::OperatorJoined { operator: op() },
        },
    });
}

#[test]
fn the_documented_shape_of_a_send_frame() {
    let frame = VisitorToServer::Send {
        client_msg_id: ClientMsgId("m1".into()),
        text: "hi".into(),
    };
    assert_eq!(
        serde_json::to_value(&frame).unwrap(),
        json!({"type": "send", "client_msg_id": "m1", "text": "hi"})
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let frame: VisitorToServer =
        serde_json::from_value(json!({"type": "send", "client_msg_id": "m1", "text": "hi", "mood": "happy"})).unwrap();
    assert!(matches!(frame, VisitorToServer::Send { .. }));
}

#[test]
fn unknown_types_and_values_decode_to_unknown() {
    let frame: VisitorToServer = serde_json::from_value(json!({"type": "send_sticker", "id": 3})).unwrap();
    assert_eq!(frame, VisitorToServer::Unknown);
    let frame: ServerToVisitor = serde_json::from_value(json!({"type": "fireworks"})).unwrap();
    assert_eq!(frame, ServerToVisitor::Unknown);
    let body: EventBody = serde_json::from_value(json!({"type": "poll_created", "question": "?"})).unwrap();
    assert_eq!(body, EventBody::Unknown);
    let code: ErrorCode = serde_json::from_value(json!("quota_exceeded")).unwrap();
    assert_eq!(code, ErrorCode::Unknown);
    let status: OperatorStatus = serde_json::from_value(json!("in_a_meeting")).unwrap();
    assert_eq!(status, OperatorStatus::Unknown);
}

#[test]
fn malformed_frames_are_errors_not_panics() {
    assert!(serde_json::from_str::<VisitorToServer>("{").is_err());
    assert!(serde_json::from_str::<VisitorToServer>(r#"{"type":"send"}"#).is_err());
    assert!(serde_json::from_str::<VisitorToServer>("[1,2]").is_err());
}

#[test]
fn tokens_never_appear_in_debug_output() {
    let token = VisitorToken("very-secret".into());
    assert!(!format!("{token:?}").contains("very-secret"));
}
