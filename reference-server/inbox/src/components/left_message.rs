//! A left message in the conversation pane: where the answer goes, and the
//! "Reply by email" dialog that sends it (through the server's email
//! sender; the answer also lands in the chat for when the visitor returns).

use crate::i18n::{fill, t};
use crate::pages::dialog::Modal;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LeftMessageProps {
    /// The address the answer goes to.
    pub email: AttrValue,
    /// The visitor's label, for the dialog's title.
    pub visitor: AttrValue,
    /// Offline: nothing can be sent now.
    pub disabled: bool,
    /// Send this answer by email.
    pub on_send: Callback<String>,
}

#[component]
pub fn LeftMessage(props: &LeftMessageProps) -> Html {
    let open = use_state(|| false);
    let show = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(true))
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(false))
    };
    let send = {
        let (open, on_send) = (open.clone(), props.on_send.clone());
        Callback::from(move |text: String| {
            open.set(false);
            on_send.emit(text);
        })
    };
    html! {
        <section class="left-message" aria-labelledby="left-message-title">
            <div class="left-message-text">
                <h3 id="left-message-title">{ t().left_message_title }</h3>
                <p dir="auto">{ fill(t().left_message_to, &[&props.email]) }</p>
            </div>
            <button type="button" class="btn btn-primary" onclick={show} disabled={props.disabled}>{ t().reply_by_email }</button>
            if *open {
                <EmailReplyDialog email={props.email.clone()} visitor={props.visitor.clone()} on_send={send} on_cancel={close} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EmailReplyProps {
    email: AttrValue,
    visitor: AttrValue,
    on_send: Callback<String>,
    on_cancel: Callback<()>,
}

#[component]
fn EmailReplyDialog(props: &EmailReplyProps) -> Html {
    let text = use_state(String::new);
    let tried = use_state(|| false);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let onsubmit = {
        let (text, tried, on_send) = (text.clone(), tried.clone(), props.on_send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let answer = text.trim();
            if answer.is_empty() {
                tried.set(true);
            } else {
                on_send.emit(answer.to_owned());
            }
        })
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let problem = (*tried && text.trim().is_empty()).then_some(t().write_reply_first);
    html! {
        <Modal id="email-reply" title={fill(t().reply_by_email_title, &[&props.visitor])}
            text={fill(t().reply_by_email_hint, &[&props.email])} on_close={props.on_cancel.clone()}
            return_to=".left-message .btn, #reply, .pane-conversation .head-visitor">
            <form {onsubmit} novalidate=true>
                <div class="field">
                    <label for="email-reply-answer">{ t().your_reply }</label>
                    <textarea id="email-reply-answer" rows="6" maxlength="4000" dir="auto" data-autofocus=""
                        aria-invalid={problem.map(|_| "true")} aria-describedby={problem.map(|_| "email-reply-error")}
                        value={(*text).clone()} {oninput} />
                    if let Some(problem) = problem {
                        <p id="email-reply-error" class="field-error" role="alert">{ problem }</p>
                    }
                </div>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                    <button type="submit" class="btn btn-primary">{ t().send_email }</button>
                </div>
            </form>
        </Modal>
    }
}
