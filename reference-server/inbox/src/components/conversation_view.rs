//! The right pane: who the visitor is and where they are, what I may do
//! (from the handover rules, via `OperatorActions`), the log, and the reply
//! box — or why there is none.

use super::composer::{Composer, Outgoing};
use super::conversation_list::priority_badge;
use super::dialogs::{ConfirmDialog, JoinDialog, TransferDialog};
use super::left_message::LeftMessage;
use super::message_log::MessageLog;
use super::notes::NotesPanel;
use super::saved_replies::SavedReplies;
use crate::browser;
use crate::compose::{draft_key, join_name, join_name_key, my_language, reply_target};
use crate::format::{clock, flag, presence_label, relative_time};
use crate::hotkeys::{focus, use_hotkeys};
use crate::i18n::{fill, t};
use crate::keys::KeyAction;
use crate::state::{Ownership, PendingMessage, PendingNote, ownership, waiting_since};
use baton_protocol::handover::OperatorActions;
use baton_protocol::operator::{ConversationSummary, Note, RosterEntry, Shortcut, ShortcutDraft, ShortcutId};
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{ClientMsgId, ConversationEvent, EventBody, OperatorId, OperatorProfile, Timestamp};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConversationViewProps {
    pub summary: ConversationSummary,
    pub events: Vec<ConversationEvent>,
    /// `history` has answered.
    pub loaded: bool,
    pub pending: Vec<PendingMessage>,
    /// The visitor's receipt marks in this conversation.
    pub visitor_marks: ReceiptMarks,
    pub me: OperatorProfile,
    pub online: bool,
    pub now: Timestamp,
    /// What the rules let me do here now.
    pub actions: OperatorActions,
    /// Whom I could transfer it to.
    pub targets: Vec<RosterEntry>,
    pub bot_name: String,
    /// The visitor is typing.
    pub typing: bool,
    /// Join under this display name.
    pub on_join: Callback<String>,
    /// Take over under this display name from the owner I saw.
    pub on_take_over: Callback<(String, OperatorId)>,
    pub on_transfer: Callback<OperatorId>,
    pub on_leave: Callback<()>,
    pub on_resolve: Callback<()>,
    /// Answer the visitor's left message by email.
    pub on_reply_by_email: Callback<String>,
    pub on_send: Callback<Outgoing>,
    /// I am (or stopped) typing a reply.
    pub on_typing: Callback<bool>,
    pub on_discard: Callback<ClientMsgId>,
    pub on_close: Callback<()>,
    /// Internal notes and mine on their way (components/notes.rs).
    pub notes: Vec<Note>,
    pub pending_notes: Vec<PendingNote>,
    pub on_add_note: Callback<String>,
    pub on_discard_note: Callback<ClientMsgId>,
    /// My saved replies and the panel that manages them.
    pub shortcuts: Vec<Shortcut>,
    pub shortcut_busy: bool,
    /// Admins also manage the team's saved replies.
    #[prop_or_default]
    pub is_admin: bool,
    pub shortcut_error: Option<String>,
    pub on_save_shortcut: Callback<ShortcutDraft>,
    pub on_delete_shortcut: Callback<ShortcutId>,
    /// The saved-replies panel closed.
    pub on_shortcuts_closed: Callback<()>,
}

#[derive(Clone, PartialEq)]
enum Dialog {
    Join,
    TakeOver(OperatorProfile),
    Transfer,
    Leave,
    Resolve,
}

