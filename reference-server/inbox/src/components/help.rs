//! The `?` dialog: every keyboard shortcut, read from the one table the
//! keys themselves use (`keys::BINDINGS`).

use crate::keys::{BINDINGS, chord_label};
use crate::pages::dialog::Modal;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn KeysHelp(props: &HelpProps) -> Html {
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <Modal id="keys-help" title="Keyboard shortcuts" on_close={props.on_close.clone()}
            text="Letters work when you are not typing in a box; Alt shortcuts work everywhere.">
            <table class="keys-table">
                <thead><tr><th scope="col">{ "Key" }</th><th scope="col">{ "Does" }</th></tr></thead>
                <tbody>
                    { for BINDINGS.iter().map(|b| html! {
                        <tr key={b.label}>
                            <td><kbd>{ chord_label(b.chord) }</kbd></td>
                            <td>{ b.label }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <div class="dialog-actions">
                <button type="button" class="btn btn-primary" data-autofocus="" onclick={close}>{ "Close" }</button>
            </div>
        </Modal>
    }
}
