//! The widget's components. They read [`ChatState`] and raise callbacks;
//! only [`App`] talks to the driver (through its command channel).

use super::driver::{self, Command, Commands};
use super::strings::{fill, place_in_line, s, waiting_detail};
use super::{Config, Emitter};
use crate::machine::OutgoingKind;
use crate::state::{ChatState, ConnectionState, Form, PendingMessage, Update, looks_like_email, operator_colour};
use baton_protocol::receipts::DeliveryStatus;
use baton_protocol::{Author, ConversationEvent, EventBody, HandoverState, OperatorProfile};
use baton_rich_text::rich_text;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

impl Reducible for ChatState {
    type Action = Update;
    fn reduce(self: Rc<Self>, update: Update) -> Rc<Self> {
        // Returning the same Rc skips the render: idle clock ticks cost
        // nothing, nor do the driver's first SetOpen when the click that
        // started the widget already mounted it open and its first
        // `Connecting` (the state it starts in), both during the click.
        let unchanged = match &update {
            Update::Clock(_) => !self.wants_clock(),
            Update::SetOpen(open) => *open == self.open && (!open || self.unread == 0),
            Update::Connection(connection) => *connection == self.connection,
            _ => false,
        };
        if unchanged {
            return self;
        }
        let mut next = (*self).clone();
        next.apply(update);
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub config: Rc<Config>,
    /// To the driver, which starts when the app first renders.
    pub commands: Commands,
    pub emitter: Rc<Emitter>,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    // Started by a click: the first render is the open panel, not the
    // launcher and then the panel a render later.
    let open = props.config.open;
    let state = use_reducer(move || {
        let mut state = ChatState::default();
        state.open = open;
        state
    });
    {
        let (config, commands, dispatcher) = (props.config.clone(), props.commands.clone(), state.dispatcher());
        use_effect_with((), move |_| driver::start(&config, dispatcher, &commands));
    }
    use_host_events(&state, &props.emitter);
    let send = |command: fn() -> Command| {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| commands.send(command()))
    };
    let to_driver = {
        let commands = props.commands.clone();
        Callback::from(move |command: Command| commands.send(command))
    };
    let dismiss = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Update::DismissError))
    };
    let update = {
        let dispatcher = state.dispatcher();
        Callback::from(move |u: Update| dispatcher.dispatch(u))
    };
    let title = props.config.title.clone().unwrap_or_else(|| s().title.to_owned());
    let (launcher, log, input) = (use_node_ref(), use_node_ref(), use_node_ref());
    {
        // The newest message stays in view. Focus follows the panel: into the
        // message box when it opens, back to the launcher when it closes, and
        // the host page hears of it (`window.Baton.on("open" | "close")`).
        // Mounting closed is neither: it only takes focus if the loader's
        // stand-in launcher had it.
        let (launcher, log, input) = (launcher.clone(), log.clone(), input.clone());
        let (emitter, focus) = (props.emitter.clone(), props.config.focus);
        let last_open = use_mut_ref(|| None::<bool>);
        let count = state.events.len() + state.pending.len() + usize::from(state.typing.is_some());
        use_effect_with((state.open, count), move |&(open, _)| {
            if let Some(el) = log.cast::<Element>() {
                el.set_scroll_top(el.scroll_height());
                // Operators (and their colours) only come and go with events,
                // so this effect's keys cover them too: no hook of its own.
                if let Some(panel) = el.parent_element() {
                    paint_operator_colours(&panel);
                }
            }
            let before = last_open.borrow_mut().replace(open);
            if before == Some(open) {
                return; // only the log changed
            }
            let first = before.is_none();
            if open || !first {
                emitter.emit(if open { "open" } else { "close" }, JsValue::NULL);
            }
            let target = if open {
                &input
            } else if !first || focus {
                &launcher
            } else {
                return;
            };
            if let Some(el) = target.cast::<HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    {
        // A form the visitor opened takes the focus (its first field); when
        // it closes, the message box has it again. Only on a change: the
        // first render leaves the page's focus alone.
        let log = log.clone();
        let seen = use_mut_ref(|| None::<Option<Form>>);
        use_effect_with(state.form, move |form| {
            if seen.borrow_mut().replace(*form).is_none() {
                return;
            }
            let selector = if form.is_some() {
                ".baton-form input, .baton-form textarea"
            } else {
                "#baton-message"
            };
            let field = log
                .cast::<Element>()
                .and_then(|el| el.parent_element())
                .and_then(|panel| panel.query_selector(selector).ok().flatten());
            if let Some(el) = field {
                let _ = el.unchecked_into::<HtmlElement>().focus();
            }
        });
    }
    html! {
        <>
            if state.open {
                { panel(&PanelProps {
                    state: state.clone(),
                    title,
                    on_close: send(|| Command::SetOpen(false)),
                    on_request_human: send(|| Command::RequestHuman),
                    on_cancel: send(|| Command::CancelRequest),
                    on_end: send(|| Command::EndHuman),
                    on_new_chat: send(|| Command::NewChat),
                    on_dismiss: dismiss,
                    to_driver,
                    update,
                    log,
                    input,
                }) }
            }
            { launcher_button(launcher, state.open, state.unread, send(|| Command::Toggle)) }
        </>
    }
}

/// Tells the host page about changes it may care about (`window.Baton.on`);
/// `open` and `close` go with the focus effect in [`App`].
#[hook]
fn use_host_events(state: &UseReducerHandle<ChatState>, emitter: &Rc<Emitter>) {
    {
        let emitter = emitter.clone();
        use_effect_with(state.unread, move |unread| {
            emitter.emit("unread", JsValue::from(*unread))
        });
    }
    {
        let emitter = emitter.clone();
        use_effect_with(state.handover.state().clone(), move |handover| match handover {
            HandoverState::Human { operator } => emitter.emit("agent_joined", JsValue::from_str(&operator.name)),
            HandoverState::Resolved => emitter.emit("resolved", JsValue::NULL),
            _ => {}
        });
    }
}

// The parts below without hooks of their own are plain functions rather than
// components: each component instantiates Yew's lifecycle machinery again
// (about 1 KB of WebAssembly apiece), and re-rendering them is cheap.

fn launcher_button(node: NodeRef, open: bool, unread: u32, on_toggle: Callback<MouseEvent>) -> Html {
    let label = if open { s().close_chat } else { s().open_chat };
    html! {
        <button ref={node} class="baton-launcher" type="button"
            aria-label={label} aria-expanded={if open { "true" } else { "false" }} onclick={on_toggle}>
            <span class="baton-launcher-icon" aria-hidden="true"></span>
            if unread > 0 && !open {
                <span class="baton-badge" aria-label={[unread.to_string().as_str(), " ", s().unread].concat()}>{ unread }</span>
            }
        </button>
    }
}

struct PanelProps {
    state: UseReducerHandle<ChatState>,
    title: String,
    on_close: Callback<MouseEvent>,
    on_request_human: Callback<MouseEvent>,
    on_cancel: Callback<MouseEvent>,
    on_end: Callback<MouseEvent>,
    on_new_chat: Callback<MouseEvent>,
    on_dismiss: Callback<MouseEvent>,
    to_driver: Callback<Command>,
    /// Changes only the view (a form opened or closed, the choices dismissed).
    update: Callback<Update>,
    log: NodeRef,
    input: NodeRef,
}

fn panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let owner = match state.handover.state() {
        HandoverState::Human { operator } => Some(operator.clone()),
        _ => None,
    };
    let subtitle = owner
        .as_ref()
        .map_or_else(|| s().assistant.to_owned(), |op| op.name.clone());
    let resolved = matches!(state.handover.state(), HandoverState::Resolved);
    let onkeydown = {
        let to_driver = props.to_driver.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                to_driver.emit(Command::SetOpen(false));
            }
        })
    };
    html! {
        <section class="baton-panel" role="dialog" aria-label={props.title.clone()} {onkeydown}>
            <header class="baton-header">
                if let Some(op) = &owner { { avatar(op) } }
                <div class="baton-header-text">
                    <h2 class="baton-title">{ &props.title }</h2>
                    <p class="baton-subtitle">{ subtitle }</p>
                </div>
                <button class="baton-close" type="button" aria-label={s().close_chat} onclick={props.on_close.clone()}>{"×"}</button>
            </header>
            { connection_banner(state.connection) }
            if let Some(op) = &owner {
                <div class="baton-joined" role="status" data-colour={operator_colour(op.colour.as_deref()).to_owned()}>
                    <span>{ fill(s().chatting_with, &op.name) }</span>
                    <button type="button" class="baton-link" onclick={props.on_end.clone()}>{ s().end_chat }</button>
                </div>
            }
            { message_log(props) }
            if let Some(error) = &state.error {
                <div class="baton-error" role="alert">
                    <span>{ &error.message }</span>
                    <button type="button" class="baton-link" onclick={props.on_dismiss.clone()}>{ s().dismiss }</button>
                </div>
            }
            { handover_bar(props) }
            if let Some(form) = state.form {
                { email_form(form, props) }
            } else {
                { composer(resolved, props) }
            }
        </section>
    }
}

