//! The open conversation's pane: the requests its buttons send (join,
//! send, notes, saved replies…) wired to the connection, or the empty
//! state when nothing is open.

use super::{Send, Submit};
use crate::components::conversation_view::ConversationView;
use crate::connection::new_client_msg_id;
use crate::i18n::t;
use crate::state::{Action, InboxState, Link, PendingMessage, PendingNote};
use baton_protocol::operator::{OperatorToServer, ShortcutDraft, ShortcutId};
use baton_protocol::{ClientMsgId, OperatorId, OperatorProfile};
use yew::prelude::*;

/// A callback that submits a log-changing request built from its argument:
/// the connection keeps it, with its id, until the server answers (offline,
/// it goes out after the next welcome).
fn request<T: 'static>(submit: &Submit, make: impl Fn(T) -> OperatorToServer + 'static) -> Callback<T> {
    let submit = submit.clone();
    Callback::from(move |arg: T| submit(make(arg)))
}

pub(super) fn pane(
    state: &UseReducerHandle<InboxState>,
    send: &Send,
    submit: &Submit,
    me: &OperatorProfile,
    on_close: &Callback<()>,
) -> Html {
    // Saved replies are mine, outside any conversation; the server answers
    // with `done` and the new list, or a refusal the panel shows.
    let on_save_shortcut = {
        let (submit, dispatcher) = (submit.clone(), state.dispatcher());
        Callback::from(move |shortcut: ShortcutDraft| {
            let client_msg_id = new_client_msg_id();
            dispatcher.dispatch(Action::ShortcutRequest(client_msg_id.clone()));
            submit(OperatorToServer::SaveShortcut {
                client_msg_id,
                shortcut,
            });
        })
    };
    let on_delete_shortcut = {
        let (submit, dispatcher) = (submit.clone(), state.dispatcher());
        Callback::from(move |id: ShortcutId| {
            let client_msg_id = new_client_msg_id();
            dispatcher.dispatch(Action::ShortcutRequest(client_msg_id.clone()));
            submit(OperatorToServer::DeleteShortcut { client_msg_id, id });
        })
    };
    let on_shortcuts_closed = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::ClearShortcutRequest))
    };
    let is_admin = state.is_admin();
    let selected = state.selected().cloned();
    match (&state.open, selected) {
        (Some(open), Some(summary)) => {
            let conversation = summary.id.clone();
            let c = conversation.clone();
            let on_join = request(submit, move |display_name: String| OperatorToServer::Join {
                conversation: c.clone(),
                client_msg_id: new_client_msg_id(),
                display_name,
            });
            let c = conversation.clone();
            let on_take_over = request(submit, move |(display_name, replacing): (String, OperatorId)| {
                OperatorToServer::TakeOver {
                    conversation: c.clone(),
                    client_msg_id: new_client_msg_id(),
                    display_name,
                    replacing,
                }
            });
            let c = conversation.clone();
            let on_transfer = request(submit, move |to: OperatorId| OperatorToServer::Transfer {
                conversation: c.clone(),
                client_msg_id: new_client_msg_id(),
                to,
            });
            let c = conversation.clone();
            let on_leave = request(submit, move |()| OperatorToServer::Leave {
                conversation: c.clone(),
                client_msg_id: new_client_msg_id(),
            });
            let c = conversation.clone();
            let on_resolve = request(submit, move |()| OperatorToServer::Resolve {
                conversation: c.clone(),
                client_msg_id: new_client_msg_id(),
            });
            let on_reply_by_email = {
                let (submit, dispatcher, c) = (submit.clone(), state.dispatcher(), conversation.clone());
                let events: Vec<_> = open.events.values().cloned().collect();
                let email = crate::components::conversation_view::left_address(&events)
                    .unwrap_or_default()
                    .to_owned();
                Callback::from(move |text: String| {
                    let client_msg_id = new_client_msg_id();
                    dispatcher.dispatch(Action::EmailReply(client_msg_id.clone(), email.clone()));
                    submit(OperatorToServer::ReplyByEmail {
                        conversation: c.clone(),
                        client_msg_id,
                        text,
                    });
                })
            };
            let on_typing = {
                let (send, c) = (send.clone(), conversation.clone());
                Callback::from(move |typing: bool| {
                    send(OperatorToServer::Typing {
                        conversation: c.clone(),
                        typing,
                    });
                })
            };
            let on_send = {
                let (submit, dispatcher, conversation) = (submit.clone(), state.dispatcher(), conversation.clone());
                Callback::from(move |(text, original): (String, Option<String>)| {
                    let pending = PendingMessage {
                        client_msg_id: new_client_msg_id(),
                        conversation: conversation.clone(),
                        text,
                        original,
                        failed: None,
                    };
                    dispatcher.dispatch(Action::Sending(pending.clone()));
                    // Offline, it stays pending and goes out after the next welcome.
                    submit(OperatorToServer::Send {
                        conversation: pending.conversation,
                        client_msg_id: pending.client_msg_id,
                        text: pending.text,
                        original: pending.original,
                    });
                })
            };
            let on_add_note = {
                let (submit, dispatcher, conversation) = (submit.clone(), state.dispatcher(), conversation.clone());
                Callback::from(move |text: String| {
                    let note = PendingNote {
                        client_msg_id: new_client_msg_id(),
                        conversation: conversation.clone(),
                        text,
                        failed: None,
                    };
                    dispatcher.dispatch(Action::AddingNote(note.clone()));
                    submit(OperatorToServer::AddNote {
                        conversation: note.conversation,
                        client_msg_id: note.client_msg_id,
                        text: note.text,
                    });
                })
            };
            let on_discard_note = {
                let dispatcher = state.dispatcher();
                Callback::from(move |id: ClientMsgId| dispatcher.dispatch(Action::DiscardNote(id)))
            };
            let on_discard = {
                let dispatcher = state.dispatcher();
                Callback::from(move |id: ClientMsgId| dispatcher.dispatch(Action::Discard(id)))
            };
            let on_close = on_close.clone();
            html! {
                <ConversationView
                    key={conversation.as_str().to_owned()}
                    actions={state.actions(&summary)}
                    targets={state.transfer_targets(&summary)}
                    bot_name={state.bot_name(&summary.bot)}
                    typing={state.is_typing(&conversation)}
                    {summary}
                    events={open.events.values().cloned().collect::<Vec<_>>()}
                    loaded={open.loaded}
                    pending={state.pending_here()}
                    visitor_marks={state.marks_of(&conversation).visitor}
                    me={me.clone()}
                    online={state.link == Link::Online}
                    now={state.now}
                    {on_join} {on_take_over} {on_transfer} {on_leave} {on_resolve} {on_reply_by_email}
                    {on_send} {on_typing} {on_discard} {on_close}
                    notes={open.notes.clone()} pending_notes={state.pending_notes_here()} {on_add_note} {on_discard_note}
                    shortcuts={state.shortcuts.clone()} shortcut_busy={state.shortcut_busy()} {is_admin}
                    shortcut_error={state.shortcut_error().map(str::to_owned)}
                    on_save_shortcut={on_save_shortcut.clone()} on_delete_shortcut={on_delete_shortcut.clone()}
                    on_shortcuts_closed={on_shortcuts_closed.clone()} />
            }
        }
        _ => html! {
            <section class="pane pane-empty" aria-label={t().conversation}>
                <div class="empty-state">
                    <div class="empty-illustration" aria-hidden="true"></div>
                    <p class="empty-title">{ t().select_conversation }</p>
                    <p class="empty-hint">{ t().select_hint }</p>
                </div>
            </section>
        },
    }
}
