//! The follow-up emails of issue 14 (PROTOCOL.md §7.15), sent through the
//! configured email sender: an operator's answer to a left message
//! (`email_replied`, to the address of the latest `message_left`) and the
//! transcript a visitor asked for (`transcript_requested`, once — the log
//! holds at most one). Both plain text. Addresses are personal data: logs
//! name the conversation only.

use super::email::Mailer;
use crate::hub::{Hub, HubEvent};
use baton_protocol::{Author, ConversationEvent, ConversationId, EventBody};

/// The most events a transcript quotes (the newest ones).
pub const MAX_TRANSCRIPT_EVENTS: usize = 2_000;

/// What one stored event asks to send, if anything.
pub fn email_for(hub: &Hub, event: &HubEvent) -> Option<(ConversationId, String, String, String)> {
    let HubEvent::Stored {
        conversation, event, ..
    } = event
    else {
        return None;
    };
    match &event.body {
        EventBody::EmailReplied { operator, text } => {
            let to = hub.left_email(conversation)?;
            let body = format!("{text}\n\n— {}\n", operator.name);
            Some((conversation.clone(), to, "A reply to your message".into(), body))
        }
        EventBody::TranscriptRequested { email } => {
            let log = match hub
                .store()
                .events_after(conversation, baton_protocol::Seq(0), MAX_TRANSCRIPT_EVENTS)
            {
                Ok(log) => log,
                Err(err) => {
                    tracing::error!(%err, %conversation, "could not read the log for a transcript");
                    return None;
                }
            };
            Some((
                conversation.clone(),
                email.clone(),
                "Your chat transcript".into(),
                transcript(&log),
            ))
        }
        _ => None,
    }
}

/// The chat's messages as plain text, oldest first: who, when (UTC), what.
/// Never an operator's `original`, never notes (they are not in the log).
pub fn transcript(log: &[ConversationEvent]) -> String {
    let mut out = String::from("Your conversation with us:\n\n");
    for event in log {
        let (who, text) = match &event.body {
            EventBody::Message { author, text, .. } => {
                let who = match author {
                    Author::Visitor => "You".to_owned(),
                    Author::Bot => "Assistant".to_owned(),
                    Author::Operator { operator } => operator.name.clone(),
                    Author::Unknown => "Someone".to_owned(),
                };
                (who, text.clone())
            }
            EventBody::MessageLeft { text, .. } => ("You (left a message)".to_owned(), text.clone()),
            EventBody::EmailReplied { operator, text } => (format!("{} (by email)", operator.name), text.clone()),
            _ => continue,
        };
        let secs = event.at.0 / 1000;
        let (h, m) = ((secs / 3600) % 24, (secs / 60) % 60);
        out.push_str(&format!("[{h:02}:{m:02} UTC] {who}: {text}\n"));
    }
    out
}

/// Sends one follow-up email in the background.
pub fn send(mailer: Mailer, email: (ConversationId, String, String, String)) {
    let (conversation, to, subject, body) = email;
    tokio::spawn(async move {
        match mailer.send_notice(std::slice::from_ref(&to), &subject, &body).await {
            Ok(()) => tracing::info!(%conversation, subject, "follow-up email sent"),
            Err(err) => tracing::warn!(%conversation, %err, "follow-up email not sent"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::{OperatorId, OperatorProfile, Seq, Timestamp};

    #[test]
    fn a_transcript_is_the_messages_in_plain_text_without_originals() {
        let dana = OperatorProfile {
            id: OperatorId("op_dana".into()),
            name: "Dana".into(),
            avatar_url: None,
            colour: None,
        };
        let event = |seq, body| ConversationEvent {
            seq: Seq(seq),
            at: Timestamp(3_600_000 + 60_000 * seq),
            body,
        };
        let log = vec![
            event(
                1,
                EventBody::Message {
                    author: Author::Visitor,
                    text: "Hi <b>there</b>".into(),
                    client_msg_id: None,
                    offer_human: false,
                    original: None,
                },
            ),
            event(2, EventBody::OperatorJoined { operator: dana.clone() }),
            event(
                3,
                EventBody::Message {
                    author: Author::Operator { operator: dana },
                    text: "Hallo".into(),
                    client_msg_id: None,
                    offer_human: false,
                    original: Some("Hello (secret draft)".into()),
                },
            ),
        ];
        let text = transcript(&log);
        assert!(text.contains("[01:01 UTC] You: Hi <b>there</b>"), "{text}");
        assert!(text.contains("[01:03 UTC] Dana: Hallo"), "{text}");
        assert!(!text.contains("secret draft"));
        assert!(!text.contains("joined"));
    }
}
