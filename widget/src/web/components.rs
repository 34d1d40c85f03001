//! The widget's components. They read [`ChatState`] and raise callbacks;
//! only [`App`] talks to the driver.

use super::Config;
use super::driver::{self, Command};
use super::strings as s;
use crate::state::{ChatState, ConnectionState, PendingMessage, Update};
use baton_protocol::{Author, ConversationEvent, EventBody, HandoverState, OperatorProfile};
use futures::channel::mpsc::UnboundedSender;
use std::rc::Rc;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

impl Reducible for ChatState {
    type Action = Update;
    fn reduce(self: Rc<Self>, update: Update) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(update);
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub config: Rc<Config>,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let state = use_reducer(ChatState::default);
    let commands = {
        let dispatcher = state.dispatcher();
        let config = props.config.clone();
        use_memo((), move |_| driver::spawn(&config, dispatcher))
    };
    let command = |make: fn() -> Command| {
        let commands = commands.clone();
        Callback::from(move |_| {
            let _ = commands.unbounded_send(make());
        })
    };
    let on_send = {
        let commands: Rc<UnboundedSender<Command>> = commands.clone();
        Callback::from(move |text: String| {
            let _ = commands.unbounded_send(Command::Send(text));
        })
    };
    let toggle = {
        let commands = commands.clone();
        let open = state.open;
        Callback::from(move |_| {
            let _ = commands.unbounded_send(Command::SetOpen(!open));
        })
    };
    let dismiss = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Update::DismissError))
    };
    let title = props.config.title.clone().unwrap_or_else(|| s::TITLE.to_owned());
    html! {
        <>
            if state.open {
                <Panel
                    state={state.clone()}
                    {title}
                    on_close={toggle.clone()}
                    {on_send}
                    on_request_human={command(|| Command::RequestHuman)}
                    on_new_chat={command(|| Command::NewChat)}
                    on_dismiss={dismiss}
                />
            }
            <Launcher open={state.open} unread={state.unread} on_toggle={toggle} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct LauncherProps {
    open: bool,
    unread: u32,
    on_toggle: Callback<MouseEvent>,
}

#[component]
fn Launcher(props: &LauncherProps) -> Html {
    let label = if props.open { s::CLOSE_CHAT } else { s::OPEN_CHAT };
    html! {
        <button class={classes!("baton-launcher", props.open.then_some("is-open"))} type="button"
            aria-label={label} aria-expanded={props.open.to_string()} onclick={props.on_toggle.clone()}>
            <span class="baton-launcher-icon" aria-hidden="true"></span>
            if props.unread > 0 && !props.open {
                <span class="baton-badge" aria-label={format!("{} unread", props.unread)}>{ props.unread }</span>
            }
        </button>
    }
}

#[derive(Properties, PartialEq)]
struct PanelProps {
    state: UseReducerHandle<ChatState>,
    title: String,
    on_close: Callback<MouseEvent>,
    on_send: Callback<String>,
    on_request_human: Callback<MouseEvent>,
    on_new_chat: Callback<MouseEvent>,
    on_dismiss: Callback<MouseEvent>,
}

#[component]
fn Panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let handover = state.handover.state();
    let owner = match handover {
        HandoverState::Human { operator } => Some(operator.clone()),
        _ => None,
    };
    let subtitle = match &owner {
        Some(op) => op.name.clone(),
        None => s::ASSISTANT.to_owned(),
    };
    let resolved = matches!(handover, HandoverState::Resolved);
    html! {
        <section class="baton-panel" role="dialog" aria-label={props.title.clone()}>
            <header class="baton-header">
                if let Some(op) = &owner { <Avatar operator={op.clone()} /> }
                <div class="baton-header-text">
                    <h2 class="baton-title">{ &props.title }</h2>
                    <p class="baton-subtitle">{ subtitle }</p>
                </div>
                <button class="baton-close" type="button" aria-label={s::CLOSE_CHAT} onclick={props.on_close.clone()}>{"×"}</button>
            </header>
            <ConnectionBanner connection={state.connection} />
            if let Some(op) = &owner {
                <div class="baton-joined" role="status">{ s::chatting_with(&op.name) }</div>
            }
            <MessageLog events={state.events.clone()} pending={state.pending.clone()}
                can_request_human={state.can_request_human()} on_request_human={props.on_request_human.clone()} />
            if let Some(error) = &state.error {
                <div class="baton-error" role="alert">
                    <span>{ &error.message }</span>
                    <button type="button" class="baton-link" onclick={props.on_dismiss.clone()}>{ s::DISMISS }</button>
                </div>
            }
            <HandoverBar state={state.clone()} on_request_human={props.on_request_human.clone()} on_new_chat={props.on_new_chat.clone()} />
            <Composer disabled={resolved} on_send={props.on_send.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ConnectionProps {
    connection: ConnectionState,
}

#[component]
fn ConnectionBanner(props: &ConnectionProps) -> Html {
    match props.connection {
        ConnectionState::Online => html! {},
        ConnectionState::Connecting => html! { <div class="baton-connection" role="status">{ s::CONNECTING }</div> },
        ConnectionState::Reconnecting => {
            html! { <div class="baton-connection is-down" role="status">{ s::RECONNECTING }</div> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct AvatarProps {
    operator: OperatorProfile,
}

#[component]
fn Avatar(props: &AvatarProps) -> Html {
    let initial: String = props
        .operator
        .name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    html! { <span class="baton-avatar" aria-hidden="true">{ initial }</span> }
}

#[derive(Properties, PartialEq)]
struct LogProps {
    events: Vec<ConversationEvent>,
    pending: Vec<PendingMessage>,
    can_request_human: bool,
    on_request_human: Callback<MouseEvent>,
}

#[component]
fn MessageLog(props: &LogProps) -> Html {
    let log = use_node_ref();
    {
        // Keep the newest message in view.
        let log = log.clone();
        let count = props.events.len() + props.pending.len();
        use_effect_with(count, move |_| {
            if let Some(el) = log.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    // Only the latest bot message keeps its inline offer.
    let last_bot = props.events.iter().rposition(|e| {
        matches!(
            &e.body,
            EventBody::Message {
                author: Author::Bot,
                ..
            }
        )
    });
    html! {
        <div class="baton-log" role="log" aria-live="polite" aria-label="Conversation" ref={log}>
            if props.events.is_empty() && props.pending.is_empty() {
                <p class="baton-empty">{ s::GREETING }</p>
            }
            { for props.events.iter().enumerate().map(|(i, e)| render_event(e, Some(i) == last_bot && props.can_request_human, &props.on_request_human)) }
            { for props.pending.iter().map(|p| html! {
                <div class="baton-msg is-visitor is-pending" key={p.id.as_str().to_owned()}>
                    <p class="baton-bubble">{ &p.text }</p>
                    <span class="baton-receipt">{ if p.acked { s::SENT } else { s::SENDING } }</span>
                </div>
            }) }
        </div>
    }
}

fn render_event(event: &ConversationEvent, offer: bool, on_request_human: &Callback<MouseEvent>) -> Html {
    let banner = |text: String| html! { <p class="baton-banner" key={event.seq.0}>{ text }</p> };
    match &event.body {
        EventBody::Message {
            author,
            text,
            offer_human,
            ..
        } => {
            let (class, who) = match author {
                Author::Visitor => ("is-visitor", s::YOU.to_owned()),
                Author::Bot => ("is-bot", s::ASSISTANT.to_owned()),
                Author::Operator { operator } => ("is-operator", operator.name.clone()),
                Author::Unknown => ("is-bot", String::new()),
            };
            html! {
                <div class={classes!("baton-msg", class)} key={event.seq.0}>
                    <span class="baton-author">{ who }</span>
                    // Text is rendered as a text node, never as HTML.
                    <p class="baton-bubble">{ text }</p>
                    if matches!(author, Author::Visitor) { <span class="baton-receipt">{ s::SENT }</span> }
                    if *offer_human && offer {
                        <button class="baton-offer" type="button" onclick={on_request_human.clone()}>{ "Talk to a human" }</button>
                    }
                </div>
            }
        }
        EventBody::HelpRequested { .. } => banner(s::HELP_REQUESTED.into()),
        EventBody::RequestCancelled => banner(s::REQUEST_CANCELLED.into()),
        EventBody::RequestLapsed => banner(s::REQUEST_LAPSED.into()),
        EventBody::OperatorJoined { operator } => banner(s::joined(&operator.name)),
        EventBody::OperatorTookOver { operator, .. } | EventBody::Transferred { to: operator, .. } => {
            banner(s::took_over(&operator.name))
        }
        EventBody::OperatorLeft { operator } => banner(s::left(&operator.name)),
        EventBody::VisitorEndedHuman { operator } => banner(s::you_ended(&operator.name)),
        EventBody::Resolved { .. } => banner(s::RESOLVED.into()),
        EventBody::Unknown => html! {},
    }
}

#[derive(Properties, PartialEq)]
struct HandoverBarProps {
    state: UseReducerHandle<ChatState>,
    on_request_human: Callback<MouseEvent>,
    on_new_chat: Callback<MouseEvent>,
}

/// Below the log: "Talk to a human", the offline message, the waiting
/// banner, or "Start a new chat" — whichever fits the handover state.
#[component]
fn HandoverBar(props: &HandoverBarProps) -> Html {
    let state = &props.state;
    match state.handover.state() {
        HandoverState::Bot => match &state.availability {
            Some(a) if a.human_available && a.show_button => html! {
                <div class="baton-bar">
                    <button class="baton-human" type="button" onclick={props.on_request_human.clone()}>{ &a.button_label }</button>
                </div>
            },
            Some(a) if a.human_available => html! {},
            Some(a) => html! { <p class="baton-bar baton-offline">{ &a.offline_message }</p> },
            None => html! {},
        },
        HandoverState::Waiting { deadline } => {
            let left_ms = deadline.0.saturating_sub(js_sys::Date::now() as u64);
            html! {
                <div class="baton-bar baton-waiting" role="status">
                    <span class="baton-spinner" aria-hidden="true"></span>
                    <div>
                        <strong>{ s::WAITING }</strong>
                        <p>{ s::waiting_detail(left_ms.div_ceil(60_000)) }</p>
                    </div>
                </div>
            }
        }
        HandoverState::Resolved => html! {
            <div class="baton-bar">
                <span>{ s::CHAT_CLOSED }</span>
                <button class="baton-human" type="button" onclick={props.on_new_chat.clone()}>{ s::NEW_CHAT }</button>
            </div>
        },
        HandoverState::Human { .. } | HandoverState::Unknown => html! {},
    }
}

#[derive(Properties, PartialEq)]
struct ComposerProps {
    disabled: bool,
    on_send: Callback<String>,
}

#[component]
fn Composer(props: &ComposerProps) -> Html {
    let input = use_node_ref();
    let submit = {
        let input = input.clone();
        let on_send = props.on_send.clone();
        move || {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                let text = el.value();
                if !text.trim().is_empty() {
                    on_send.emit(text);
                    el.set_value("");
                }
                let _ = el.focus();
            }
        }
    };
    let onkeydown = {
        let submit = submit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    });
    html! {
        <form class="baton-composer" {onsubmit}>
            <label class="baton-sr-only" for="baton-message">{ s::MESSAGE_LABEL }</label>
            <textarea id="baton-message" ref={input} rows="1" maxlength="4000" placeholder={s::MESSAGE_PLACEHOLDER}
                disabled={props.disabled} {onkeydown} />
            <button class="baton-send" type="submit" disabled={props.disabled}>{ s::SEND }</button>
        </form>
    }
}
