use super::*;
use futures::StreamExt;
use std::time::Duration;

fn conv(id: &str, seq: u64) -> Hint {
    Hint::Conversation {
        conversation: ConversationId(id.into()),
        seq: Seq(seq),
    }
}

/// A team hint without the sender's time, as an older server sends it.
fn team_from_an_older_sender(auto_away: bool) -> Envelope {
    Envelope {
        at_us: None,
        ..Envelope::new(
            ProcessId("p1".into()),
            Hint::Team {
                operator: Some(OperatorId("o1".into())),
                bot: None,
                auto_away,
            },
        )
    }
}

#[test]
fn the_wire_format_is_small_versioned_json() {
    let before = wall_clock_us();
    let envelope = Envelope::new(ProcessId("p1".into()), conv("c1", 7));
    let at = envelope.at_us.expect("stamped when made");
    assert!(at >= before && at <= wall_clock_us(), "the sender's wall clock in µs");
    let json: serde_json::Value = serde_json::from_slice(&envelope.encode()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"v": 1, "from": "p1", "at_us": at, "kind": "conversation", "conversation": "c1", "seq": 7})
    );
    let team = team_from_an_older_sender(false);
    assert_eq!(
        String::from_utf8(team.encode()).unwrap(),
        r#"{"v":1,"from":"p1","kind":"team","operator":"o1"}"#,
        "no time from an older sender: the key is left out"
    );
    let away = team_from_an_older_sender(true);
    assert_eq!(
        String::from_utf8(away.encode()).unwrap(),
        r#"{"v":1,"from":"p1","kind":"team","operator":"o1","auto_away":true}"#,
        "auto-away is named only when it happened"
    );
    for envelope in [envelope, team, away] {
        assert_eq!(Envelope::decode(&envelope.encode()).unwrap(), envelope);
    }
    let presence = br#"{"v":1,"from":"p2","kind":"presence","conversation":"c1","visitors":2}"#;
    assert_eq!(
        Envelope::decode(presence).unwrap().hint,
        Hint::Presence {
            conversation: ConversationId("c1".into()),
            visitors: 2
        }
    );
}

#[test]
fn other_versions_and_kinds_are_refused_with_a_reason() {
    let newer = br#"{"v":2,"from":"p1","kind":"conversation","conversation":"c1","seq":7}"#;
    assert!(
        Envelope::decode(newer).unwrap_err().contains("version 2"),
        "names the version"
    );
    let unknown = br#"{"v":1,"from":"p1","kind":"weather"}"#;
    assert!(Envelope::decode(unknown).unwrap_err().contains("not a hint"));
    assert!(Envelope::decode(b"seq 7").is_err());
}

#[test]
fn topics_select_their_hints() {
    let presence = Hint::Presence {
        conversation: ConversationId("c1".into()),
        visitors: 0,
    };
    let team = Hint::Team {
        operator: None,
        bot: None,
        auto_away: false,
    };
    let one = Topic::Conversation(ConversationId("c1".into()));
    assert!(one.matches(&conv("c1", 1)) && one.matches(&presence));
    assert!(!one.matches(&conv("c2", 1)) && !one.matches(&team));
    assert!(Topic::Conversations.matches(&conv("c2", 1)) && !Topic::Conversations.matches(&team));
    assert!(Topic::Team.matches(&team) && !Topic::Team.matches(&presence));
    assert!(Topic::All.matches(&team) && Topic::All.matches(&presence));
}

#[test]
fn names_that_cannot_be_subjects_are_refused() {
    assert!(check_cluster("shop-eu_1").is_ok());
    for bad in ["", "a.b", "a b", "*", ">"] {
        assert!(matches!(check_cluster(bad), Err(BusError::BadName(_))), "{bad:?}");
    }
}

async fn next(hints: &mut Hints) -> Option<Envelope> {
    tokio::time::timeout(Duration::from_millis(500), hints.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn the_hub_side_sender_publishes_in_order_without_blocking() {
    let bus = InProcessBus::new(ProcessId("a".into()));
    let other = bus.handle(ProcessId("b".into()));
    let mut hints = other.subscribe(Topic::All).await.unwrap();
    let sender = HintSender::start(Arc::new(bus));
    for seq in 1..=3 {
        sender.send(conv("c1", seq));
    }
    for seq in 1..=3 {
        assert_eq!(next(&mut hints).await.map(|e| e.hint), Some(conv("c1", seq)));
    }
}
