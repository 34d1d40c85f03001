//! The signed-in inbox: owns the reducer and the connection, turns the
//! components' callbacks into frames, and raises what must be noticed
//! (toasts, browser notifications, the tab title, a sound).

use crate::back::use_back_to_list;
use crate::browser;
use crate::components::conversation_list::ConversationList;
use crate::components::header::Header;
use crate::components::help::KeysHelp;
use crate::components::sidebar::Sidebar;
use crate::components::toast::{NotifyBanner, ToastView};
use crate::connection::{Connection, LinkEvent};
use crate::format::{alert_text, tab_title};
use crate::hotkeys::{ListKeys, use_list_keys};
use crate::i18n::t;
use crate::pages::{Nav, Page, PageView};
use crate::state::{Action, InboxState, Link, View};
use baton_protocol::operator::{AlertKind, OperatorStatus, OperatorToServer};
use baton_protocol::{BotId, ConversationId, OperatorId, OperatorProfile, Timestamp};
use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

mod open;

/// How often the clock ticks: the "waiting 1:12" timers count in seconds.
const TICK_MS: u32 = 1_000;
/// How long an error notice stays unless dismissed.
const TOAST_MS: u32 = 8_000;
/// How long an alert stays unless dismissed or opened: long enough to read
/// and act on; the chat itself stays flagged in the list.
const ALERT_MS: u32 = 20_000;
/// How often the open conversation's receipt is considered: at most one
/// `receipt` frame per this span, and only when a mark moved.
const RECEIPT_MS: u32 = 400;
/// Remembers that the operator answered the notifications banner.
const BANNER_KEY: &str = "baton-inbox.notify-banner";

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

type Send = Rc<dyn Fn(OperatorToServer) -> bool>;

type Submit = Rc<dyn Fn(OperatorToServer)>;