#[component]
pub fn ConversationView(props: &ConversationViewProps) -> Html {
    let dialog = use_state(|| None::<Dialog>);
    let saved_replies = use_state(|| false);
    let owner = ownership(&props.summary.state, Some(&props.me.id));
    let actions = &props.actions;

    // A dialog the rules no longer allow (the chat moved on meanwhile)
    // closes by itself — except Join: an operator racing a teammate keeps
    // their dialog, and if they confirm after the teammate won, the server's
    // `conflict` says so and Take over is offered. A take-over names the
    // owner the operator saw.
    let shown = match &*dialog {
        Some(Dialog::Join) if actions.join || actions.take_over.is_some() => Some(Dialog::Join),
        Some(Dialog::TakeOver(seen)) if actions.take_over.as_ref().is_some_and(|o| o.id == seen.id) => {
            Some(Dialog::TakeOver(seen.clone()))
        }
        Some(Dialog::Transfer) if actions.transfer => Some(Dialog::Transfer),
        Some(Dialog::Leave) if actions.leave => Some(Dialog::Leave),
        Some(Dialog::Resolve) if actions.resolve => Some(Dialog::Resolve),
        _ => None,
    };
    // The conversation's shortcuts (keys.rs): each only where the rules allow it.
    {
        let (dialog, saved_replies) = (dialog.clone(), saved_replies.clone());
        let (actions, reply) = (actions.clone(), actions.reply && props.online);
        let online = props.online;
        use_hotkeys(move |action| match action {
            KeyAction::Join if online && actions.join => {
                dialog.set(Some(Dialog::Join));
                true
            }
            KeyAction::Join if online => match &actions.take_over {
                Some(owner) => {
                    dialog.set(Some(Dialog::TakeOver(owner.clone())));
                    true
                }
                None => false,
            },
            KeyAction::Resolve if online && actions.resolve => {
                dialog.set(Some(Dialog::Resolve));
                true
            }
            KeyAction::Reply if reply => focus("#reply"),
            KeyAction::SavedReplies if reply => {
                saved_replies.set(true);
                true
            }
            _ => false,
        });
    }
    let open = |which: Dialog| {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| dialog.set(Some(which.clone())))
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(None))
    };
    let then_close = |cb: Callback<()>| {
        let dialog = dialog.clone();
        Callback::from(move |()| {
            dialog.set(None);
            cb.emit(());
        })
    };
    // The Join and Take over dialogs offer the name I last joined under.
    let name_key = join_name_key(&props.me.id);
    let default_name = join_name(browser::remembered(&name_key), &props.me.name);
    let remember_name = {
        let name_key = name_key.clone();
        move |name: &str| browser::remember(&name_key, name)
    };
    let on_join = {
        let (dialog, on_join, remember_name) = (dialog.clone(), props.on_join.clone(), remember_name.clone());
        Callback::from(move |name: String| {
            dialog.set(None);
            remember_name(&name);
            on_join.emit(name);
        })
    };
    let on_close = {
        let cb = props.on_close.clone();
        Callback::from(move |_| cb.emit(()))
    };

    let (status_text, status_class) = match owner {
        Ownership::Bot => (t().state_bot.to_owned(), "state-bot"),
        Ownership::Waiting => (t().state_waiting.to_owned(), "state-waiting"),
        Ownership::Mine(_) => (t().state_mine.to_owned(), "state-mine"),
        Ownership::Theirs(op) => (fill(t().state_theirs, &[&op.name]), "state-human"),
        Ownership::Resolved => (t().resolved.to_owned(), "state-resolved"),
        Ownership::Unknown => (t().state_unknown.to_owned(), "state-bot"),
    };
    let since = match waiting_since(&props.summary) {
        Some(at) => fill(t().since_waiting, &[&clock(props.now.0.saturating_sub(at.0))]),
        None => props
            .summary
            .help_requested_at
            .map(|at| fill(t().since_handoff, &[&relative_time(props.now, at)]))
            .unwrap_or_default(),
    };

    let disabled = !props.online;
    let mut buttons = Vec::new();
    if actions.join {
        buttons.push(html! { <button type="button" class="btn btn-primary" onclick={open(Dialog::Join)} {disabled}>{ t().join }</button> });
    }
    if let Some(owner) = &actions.take_over {
        buttons.push(html! {
            <button type="button" class="btn btn-primary" onclick={open(Dialog::TakeOver(owner.clone()))} {disabled}
                title={fill(t().state_theirs, &[&owner.name])}>{ t().take_over }</button>
        });
    }
    if actions.transfer {
        buttons.push(html! { <button type="button" class="btn btn-secondary" onclick={open(Dialog::Transfer)} {disabled}>{ t().transfer }</button> });
    }
    if actions.leave {
        buttons.push(html! { <button type="button" class="btn btn-secondary" onclick={open(Dialog::Leave)} {disabled}>{ t().leave }</button> });
    }
    if actions.resolve {
        buttons.push(html! { <button type="button" class="btn btn-secondary" onclick={open(Dialog::Resolve)} {disabled}>{ t().resolve }</button> });
    }

    let dialog_view = match &shown {
        Some(Dialog::Join) => html! {
            <JoinDialog default_name={default_name.clone()} on_confirm={on_join} on_cancel={close.clone()} />
        },
        Some(Dialog::TakeOver(seen)) => {
            let (dialog, cb, replacing) = (dialog.clone(), props.on_take_over.clone(), seen.id.clone());
            let remember_name = remember_name.clone();
            let on_confirm = Callback::from(move |name: String| {
                dialog.set(None);
                remember_name(&name);
                cb.emit((name, replacing.clone()));
            });
            html! {
                <JoinDialog default_name={default_name.clone()} {on_confirm} on_cancel={close.clone()}
                    title={fill(t().take_over_title, &[&seen.name])}
                    text={fill(t().take_over_text, &[&seen.name])}
                    confirm_label={t().take_over} />
            }
        }
        Some(Dialog::Transfer) => {
            let (dialog, cb) = (dialog.clone(), props.on_transfer.clone());
            let on_confirm = Callback::from(move |to: OperatorId| {
                dialog.set(None);
                cb.emit(to);
            });
            html! { <TransferDialog targets={props.targets.clone()} {on_confirm} on_cancel={close.clone()} /> }
        }
        Some(Dialog::Leave) => html! {
            <ConfirmDialog title={t().leave_title} confirm_label={t().leave_confirm}
                text={t().leave_text}
                on_confirm={then_close(props.on_leave.clone())} on_cancel={close.clone()} />
        },
        Some(Dialog::Resolve) => html! {
            <ConfirmDialog title={t().resolve_title} confirm_label={t().resolve}
                text={t().resolve_text}
                on_confirm={then_close(props.on_resolve.clone())} on_cancel={close} />
        },
        None => html! {},
    };

    let on_manage = {
        let saved_replies = saved_replies.clone();
        Callback::from(move |()| saved_replies.set(true))
    };
    let close_saved_replies = {
        let (saved_replies, cb) = (saved_replies.clone(), props.on_shortcuts_closed.clone());
        Callback::from(move |()| {
            saved_replies.set(false);
            cb.emit(());
        })
    };
    // `{operator_name}` is the name this visitor knows me by.
    let operator_name = match owner {
        Ownership::Mine(me) => me.name.clone(),
        _ => props.me.name.clone(),
    };
    let mine = my_language(browser::page_language());
    let footer = if actions.reply {
        let translate_to = reply_target(props.summary.locale.as_deref(), &mine).map(AttrValue::from);
        html! { <Composer on_send={props.on_send.clone()} on_typing={props.on_typing.clone()} online={props.online}
        shortcuts={props.shortcuts.clone()} visitor_name={props.summary.visitor.clone()} {operator_name}
        {on_manage} conversation={props.summary.id.clone()} draft_key={draft_key(&props.me.id, &props.summary.id)}
        {translate_to} my_language={mine.clone()} /> }
    } else {
        let hint = match owner {
            Ownership::Bot | Ownership::Waiting => t().hint_join.to_owned(),
            Ownership::Theirs(op) => fill(t().hint_theirs, &[&op.name]),
            Ownership::Resolved => t().hint_resolved.to_owned(),
            Ownership::Mine(_) | Ownership::Unknown => t().hint_cannot.to_owned(),
        };
        html! { <div class="composer-hint">{ hint }</div> }
    };

    let s = &props.summary;
    let country = s.country.as_ref().map(|c| {
        let emoji = flag(&c.code).unwrap_or_default();
        let title = if c.hint { t().country_guess } else { t().country };
        html! { <span class="fact" {title}>{ format!("{emoji} {}", c.code) }</span> }
    });
    html! {
        <section class="pane pane-conversation" aria-label={s.visitor.clone()}>
            <div class="conversation-head">
                // Phones show the list and the conversation one at a time.
                <button type="button" class="btn btn-ghost conversation-back"
                    onclick={on_close.clone()}><span class="back-arrow" aria-hidden="true">{ "‹" }</span>{ t().back }</button>
                <div class="head-title">
                    <h2 class="head-visitor" dir="auto" tabindex="-1">{ s.visitor.clone() }</h2>
                    <p class="head-facts">
                        <span class={format!("fact fact-presence is-{}", presence_key(s.presence))}>
                            <span class="presence-dot" aria-hidden="true"></span>{ presence_label(s.presence) }
                        </span>
                        { for country }
                        if let Some(locale) = &s.locale { <span class="fact" title={t().language}>{ locale.clone() }</span> }
                        if let Some(email) = &s.email { <span class="fact" dir="auto" title={t().email}>{ email.clone() }</span> }
                        <span class="fact fact-bot" title={t().bot}>{ props.bot_name.clone() }</span>
                        if let Some(page) = &s.page { <span class="fact fact-page" dir="auto" title={page.clone()}>{ fill(t().on_page, &[&short_page(page)]) }</span> }
                    </p>
                    <p class={classes!("head-state", status_class)}>
                        { format!("{status_text}{since}") }
                        { priority_badge(s.priority) }
                    </p>
                    if let Some(reason) = &s.reason {
                        <p class="head-reason" dir="auto">{ fill(t().reason_head, &[reason]) }</p>
                    }
                    if let Some((score, comment)) = rating(&props.events, s.rating) {
                        <p class="head-rating">
                            <span class="stars" aria-hidden="true">{ stars(score) }</span>
                            { fill(t().rating_on_chat, &[&score.to_string()]) }
                            if let Some(comment) = comment {
                                { " " }<q dir="auto">{ comment.to_owned() }</q>
                            }
                        </p>
                    }
                </div>
                <div class="head-actions">
                    { for buttons }
                    <button type="button" class="btn btn-icon" aria-label={t().close_conversation} title={t().close}
                        onclick={on_close}>{ "×" }</button>
                </div>
            </div>
            { dialog_view }
            if let Some(email) = s.left_message.then(|| left_address(&props.events)).flatten() {
                <LeftMessage email={email.to_owned()} visitor={s.visitor.clone()} disabled={!props.online}
                    on_send={props.on_reply_by_email.clone()} />
            }
            <MessageLog events={props.events.clone()} pending={props.pending.clone()} loaded={props.loaded}
                me={props.me.id.clone()} visitor_marks={props.visitor_marks} on_discard={props.on_discard.clone()}
                typing={props.typing} visitor={s.visitor.clone()} my_language={mine.clone()} />
            <NotesPanel notes={props.notes.clone()} pending={props.pending_notes.clone()}
                on_add={props.on_add_note.clone()} on_discard={props.on_discard_note.clone()} />
            <div class="conversation-foot">{ footer }</div>
            if *saved_replies {
                <SavedReplies shortcuts={props.shortcuts.clone()} busy={props.shortcut_busy} is_admin={props.is_admin}
                    error={props.shortcut_error.clone()} on_save={props.on_save_shortcut.clone()}
                    on_delete={props.on_delete_shortcut.clone()} on_close={close_saved_replies} />
            }
        </section>
    }
}

