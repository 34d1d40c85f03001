//! The unread-reply email: when an operator answers a visitor who is not
//! looking (their widget reports no read mark covering the reply within the
//! configured delay), the visitor gets one email with the replies they
//! missed — if they left an address through `identify`.
//!
//! [`UnreadReplies`] is the whole policy as a pure state machine over hub
//! events and time (tests script both). The driver in `notify/mod.rs` feeds
//! it, sleeps until [`UnreadReplies::next_due`], and hands what
//! [`UnreadReplies::take_due`] returns to a [`Mailer`].
//!
//! Policy:
//! - an operator reply stored at `t` is due at `t + delay`; replies that
//!   arrive before then ride along in the same email (the window is anchored
//!   at the oldest unread reply, so a chatty operator cannot postpone it for
//!   ever);
//! - a visitor read mark at or past a reply removes it; when none is left the
//!   email is cancelled;
//! - each reply is emailed at most once; a reply after an email opens a new
//!   window (so at most one email per conversation per `delay`);
//! - whether the visitor left an address is checked when the email is due
//!   (the store is the truth, and an address given after the reply counts).
//!
//! The read mark stands in for "offline": a widget that is open and visible
//! reports it within a second, a closed tab or a hidden one does not.

use super::config::EmailConfig;
use crate::hub::HubEvent;
use baton_protocol::{Author, ConversationId, EventBody, Seq, Timestamp};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::collections::HashMap;
use std::time::Duration;

/// At most this many replies are kept (and quoted) per email; older ones are
/// counted, not quoted.
pub const MAX_REPLIES_PER_EMAIL: usize = 20;
/// Each quoted reply is cut to this many characters.
pub const MAX_QUOTE_CHARS: usize = 1_000;

/// An operator's reply the visitor has not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadReply {
    pub seq: Seq,
    pub at: Timestamp,
    /// The name the visitor sees for the operator.
    pub author: String,
    pub text: String,
}

/// "Email the visitor of `conversation` about `replies`."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEmail {
    pub conversation: ConversationId,
    /// Oldest first, at most [`MAX_REPLIES_PER_EMAIL`].
    pub replies: Vec<UnreadReply>,
    /// Older unread replies left out to keep the email short.
    pub omitted: usize,
}

#[derive(Debug)]
struct Pending {
    replies: Vec<UnreadReply>,
    omitted: usize,
}

impl Pending {
    fn oldest(&self) -> Option<Timestamp> {
        self.replies.iter().map(|r| r.at).min()
    }
}

/// The scheduler's state: unread operator replies per conversation.
#[derive(Debug)]
pub struct UnreadReplies {
    delay: u64,
    pending: HashMap<ConversationId, Pending>,
    /// The highest seq already emailed (or dropped) per conversation, so a
    /// reply is never emailed twice.
    handled: HashMap<ConversationId, Seq>,
}

impl UnreadReplies {
    pub fn new(delay: Duration) -> UnreadReplies {
        UnreadReplies {
            delay: delay.as_millis() as u64,
            pending: HashMap::new(),
            handled: HashMap::new(),
        }
    }

    /// After a restart: replies up to `through` were emailed or read
    /// before it; later ones come back through [`UnreadReplies::operator_reply`].
    pub fn restore_handled(&mut self, conversation: &ConversationId, through: Seq) {
        self.handled.insert(conversation.clone(), through);
    }

    /// Folds in what the hub published.
    pub fn observe(&mut self, event: &HubEvent) {
        match event {
            // Replies stored elsewhere too: every process keeps the email
            // owed, and the one that claims it sends it (`notify::send_due`).
            HubEvent::Stored {
                conversation, event, ..
            }
            | HubEvent::StoredElsewhere {
                conversation, event, ..
            } => {
                if let EventBody::Message {
                    author: Author::Operator { operator },
                    text,
                    ..
                } = &event.body
                {
                    self.operator_reply(
                        conversation,
                        UnreadReply {
                            seq: event.seq,
                            at: event.at,
                            author: operator.name.clone(),
                            text: text.clone(),
                        },
                    );
                }
            }
            HubEvent::VisitorMarks { conversation, marks } => self.visitor_read(conversation, marks.read),
            HubEvent::NewConversation { .. } | HubEvent::Identified { .. } | HubEvent::Escalation { .. } => {}
        }
    }

    pub fn operator_reply(&mut self, conversation: &ConversationId, reply: UnreadReply) {
        if self.handled.get(conversation).is_some_and(|h| reply.seq <= *h) {
            return;
        }
        let pending = self.pending.entry(conversation.clone()).or_insert(Pending {
            replies: Vec::new(),
            omitted: 0,
        });
        if pending.replies.iter().any(|r| r.seq == reply.seq) {
            return;
        }
        pending.replies.push(reply);
        pending.replies.sort_by_key(|r| r.seq);
        if pending.replies.len() > MAX_REPLIES_PER_EMAIL {
            pending.replies.remove(0);
            pending.omitted += 1;
        }
    }

