//! The conversation log: chat bubbles with attribution, and one centred line
//! per handover event. Message text is built into elements from its markup
//! (`baton_rich_text`), never parsed as HTML.
//!
//! A visitor's message has a Translate action: the translation into my
//! language shows in the bubble, the original one click away. An operator
//! message sent as a translation shows what its author wrote beneath it.

use crate::format::{author_label, receipt_label, system_line};
use crate::i18n::{fill, t};
use crate::state::{PendingMessage, receipt_of};
use baton_protocol::receipts::{DeliveryStatus, ReceiptMarks};
use baton_protocol::{Author, ClientMsgId, ConversationEvent, EventBody, OperatorId, Seq, Timestamp};
use baton_rich_text::rich_text_titled;
use std::collections::HashMap;
use yew::prelude::*;

/// One visitor message's translation, as far as it got.
#[derive(Clone, PartialEq)]
enum Translation {
    Loading,
    /// Shown instead of the original (`true`) or tucked away.
    Done {
        text: String,
        shown: bool,
    },
    Failed(String),
}

/// Visitor messages' translations by sequence number.
#[derive(Default, PartialEq)]
struct Translations(HashMap<Seq, Translation>);

enum TranslationAction {
    Set(Seq, Translation),
    /// Between the translation and the original.
    Flip(Seq),
}

impl Reducible for Translations {
    type Action = TranslationAction;

    fn reduce(self: std::rc::Rc<Self>, action: TranslationAction) -> std::rc::Rc<Self> {
        let mut next = self.0.clone();
        match action {
            TranslationAction::Set(seq, translation) => {
                next.insert(seq, translation);
            }
            TranslationAction::Flip(seq) => {
                if let Some(Translation::Done { shown, .. }) = next.get_mut(&seq) {
                    *shown = !*shown;
                }
            }
        }
        std::rc::Rc::new(Translations(next))
    }
}

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
    /// What visitor messages are translated into.
    #[prop_or(AttrValue::Static("en"))]
    pub my_language: AttrValue,
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

    // The log also shrinks when the reply box under it grows: stay on the
    // newest line if the operator was there.
    {
        let log = log.clone();
        use_effect_with((), move |_| {
            let stop = log
                .cast::<web_sys::Element>()
                .map(|el| crate::browser::keep_at_end(&el));
            move || {
                if let Some(stop) = stop {
                    stop();
                }
            }
        });
    }

    let translations = use_reducer(Translations::default);
    // A "Read" line or a translation grows the log after it scrolled:
    // follow that too, unless the operator has scrolled up to read.
    {
        let log = log.clone();
        use_effect_with((props.visitor_marks, translations.0.clone()), move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                let below = el.scroll_height() - el.scroll_top() - el.client_height();
                if below < 80 {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        });
    }
    // Translate, or flip between the translation and the original. Each
    // answer lands on the state as it is then (a reducer), so two
    // translations in flight do not undo each other.
    let on_translate = {
        let (translations, target) = (translations.clone(), props.my_language.clone());
        Callback::from(move |(seq, text): (Seq, String)| match translations.0.get(&seq) {
            Some(Translation::Done { .. }) => translations.dispatch(TranslationAction::Flip(seq)),
            Some(Translation::Loading) => {}
            _ => {
                translations.dispatch(TranslationAction::Set(seq, Translation::Loading));
                let (translations, target) = (translations.clone(), target.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let done = match crate::api::translate(&text, None, &target).await {
                        Ok(text) => Translation::Done { text, shown: true },
                        Err(crate::api::TranslateFailure::NotSetUp) => {
                            Translation::Failed(t().translation_not_set_up.into())
                        }
                        Err(crate::api::TranslateFailure::Failed(why)) => Translation::Failed(why),
                    };
                    translations.dispatch(TranslationAction::Set(seq, done));
                });
            }
        })
    };

    let mut previous: Option<(String, Timestamp)> = None;
    let mut items = Vec::with_capacity(props.events.len());
    for event in &props.events {
        let item = match &event.body {
            EventBody::Message {
                author, text, original, ..
            } => {
                let label = author_label(author);
                let grouped = previous
                    .as_ref()
                    .is_some_and(|(who, at)| *who == label && event.at.0.saturating_sub(at.0) < GROUP_MS);
                previous = Some((label.clone(), event.at));
                let receipt = receipt_of(event, props.visitor_marks);
                let extra = match author {
                    Author::Visitor => {
                        let translation = translations.0.get(&event.seq).cloned();
                        translate_line(event.seq, text, translation.as_ref(), &on_translate)
                    }
                    _ => original_line(original.as_deref()),
                };
                let shown = match translations.0.get(&event.seq) {
                    Some(Translation::Done {
                        text: translated,
                        shown: true,
                    }) if matches!(author, Author::Visitor) => translated,
                    _ => text,
                };
                bubble(event, author, &label, shown, grouped, &props.me, receipt, extra)
            }
            // A left message reads as the visitor's; the email answer as
            // the operator's, each with a line saying what it was.
            EventBody::MessageLeft { email, text } => {
                previous = None;
                let note = html! { <div class="msg-note msg-left">{ fill(t().ev_message_left, &[email]) }</div> };
                bubble(
                    event,
                    &Author::Visitor,
                    t().author_visitor_left,
                    text,
                    false,
                    &props.me,
                    None,
                    note,
                )
            }
            EventBody::EmailReplied { operator, text } => {
                previous = None;
                let author = Author::Operator {
                    operator: operator.clone(),
                };
                let note = html! { <div class="msg-note msg-left">{ t().answered_by_email }</div> };
                bubble(
                    event,
                    &author,
                    &author_label(&author),
                    text,
                    false,
                    &props.me,
                    None,
                    note,
                )
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
                { original_line(p.original.as_deref()) }
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

/// Under a translated operator message: what its author wrote.
fn original_line(original: Option<&str>) -> Html {
    match original {
        Some(original) => html! {
            <div class="msg-original">
                <span class="msg-original-label">{ t().written_as }</span>
                <span dir="auto">{ original.to_owned() }</span>
                <span class="msg-original-hint">{ t().visitor_got_translation }</span>
            </div>
        },
        None => html! {},
    }
}

/// Under a visitor message: Translate, or the state of its translation.
fn translate_line(seq: Seq, text: &str, translation: Option<&Translation>, on: &Callback<(Seq, String)>) -> Html {
    let click = {
        let (on, text) = (on.clone(), text.to_owned());
        Callback::from(move |_: MouseEvent| on.emit((seq, text.clone())))
    };
    let (label, note) = match translation {
        None => (t().translate, None),
        Some(Translation::Loading) => (t().translating, None),
        Some(Translation::Done { shown: true, .. }) => (t().show_original, Some(t().translated)),
        Some(Translation::Done { shown: false, .. }) => (t().show_translation, None),
        Some(Translation::Failed(why)) => {
            return html! { <div class="msg-translate msg-translate-failed" role="status">{ why.clone() }</div> };
        }
    };
    html! {
        <div class="msg-translate">
            if let Some(note) = note { <span class="msg-translate-note">{ note }</span> }
            <button type="button" class="link-button" onclick={click}
                disabled={matches!(translation, Some(Translation::Loading))}>{ label }</button>
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
fn bubble(
    event: &ConversationEvent,
    author: &Author,
    label: &str,
    text: &str,
    grouped: bool,
    me: &OperatorId,
    receipt: Option<DeliveryStatus>,
    extra: Html,
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
            { extra }
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
