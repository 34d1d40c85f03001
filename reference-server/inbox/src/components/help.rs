//! The `?` dialog: every keyboard shortcut, read from the one table the
//! keys themselves use (`keys::BINDINGS`).

use crate::i18n::t;
use crate::keys::{BINDINGS, KeyAction, chord_label};
use crate::pages::dialog::Modal;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

/// What a shortcut does, in the inbox's language.
fn does(action: KeyAction) -> &'static str {
    let t = t();
    match action {
        KeyAction::NextWaiting => t.key_next_waiting,
        KeyAction::NextChat => t.key_next_chat,
        KeyAction::PreviousChat => t.key_previous_chat,
        KeyAction::Join => t.key_join,
        KeyAction::Reply => t.key_reply,
        KeyAction::SavedReplies => t.key_saved_replies,
        KeyAction::Resolve => t.key_resolve,
        KeyAction::Back => t.key_back,
        KeyAction::Help => t.key_help,
    }
}

#[component]
pub fn KeysHelp(props: &HelpProps) -> Html {
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <Modal id="keys-help" title={t().keys_help_title} on_close={props.on_close.clone()} text={t().keys_help_text}>
            <table class="keys-table">
                <thead><tr><th scope="col">{ t().keys_key }</th><th scope="col">{ t().keys_does }</th></tr></thead>
                <tbody>
                    { for BINDINGS.iter().map(|b| html! {
                        <tr key={chord_label(b.chord)}>
                            <td><kbd dir="ltr">{ chord_label(b.chord) }</kbd></td>
                            <td>{ does(b.action) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <div class="dialog-actions">
                <button type="button" class="btn btn-primary" data-autofocus="" onclick={close}>{ t().close }</button>
            </div>
        </Modal>
    }
}