    /// The visitor has seen everything up to `read`.
    pub fn visitor_read(&mut self, conversation: &ConversationId, read: Seq) {
        let Some(pending) = self.pending.get_mut(conversation) else {
            return;
        };
        let before = pending.replies.len();
        pending.replies.retain(|r| r.seq > read);
        if pending.replies.is_empty() {
            // Cancelled: everything was read in time (`omitted` ones are
            // older still, so read too).
            self.pending.remove(conversation);
            let handled = self.handled.entry(conversation.clone()).or_default();
            *handled = (*handled).max(read);
        } else if pending.replies.len() < before {
            // A kept reply was read, so the older, omitted ones were too.
            pending.omitted = 0;
        }
    }

    /// When the next email falls due, if any is pending.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.pending
            .values()
            .filter_map(Pending::oldest)
            .min()
            .map(|oldest| Timestamp(oldest.0.saturating_add(self.delay)))
    }

    /// The emails due at `now`; they leave the state (each reply once).
    pub fn take_due(&mut self, now: Timestamp) -> Vec<DueEmail> {
        let delay = self.delay;
        let due: Vec<ConversationId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.oldest().is_some_and(|t| t.0.saturating_add(delay) <= now.0))
            .map(|(id, _)| id.clone())
            .collect();
        let mut emails: Vec<DueEmail> = due
            .into_iter()
            .filter_map(|conversation| {
                let pending = self.pending.remove(&conversation)?;
                let last = pending.replies.last()?.seq;
                let handled = self.handled.entry(conversation.clone()).or_default();
                *handled = (*handled).max(last);
                Some(DueEmail {
                    conversation,
                    replies: pending.replies,
                    omitted: pending.omitted,
                })
            })
            .collect();
        emails.sort_by(|a, b| a.conversation.cmp(&b.conversation));
        emails
    }

    /// No email is pending.
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Why an email could not be built or sent. Never carries the recipient's
/// address or the relay's credentials.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("the sender address is not valid")]
    From,
    #[error("a recipient's address is not valid")]
    To,
    #[error("the email could not be built: {0}")]
    Build(String),
    #[error("the environment variable {0} is not set")]
    MissingEnv(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

/// The subject line for `count` unread replies.
pub fn subject(config: &EmailConfig, count: usize) -> String {
    if count == 1 {
        format!("New reply from {}", config.site_name)
    } else {
        format!("{count} new replies from {}", config.site_name)
    }
}

/// The plain-text body.
pub fn body(config: &EmailConfig, due: &DueEmail) -> String {
    let count = due.replies.len() + due.omitted;
    let mut text = String::from("Hello,\n\n");
    if count == 1 {
        text.push_str(&format!(
            "You have an unread reply in your chat with {}:\n\n",
            config.site_name
        ));
    } else {
        text.push_str(&format!(
            "You have {count} unread replies in your chat with {}:\n\n",
            config.site_name
        ));
    }
    if due.omitted > 0 {
        text.push_str(&format!("({} earlier replies are in the chat.)\n\n", due.omitted));
    }
    for reply in &due.replies {
        text.push_str(&format!("{} wrote:\n", one_line(&reply.author)));
        let quote: String = reply.text.chars().take(MAX_QUOTE_CHARS).collect();
        for line in quote.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        if reply.text.chars().count() > MAX_QUOTE_CHARS {
            text.push_str("> …\n");
        }
        text.push('\n');
    }
    match &config.site_url {
        Some(url) => text.push_str(&format!("Continue the conversation: {url}\n")),
        None => text.push_str(&format!("Open the chat on {} to continue.\n", config.site_name)),
    }
    text.push_str("\nYou are receiving this email because you gave this address in the chat.\n");
    text
}

fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `Auto-Submitted: auto-generated` (RFC 3834): autoresponders stay quiet.
#[derive(Clone, Debug)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// The complete message for one due email.
pub fn compose(config: &EmailConfig, to: &str, due: &DueEmail) -> Result<Message, EmailError> {
    let from: Mailbox = config.from.parse().map_err(|_| EmailError::From)?;
    let to: Mailbox = to.parse().map_err(|_| EmailError::To)?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject(config, due.replies.len() + due.omitted))
        .header(ContentType::TEXT_PLAIN)
        .header(AutoSubmitted)
        .body(body(config, due))
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// Sends through the configured SMTP relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    config: EmailConfig,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp_host", &self.config.smtp_host)
            .field("smtp_port", &self.config.port())
            .finish_non_exhaustive()
    }
}

