//! The reply box: Enter sends, Shift+Enter starts a new line.

use baton_protocol::MAX_MESSAGE_CHARS;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub on_send: Callback<String>,
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

    let submit = {
        let (draft, on_send) = (draft.clone(), props.on_send.clone());
        move || {
            let text = draft.trim();
            if !text.is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS {
                on_send.emit(text.to_owned());
                draft.set(String::new());
            }
        }
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
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
            <textarea id="reply" ref={textarea} rows="2" value={(*draft).clone()} {oninput} {onkeydown}
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