fn connection_banner(connection: ConnectionState) -> Html {
    match connection {
        ConnectionState::Online => html! {},
        ConnectionState::Connecting => html! { <div class="baton-connection" role="status">{ s().connecting }</div> },
        ConnectionState::Reconnecting => {
            html! { <div class="baton-connection is-down" role="status">{ s().reconnecting }</div> }
        }
    }
}

/// The operators' colours, from each element's `data-colour`, as the CSS
/// custom property `--baton-operator`. Set through the CSSOM: a `style`
/// attribute in the markup is inline style, which a page's
/// `style-src 'self'` blocks; the CSSOM is not subject to it.
fn paint_operator_colours(panel: &Element) {
    let Ok(list) = panel.query_selector_all("[data-colour]") else {
        return;
    };
    for i in 0..list.length() {
        if let Some(el) = list.get(i) {
            let el: HtmlElement = el.unchecked_into();
            let colour = el.get_attribute("data-colour").unwrap_or_default();
            // An empty value removes the property (the theme's accent).
            let _ = el.style().set_property("--baton-operator", &colour);
        }
    }
}

fn avatar(operator: &OperatorProfile) -> Html {
    let colour = operator_colour(operator.colour.as_deref());
    // The server's URL as it is: an image source never runs script, and the
    // page's `img-src` decides where images may come from.
    if let Some(url) = &operator.avatar_url {
        return html! { <img class="baton-avatar" src={url.clone()} alt="" data-colour={colour.to_owned()} /> };
    }
    // The stylesheet upper-cases it: `char::to_uppercase` would link Unicode's
    // case tables (about 10 KB of WebAssembly) for one letter.
    let initial: String = operator.name.chars().take(1).collect();
    html! { <span class="baton-avatar" aria-hidden="true" data-colour={colour.to_owned()}>{ initial }</span> }
}

