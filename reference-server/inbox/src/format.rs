//! Pure text helpers: what the inbox says about times, states and events.
//! Kept free of the browser so they are tested natively.

use crate::state::Ownership;
use baton_protocol::operator::{Alert, AlertKind, OperatorStatus, Roster};
use baton_protocol::presence::VisitorPresence;
use baton_protocol::receipts::DeliveryStatus;
use baton_protocol::{Author, EventBody, Timestamp};

/// "just now", "3 min ago", "2 h ago", "4 d ago". A `then` in the future
/// (clock skew) reads as "just now".
pub fn relative_time(now: Timestamp, then: Timestamp) -> String {
    let secs = now.0.saturating_sub(then.0) / 1000;
    match secs {
        0..45 => "just now".to_owned(),
        45..3600 => format!("{} min ago", (secs / 60).max(1)),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// A message's delivery status as shown under it (PROTOCOL.md §5).
pub fn receipt_label(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sending => "Sending…",
        DeliveryStatus::Sent => "Sent",
        DeliveryStatus::Delivered => "Delivered",
        DeliveryStatus::Read => "Read",
        DeliveryStatus::Failed => "Not sent",
    }
}

/// "1/2 online": Available operators out of the whole team.
pub fn roster_count(roster: &Roster) -> String {
    format!("{}/{} online", roster.available(), roster.operators.len())
}

/// The statuses an operator can pick, in menu order.
pub const STATUSES: [OperatorStatus; 4] = [
    OperatorStatus::Available,
    OperatorStatus::Away,
    OperatorStatus::Busy,
    OperatorStatus::Offline,
];

pub fn status_label(status: OperatorStatus) -> &'static str {
    match status {
        OperatorStatus::Available => "Available",
        OperatorStatus::Away => "Away",
        OperatorStatus::Busy => "Busy",
        OperatorStatus::Offline => "Offline",
        OperatorStatus::Unknown => "Unknown",
    }
}

/// The wire name, used as the `<option>` value.
pub fn status_value(status: OperatorStatus) -> &'static str {
    match status {
        OperatorStatus::Available => "available",
        OperatorStatus::Away => "away",
        OperatorStatus::Busy => "busy",
        OperatorStatus::Offline => "offline",
        OperatorStatus::Unknown => "unknown",
    }
}

pub fn parse_status(value: &str) -> OperatorStatus {
    STATUSES
        .into_iter()
        .find(|s| status_value(*s) == value)
        .unwrap_or(OperatorStatus::Unknown)
}

/// The pill on a list row: its text and a modifier class.
pub fn badge(ownership: Ownership<'_>) -> Option<(String, &'static str)> {
    match ownership {
        Ownership::Waiting => Some(("Help requested".to_owned(), "badge-waiting")),
        Ownership::Mine(op) => Some((format!("With {}", op.name), "badge-mine")),
        Ownership::Theirs(op) => Some((format!("With {}", op.name), "badge-human")),
        Ownership::Resolved => Some(("Resolved".to_owned(), "badge-resolved")),
        Ownership::Bot | Ownership::Unknown => None,
    }
}

/// Who wrote a message, as the log labels it.
pub fn author_label(author: &Author) -> String {
    match author {
        Author::Visitor => "Visitor".to_owned(),
        Author::Bot => "Bot".to_owned(),
        Author::Operator { operator } => operator.name.clone(),
        Author::Unknown => "Someone".to_owned(),
    }
}

