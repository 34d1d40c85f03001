//! Notifications: what the server tells the outside world when people are
//! needed, and the translate proxy for operators.
//!
//! - [`center`]: the Notification center — channels in the database
//!   ([`channel`], edited over [`channels_api`]) told when people are needed,
//!   each in its service's format ([`webhooks`] has the generic and Slack
//!   bodies);
//! - [`email`]: email a visitor the operator replies they did not read;
//! - [`translate`]: a LibreTranslate-compatible client behind
//!   `POST /api/translate`.
//!
//! [`spawn`] observes the hub ([`crate::hub::HubEvent`]) and drives the first
//! two. Observers never change conversations, and a slow receiver or relay
//! never slows the hub: deliveries run in their own tasks, bounded in number.

pub mod center;
pub mod channel;
pub mod channels_api;
pub mod config;
pub mod email;
pub mod followup;
pub mod translate;
pub mod webhooks;

pub use center::Center;
pub use channel::{ChannelKind, NotifyChannel};

pub use config::{
    EmailConfig, NotifyConfig, NotifyConfigError, TranslateConfig, Trigger, WebhookFormat, WebhookTarget,
};
pub use translate::{TranslateError, TranslateRequest, TranslateResponse, handle_translate, translate};

use crate::clock::now;
use crate::hub::{Hub, HubEvent};
use baton_protocol::operator::AlertKind;
use baton_protocol::{EventBody, Seq};
use email::{DueEmail, Mailer, UnreadReplies};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use webhooks::WebhookEvent;

/// Deliveries (webhook POSTs with their retries, emails) under way at once.
/// Past this, new ones are dropped with a warning rather than queued
/// without bound behind a receiver that hangs.
pub const MAX_IN_FLIGHT: usize = 64;

/// The HTTP client shared by notifications and translation (one connection pool).
pub(crate) fn http_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .user_agent(concat!("baton-server/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the HTTP client builds (rustls with bundled roots)")
    })
}

/// Starts observing `hub` and sending what `config` asks for. `public_url`
/// is the server's address as operators reach it (`https://chat.example`);
/// messages link to `{public_url}/inbox/`.
///
/// Subscribes before returning, so nothing published after the call is
/// missed. The task ends when the hub is dropped (or when aborted).
pub fn spawn(hub: Arc<Hub>, config: NotifyConfig, public_url: String) -> tokio::task::JoinHandle<()> {
    let center = Arc::new(Center::new(&config, &public_url));
    spawn_with(hub, &config, center)
}

/// [`spawn`] with a [`Center`] the caller keeps too (the HTTP API's test
/// button sends through it). Seeds the Notification center from the config
/// file's webhooks if this database never had channels seeded.
pub fn spawn_with(hub: Arc<Hub>, config: &NotifyConfig, center: Arc<Center>) -> tokio::task::JoinHandle<()> {
    seed_channels(hub.store(), config);
    let events = hub.subscribe();
    hub.set_email_ready(center.mailer().is_some());
    let mut unread = center.mailer().map(|m| UnreadReplies::new(m.config().delay()));
    if let Some(unread) = &mut unread {
        if let Err(err) = restore_unread(unread, hub.store()) {
            tracing::error!(%err, "could not restore the unread-reply emails owed before the restart");
        }
    }
    let notifier = Notifier {
        hub: Arc::downgrade(&hub),
        center,
        unread,
    };
    tokio::spawn(notifier.run(events))
}

/// The unread-reply emails owed when the last run stopped, from the store:
/// each identified visitor's operator replies past both their read mark
/// (receipt marks persist) and what was already emailed. Due ones go out
/// at once; the others when their delay ends.
fn restore_unread(unread: &mut UnreadReplies, store: &dyn crate::store::Store) -> Result<(), crate::store::StoreError> {
    let emailed: HashMap<_, _> = store.all_emailed()?.into_iter().collect();
    let marks: HashMap<_, _> = store.all_marks()?.into_iter().collect();
    for row in store.conversations()? {
        if store.visitor_email(&row.id)?.is_none() {
            continue;
        }
        let read = marks.get(&row.id).map_or(Seq(0), |(visitor, _)| visitor.read);
        let through = read.max(emailed.get(&row.id).copied().unwrap_or(Seq(0)));
        unread.restore_handled(&row.id, through);
        for event in store.events_after(&row.id, through, email::MAX_REPLIES_PER_EMAIL * 4)? {
            unread.observe(&HubEvent::Stored {
                conversation: row.id.clone(),
                bot: row.bot.clone(),
                event,
            });
        }
    }
    Ok(())
}