fn message_log(props: &PanelProps) -> Html {
    let state = &props.state;
    // Only the current inline offer is a button; older ones are text.
    let offer = state.current_offer();
    html! {
        // Focusable, so the keyboard can scroll it when the forms below
        // leave it little room.
        <div class="baton-log" role="log" aria-live="polite" aria-label={s().conversation} tabindex="0" ref={props.log.clone()}>
            if state.events.is_empty() && state.pending.is_empty() {
                <p class="baton-empty">{ s().greeting }</p>
            }
            { for state.events.iter().map(|e| render_event(state, e, offer == Some(e.seq), &props.on_request_human)) }
            { for state.pending.iter().map(|p| render_pending(p, &props.to_driver)) }
            if let Some((name, _)) = &state.typing {
                <p class="baton-typing" aria-hidden="true">{ fill(s().is_typing, name) }</p>
            }
        </div>
    }
}

fn status_text(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sending => s().sending,
        DeliveryStatus::Sent => s().sent,
        DeliveryStatus::Delivered => s().delivered,
        DeliveryStatus::Read => s().read,
        DeliveryStatus::Failed => s().not_sent,
    }
}

fn render_pending(p: &PendingMessage, to_driver: &Callback<Command>) -> Html {
    let retry = {
        let (to_driver, id, text) = (to_driver.clone(), p.id.clone(), p.text.clone());
        Callback::from(move |_: MouseEvent| {
            to_driver.emit(Command::Retry {
                id: id.clone(),
                text: text.clone(),
            })
        })
    };
    let status = match (&p.failed, p.acked) {
        (Some(_), _) => DeliveryStatus::Failed,
        (None, true) => DeliveryStatus::Sent,
        (None, false) => DeliveryStatus::Sending,
    };
    let key = p.id.as_str().to_owned();
    let inner = html! {
        <>
            <div class="baton-bubble" dir="auto">{ rich_text(&p.text) }</div>
            <span class="baton-receipt" title={p.failed.clone()}>{ status_text(status) }</span>
            if p.failed.is_some() {
                <button type="button" class="baton-link baton-retry" onclick={retry}>{ s().retry }</button>
            }
        </>
    };
    // Literal classes only: a computed `class` goes through Yew's `Classes`
    // (an ordered set), about 1 KB gzip for three elements.
    if p.failed.is_some() {
        html! { <div class="baton-msg is-visitor is-pending is-failed" {key}>{ inner }</div> }
    } else {
        html! { <div class="baton-msg is-visitor is-pending" {key}>{ inner }</div> }
    }
}

