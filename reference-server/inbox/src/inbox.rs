//! The signed-in inbox: owns the reducer and the connection, and turns the
//! components' callbacks into frames.

use crate::components::conversation_list::ConversationList;
use crate::components::conversation_view::ConversationView;
use crate::components::header::Header;
use crate::components::toast::ToastView;
use crate::connection::{Connection, LinkEvent, new_client_msg_id};
use crate::state::{Action, InboxState, Link, PendingMessage, Tab};
use baton_protocol::operator::{OperatorStatus, OperatorToServer};
use baton_protocol::{ClientMsgId, ConversationId, OperatorProfile, Timestamp};
use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// How often relative times ("3 min ago") are refreshed.
const TICK_MS: u32 = 15_000;
/// How long a toast stays unless dismissed.
const TOAST_MS: u32 = 8_000;
/// How often the open conversation's receipt is considered: at most one
/// `receipt` frame per this span, and only when a mark moved.
const RECEIPT_MS: u32 = 400;

#[derive(Properties, PartialEq)]
pub struct InboxProps {
    pub me: OperatorProfile,
    /// Signed out: by the operator (`None`) or because the session ended.
    pub on_signed_out: Callback<Option<AttrValue>>,
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as u64)
}

/// The tab is visible and focused: what is on screen counts as read.
fn shown() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible && d.has_focus().unwrap_or(false))
}