#[component]
pub fn Inbox(props: &InboxProps) -> Html {
    let state = use_reducer(|| {
        let mut state = InboxState::new(props.me.clone());
        state.apply(Action::Tick(now()));
        state
    });
    let connection: Rc<RefCell<Option<Connection>>> = use_mut_ref(|| None);
    // The admin and personal pages beside the live inbox (pages::*).
    let page = use_state(|| Page::Inbox);
    let banner =
        use_state(|| browser::notification_permission() == "default" && browser::remembered(BANNER_KEY).is_none());

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
                LinkEvent::Unauthorized => on_signed_out.emit(Some(t().session_ended.into())),
                // The `ack` / `error` frame that follows tells the state.
                LinkEvent::Settled { .. } | LinkEvent::Failed { .. } => {}
            });
            let live = Connection::start(on_event);
            *connection.borrow_mut() = Some(live.clone());
            let tick = Interval::new(TICK_MS, move || dispatcher.dispatch(Action::Tick(now())));
            move || {
                drop(tick);
                live.stop();
                browser::set_title(t().app_title);
            }
        });
    }

    let send: Send = {
        let connection = connection.clone();
        Rc::new(move |frame: OperatorToServer| connection.borrow().as_ref().is_some_and(|c| c.send(&frame)))
    };
    // Requests that must not be lost: the connection keeps and resends them.
    let submit: Submit = {
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

    // Opening a conversation: select it and ask the server for it.
    let on_select = {
        let (dispatcher, send) = (state.dispatcher(), send.clone());
        Callback::from(move |id: ConversationId| {
            dispatcher.dispatch(Action::Select(id.clone()));
            send(OperatorToServer::Open { conversation: id });
        })
    };

    // The tab title counts the requests waiting for a person.
    {
        let waiting = state.waiting_count();
        use_effect_with(waiting, move |waiting| browser::set_title(&tab_title(*waiting)));
    }

    // A new alert: a browser notification while the inbox is hidden, and a
    // chime, as this operator chose.
    {
        let latest = state.alerts.first().cloned();
        let prefs = state.alert_prefs;
        let on_select = on_select.clone();
        use_effect_with(state.alerts_seen, move |_| {
            if let Some(note) = latest {
                let urgent = !matches!(note.alert.kind, AlertKind::AutoAway | AlertKind::SetOffline);
                if prefs.sound && urgent {
                    browser::chime();
                }
                if prefs.browser && browser::hidden() {
                    let (title, body) = alert_text(&note.alert);
                    let conversation = note.alert.conversation.clone();
                    let tag = conversation
                        .as_ref()
                        .map_or_else(|| "baton-status".to_owned(), |c| c.to_string());
                    browser::notify(&title, &body, &tag, move || {
                        if let Some(c) = &conversation {
                            on_select.emit(c.clone());
                        }
                    });
                }
            }
        });
    }

    // Error notices dismiss themselves after a while.
    {
        let dispatcher = state.dispatcher();
        let toast = state.toast.as_ref().map(|t| t.id);
        use_effect_with(toast, move |toast| {
            let timer = toast.map(|id| Timeout::new(TOAST_MS, move || dispatcher.dispatch(Action::DismissToast(id))));
            move || drop(timer)
        });
    }

    // Alerts dismiss themselves too, each after its own while.
    {
        let dispatcher = state.dispatcher();
        let newest = state.alerts.first().map(|a| a.id);
        use_effect_with(newest, move |newest| {
            let timer = newest.map(|id| Timeout::new(ALERT_MS, move || dispatcher.dispatch(Action::DismissAlert(id))));
            move || {
                // A newer alert replaces this timer; the older one is left to
                // its close button or the cap on how many are shown.
                if let Some(timer) = timer {
                    timer.forget();
                }
            }
        });
    }

    // The Resolved view searches over HTTP whenever it shows or its text changes.
    let search_resolved = {
        let dispatcher = state.dispatcher();
        Callback::from(move |query: String| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(Action::SearchResolved(query.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                match crate::api::resolved(&query).await {
                    Ok(rows) => dispatcher.dispatch(Action::Resolved { query, rows }),
                    Err(message) => dispatcher.dispatch(Action::Notify(message)),
                }
            });
        })
    };
    let on_view = {
        let (dispatcher, search_resolved, query) = (
            state.dispatcher(),
            search_resolved.clone(),
            state.resolved_query.clone(),
        );
        let page = page.clone();
        Callback::from(move |view: View| {
            // A view of the inbox is also the way back from a settings page.
            page.set(Page::Inbox);
            dispatcher.dispatch(Action::View(view));
            if view == View::Resolved {
                search_resolved.emit(query.clone());
            }
        })
    };
    // Closing the open conversation: back to the list (back.rs keeps the
    // browser's Back in step).
    let deselect = {
        let (dispatcher, connection, latest) = (state.dispatcher(), connection.clone(), latest.clone());
        Callback::from(move |()| {
            let open = latest.borrow().open.as_ref().map(|o| o.id.clone());
            if let (Some(id), Some(live)) = (open, connection.borrow().as_ref()) {
                live.unwatch(&id);
            }
            dispatcher.dispatch(Action::Deselect)
        })
    };
    let showing = state.open.is_some() && *page == Page::Inbox;
    let on_close = use_back_to_list(showing, deselect);
    let help = use_state(|| false);
    let on_help = {
        let help = help.clone();
        Callback::from(move |()| help.set(true))
    };
    // The list's shortcuts (keys.rs); the conversation handles its own.
    use_list_keys(ListKeys {
        next: state.neighbour(1),
        previous: state.neighbour(-1),
        waiting: state.next_waiting(),
        view: (*page == Page::Inbox).then_some(state.view),
        showing,
        on_select: on_select.clone(),
        on_view: on_view.clone(),
        on_close: on_close.clone(),
        on_help: on_help.clone(),
    });
    let on_bot_filter = {
        let dispatcher = state.dispatcher();
        Callback::from(move |bot: Option<BotId>| dispatcher.dispatch(Action::BotFilter(bot)))
    };
    let on_status = {
        let send = send.clone();
        Callback::from(move |status: OperatorStatus| {
            send(OperatorToServer::SetStatus { status });
        })
    };
    let on_set_offline = {
        let (send, dispatcher) = (send.clone(), state.dispatcher());
        Callback::from(move |operator: OperatorId| {
            let frame = OperatorToServer::SetTeammateStatus {
                operator,
                status: OperatorStatus::Offline,
            };
            if !send(frame) {
                dispatcher.dispatch(Action::Notify(t().not_connected.into()));
            }
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
    let on_dismiss_alert = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: u64| dispatcher.dispatch(Action::DismissAlert(id)))
    };
    let on_open_alert = {
        let (dispatcher, on_select) = (state.dispatcher(), on_select.clone());
        Callback::from(move |(id, conversation): (u64, ConversationId)| {
            dispatcher.dispatch(Action::DismissAlert(id));
            on_select.emit(conversation);
        })
    };
    let on_enable_notifications = {
        let banner = banner.clone();
        Callback::from(move |()| {
            browser::remember(BANNER_KEY, "asked");
            let banner = banner.clone();
            browser::request_notifications(move || banner.set(false));
        })
    };
    let on_dismiss_banner = {
        let banner = banner.clone();
        Callback::from(move |()| {
            browser::remember(BANNER_KEY, "dismissed");
            banner.set(false);
        })
    };

    let me = state.me.clone().unwrap_or_else(|| props.me.clone());
    let on_page = Callback::from({
        let page = page.clone();
        move |p: Page| page.set(p)
    });
    let on_page_notice = Callback::from({
        let dispatcher = state.dispatcher();
        move |text: String| dispatcher.dispatch(Action::Notify(text))
    });
    let is_admin = state.is_admin();
    let on_profile_changed = {
        let dispatcher = state.dispatcher();
        Callback::from(move |me: OperatorProfile| dispatcher.dispatch(Action::Profile(me)))
    };
    let view = open::pane(&state, &send, &submit, &me, &on_close);

    let typing: Vec<ConversationId> = state.typing.keys().filter(|c| state.is_typing(c)).cloned().collect();
    html! {
        <div class={classes!("app", showing.then_some("has-conversation"))}>
            <Header
                me={me.clone()}
                status={state.status}
                roster={state.roster.clone()}
                online={state.link == Link::Online}
                is_admin={state.is_admin()}
                auto_away={state.auto_away_at.is_some()}
                {on_status}
                {on_set_offline}
                {on_sign_out} {on_help}>
                <Nav page={*page} {is_admin} on_page={on_page.clone()} />
            </Header>
            if *help {
                <KeysHelp on_close={Callback::from({ let help = help.clone(); move |()| help.set(false) })} />
            }
            if *banner {
                <NotifyBanner on_enable={on_enable_notifications} on_dismiss={on_dismiss_banner} />
            }
            if state.link == Link::Reconnecting {
                <div class="banner banner-warning" aria-live="polite">
                    <span class="spinner spinner-small" aria-hidden="true"></span>
                    { t().reconnecting_banner }
                </div>
            }
            <div class="workspace">
                <Sidebar view={(*page == Page::Inbox).then_some(state.view)} waiting={state.count(View::Waiting)}
                    mine={state.count(View::Mine)} open={state.count(View::Open)} left={state.count(View::Left)} {on_view}>
                    <Nav page={*page} {is_admin} {on_page} />
                </Sidebar>
                if *page != Page::Inbox {
                    <PageView page={*page} me={me.clone()} {is_admin}
                        on_notify={on_page_notice} {on_profile_changed} />
                }
                <main class="panes" hidden={*page != Page::Inbox}>
                    <ConversationList
                        rows={state.visible().into_iter().cloned().collect::<Vec<_>>()}
                        view={state.view}
                        me={state.me_id().cloned()}
                        selected={state.open.as_ref().map(|o| o.id.clone())}
                        now={state.now}
                        loading={state.welcomes == 0}
                        bots={state.bots.clone()}
                        bot_filter={state.bot_filter.clone()}
                        {typing}
                        resolved_query={state.resolved_query.clone()}
                        {on_select}
                        {on_bot_filter}
                        on_search={search_resolved} />
                    { view }
                </main>
            </div>
            <ToastView toast={state.toast.clone()} alerts={state.alerts.clone()} on_dismiss={on_dismiss_toast}
                {on_dismiss_alert} on_open={on_open_alert} />
        </div>
    }
}