/// `offer`: this event is the bot's current inline offer of a person.
fn render_event(
    state: &ChatState,
    event: &ConversationEvent,
    offer: bool,
    on_request_human: &Callback<MouseEvent>,
) -> Html {
    let banner = |text: String| html! { <p class="baton-banner" key={event.seq.0}>{ text }</p> };
    match &event.body {
        EventBody::Message { author, text, .. } => {
            let who = match author {
                Author::Visitor => s().you.to_owned(),
                Author::Bot => s().assistant.to_owned(),
                Author::Operator { operator } => operator.name.clone(),
                Author::Unknown => String::new(),
            };
            let key = event.seq.0;
            let inner = html! {
                <>
                    <span class="baton-author">{ who }</span>
                    // Text is built into elements (`baton_rich_text`), never parsed as HTML;
                    // `dir=auto` lays out each message in its own script's direction.
                    <div class="baton-bubble" dir="auto">{ rich_text(text) }</div>
                    if matches!(author, Author::Visitor) {
                        <span class="baton-receipt">{ status_text(state.status_of(event.seq)) }</span>
                    }
                    if offer {
                        <button class="baton-offer" type="button" onclick={on_request_human.clone()}>
                            { state.availability.as_ref().map_or("", |a| a.button_label.as_str()) }
                        </button>
                    }
                </>
            };
            match author {
                Author::Visitor => html! { <div class="baton-msg is-visitor" {key}>{ inner }</div> },
                Author::Operator { operator } => {
                    let colour = operator_colour(operator.colour.as_deref());
                    html! { <div class="baton-msg is-operator" {key} data-colour={colour.to_owned()}>{ inner }</div> }
                }
                Author::Bot | Author::Unknown => html! { <div class="baton-msg is-bot" {key}>{ inner }</div> },
            }
        }
        // A bot's request says why; the visitor's own says nothing more.
        EventBody::HelpRequested { reason: Some(_), .. } => banner(s().assistant_asked.into()),
        EventBody::HelpRequested { .. } => banner(s().help_requested.into()),
        EventBody::MessageLeft { email, text } => html! {
            <div class="baton-msg is-visitor" key={event.seq.0}>
                <div class="baton-bubble" dir="auto">{ rich_text(text) }</div>
                <span class="baton-receipt">{ fill(s().message_left, email) }</span>
            </div>
        },
        EventBody::EmailReplied { operator, text } => html! {
            <div class="baton-msg is-operator" key={event.seq.0}
                data-colour={operator_colour(operator.colour.as_deref()).to_owned()}>
                <span class="baton-author">{ fill(s().email_reply, &operator.name) }</span>
                <div class="baton-bubble" dir="auto">{ rich_text(text) }</div>
            </div>
        },
        EventBody::Rated { .. } => banner(s().rated.into()),
        EventBody::TranscriptRequested { email } => banner(fill(s().transcript_sent, email)),
        EventBody::RequestCancelled => banner(s().request_cancelled.into()),
        EventBody::RequestLapsed => banner(s().request_lapsed.into()),
        EventBody::OperatorJoined { operator } => banner(fill(s().joined, &operator.name)),
        EventBody::OperatorTookOver { operator, .. } | EventBody::Transferred { to: operator, .. } => {
            banner(fill(s().took_over, &operator.name))
        }
        EventBody::OperatorLeft { operator } => banner(fill(s().left, &operator.name)),
        EventBody::VisitorEndedHuman { operator } => banner(fill(s().you_ended, &operator.name)),
        EventBody::OwnerGone { operator, .. } => banner(fill(s().owner_gone, &operator.name)),
        EventBody::Resolved { .. } => banner(s().resolved.into()),
        // A newer peer's event: nothing to show.
        EventBody::Unknown => html! {},
    }
}