#[component]
pub fn Inbox(props: &InboxProps) -> Html {
    let state = use_reducer(|| {
        let mut state = InboxState::new(props.me.clone());
        state.apply(Action::Tick(now()));
        state
    });
    let connection: Rc<RefCell<Option<Connection>>> = use_mut_ref(|| None);

    // Connect on mount; stop on unmount. Tick the clock meanwhile.
    {
        let dispatcher = state.dispatcher();
        let connection = connection.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((), move |_| {
            let events = dispatcher.clone();
            let on_event = Callback::from(move |event: LinkEvent| match event {
                LinkEvent::Frame(frame) => events.dispatch(Action::Frame(frame)),
                LinkEvent::Link(link) => events.dispatch(Action::Link(link)),
                LinkEvent::Unauthorized => {
                    on_signed_out.emit(Some("Your session ended. Sign in again to continue.".into()))
                }
                // The `ack` / `error` frame that follows tells the state.
                LinkEvent::Settled { .. } | LinkEvent::Failed { .. } => {}
            });
            let live = Connection::start(on_event);
            *connection.borrow_mut() = Some(live.clone());
            let tick = Interval::new(TICK_MS, move || dispatcher.dispatch(Action::Tick(now())));
            move || {
                drop(tick);
                live.stop();
            }
        });
    }

    let send = {
        let connection = connection.clone();
        Rc::new(move |frame: OperatorToServer| connection.borrow().as_ref().is_some_and(|c| c.send(&frame)))
    };
    // Requests that must not be lost: the connection keeps and resends them.
    let submit = {
        let connection = connection.clone();
        Rc::new(move |frame: OperatorToServer| {
            let live = connection.borrow().clone();
            if let Some(live) = live {
                live.submit(frame);
            }
        })
    };

    // Receipts: the timer reads the latest state through this cell, so a
    // burst of events (or a focus change) becomes one `receipt` frame.
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    {
        let (latest, send) = (latest.clone(), send.clone());
        use_effect_with((), move |_| {
            let timer = Interval::new(RECEIPT_MS, move || {
                let state = latest.borrow().clone();
                if let Some(report) = state.receipt_due(shown()) {
                    let frame = OperatorToServer::Receipt {
                        conversation: report.conversation.clone(),
                        delivered: report.delivered,
                        read: report.read,
                    };
                    if send(frame) {
                        state.dispatch(Action::Reported(report));
                    }
                }
            });
            move || drop(timer)
        });
    }

    // Toasts dismiss themselves after a while.
    {
        let dispatcher = state.dispatcher();
        let toast = state.toast.as_ref().map(|t| t.id);
        use_effect_with(toast, move |toast| {
            let timer = toast.map(|id| Timeout::new(TOAST_MS, move || dispatcher.dispatch(Action::DismissToast(id))));
            move || drop(timer)
        });
    }

    let on_select = {
        let (dispatcher, send) = (state.dispatcher(), send.clone());
        Callback::from(move |id: ConversationId| {
            dispatcher.dispatch(Action::Select(id.clone()));
            send(OperatorToServer::Open { conversation: id });
        })
    };
    let on_tab = {
        let dispatcher = state.dispatcher();
        Callback::from(move |tab: Tab| dispatcher.dispatch(Action::Tab(tab)))
    };
    let on_status = {
        let send = send.clone();
        Callback::from(move |status: OperatorStatus| {
            send(OperatorToServer::SetStatus { status });
        })
    };
    let on_sign_out = {
        let connection = connection.clone();
        let on_signed_out = props.on_signed_out.clone();
        Callback::from(move |()| {
            if let Some(live) = connection.borrow_mut().take() {
                live.stop();
            }
            let on_signed_out = on_signed_out.clone();
            wasm_bindgen_futures::spawn_local(async move {
                crate::api::logout().await;
                on_signed_out.emit(None);
            });
        })
    };
    let on_dismiss_toast = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: u64| dispatcher.dispatch(Action::DismissToast(id)))
    };

    let selected = state.selected().cloned();
    let view = match (&state.open, selected) {
        (Some(open), Some(summary)) => {
            let conversation = summary.id.clone();
            let on_join = {
                let (submit, conversation) = (submit.clone(), conversation.clone());
                Callback::from(move |display_name: String| {
                    submit(OperatorToServer::Join {
                        conversation: conversation.clone(),
                        client_msg_id: new_client_msg_id(),
                        display_name,
                    });
                })
            };
            let on_leave = {
                let (submit, conversation) = (submit.clone(), conversation.clone());
                Callback::from(move |()| {
                    submit(OperatorToServer::Leave {
                        conversation: conversation.clone(),
                        client_msg_id: new_client_msg_id(),
                    });
                })
            };
            let on_send = {
                let (submit, dispatcher, conversation) = (submit.clone(), state.dispatcher(), conversation.clone());
                Callback::from(move |text: String| {
                    let pending = PendingMessage {
                        client_msg_id: new_client_msg_id(),
                        conversation: conversation.clone(),
                        text,
                        failed: None,
                    };
                    dispatcher.dispatch(Action::Sending(pending.clone()));
                    // Offline, it stays pending and goes out after the next welcome.
                    submit(OperatorToServer::Send {
                        conversation: pending.conversation,
                        client_msg_id: pending.client_msg_id,
                        text: pending.text,
                    });
                })
            };
            let on_discard = {
                let dispatcher = state.dispatcher();
                Callback::from(move |id: ClientMsgId| dispatcher.dispatch(Action::Discard(id)))
            };
            let on_close = {
                let (dispatcher, connection, conversation) =
                    (state.dispatcher(), connection.clone(), conversation.clone());
                Callback::from(move |()| {
                    if let Some(live) = connection.borrow().as_ref() {
                        live.unwatch(&conversation);
                    }
                    dispatcher.dispatch(Action::Deselect)
                })
            };
            html! {
                <ConversationView
                    key={conversation.as_str().to_owned()}
                    {summary}
                    events={open.events.values().cloned().collect::<Vec<_>>()}
                    loaded={open.loaded}
                    pending={state.pending_here()}
                    visitor_marks={state.marks_of(&conversation).visitor}
                    me={state.me.clone().unwrap_or_else(|| props.me.clone())}
                    online={state.link == Link::Online}
                    {on_join} {on_leave} {on_send} {on_discard} {on_close} />
            }
        }
        _ => html! {
            <section class="pane pane-empty" aria-label="Conversation">
                <div class="empty-state">
                    <div class="empty-illustration" aria-hidden="true"></div>
                    <p class="empty-title">{ "Select a conversation to start chatting" }</p>
                    <p class="empty-hint">{ "Visitors who ask for a person are flagged in the list." }</p>
                </div>
            </section>
        },
    };

    html! {
        <div class="app">
            <Header
                me={state.me.clone().unwrap_or_else(|| props.me.clone())}
                status={state.status}
                roster={state.roster.clone()}
                online={state.link == Link::Online}
                {on_status}
                {on_sign_out} />
            if state.link == Link::Reconnecting {
                <div class="banner banner-warning" aria-live="polite">
                    <span class="spinner spinner-small" aria-hidden="true"></span>
                    { "Reconnecting…" }
                </div>
            }
            <main class="panes">
                <ConversationList
                    rows={state.visible().into_iter().cloned().collect::<Vec<_>>()}
                    tab={state.tab}
                    total={state.conversations.len()}
                    assigned={state.assigned_count()}
                    me={state.me_id().cloned()}
                    selected={state.open.as_ref().map(|o| o.id.clone())}
                    now={state.now}
                    loading={state.welcomes == 0}
                    {on_select}
                    {on_tab} />
                { view }
            </main>
            <ToastView toast={state.toast.clone()} on_dismiss={on_dismiss_toast} />
        </div>
    }
}