/// The line a handover event shows in the log; `None` for chat messages and
/// events this build does not know.
pub fn system_line(body: &EventBody) -> Option<String> {
    Some(match body {
        EventBody::Message { .. } | EventBody::Unknown => return None,
        EventBody::HelpRequested { .. } => "The visitor asked for a person".to_owned(),
        EventBody::RequestCancelled => "The visitor withdrew the request".to_owned(),
        EventBody::RequestLapsed => "Nobody joined in time; the request lapsed and the bot is back".to_owned(),
        EventBody::OperatorJoined { operator } => format!("{} joined the chat", operator.name),
        EventBody::OperatorTookOver { operator, previous } => {
            format!("{} took over from {}", operator.name, previous.name)
        }
        EventBody::Transferred { from, to } => format!("{} transferred the chat to {}", from.name, to.name),
        EventBody::OperatorLeft { operator } => format!("{} left; the bot is back", operator.name),
        EventBody::VisitorEndedHuman { operator } => {
            format!("The visitor ended the chat with {}; the bot is back", operator.name)
        }
        EventBody::OwnerGone { operator, reason, .. } => match reason {
            baton_protocol::OwnerGoneReason::Disconnected => {
                format!(
                    "{} was away while the visitor waited; the chat is back in Waiting",
                    operator.name
                )
            }
            _ => format!("{} went offline; the chat is back in Waiting", operator.name),
        },
        EventBody::Resolved { by: Some(op) } => format!("{} closed the conversation", op.name),
        EventBody::Resolved { by: None } => "The conversation was closed".to_owned(),
    })
}

/// A country's flag emoji from its ISO 3166-1 alpha-2 code ("GB" → 🇬🇧);
/// `None` for anything that is not two ASCII letters.
pub fn flag(code: &str) -> Option<String> {
    let code = code.trim();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    code.to_ascii_uppercase()
        .chars()
        .map(|c| char::from_u32(0x1F1E6 + (c as u32 - 'A' as u32)))
        .collect()
}

/// A duration as a clock: "0:07", "1:12", "12:40", "1:02:09".
pub fn clock(millis: u64) -> String {
    let secs = millis / 1000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// How far a response window has run, for the row's urgency colour:
/// `calm` in the first half, `urgent` after, `lapsing` in the last sixth.
pub fn window_tone(now: Timestamp, since: Timestamp, deadline: Timestamp) -> &'static str {
    let total = deadline.0.saturating_sub(since.0).max(1);
    let used = now.0.saturating_sub(since.0);
    match used * 6 / total {
        0..3 => "calm",
        3..5 => "urgent",
        _ => "lapsing",
    }
}

/// The visitor's presence in words.
pub fn presence_label(presence: VisitorPresence) -> &'static str {
    match presence {
        VisitorPresence::Online => "Online",
        VisitorPresence::Reconnecting => "Reconnecting",
        VisitorPresence::Lost | VisitorPresence::Unknown => "Left the page",
    }
}

/// The browser tab's title: how many requests wait for a person.
pub fn tab_title(waiting: usize) -> String {
    match waiting {
        0 => "Baton Inbox".to_owned(),
        n => format!("({n}) Baton Inbox"),
    }
}

/// An alert as a title and a line of detail, for toasts and browser
/// notifications.
pub fn alert_text(alert: &Alert) -> (String, String) {
    let visitor = alert.visitor.clone().unwrap_or_else(|| "A visitor".to_owned());
    let by = alert.by.as_ref().map_or("A teammate", |p| p.name.as_str());
    let preview = alert.text.clone().map(|t| format!("“{t}”")).unwrap_or_default();
    let (title, detail) = match alert.kind {
        AlertKind::HelpRequested => (format!("{visitor} asked for a person"), preview),
        AlertKind::NewChat => (format!("New chat: {visitor}"), preview),
        AlertKind::Unclaimed => (
            format!("{visitor} is still waiting"),
            "Nobody has joined yet.".to_owned(),
        ),
        AlertKind::TransferredToYou => (format!("{by} transferred {visitor} to you"), preview),
        AlertKind::TakenOver => (format!("{by} took over your chat with {visitor}"), String::new()),
        AlertKind::VisitorEnded => (
            format!("{visitor} ended the chat"),
            "The assistant answers them again.".to_owned(),
        ),
        AlertKind::OwnerGone => (
            format!("{visitor} needs a person again"),
            "Their operator left; the chat is back in Waiting.".to_owned(),
        ),
        AlertKind::AutoAway => (
            "You were set to Away".to_owned(),
            "No activity for a while. Set yourself Available to get new chats.".to_owned(),
        ),
        AlertKind::SetOffline => (
            format!("{by} set you Offline"),
            "You get no new chats until you set yourself Available.".to_owned(),
        ),
        AlertKind::Unknown => ("Something happened".to_owned(), String::new()),
    };
    (title, detail)
}