/// Below the log: "Talk to a human", the offline message, the waiting
/// banner, or "Start a new chat" — whichever fits the handover state.
fn handover_bar(props: &PanelProps) -> Html {
    let state = &props.state;
    match state.handover.state() {
        HandoverState::Bot if state.form.is_some() => html! {},
        HandoverState::Bot => match (&state.availability, state.lapse_choices()) {
            (_, Some(offered)) => {
                let submit = |kind: fn() -> OutgoingKind| {
                    let to_driver = props.to_driver.clone();
                    Callback::from(move |_: MouseEvent| to_driver.emit(Command::Submit(kind())))
                };
                html! {
                    <div class="baton-bar baton-choices" role="group" aria-labelledby="baton-choices-q">
                        <p id="baton-choices-q">{ s().lapse_question }</p>
                        <div class="baton-row">
                            if offered.keep_waiting {
                                <button class="baton-human" type="button" onclick={submit(|| OutgoingKind::KeepWaiting)}>{ s().keep_waiting }</button>
                            }
                            if offered.leave_message { { leave_message_button(props) } }
                            if offered.back_to_bot {
                                <button class="baton-ghost" type="button"
                                    onclick={props.update.reform(|_| Update::DismissChoices)}>{ s().back_to_assistant }</button>
                            }
                        </div>
                    </div>
                }
            }
            (Some(a), None) if state.bar_offers_human() => html! {
                <div class="baton-bar">
                    <button class="baton-human" type="button" onclick={props.on_request_human.clone()}>{ &a.button_label }</button>
                </div>
            },
            (Some(a), None) if a.human_available => html! {},
            (Some(a), None) if state.offline_form() => html! {
                <div class="baton-bar baton-choices">
                    <p>{ &a.offline_message }</p>
                    <div class="baton-row">{ leave_message_button(props) }</div>
                </div>
            },
            (Some(a), None) => html! { <p class="baton-bar baton-offline">{ &a.offline_message }</p> },
            (None, None) => html! {},
        },
        HandoverState::Waiting { deadline } => {
            let now = if state.now.0 > 0 {
                state.now.0
            } else {
                js_sys::Date::now() as u64
            };
            let left_ms = deadline.0.saturating_sub(now);
            html! {
                <div class="baton-bar baton-waiting" role="status">
                    <span class="baton-spinner" aria-hidden="true"></span>
                    <div class="baton-waiting-text">
                        <strong>{ s().waiting }</strong>
                        if let Some((place, minutes)) = state.queue {
                            <p class="baton-place">{ place_in_line(place, minutes) }</p>
                        }
                        <p>{ waiting_detail(left_ms.div_ceil(60_000)) }</p>
                    </div>
                    <button type="button" class="baton-link" onclick={props.on_cancel.clone()}>{ s().cancel }</button>
                </div>
            }
        }
        HandoverState::Resolved => html! {
            <>
                if let (Some(name), None) = (state.rating_for(), state.form) { { rating_form(name, props) } }
                <div class="baton-bar baton-choices">
                    <p>{ s().chat_closed }</p>
                    <div class="baton-row">
                        if state.offers_transcript() && state.form.is_none() {
                            <button class="baton-ghost" type="button"
                                onclick={props.update.reform(|_| Update::Form(Some(Form::Transcript)))}>{ s().transcript_ask }</button>
                        }
                        <button class="baton-human" type="button" onclick={props.on_new_chat.clone()}>{ s().new_chat }</button>
                    </div>
                </div>
            </>
        },
        HandoverState::Human { .. } | HandoverState::Unknown => html! {},
    }
}

