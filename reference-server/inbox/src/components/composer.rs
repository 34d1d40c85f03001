//! The reply box: Enter sends, Shift+Enter starts a new line.

use baton_protocol::MAX_MESSAGE_CHARS;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub on_send: Callback<String>,
    /// Typing started (`true`, repeated at most every third of the TTL) or
    /// stopped (`false`: sent, cleared, or left the box).
    pub on_typing: Callback<bool>,
    pub online: bool,
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = use_state(String::new);
    let textarea = use_node_ref();
    {
        let textarea = textarea.clone();
        use_effect_with((), move |_| {
            if let Some(el) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = el.focus();
            }
        });
    }

    // When `typing: true` was last sent, so it is renewed, not repeated.
    let typing_sent = use_mut_ref(|| None::<f64>);
    let stop_typing = {
        let (typing_sent, on_typing) = (typing_sent.clone(), props.on_typing.clone());
        move || {
            if typing_sent.borrow_mut().take().is_some() {
                on_typing.emit(false);
            }
        }
    };
    let submit = {
        let (draft, on_send, stop_typing) = (draft.clone(), props.on_send.clone(), stop_typing.clone());
        move || {
            let text = draft.trim();
            if !text.is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS {
                on_send.emit(text.to_owned());
                draft.set(String::new());
                stop_typing();
            }
        }
    };
    let oninput = {
        let (draft, typing_sent, on_typing, stop_typing) = (
            draft.clone(),
            typing_sent.clone(),
            props.on_typing.clone(),
            stop_typing.clone(),
        );
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlTextAreaElement>().value();
            if value.trim().is_empty() {
                stop_typing();
            } else {
                let now = js_sys::Date::now();
                let renew = (baton_protocol::TYPING_TTL.0 / 3) as f64;
                let due = typing_sent.borrow().is_none_or(|at| now - at >= renew);
                if due {
                    *typing_sent.borrow_mut() = Some(now);
                    on_typing.emit(true);
                }
            }
            draft.set(value);
        })
    };
    let onblur = Callback::from(move |_: FocusEvent| stop_typing());
    let onkeydown = {
        let submit = submit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    });

    let length = draft.trim().chars().count();
    let too_long = length > MAX_MESSAGE_CHARS;
    html! {
        <form class="composer" {onsubmit}>
            <label for="reply" class="sr-only">{ "Reply" }</label>
            <textarea id="reply" ref={textarea} rows="2" value={(*draft).clone()} {oninput} {onkeydown} {onblur} dir="auto"
                placeholder="Write a reply… Enter to send, Shift+Enter for a new line" />
            <div class="composer-side">
                if !props.online {
                    <span class="composer-limit">{ "Offline: replies go out on reconnect" }</span>
                }
                if too_long {
                    <span class="composer-limit">{ format!("{length}/{MAX_MESSAGE_CHARS}") }</span>
                }
                <button type="submit" class="btn btn-primary" disabled={length == 0 || too_long}>{ "Send" }</button>
            </div>
        </form>
    }
}
