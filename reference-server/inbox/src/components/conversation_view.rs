//! The right pane: one conversation's header, actions, log and composer.

use super::composer::Composer;
use super::dialogs::{JoinDialog, LeaveDialog};
use super::message_log::MessageLog;
use crate::state::{Ownership, PendingMessage, ownership};
use baton_protocol::operator::ConversationSummary;
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{ClientMsgId, ConversationEvent, OperatorProfile};
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
    /// Join under this display name.
    pub on_join: Callback<String>,
    pub on_leave: Callback<()>,
    pub on_send: Callback<String>,
    pub on_discard: Callback<ClientMsgId>,
    pub on_close: Callback<()>,
}

#[derive(Clone, Copy, PartialEq)]
enum Dialog {
    Join,
    Leave,
}

#[component]
pub fn ConversationView(props: &ConversationViewProps) -> Html {
    let dialog = use_state(|| None::<Dialog>);
    let owner = ownership(&props.summary.state, Some(&props.me.id));

    // A dialog that no longer fits the state (someone else joined) closes.
    let shown = match *dialog {
        Some(Dialog::Join) if owner.joinable() => Some(Dialog::Join),
        Some(Dialog::Leave) if matches!(owner, Ownership::Mine(_)) => Some(Dialog::Leave),
        _ => None,
    };
    let open = |which: Dialog| {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| dialog.set(Some(which)))
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(None))
    };
    let on_join = {
        let (dialog, on_join) = (dialog.clone(), props.on_join.clone());
        Callback::from(move |name: String| {
            dialog.set(None);
            on_join.emit(name);
        })
    };
    let on_leave = {
        let (dialog, on_leave) = (dialog.clone(), props.on_leave.clone());
        Callback::from(move |()| {
            dialog.set(None);
            on_leave.emit(());
        })
    };
    let on_close = {
        let cb = props.on_close.clone();
        Callback::from(move |_| cb.emit(()))
    };

    let (status_text, status_class) = match owner {
        Ownership::Bot => ("The bot is answering".to_owned(), "state-bot"),
        Ownership::Waiting => ("Waiting for a person".to_owned(), "state-waiting"),
        Ownership::Mine(_) => ("You're in this chat".to_owned(), "state-mine"),
        Ownership::Theirs(op) => (format!("{} has this chat", op.name), "state-human"),
        Ownership::Resolved => ("Closed".to_owned(), "state-resolved"),
        Ownership::Unknown => ("Unknown state".to_owned(), "state-bot"),
    };

    let actions = match (owner, shown) {
        (_, Some(_)) => html! {},
        (o, None) if o.joinable() => html! {
            <button type="button" class="btn btn-primary" onclick={open(Dialog::Join)} disabled={!props.online}>
                { "Join" }
            </button>
        },
        (Ownership::Mine(_), None) => html! {
            <button type="button" class="btn btn-secondary" onclick={open(Dialog::Leave)} disabled={!props.online}>
                { "Leave" }
            </button>
        },
        (Ownership::Theirs(op), None) => html! {
            <span class="owner-note"><span class="dot dot-available" aria-hidden="true"></span>
                { format!("{} is in this chat", op.name) }</span>
        },
        _ => html! {},
    };

    let dialog_view = match shown {
        Some(Dialog::Join) => html! {
            <JoinDialog default_name={props.me.name.clone()} on_confirm={on_join} on_cancel={close.clone()} />
        },
        Some(Dialog::Leave) => html! { <LeaveDialog on_confirm={on_leave} on_cancel={close} /> },
        None => html! {},
    };

    let footer = match owner {
        Ownership::Mine(_) => html! { <Composer on_send={props.on_send.clone()} online={props.online} /> },
        Ownership::Bot | Ownership::Waiting => html! {
            <div class="composer-hint">{ "Join the chat to reply" }</div>
        },
        Ownership::Theirs(_) => html! {
            <div class="composer-hint">{ "You can read along; only the operator in this chat can reply." }</div>
        },
        Ownership::Resolved | Ownership::Unknown => html! {
            <div class="composer-hint">{ "This conversation is closed." }</div>
        },
    };

    html! {
        <section class="pane pane-conversation" aria-label={props.summary.visitor.clone()}>
            <div class="conversation-head">
                <div class="head-title">
                    <h2 class="head-visitor">{ props.summary.visitor.clone() }</h2>
                    <p class={classes!("head-state", status_class)}>{ status_text }</p>
                </div>
                <div class="head-actions">
                    { actions }
                    <button type="button" class="btn btn-icon" aria-label="Close conversation" title="Close"
                        onclick={on_close}>{ "×" }</button>
                </div>
            </div>
            { dialog_view }
            <MessageLog events={props.events.clone()} pending={props.pending.clone()} loaded={props.loaded}
                me={props.me.id.clone()} visitor_marks={props.visitor_marks} on_discard={props.on_discard.clone()} />
            <div class="conversation-foot">{ footer }</div>
        </section>
    }
}
