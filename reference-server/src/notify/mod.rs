//! Notifications: what the server tells the outside world when people are
//! needed, and the translate proxy for operators.
//!
//! - [`webhooks`]: POST to team channels when a visitor asks for a person or
//!   starts a conversation;
//! - [`email`]: email a visitor the operator replies they did not read;
//! - [`translate`]: a LibreTranslate-compatible client behind
//!   `POST /api/translate`.
//!
//! [`spawn`] observes the hub ([`crate::hub::HubEvent`]) and drives the first
//! two. Observers never change conversations, and a slow receiver or relay
//! never slows the hub: deliveries run in their own tasks, bounded in number.

pub mod config;
pub mod email;
pub mod translate;
pub mod webhooks;

pub use config::{
    EmailConfig, NotifyConfig, NotifyConfigError, TranslateConfig, Trigger, WebhookFormat, WebhookTarget,
};
pub use translate::{TranslateError, TranslateRequest, TranslateResponse, handle_translate, translate};

use crate::hub::{Hub, HubEvent, now};
use baton_protocol::EventBody;
use email::{DueEmail, Mailer, UnreadReplies};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Semaphore, broadcast};
use webhooks::WebhookEvent;

/// Deliveries (webhook POSTs with their retries, emails) under way at once.
/// Past this, new ones are dropped with a warning rather than queued
/// without bound behind a receiver that hangs.
pub const MAX_IN_FLIGHT: usize = 64;

/// The HTTP client shared by webhooks and translation (one connection pool).
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
/// webhooks link to `{public_url}/inbox/`.
///
/// Subscribes before returning, so nothing published after the call is
/// missed. The task ends when the hub is dropped (or when aborted).
pub fn spawn(hub: Arc<Hub>, config: NotifyConfig, public_url: String) -> tokio::task::JoinHandle<()> {
    if config.webhooks.is_empty() && config.email.is_none() {
        return tokio::spawn(async {});
    }
    let events = hub.subscribe();
    let notifier = Notifier::new(Arc::downgrade(&hub), config, &public_url);
    tokio::spawn(notifier.run(events))
}

struct Notifier {
    hub: Weak<Hub>,
    webhooks: Arc<[config::WebhookTarget]>,
    inbox_url: Arc<str>,
    mailer: Option<Mailer>,
    unread: Option<UnreadReplies>,
    in_flight: Arc<Semaphore>,
}

impl Notifier {
    fn new(hub: Weak<Hub>, config: NotifyConfig, public_url: &str) -> Notifier {
        let mailer = config.email.and_then(|email| match Mailer::new(email) {
            Ok(mailer) => Some(mailer),
            Err(err) => {
                tracing::error!(%err, "unread-reply emails are off: the email settings do not work");
                None
            }
        });
        let unread = mailer.as_ref().map(|m| UnreadReplies::new(m.config().delay()));
        Notifier {
            hub,
            webhooks: config.webhooks.into(),
            inbox_url: format!("{}/inbox/", public_url.trim_end_matches('/')).into(),
            mailer,
            unread,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

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
            self.fire_webhooks(&hook);
        }
        if let Some(unread) = &mut self.unread {
            unread.observe(event);
        }
    }

    fn fire_webhooks(&self, event: &WebhookEvent) {
        for (index, target) in self.webhooks.iter().enumerate() {
            if !target.wants(event.trigger) {
                continue;
            }
            let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
                tracing::warn!(
                    target = %target.redacted_url(),
                    event = event.trigger.as_str(),
                    "too many notifications under way; webhook dropped"
                );
                continue;
            };
            let body = webhooks::payload(target.format, event, &self.inbox_url);
            let delivery = event.delivery_id();
            let targets = Arc::clone(&self.webhooks);
            let trigger = event.trigger.as_str();
            tokio::spawn(async move {
                let _permit = permit;
                let target = &targets[index];
                match webhooks::deliver(http_client(), target, &delivery, &body).await {
                    Ok(attempts) => {
                        tracing::debug!(target = %target.redacted_url(), event = trigger, attempts, "webhook delivered")
                    }
                    Err(err) => {
                        tracing::warn!(target = %target.redacted_url(), event = trigger, %err, "webhook not delivered")
                    }
                }
            });
        }
    }

    fn send_due(&mut self) {
        let (Some(unread), Some(mailer)) = (&mut self.unread, &self.mailer) else {
            return;
        };
        for due in unread.take_due(now()) {
            let Some(hub) = self.hub.upgrade() else { return };
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
            let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
                tracing::warn!(conversation = %due.conversation, "too many notifications under way; email dropped");
                continue;
            };
            let mailer = mailer.clone();
            tokio::spawn(async move {
                let _permit = permit;
                send_email(&mailer, &address, &due).await;
            });
        }
    }
}

async fn send_email(mailer: &Mailer, address: &str, due: &DueEmail) {
    // The address is personal data: logs name the conversation only.
    match mailer.send(address, due).await {
        Ok(()) => tracing::info!(
            conversation = %due.conversation,
            replies = due.replies.len(),
            "unread-reply email sent"
        ),
        Err(err) => tracing::warn!(conversation = %due.conversation, %err, "unread-reply email not sent"),
    }
}

/// The webhook a hub event fires, if any.
fn webhook_event(event: &HubEvent) -> Option<WebhookEvent> {
    match event {
        HubEvent::NewConversation { conversation, bot } => Some(WebhookEvent {
            trigger: Trigger::NewConversation,
            conversation: conversation.clone(),
            bot: bot.clone(),
            at: now(),
            deadline: None,
            seq: None,
        }),
        HubEvent::Stored {
            conversation,
            bot,
            event,
        } => match event.body {
            EventBody::HelpRequested { deadline } => Some(WebhookEvent {
                trigger: Trigger::HelpRequested,
                conversation: conversation.clone(),
                bot: bot.clone(),
                at: event.at,
                deadline: Some(deadline),
                seq: Some(event.seq),
            }),
            _ => None,
        },
        // Escalations reach the notification center's channels (see the settings work).
        HubEvent::VisitorMarks { .. } | HubEvent::Identified { .. } | HubEvent::Escalation { .. } => None,
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
        let help = webhook_event(&stored(EventBody::HelpRequested {
            deadline: Timestamp(70),
        }))
        .unwrap();
        assert_eq!(help.trigger, Trigger::HelpRequested);
        assert_eq!(
            (help.at, help.deadline, help.seq),
            (Timestamp(10), Some(Timestamp(70)), Some(Seq(2)))
        );
        assert!(webhook_event(&stored(EventBody::RequestLapsed)).is_none());
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
