//! The inline dialogs: join or take over (with the name the visitor sees),
//! a plain confirmation (leave, resolve), and the transfer picker. Each moves
//! focus in on open; Escape cancels.

use crate::i18n::t;
use baton_protocol::OperatorId;
use baton_protocol::operator::RosterEntry;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct JoinDialogProps {
    pub default_name: String,
    #[prop_or(AttrValue::Static(t().join_title))]
    pub title: AttrValue,
    #[prop_or(AttrValue::Static(t().join_text))]
    pub text: AttrValue,
    #[prop_or(AttrValue::Static(t().join_confirm))]
    pub confirm_label: AttrValue,
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
            <h3 id="join-title" class="dialog-title">{ props.title.clone() }</h3>
            <p class="dialog-text">{ props.text.clone() }</p>
            <div class="field">
                <label for="join-name">{ t().name_shown }</label>
                <input id="join-name" type="text" dir="auto" maxlength="60" autocomplete="off" ref={input}
                    value={(*name).clone()} {oninput} />
            </div>
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="submit" class="btn btn-primary" disabled={name.trim().is_empty()}>{ props.confirm_label.clone() }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmDialogProps {
    pub title: AttrValue,
    pub text: AttrValue,
    pub confirm_label: AttrValue,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn ConfirmDialog(props: &ConfirmDialogProps) -> Html {
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
        <div class="dialog" role="dialog" aria-labelledby="confirm-title" onkeydown={escape_cancels(&props.on_cancel)}>
            <h3 id="confirm-title" class="dialog-title">{ props.title.clone() }</h3>
            <p class="dialog-text">{ props.text.clone() }</p>
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="button" class="btn btn-primary" ref={confirm_button} onclick={confirm}>
                    { props.confirm_label.clone() }
                </button>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TransferDialogProps {
    /// Available teammates who serve this chat's bot (the roster rule).
    pub targets: Vec<RosterEntry>,
    pub on_confirm: Callback<OperatorId>,
    pub on_cancel: Callback<()>,
}

/// Picks the teammate to hand the chat to. Only Available teammates who
/// serve the bot are offered; Away and Busy ones never are.
#[component]
pub fn TransferDialog(props: &TransferDialogProps) -> Html {
    let chosen = use_state(|| props.targets.first().map(|t| t.profile.id.clone()));
    let first = use_node_ref();
    {
        let first = first.clone();
        use_effect_with((), move |_| {
            if let Some(el) = first.cast::<HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    // A chosen teammate who is no longer offered (went Away) is unchosen.
    let current = (*chosen)
        .clone()
        .filter(|id| props.targets.iter().any(|t| &t.profile.id == id));
    let onsubmit = {
        let (current, on_confirm) = (current.clone(), props.on_confirm.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(id) = current.clone() {
                on_confirm.emit(id);
            }
        })
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let options = props.targets.iter().enumerate().map(|(i, target)| {
        let id = target.profile.id.clone();
        let onchange = {
            let (chosen, id) = (chosen.clone(), id.clone());
            Callback::from(move |_: Event| chosen.set(Some(id.clone())))
        };
        let node = if i == 0 { first.clone() } else { NodeRef::default() };
        html! {
            <label class="pick" key={id.as_str().to_owned()}>
                <input type="radio" name="transfer-to" ref={node} value={id.to_string()}
                    checked={current.as_ref() == Some(&id)} {onchange} />
                <span class="avatar avatar-small" aria-hidden="true">{ super::initial(&target.profile.name) }</span>
                <span class="pick-name" dir="auto">{ target.profile.name.clone() }</span>
                <span class="pick-status"><span class="dot dot-available" aria-hidden="true"></span>{ t().available }</span>
            </label>
        }
    });
    html! {
        <form class="dialog" role="dialog" aria-labelledby="transfer-title" {onsubmit}
            onkeydown={escape_cancels(&props.on_cancel)}>
            <h3 id="transfer-title" class="dialog-title">{ t().transfer_title }</h3>
            if props.targets.is_empty() {
                <p class="dialog-text">{ t().transfer_none }</p>
            } else {
                <p class="dialog-text">{ t().transfer_text }</p>
                <fieldset class="picks"><legend class="sr-only">{ t().teammate }</legend>{ for options }</fieldset>
            }
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="submit" class="btn btn-primary" disabled={current.is_none()}>{ t().transfer }</button>
            </div>
        </form>
    }
}