fn composer(disabled: bool, props: &PanelProps) -> Html {
    let input = &props.input;
    let submit = {
        let input = input.clone();
        let to_driver = props.to_driver.clone();
        move || {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                let text = el.value();
                if !text.trim().is_empty() {
                    to_driver.emit(Command::Send(text));
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
    let oninput = {
        let to_driver = props.to_driver.clone();
        Callback::from(move |_: InputEvent| to_driver.emit(Command::Typing(true)))
    };
    let onblur = {
        let to_driver = props.to_driver.clone();
        Callback::from(move |_: FocusEvent| to_driver.emit(Command::Typing(false)))
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    });
    html! {
        <form class="baton-composer" {onsubmit}>
            <label class="baton-sr-only" for="baton-message">{ s().message_label }</label>
            <textarea id="baton-message" ref={input.clone()} rows="1" maxlength="4000" placeholder={s().message_placeholder}
                {disabled} {onkeydown} {oninput} {onblur} />
            <button class="baton-send" type="submit" {disabled}>{ s().send }</button>
        </form>
    }
}

fn leave_message_button(props: &PanelProps) -> Html {
    html! {
        <button class="baton-ghost" type="button"
            onclick={props.update.reform(|_| Update::Form(Some(Form::LeaveMessage)))}>{ s().leave_message }</button>
    }
}

/// The value of the form field `selector` inside `form` (an input or a
/// textarea), trimmed.
fn field(form: &Element, selector: &str) -> String {
    let Some(el) = form.query_selector(selector).ok().flatten() else {
        return String::new();
    };
    let value = match el.dyn_ref::<HtmlInputElement>() {
        Some(input) => input.value(),
        None => el.unchecked_into::<HtmlTextAreaElement>().value(),
    };
    value.trim().to_owned()
}

/// Shows `problem` under the form (in its live `role=alert` line) and puts
/// the focus on the field it is about; `true` when there is none.
fn check(form: &Element, problem: Option<(&str, &str)>) -> bool {
    let Some((message, selector)) = problem else {
        return true;
    };
    if let Some(line) = form.query_selector(".baton-form-error").ok().flatten() {
        line.set_text_content(Some(message));
    }
    if let Some(el) = form.query_selector(selector).ok().flatten() {
        let _ = el.unchecked_into::<HtmlElement>().focus();
    }
    false
}

/// The email form: an address and a message for a reply by email, or only
/// the address for the transcript. Checked here for the obvious (the
/// server checks again and says why it refuses).
fn email_form(form: Form, props: &PanelProps) -> Html {
    let leave = form == Form::LeaveMessage;
    let onsubmit = {
        let to_driver = props.to_driver.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let el: Element = e.target_unchecked_into();
            let email = field(&el, "#baton-email");
            let text = if leave {
                field(&el, "#baton-note")
            } else {
                String::new()
            };
            let problem = if !looks_like_email(&email) {
                Some((s().email_invalid, "#baton-email"))
            } else if leave && text.is_empty() {
                Some((s().message_needed, "#baton-note"))
            } else {
                None
            };
            if check(&el, problem) {
                to_driver.emit(Command::Submit(if leave {
                    OutgoingKind::LeaveMessage { email, text }
                } else {
                    OutgoingKind::Transcript { email }
                }));
            }
        })
    };
    let cancel = props.update.reform(|_| Update::Form(None));
    let onkeydown = {
        let cancel = props.update.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                // Closes the form, not the whole panel.
                e.stop_propagation();
                cancel.emit(Update::Form(None));
            }
        })
    };
    html! {
        <form class="baton-form" aria-labelledby="baton-form-lead" novalidate=true {onsubmit} {onkeydown}>
            <p id="baton-form-lead" class="baton-form-title">{ if leave { s().form_lead } else { s().transcript_lead } }</p>
            <label for="baton-email">{ s().email_label }</label>
            <input id="baton-email" type="email" autocomplete="email" maxlength="254" required=true />
            if leave {
                <label for="baton-note">{ s().your_message }</label>
                <textarea id="baton-note" rows="3" maxlength="4000" dir="auto" required=true />
            }
            <p class="baton-form-error" role="alert"></p>
            <div class="baton-row">
                <button type="button" class="baton-link" onclick={cancel}>{ s().cancel }</button>
                <button type="submit" class="baton-human">{ if leave { s().send_message } else { s().send } }</button>
            </div>
        </form>
    }
}

