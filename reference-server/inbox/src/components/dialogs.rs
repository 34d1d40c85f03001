//! The inline dialogs: confirm joining (with the name the visitor sees) and
//! confirm leaving.

use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct JoinDialogProps {
    pub default_name: String,
    pub on_confirm: Callback<String>,
    pub on_cancel: Callback<()>,
}

/// Escape cancels a dialog.
fn escape_cancels(on_cancel: &Callback<()>) -> Callback<KeyboardEvent> {
    let on_cancel = on_cancel.clone();
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Escape" {
            e.prevent_default();
            on_cancel.emit(());
        }
    })
}

#[component]
pub fn JoinDialog(props: &JoinDialogProps) -> Html {
    let name = use_state(|| props.default_name.clone());
    let input = use_node_ref();
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                let _ = input.focus();
                input.select();
            }
        });
    }
    let oninput = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (name, on_confirm) = (name.clone(), props.on_confirm.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let chosen = name.trim();
            if !chosen.is_empty() {
                on_confirm.emit(chosen.to_owned());
            }
        })
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <form class="dialog" role="dialog" aria-labelledby="join-title" {onsubmit}
            onkeydown={escape_cancels(&props.on_cancel)}>
            <h3 id="join-title" class="dialog-title">{ "Join this chat" }</h3>
            <p class="dialog-text">{ "The visitor is told you joined, and the bot stops answering." }</p>
            <div class="field">
                <label for="join-name">{ "Name shown to the visitor" }</label>
                <input id="join-name" type="text" maxlength="60" autocomplete="off" ref={input}
                    value={(*name).clone()} {oninput} />
            </div>
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" disabled={name.trim().is_empty()}>{ "Join chat" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct LeaveDialogProps {
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn LeaveDialog(props: &LeaveDialogProps) -> Html {
    let confirm_button = use_node_ref();
    {
        let confirm_button = confirm_button.clone();
        use_effect_with((), move |_| {
            if let Some(button) = confirm_button.cast::<HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let confirm = {
        let cb = props.on_confirm.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <div class="dialog" role="dialog" aria-labelledby="leave-title" onkeydown={escape_cancels(&props.on_cancel)}>
            <h3 id="leave-title" class="dialog-title">{ "Leave this chat?" }</h3>
            <p class="dialog-text">{ "The bot answers the visitor again. You can join later if they need a person." }</p>
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="btn btn-primary" ref={confirm_button} onclick={confirm}>
                    { "Hand back to the bot" }
                </button>
            </div>
        </div>
    }
}