fn presence_key(presence: baton_protocol::presence::VisitorPresence) -> &'static str {
    use baton_protocol::presence::VisitorPresence as P;
    match presence {
        P::Online => "online",
        P::Reconnecting => "reconnecting",
        P::Lost | P::Unknown => "lost",
    }
}

/// The path of a page URL ("https://shop.example/orders/1?x" → "/orders/1"),
/// or the URL itself when it has none.
fn short_page(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.chars().take(60).collect()
}

/// "★★★★☆" for a score of 4 (the words beside it say it for screen readers).
fn stars(score: u8) -> String {
    let score = usize::from(score.min(5));
    ["★".repeat(score), "☆".repeat(5 - score)].concat()
}

/// The address of the visitor's latest left message, from the log.
pub fn left_address(events: &[ConversationEvent]) -> Option<&str> {
    events.iter().rev().find_map(|e| match &e.body {
        EventBody::MessageLeft { email, .. } => Some(email.as_str()),
        _ => None,
    })
}

/// The visitor's rating and its comment: from the log (a resolved chat's
/// row may be gone before the rating comes), else the row's score.
fn rating(events: &[ConversationEvent], row: Option<u8>) -> Option<(u8, Option<&str>)> {
    let logged = events.iter().rev().find_map(|e| match &e.body {
        EventBody::Rated { score, comment } => Some((*score, comment.as_deref())),
        _ => None,
    });
    logged.or(row.map(|score| (score, None)))
}