/// After a person resolved the chat: 1–5 stars (native radios, so arrow
/// keys move between them) and an optional comment.
fn rating_form(name: &str, props: &PanelProps) -> Html {
    let onsubmit = {
        let to_driver = props.to_driver.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let el: Element = e.target_unchecked_into();
            let score = el
                .query_selector("input[name=baton-stars]:checked")
                .ok()
                .flatten()
                .and_then(|r| r.get_attribute("value"))
                .and_then(|v| v.parse::<u8>().ok());
            let comment = field(&el, "#baton-comment");
            match score {
                Some(score) => to_driver.emit(Command::Submit(OutgoingKind::Rate {
                    score,
                    comment: (!comment.is_empty()).then_some(comment),
                })),
                None => {
                    check(&el, Some((s().rating_needed, "input[name=baton-stars]")));
                }
            }
        })
    };
    html! {
        <form class="baton-form" novalidate=true {onsubmit}>
            <fieldset>
                <legend>{ fill(s().rate_question, name) }</legend>
                <div class="baton-stars">
                    { for (1..=5u8).map(|n| {
                        let id = ["baton-star", n.to_string().as_str()].concat();
                        html! {
                            <label for={id.clone()}>
                                <input type="radio" name="baton-stars" {id} value={n.to_string()} />
                                <span aria-hidden="true">{ "★" }</span>
                                <span class="baton-sr-only">{ fill(s().of_five, &n.to_string()) }</span>
                            </label>
                        }
                    }) }
                </div>
            </fieldset>
            <label for="baton-comment">{ s().comment_label }</label>
            <textarea id="baton-comment" rows="2" maxlength="1000" dir="auto" />
            <p class="baton-form-error" role="alert"></p>
            <div class="baton-row">
                <button type="submit" class="baton-human">{ s().send_rating }</button>
            </div>
        </form>
    }
}
