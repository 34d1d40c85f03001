//! The conversation's dialogs: join or take over (with the name the visitor
//! sees), a plain confirmation (leave, resolve), and the transfer picker.
//! Each is a `Modal`: focus moves in on open, Tab stays inside, Escape
//! cancels, and focus goes back to the button that opened it — or, when
//! that button is gone (joined), to the reply box.

use crate::i18n::t;
use crate::pages::dialog::Modal;
use baton_protocol::OperatorId;
use baton_protocol::operator::RosterEntry;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Where focus lands when the button that opened a dialog is gone.
const RETURN_TO: &str = "#reply, .pane-conversation .head-visitor";

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

#[component]
pub fn JoinDialog(props: &JoinDialogProps) -> Html {
    let name = use_state(|| props.default_name.clone());
    let input = use_node_ref();
    {
        let input = input.clone();
        // The modal focuses the field; the name is selected to be retyped.
        use_effect_with((), move |_| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
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
        <Modal id="join" title={props.title.clone()} text={props.text.clone()} on_close={props.on_cancel.clone()}
            return_to={RETURN_TO}>
            <form {onsubmit}>
                <div class="field">
                    <label for="join-name">{ t().name_shown }</label>
                    <input id="join-name" type="text" maxlength="60" autocomplete="off" ref={input} data-autofocus=""
                        dir="auto" value={(*name).clone()} {oninput} />
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                    <button type="submit" class="btn btn-primary" disabled={name.trim().is_empty()}>{ props.confirm_label.clone() }</button>
                </div>
            </form>
        </Modal>
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
    let confirm = {
        let cb = props.on_confirm.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <Modal id="confirm" title={props.title.clone()} text={props.text.clone()} on_close={props.on_cancel.clone()}
            return_to={RETURN_TO}>
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="button" class="btn btn-primary" data-autofocus="" onclick={confirm}>
                    { props.confirm_label.clone() }
                </button>
            </div>
        </Modal>
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
    let text = if props.targets.is_empty() {
        t().transfer_none
    } else {
        t().transfer_text
    };
    let options = props.targets.iter().enumerate().map(|(i, target)| {
        let id = target.profile.id.clone();
        let onchange = {
            let (chosen, id) = (chosen.clone(), id.clone());
            Callback::from(move |_: Event| chosen.set(Some(id.clone())))
        };
        html! {
            <label class="pick" key={id.as_str().to_owned()}>
                <input type="radio" name="transfer-to" data-autofocus={(i == 0).then_some("")} value={id.to_string()}
                    checked={current.as_ref() == Some(&id)} {onchange} />
                <span class="avatar avatar-small" aria-hidden="true">{ super::initial(&target.profile.name) }</span>
                <span class="pick-name" dir="auto">{ target.profile.name.clone() }</span>
                <span class="pick-status"><span class="dot dot-available" aria-hidden="true"></span>{ t().available }</span>
            </label>
        }
    });
    html! {
        <Modal id="transfer" title={t().transfer_title} text={text} on_close={props.on_cancel.clone()} return_to={RETURN_TO}>
            <form {onsubmit}>
                if !props.targets.is_empty() {
                    <fieldset class="picks"><legend class="sr-only">{ t().teammate }</legend>{ for options }</fieldset>
                }
                <div class="dialog-actions">
                    <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                    <button type="submit" class="btn btn-primary" disabled={current.is_none()}>{ t().transfer }</button>
                </div>
            </form>
        </Modal>
    }
}