/// A server message as a sentence: capital first letter.
pub fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Something went wrong".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::OperatorProfile;
    use baton_protocol::operator::RosterEntry;

    fn ts(secs: u64) -> Timestamp {
        Timestamp(secs * 1000)
    }

    #[test]
    fn relative_times() {
        let now = ts(1_000_000);
        assert_eq!(relative_time(now, ts(1_000_000)), "just now");
        assert_eq!(relative_time(now, ts(1_000_010)), "just now");
        assert_eq!(relative_time(now, ts(1_000_000 - 44)), "just now");
        assert_eq!(relative_time(now, ts(1_000_000 - 50)), "1 min ago");
        assert_eq!(relative_time(now, ts(1_000_000 - 3 * 60 - 5)), "3 min ago");
        assert_eq!(relative_time(now, ts(1_000_000 - 2 * 3600)), "2 h ago");
        assert_eq!(relative_time(now, ts(1_000_000 - 3 * 86_400)), "3 d ago");
    }

    #[test]
    fn roster_counts_available_of_all() {
        let entry = |id: &str, status| RosterEntry {
            profile: OperatorProfile {
                id: id.into(),
                name: id.into(),
                avatar_url: None,
                colour: None,
            },
            status,
            role: Default::default(),
            bots: vec![],
            connected: false,
        };
        let roster = Roster {
            operators: vec![entry("a", OperatorStatus::Available), entry("b", OperatorStatus::Away)],
            bots: vec![],
        };
        assert_eq!(roster_count(&roster), "1/2 online");
        assert_eq!(roster_count(&Roster::default()), "0/0 online");
    }

    #[test]
    fn flags_clocks_and_window_tones() {
        assert_eq!(flag("gb").as_deref(), Some("🇬🇧"));
        assert_eq!(flag("DE").as_deref(), Some("🇩🇪"));
        assert_eq!(flag("G1"), None);
        assert_eq!(flag("GBR"), None);
        assert_eq!(clock(7_000), "0:07");
        assert_eq!(clock(72_000), "1:12");
        assert_eq!(clock(3_729_000), "1:02:09");
        let (since, deadline) = (Timestamp(0), Timestamp(120_000));
        assert_eq!(window_tone(Timestamp(30_000), since, deadline), "calm");
        assert_eq!(window_tone(Timestamp(60_000), since, deadline), "urgent");
        assert_eq!(window_tone(Timestamp(110_000), since, deadline), "lapsing");
        assert_eq!(tab_title(0), "Baton Inbox");
        assert_eq!(tab_title(3), "(3) Baton Inbox");
    }

    #[test]
    fn alerts_read_as_sentences() {
        let alert = Alert {
            kind: AlertKind::TransferredToYou,
            conversation: None,
            bot: None,
            visitor: Some("Sam".into()),
            by: Some(OperatorProfile {
                id: "op-eli".into(),
                name: "Eli".into(),
                avatar_url: None,
                colour: None,
            }),
            text: Some("Hi".into()),
        };
        assert_eq!(alert_text(&alert), ("Eli transferred Sam to you".into(), "“Hi”".into()));
    }

    #[test]
    fn statuses_round_trip_through_option_values() {
        for status in STATUSES {
            assert_eq!(parse_status(status_value(status)), status);
            let wire = serde_json::to_string(&status).expect("serialises");
            assert_eq!(wire, format!("\"{}\"", status_value(status)));
        }
        assert_eq!(parse_status("nonsense"), OperatorStatus::Unknown);
    }

    #[test]
    fn sentences_start_with_a_capital() {
        assert_eq!(
            sentence("join the chat before replying"),
            "Join the chat before replying"
        );
        assert_eq!(sentence(""), "Something went wrong");
    }
}
