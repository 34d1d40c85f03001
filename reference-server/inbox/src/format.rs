//! Pure text helpers: what the inbox says about times, states and events.
//! Kept free of the browser so they are tested natively.

use crate::i18n::{count, fill, t};
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
        0..45 => t().just_now.to_owned(),
        45..3600 => count(&t().minutes_ago, (secs / 60).max(1)),
        3600..86_400 => count(&t().hours_ago, secs / 3600),
        _ => count(&t().days_ago, secs / 86_400),
    }
}

/// A message's delivery status as shown under it (PROTOCOL.md §5).
pub fn receipt_label(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sending => t().sending,
        DeliveryStatus::Sent => t().sent,
        DeliveryStatus::Delivered => t().delivered,
        DeliveryStatus::Read => t().read,
        DeliveryStatus::Failed => t().not_sent,
    }
}

/// "1/2 online": Available operators out of the whole team.
pub fn roster_count(roster: &Roster) -> String {
    fill(
        t().roster_count,
        &[&roster.available().to_string(), &roster.operators.len().to_string()],
    )
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
        OperatorStatus::Available => t().available,
        OperatorStatus::Away => t().away,
        OperatorStatus::Busy => t().busy,
        OperatorStatus::Offline => t().offline,
        OperatorStatus::Unknown => t().unknown,
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
        Ownership::Waiting => Some((t().badge_help.to_owned(), "badge-waiting")),
        Ownership::Mine(op) => Some((fill(t().badge_with, &[&op.name]), "badge-mine")),
        Ownership::Theirs(op) => Some((fill(t().badge_with, &[&op.name]), "badge-human")),
        Ownership::Resolved => Some((t().resolved.to_owned(), "badge-resolved")),
        Ownership::Bot | Ownership::Unknown => None,
    }
}

/// Who wrote a message, as the log labels it.
pub fn author_label(author: &Author) -> String {
    match author {
        Author::Visitor => t().author_visitor.to_owned(),
        Author::Bot => t().author_bot.to_owned(),
        Author::Operator { operator } => operator.name.clone(),
        Author::Unknown => t().author_someone.to_owned(),
    }
}

/// The line a handover event shows in the log; `None` for chat messages and
/// events this build does not know.
pub fn system_line(body: &EventBody) -> Option<String> {
    Some(match body {
        EventBody::Message { .. }
        | EventBody::MessageLeft { .. }
        | EventBody::EmailReplied { .. }
        | EventBody::Unknown => return None,
        EventBody::HelpRequested {
            reason: Some(reason), ..
        } => [t().ev_help, " · ", &fill(t().reason_row, &[reason])].concat(),
        EventBody::HelpRequested { .. } => t().ev_help.to_owned(),
        EventBody::Rated { score, comment } => {
            let line = fill(t().ev_rated, &[&score.to_string()]);
            match comment {
                Some(c) => [line.as_str(), " ", &fill(t().rating_comment, &[c])].concat(),
                None => line,
            }
        }
        EventBody::TranscriptRequested { .. } => t().ev_transcript.to_owned(),
        EventBody::RequestCancelled => t().ev_cancelled.to_owned(),
        EventBody::RequestLapsed => t().ev_lapsed.to_owned(),
        EventBody::OperatorJoined { operator } => fill(t().ev_joined, &[&operator.name]),
        EventBody::OperatorTookOver { operator, previous } => fill(t().ev_took_over, &[&operator.name, &previous.name]),
        EventBody::Transferred { from, to } => fill(t().ev_transferred, &[&from.name, &to.name]),
        EventBody::OperatorLeft { operator } => fill(t().ev_left, &[&operator.name]),
        EventBody::VisitorEndedHuman { operator } => fill(t().ev_visitor_ended, &[&operator.name]),
        EventBody::OwnerGone { operator, reason, .. } => match reason {
            baton_protocol::OwnerGoneReason::Disconnected => fill(t().ev_owner_away, &[&operator.name]),
            _ => fill(t().ev_owner_offline, &[&operator.name]),
        },
        EventBody::Resolved { by: Some(op) } => fill(t().ev_resolved_by, &[&op.name]),
        EventBody::Resolved { by: None } => t().ev_resolved.to_owned(),
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
        VisitorPresence::Online => t().presence_online,
        VisitorPresence::Reconnecting => t().presence_reconnecting,
        VisitorPresence::Lost | VisitorPresence::Unknown => t().presence_left,
    }
}

/// The browser tab's title: how many requests wait for a person.
pub fn tab_title(waiting: usize) -> String {
    match waiting {
        0 => t().app_title.to_owned(),
        n => format!("({n}) {}", t().app_title),
    }
}

/// An alert as a title and a line of detail, for toasts and browser
/// notifications.
pub fn alert_text(alert: &Alert) -> (String, String) {
    let visitor = alert.visitor.clone().unwrap_or_else(|| t().a_visitor.to_owned());
    let by = alert.by.as_ref().map_or(t().a_teammate, |p| p.name.as_str());
    // The text as read, without its marks (PROTOCOL.md §11).
    let preview = alert
        .text
        .as_deref()
        .map(|t| format!("“{}”", baton_protocol::markup::plain_text(t)))
        .unwrap_or_default();
    let (title, detail) = match alert.kind {
        AlertKind::HelpRequested => (fill(t().alert_help, &[&visitor]), preview),
        AlertKind::NewChat => (fill(t().alert_new_chat, &[&visitor]), preview),
        AlertKind::Unclaimed => (
            fill(t().alert_unclaimed, &[&visitor]),
            t().alert_unclaimed_detail.to_owned(),
        ),
        AlertKind::TransferredToYou => (fill(t().alert_transferred, &[by, &visitor]), preview),
        AlertKind::TakenOver => (fill(t().alert_taken_over, &[by, &visitor]), String::new()),
        AlertKind::VisitorEnded => (
            fill(t().alert_visitor_ended, &[&visitor]),
            t().alert_visitor_ended_detail.to_owned(),
        ),
        AlertKind::OwnerGone => (
            fill(t().alert_owner_gone, &[&visitor]),
            t().alert_owner_gone_detail.to_owned(),
        ),
        AlertKind::AutoAway => (t().alert_auto_away.to_owned(), t().alert_auto_away_detail.to_owned()),
        AlertKind::SetOffline => (
            fill(t().alert_set_offline, &[by]),
            t().alert_set_offline_detail.to_owned(),
        ),
        AlertKind::Unknown => (t().alert_unknown.to_owned(), String::new()),
    };
    (title, detail)
}

/// A server message as a sentence: capital first letter.
pub fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => t().something_wrong.to_owned(),
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
            text: Some("Hi **there**, see [this](https://a.example)".into()),
        };
        // The preview is the text as read: no marks.
        assert_eq!(
            alert_text(&alert),
            ("Eli transferred Sam to you".into(), "“Hi there, see this”".into())
        );
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