/// The config file's webhooks become channels, once per database: after
/// that the database is the truth (an admin may have edited or deleted them).
pub fn seed_channels(store: &dyn crate::store::Store, config: &NotifyConfig) {
    let channels: Vec<NotifyChannel> = config
        .webhooks
        .iter()
        .enumerate()
        .map(|(index, target)| NotifyChannel::from_webhook(new_channel_id(), index, target))
        .collect();
    match store.seed_notify_channels(&channels) {
        Ok(true) if !channels.is_empty() => {
            tracing::info!(
                count = channels.len(),
                "notification channels seeded from the config file"
            )
        }
        Ok(_) => {}
        Err(err) => tracing::error!(%err, "could not seed the notification channels"),
    }
}

/// A fresh channel id.
pub fn new_channel_id() -> String {
    format!("ch-{}", &crate::auth::new_id()[..12])
}

struct Notifier {
    hub: Weak<Hub>,
    center: Arc<Center>,
    unread: Option<UnreadReplies>,
}

impl Notifier {
    async fn run(mut self, mut events: broadcast::Receiver<HubEvent>) {
        loop {
            let due = self.unread.as_ref().and_then(UnreadReplies::next_due);
            let wake = async move {
                match due {
                    Some(at) => tokio::time::sleep(Duration::from_millis(at.0.saturating_sub(now().0))).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                received = events.recv() => match received {
                    Ok(event) => self.observe(&event),
                    Err(RecvError::Lagged(missed)) => {
                        // Some help requests, replies or read marks were not
                        // seen: their notifications are lost (or an email may
                        // go out for a reply that was read). Carry on.
                        tracing::warn!(missed, "notifications fell behind the hub; some events were skipped");
                    }
                    Err(RecvError::Closed) => break,
                },
                () = wake => {}
            }
            self.send_due();
        }
    }

    fn observe(&mut self, event: &HubEvent) {
        if let Some(hook) = webhook_event(event) {
            self.fire(&hook);
        }
        if let Some(unread) = &mut self.unread {
            unread.observe(event);
        }
        if let (Some(mailer), Some(hub)) = (self.center.mailer(), self.hub.upgrade()) {
            if let Some(email) = followup::email_for(&hub, event) {
                followup::send(mailer.clone(), email);
            }
        }
    }

    /// Read from the store each time: an admin's edit applies to the next
    /// event, and events that notify are few.
    fn fire(&self, event: &WebhookEvent) {
        let Some(hub) = self.hub.upgrade() else { return };
        match hub.store().notify_channels() {
            Ok(channels) => self.center.dispatch(&channels, event),
            Err(err) => tracing::error!(%err, "could not read the notification channels"),
        }
    }

    fn send_due(&mut self) {
        let (Some(unread), Some(mailer)) = (&mut self.unread, self.center.mailer()) else {
            return;
        };
        for mut due in unread.take_due(now()) {
            let Some(hub) = self.hub.upgrade() else { return };
            // Read on any process (a marks hint may have been lost): not emailed.
            match hub.store().marks_of(&due.conversation) {
                Ok(Some((visitor, _))) => {
                    let before = due.replies.len();
                    due.replies.retain(|r| r.seq > visitor.read);
                    if due.replies.len() < before {
                        due.omitted = 0;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(%err, conversation = %due.conversation, "could not re-read the receipt marks")
                }
            }
            let (Some(first), Some(through)) = (due.replies.first(), due.replies.last()) else {
                continue;
            };
            let (back_to, through) = (Seq(first.seq.0.saturating_sub(1)), through.seq);
            let address = match hub.store().visitor_email(&due.conversation) {
                Ok(Some(address)) => address,
                Ok(None) => {
                    tracing::debug!(conversation = %due.conversation, "unread replies, but no address to email");
                    continue;
                }
                Err(err) => {
                    tracing::error!(%err, conversation = %due.conversation, "could not read the visitor's address");
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(self.center.in_flight()).try_acquire_owned() else {
                tracing::warn!(conversation = %due.conversation, "too many notifications under way; email dropped");
                continue;
            };
            // Every process that heard of the replies owes this email; the
            // one whose claim moves the stored mark sends it.
            match hub.store().claim_emailed(&due.conversation, through) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!(conversation = %due.conversation, "unread-reply email sent by another process");
                    continue;
                }
                Err(err) => {
                    tracing::error!(%err, conversation = %due.conversation, "could not claim an unread-reply email");
                    continue;
                }
            }
            let mailer = mailer.clone();
            let hub = Arc::downgrade(&hub);
            tokio::spawn(async move {
                let _permit = permit;
                if !send_email(&mailer, &address, &due).await {
                    // Given back: owed again, sent by the next start (a crash
                    // between claim and send loses it; nothing sends it twice).
                    if let Some(hub) = hub.upgrade() {
                        if let Err(err) = hub.store().release_emailed(&due.conversation, through, back_to) {
                            tracing::error!(%err, "could not give back an unsent unread-reply email");
                        }
                    }
                }
            });
        }
    }
}

/// Sends one unread-reply email; true when it went.
async fn send_email(mailer: &Mailer, address: &str, due: &DueEmail) -> bool {
    // The address is personal data: logs name the conversation only.
    match mailer.send(address, due).await {
        Ok(()) => {
            tracing::info!(
                conversation = %due.conversation,
                replies = due.replies.len(),
                "unread-reply email sent"
            );
            true
        }
        Err(err) => {
            tracing::warn!(conversation = %due.conversation, %err, "unread-reply email not sent");
            false
        }
    }
}

/// The notification a hub event fires, if any.
fn webhook_event(event: &HubEvent) -> Option<WebhookEvent> {
    let escalation = |trigger, conversation: &baton_protocol::ConversationId, bot: &baton_protocol::BotId| {
        Some(WebhookEvent {
            trigger,
            conversation: conversation.clone(),
            bot: bot.clone(),
            at: now(),
            deadline: None,
            seq: None,
        })
    };
    match event {
        HubEvent::NewConversation { conversation, bot } => escalation(Trigger::NewConversation, conversation, bot),
        HubEvent::Escalation {
            conversation,
            bot,
            kind,
        } => match kind {
            AlertKind::Unclaimed => escalation(Trigger::Unclaimed, conversation, bot),
            AlertKind::OwnerGone => escalation(Trigger::OwnerGone, conversation, bot),
            _ => None,
        },
        // The storing process told its channels.
        HubEvent::StoredElsewhere { .. } => None,
        HubEvent::Stored {
            conversation,
            bot,
            event,
        } => {
            let (trigger, deadline) = match event.body {
                EventBody::HelpRequested { deadline, .. } => (Trigger::HelpRequested, Some(deadline)),
                EventBody::Transferred { .. } => (Trigger::Transferred, None),
                EventBody::VisitorEndedHuman { .. } => (Trigger::VisitorEnded, None),
                _ => return None,
            };
            Some(WebhookEvent {
                trigger,
                conversation: conversation.clone(),
                bot: bot.clone(),
                at: event.at,
                deadline,
                seq: Some(event.seq),
            })
        }
        HubEvent::VisitorMarks { .. } | HubEvent::Identified { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::{BotId, ConversationEvent, ConversationId, Seq, Timestamp};

    #[test]
    fn which_hub_events_fire_webhooks() {
        let conversation = ConversationId("c1".into());
        let bot = BotId("demo".into());
        let new = webhook_event(&HubEvent::NewConversation {
            conversation: conversation.clone(),
            bot: bot.clone(),
        })
        .unwrap();
        assert_eq!(new.trigger, Trigger::NewConversation);
        assert_eq!((new.deadline, new.seq), (None, None));
        let stored = |body| HubEvent::Stored {
            conversation: conversation.clone(),
            bot: bot.clone(),
            event: ConversationEvent {
                seq: Seq(2),
                at: Timestamp(10),
                body,
            },
        };
        let help = webhook_event(&stored(EventBody::help(Timestamp(70)))).unwrap();
        assert_eq!(help.trigger, Trigger::HelpRequested);
        assert_eq!(
            (help.at, help.deadline, help.seq),
            (Timestamp(10), Some(Timestamp(70)), Some(Seq(2)))
        );
        assert!(webhook_event(&stored(EventBody::RequestLapsed)).is_none());
        let ana = baton_protocol::OperatorProfile {
            id: baton_protocol::OperatorId("op-a".into()),
            name: "Ana".into(),
            avatar_url: None,
            colour: None,
        };
        let ended = webhook_event(&stored(EventBody::VisitorEndedHuman { operator: ana.clone() })).unwrap();
        assert_eq!(ended.trigger, Trigger::VisitorEnded);
        let moved = webhook_event(&stored(EventBody::Transferred {
            from: ana.clone(),
            to: ana,
        }))
        .unwrap();
        assert_eq!(moved.trigger, Trigger::Transferred);
        let escalation = |kind| HubEvent::Escalation {
            conversation: conversation.clone(),
            bot: bot.clone(),
            kind,
        };
        assert_eq!(
            webhook_event(&escalation(AlertKind::Unclaimed)).map(|e| e.trigger),
            Some(Trigger::Unclaimed)
        );
        assert_eq!(
            webhook_event(&escalation(AlertKind::OwnerGone)).map(|e| e.trigger),
            Some(Trigger::OwnerGone)
        );
        assert!(webhook_event(&escalation(AlertKind::TakenOver)).is_none());
        assert!(
            webhook_event(&HubEvent::Identified {
                conversation,
                name: None,
                email: Some("v@example.com".into()),
            })
            .is_none()
        );
    }
}
