//! What the reply box shows under the text: a Suggest draft offered over
//! what I typed (Replace / Insert / Dismiss), the translation my reply will
//! go out as (both texts, before sending), and a plain notice ("No good
//! answer…", "Translation is not set up…", a rate limit). Plain functions
//! taking text and callbacks; the composer holds the state.

use crate::i18n::{fill, t};
use yew::prelude::*;

/// A Suggest draft I have not placed yet, because the box has my text.
pub fn suggestion_offer(
    text: &str,
    on_replace: Callback<MouseEvent>,
    on_insert: Callback<MouseEvent>,
    on_dismiss: Callback<MouseEvent>,
) -> Html {
    html! {
        <div class="reply-tool reply-suggestion" role="group" aria-label={t().suggestion_group}>
            <p class="reply-tool-label">{ t().suggested_label }</p>
            <p class="reply-tool-text" dir="auto">{ text.to_owned() }</p>
            <div class="reply-tool-actions">
                <button type="button" class="btn btn-secondary btn-small" onclick={on_replace}>{ t().replace_my_text }</button>
                <button type="button" class="btn btn-secondary btn-small" onclick={on_insert}>{ t().insert_below }</button>
                <button type="button" class="btn btn-ghost btn-small" onclick={on_dismiss}>{ t().dismiss }</button>
            </div>
        </div>
    }
}

/// The translation my reply will be sent as, next to what I wrote.
pub fn translation_preview(
    language: &str,
    original: &str,
    translated: &str,
    on_send: Callback<MouseEvent>,
    on_cancel: Callback<MouseEvent>,
) -> Html {
    html! {
        <div class="reply-tool reply-translation" role="group" aria-label={t().translation_group}>
            <p class="reply-tool-label">{ fill(t().visitor_will_receive, &[language]) }</p>
            <p class="reply-tool-text reply-translated" dir="auto">{ translated.to_owned() }</p>
            <p class="reply-tool-label">{ t().you_wrote }</p>
            <p class="reply-tool-text reply-original" dir="auto">{ original.to_owned() }</p>
            <div class="reply-tool-actions">
                <button type="button" class="btn btn-primary btn-small" onclick={on_send}>{ t().send_translation }</button>
                <button type="button" class="btn btn-ghost btn-small" onclick={on_cancel}>{ t().cancel }</button>
            </div>
        </div>
    }
}

pub fn notice(text: &str, on_dismiss: Callback<MouseEvent>) -> Html {
    html! {
        <div class="reply-tool reply-notice" role="status">
            <span dir="auto">{ text.to_owned() }</span>
            <button type="button" class="link-button" onclick={on_dismiss} aria-label={t().dismiss}>{ t().dismiss }</button>
        </div>
    }
}