/// How often a transient SMTP failure (4xx, connection lost) is retried.
const SMTP_ATTEMPTS: u32 = 3;

impl Mailer {
    /// Reads the credentials from the environment now (not at each send).
    pub fn new(config: EmailConfig) -> Result<Mailer, EmailError> {
        let env = |name: &String| std::env::var(name).map_err(|_| EmailError::MissingEnv(name.clone()));
        let builder = if config.tls {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)
                .map_err(|e| EmailError::Smtp(e.to_string()))?
        } else if config.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)
                .map_err(|e| EmailError::Smtp(e.to_string()))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
        };
        let mut builder = builder
            .port(config.port())
            .timeout(Some(Duration::from_millis(config.timeout_ms)));
        if let (Some(user), Some(password)) = (&config.username_env, &config.password_env) {
            builder = builder.credentials(Credentials::new(env(user)?, env(password)?));
        }
        Ok(Mailer {
            transport: builder.build(),
            config,
        })
    }

    pub fn config(&self) -> &EmailConfig {
        &self.config
    }

    /// Composes and sends one due email to `to`, retrying transient failures.
    pub async fn send(&self, to: &str, due: &DueEmail) -> Result<(), EmailError> {
        self.deliver(compose(&self.config, to, due)?).await
    }

    /// A plain-text notice to the team (a Notification center email
    /// channel), one mail to every recipient.
    pub async fn send_notice(&self, to: &[String], subject: &str, body: &str) -> Result<(), EmailError> {
        let from: Mailbox = self.config.from.parse().map_err(|_| EmailError::From)?;
        let mut builder = Message::builder().from(from).subject(subject);
        for address in to {
            builder = builder.to(address.parse().map_err(|_| EmailError::To)?);
        }
        let message = builder
            .header(ContentType::TEXT_PLAIN)
            .header(AutoSubmitted)
            .body(body.to_owned())
            .map_err(|e| EmailError::Build(e.to_string()))?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<(), EmailError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.transport.send(message.clone()).await {
                Ok(_) => return Ok(()),
                Err(err) if err.is_transient() && attempt < SMTP_ATTEMPTS => {
                    tracing::debug!(attempt, %err, "transient SMTP failure; retrying");
                    tokio::time::sleep(Duration::from_secs(2u64.pow(attempt))).await;
                }
                Err(err) => return Err(EmailError::Smtp(err.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::receipts::ReceiptMarks;
    use baton_protocol::{BotId, ConversationEvent, OperatorId, OperatorProfile};

    const DELAY: Duration = Duration::from_millis(300);

    fn conv(id: &str) -> ConversationId {
        ConversationId(id.into())
    }

    fn stored(c: &str, seq: u64, at: u64, author: Author, text: &str) -> HubEvent {
        HubEvent::Stored {
            conversation: conv(c),
            bot: BotId("demo".into()),
            event: ConversationEvent {
                seq: Seq(seq),
                at: Timestamp(at),
                body: EventBody::Message {
                    author,
                    text: text.into(),
                    client_msg_id: None,
                    offer_human: false,
                    original: None,
                },
            },
        }
    }

    fn ana() -> Author {
        Author::Operator {
            operator: OperatorProfile {
                id: OperatorId("op-a".into()),
                name: "Ana".into(),
                avatar_url: None,
                colour: None,
            },
        }
    }

    fn read(c: &str, seq: u64) -> HubEvent {
        HubEvent::VisitorMarks {
            conversation: conv(c),
            marks: ReceiptMarks {
                delivered: Seq(seq),
                read: Seq(seq),
            },
        }
    }

    fn seqs(email: &DueEmail) -> Vec<u64> {
        email.replies.iter().map(|r| r.seq.0).collect()
    }

    #[test]
    fn an_unread_reply_is_due_after_the_delay() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 3, 1_000, ana(), "Hello"));
        assert_eq!(s.next_due(), Some(Timestamp(1_300)));
        assert!(s.take_due(Timestamp(1_299)).is_empty(), "not before the delay");
        let due = s.take_due(Timestamp(1_300));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].conversation, conv("c"));
        assert_eq!(due[0].replies[0].author, "Ana");
        assert_eq!(due[0].replies[0].text, "Hello");
        assert!(s.is_idle());
        assert!(s.take_due(Timestamp(9_999)).is_empty(), "sent once");
    }

    #[test]
    fn visitor_and_bot_messages_are_not_emailed() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 1, 1_000, Author::Visitor, "hi"));
        s.observe(&stored("c", 2, 1_000, Author::Bot, "hello from the bot"));
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn a_read_mark_covering_the_reply_cancels_it() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 3, 1_000, ana(), "Hello"));
        s.observe(&read("c", 2));
        assert_eq!(s.next_due(), Some(Timestamp(1_300)), "an older mark changes nothing");
        s.observe(&read("c", 3));
        assert_eq!(s.next_due(), None);
        assert!(s.take_due(Timestamp(5_000)).is_empty());
    }

    #[test]
    fn several_replies_within_the_delay_make_one_email() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 3, 1_000, ana(), "one"));
        s.observe(&stored("c", 4, 1_100, ana(), "two"));
        s.observe(&stored("c", 5, 1_250, ana(), "three"));
        assert_eq!(s.next_due(), Some(Timestamp(1_300)), "anchored at the oldest reply");
        let due = s.take_due(Timestamp(1_300));
        assert_eq!(due.len(), 1);
        assert_eq!(seqs(&due[0]), vec![3, 4, 5]);
    }

    #[test]
    fn a_partial_read_keeps_only_the_unread_and_moves_the_window() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 3, 1_000, ana(), "one"));
        s.observe(&stored("c", 5, 1_200, ana(), "two"));
        s.observe(&read("c", 4));
        assert_eq!(s.next_due(), Some(Timestamp(1_500)));
        let due = s.take_due(Timestamp(1_500));
        assert_eq!(seqs(&due[0]), vec![5]);
    }

    #[test]
    fn replies_after_an_email_open_a_new_window_and_none_repeats() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("c", 3, 1_000, ana(), "one"));
        assert_eq!(seqs(&s.take_due(Timestamp(1_300))[0]), vec![3]);
        // The same event again (e.g. observed twice) is not emailed again.
        s.observe(&stored("c", 3, 1_000, ana(), "one"));
        assert_eq!(s.next_due(), None);
        s.observe(&stored("c", 6, 2_000, ana(), "two"));
        assert_eq!(s.next_due(), Some(Timestamp(2_300)));
        assert_eq!(seqs(&s.take_due(Timestamp(2_300))[0]), vec![6]);
    }

    #[test]
    fn conversations_are_independent() {
        let mut s = UnreadReplies::new(DELAY);
        s.observe(&stored("a", 2, 1_000, ana(), "for a"));
        s.observe(&stored("b", 2, 1_100, ana(), "for b"));
        s.observe(&read("a", 2));
        assert_eq!(s.next_due(), Some(Timestamp(1_400)));
        let due = s.take_due(Timestamp(2_000));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].conversation, conv("b"));
    }

    #[test]
    fn a_flood_of_replies_is_capped() {
        let mut s = UnreadReplies::new(DELAY);
        for seq in 1..=(MAX_REPLIES_PER_EMAIL as u64 + 5) {
            s.observe(&stored("c", seq, 1_000, ana(), "spam"));
        }
        let due = s.take_due(Timestamp(1_300)).remove(0);
        assert_eq!(due.replies.len(), MAX_REPLIES_PER_EMAIL);
        assert_eq!(due.omitted, 5);
        assert_eq!(due.replies[0].seq, Seq(6), "the newest are kept");
    }

    fn config() -> EmailConfig {
        serde_json::from_value(serde_json::json!({
            "smtp_host": "localhost",
            "from": "Demo Shop <support@shop.example>",
            "site_name": "Demo Shop",
            "site_url": "https://shop.example/",
        }))
        .unwrap()
    }

    #[test]
    fn the_email_quotes_the_replies_and_links_back() {
        let due = DueEmail {
            conversation: conv("c"),
            replies: vec![
                UnreadReply {
                    seq: Seq(3),
                    at: Timestamp(0),
                    author: "Ana".into(),
                    text: "Your parcel left today.\nTracking: 123".into(),
                },
                UnreadReply {
                    seq: Seq(4),
                    at: Timestamp(0),
                    author: "Ana".into(),
                    text: "Anything else?".into(),
                },
            ],
            omitted: 0,
        };
        assert_eq!(subject(&config(), 2), "2 new replies from Demo Shop");
        assert_eq!(subject(&config(), 1), "New reply from Demo Shop");
        let text = body(&config(), &due);
        assert!(
            text.contains("You have 2 unread replies in your chat with Demo Shop"),
            "{text}"
        );
        assert!(
            text.contains("Ana wrote:\n> Your parcel left today.\n> Tracking: 123\n"),
            "{text}"
        );
        assert!(text.contains("> Anything else?"), "{text}");
        assert!(
            text.contains("Continue the conversation: https://shop.example/"),
            "{text}"
        );
        let message = compose(&config(), "v@example.com", &due).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("To: v@example.com"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(matches!(
            compose(&config(), "not an address", &due),
            Err(EmailError::To)
        ));
    }
}
