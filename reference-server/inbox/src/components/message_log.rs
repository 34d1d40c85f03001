//! The conversation log: chat bubbles with attribution, and one centred line
//! per handover event. Message text is built into elements from its markup
//! (`baton_rich_text`), never parsed as HTML.

use crate::format::{author_label, receipt_label, system_line};
use crate::i18n::{fill, t};
use crate::state::{PendingMessage, receipt_of};
use baton_protocol::receipts::{DeliveryStatus, ReceiptMarks};
use baton_protocol::{Author, ClientMsgId, ConversationEvent, EventBody, OperatorId, Timestamp};
use baton_rich_text::rich_text_titled;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MessageLogProps {
    pub events: Vec<ConversationEvent>,
    pub pending: Vec<PendingMessage>,
    pub loaded: bool,
    pub me: OperatorId,
    /// The visitor's receipt marks: the status of operator messages.
    pub visitor_marks: ReceiptMarks,
    pub on_discard: Callback<ClientMsgId>,
    /// The visitor is typing (shown after the last message).
    #[prop_or_default]
    pub typing: bool,
    /// The visitor's label, for the typing line.
    #[prop_or_default]
    pub visitor: AttrValue,
}

/// Consecutive messages by the same author within this span share a header.
const GROUP_MS: u64 = 5 * 60 * 1000;

#[component]
pub fn MessageLog(props: &MessageLogProps) -> Html {
    let log = use_node_ref();
    // Follow the conversation: scroll to the newest entry when one arrives.
    {
        let log = log.clone();
        let count = props.events.len() + props.pending.len() + usize::from(props.typing);
        use_effect_with(count, move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let mut previous: Option<(String, Timestamp)> = None;
    let mut items = Vec::with_capacity(props.events.len());
    for event in &props.events {
        let item = match &event.body {
            EventBody::Message { author, text, .. } => {
                let label = author_label(author);
                let grouped = previous
                    .as_ref()
                    .is_some_and(|(who, at)| *who == label && event.at.0.saturating_sub(at.0) < GROUP_MS);
                previous = Some((label.clone(), event.at));
                let receipt = receipt_of(event, props.visitor_marks);
                bubble(event, author, &label, text, grouped, &props.me, receipt)
            }
            body => {
                previous = None;
                match system_line(body) {
                    Some(line) => html! {
                        <div class="log-system" key={event.seq.0.to_string()}>
                            <span class="log-system-text">{ line }</span>
                            <time class="log-system-time" title={super::full_time(event.at)}>
                                { super::clock_time(event.at) }
                            </time>
                        </div>
                    },
                    None => continue,
                }
            }
        };
        items.push(item);
    }

    let pending = props.pending.iter().map(|p| {
        let discard = {
            let (id, cb) = (p.client_msg_id.clone(), props.on_discard.clone());
            Callback::from(move |_| cb.emit(id.clone()))
        };
        html! {
            <div key={p.client_msg_id.as_str().to_owned()}
                class={classes!("msg", "msg-operator", "msg-mine", "msg-pending", p.failed.is_some().then_some("msg-failed"))}>
                <div class="bubble" dir="auto">{ rich_text_titled(&p.text) }</div>
                if let Some(reason) = &p.failed {
                    <div class="msg-note msg-note-error">
                        <span class="receipt receipt-failed">{ receipt_label(DeliveryStatus::Failed) }</span>
                        { format!(": {reason} ") }
                        <button type="button" class="link-button" onclick={discard}>{ t().discard }</button>
                    </div>
                } else {
                    <div class="msg-note receipt receipt-sending">{ receipt_label(DeliveryStatus::Sending) }</div>
                }
            </div>
        }
    });

    html! {
        // Focusable, so the keyboard can scroll it (it scrolls on its own).
        <div class="log" role="log" aria-label={t().messages} aria-live="polite" tabindex="0" ref={log}>
            if !props.loaded && props.events.is_empty() {
                <p class="log-empty">{ t().loading_conversation }</p>
            } else if props.events.is_empty() && props.pending.is_empty() {
                <p class="log-empty">{ t().no_messages }</p>
            }
            { for items }
            { for pending }
            if props.typing {
                <div class="log-typing" aria-live="off">
                    <span class="typing-dots" aria-hidden="true"><span></span><span></span><span></span></span>
                    { fill(t().is_typing, &[&props.visitor]) }
                </div>
            }
        </div>
    }
}

fn bubble(
    event: &ConversationEvent,
    author: &Author,
    label: &str,
    text: &str,
    grouped: bool,
    me: &OperatorId,
    receipt: Option<DeliveryStatus>,
) -> Html {
    let at = event.at;
    let (side, mine) = match author {
        Author::Visitor | Author::Unknown => ("msg-visitor", false),
        Author::Bot => ("msg-bot", false),
        Author::Operator { operator } => ("msg-operator", &operator.id == me),
    };
    html! {
        <div key={event.seq.0.to_string()}
            class={classes!("msg", side, mine.then_some("msg-mine"), grouped.then_some("msg-grouped"))}>
            if !grouped {
                <div class="msg-meta">
                    <span class="msg-author" dir="auto">{ label.to_owned() }</span>
                    if mine { <span class="msg-you">{ t().you_tag }</span> }
                    <time class="msg-time" title={super::full_time(at)}>{ super::clock_time(at) }</time>
                </div>
            }
            <div class="bubble" dir="auto">{ rich_text_titled(text) }</div>
            if let Some(status) = receipt {
                <div class={classes!("msg-note", "receipt", receipt_class(status))}>{ receipt_label(status) }</div>
            }
        </div>
    }
}

fn receipt_class(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sending => "receipt-sending",
        DeliveryStatus::Sent => "receipt-sent",
        DeliveryStatus::Delivered => "receipt-delivered",
        DeliveryStatus::Read => "receipt-read",
        DeliveryStatus::Failed => "receipt-failed",
    }
}
