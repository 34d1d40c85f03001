//! The reply box: Enter sends, Shift+Enter starts a new line. Typing `/` at
//! the start of a word opens my saved replies filtered by what follows;
//! arrows move, Enter or Tab inserts (placeholders filled, nothing sent),
//! Escape closes. The text work is `crate::shortcuts`.

use super::format_bar::FormatBar;
use crate::i18n::t;
use crate::shortcuts::{byte_offset, fill, matching, replace_word, slash_word, utf16_offset};
use baton_protocol::MAX_MESSAGE_CHARS;
use baton_protocol::operator::Shortcut;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    pub on_send: Callback<String>,
    /// Typing started (`true`, repeated at most every third of the TTL) or
    /// stopped (`false`: sent, cleared, or left the box).
    pub on_typing: Callback<bool>,
    pub online: bool,
    /// My saved replies, offered after `/`.
    #[prop_or_default]
    pub shortcuts: Vec<Shortcut>,
    /// Fills `{visitor_name}` and `{operator_name}` on insert.
    #[prop_or_default]
    pub visitor_name: AttrValue,
    #[prop_or_default]
    pub operator_name: AttrValue,
    /// Open the saved-replies panel.
    #[prop_or_default]
    pub on_manage: Callback<()>,
}

/// The `/word` being completed: its byte range in the draft and what
/// follows the slash.
#[derive(Clone, PartialEq)]
struct Slash {
    start: usize,
    caret: usize,
    query: String,
}

/// The slash word at the textarea's caret, if any.
fn slash_at(el: &HtmlTextAreaElement) -> Option<Slash> {
    let value = el.value();
    let caret = byte_offset(&value, el.selection_start().ok().flatten()? as usize);
    let word = slash_word(&value, caret)?;
    Some(Slash {
        start: word.start,
        caret,
        query: word.query.to_owned(),
    })
}

#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let draft = use_state(String::new);
    let slash = use_state(|| None::<Slash>);
    let active = use_state(|| 0usize);
    let textarea = use_node_ref();
    {
        let textarea = textarea.clone();
        use_effect_with((), move |_| {
            if let Some(el) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = el.focus();
            }
        });
    }
    let offered: Vec<Shortcut> = match &*slash {
        Some(s) => matching(&props.shortcuts, &s.query).into_iter().cloned().collect(),
        None => Vec::new(),
    };

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
    // Puts a shortcut's filled-in text where the `/word` was, caret after it.
    let insert = {
        let (draft, slash, textarea) = (draft.clone(), slash.clone(), textarea.clone());
        let (visitor, operator) = (props.visitor_name.clone(), props.operator_name.clone());
        Callback::from(move |shortcut: Shortcut| {
            let (Some(at), Some(el)) = ((*slash).clone(), textarea.cast::<HtmlTextAreaElement>()) else {
                return;
            };
            let text = fill(&shortcut.text, &visitor, &operator);
            let (next, caret) = replace_word(&el.value(), at.start, at.caret, &text);
            el.set_value(&next);
            let caret = utf16_offset(&next, caret) as u32;
            let _ = el.set_selection_range(caret, caret);
            let _ = el.focus();
            draft.set(next);
            slash.set(None);
        })
    };
    // The caret moved (typed, clicked, arrowed): open, narrow or close the list.
    let follow_caret = {
        let (slash, active) = (slash.clone(), active.clone());
        move |el: &HtmlTextAreaElement| {
            let next = slash_at(el);
            if next.as_ref().map(|s| &s.query) != slash.as_ref().map(|s| &s.query) {
                active.set(0);
            }
            slash.set(next);
        }
    };
    let oninput = {
        let (draft, typing_sent, on_typing, stop_typing) = (
            draft.clone(),
            typing_sent.clone(),
            props.on_typing.clone(),
            stop_typing.clone(),
        );
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: InputEvent| {
            let el = e.target_unchecked_into::<HtmlTextAreaElement>();
            let value = el.value();
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
            follow_caret(&el);
            draft.set(value);
        })
    };
    let onclick = {
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: MouseEvent| follow_caret(&e.target_unchecked_into::<HtmlTextAreaElement>()))
    };
    let onblur = {
        let slash = slash.clone();
        Callback::from(move |_: FocusEvent| {
            slash.set(None);
            stop_typing();
        })
    };
    let onkeydown = {
        let (submit, slash, active, insert) = (submit.clone(), slash.clone(), active.clone(), insert.clone());
        let offered = offered.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if !offered.is_empty() && !e.is_composing() {
                let last = offered.len() - 1;
                let handled = match key.as_str() {
                    "ArrowDown" => {
                        active.set(if *active >= last { 0 } else { *active + 1 });
                        true
                    }
                    "ArrowUp" => {
                        active.set(if *active == 0 { last } else { *active - 1 });
                        true
                    }
                    "Enter" | "Tab" if !e.shift_key() => {
                        insert.emit(offered[(*active).min(last)].clone());
                        true
                    }
                    "Escape" => {
                        slash.set(None);
                        true
                    }
                    _ => false,
                };
                if handled {
                    e.prevent_default();
                    e.stop_propagation();
                    return;
                }
            }
            if key == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit();
            }
        })
    };
    // Arrow keys left and right (and Home, End) move the caret without input.
    let onkeyup = {
        let follow_caret = follow_caret.clone();
        Callback::from(move |e: KeyboardEvent| {
            if matches!(e.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                follow_caret(&e.target_unchecked_into::<HtmlTextAreaElement>());
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    });
    // The format bar marked the selection: its text is the draft.
    let on_format = {
        let draft = draft.clone();
        Callback::from(move |text: String| draft.set(text))
    };
    let manage = {
        let cb = props.on_manage.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };

    let length = draft.trim().chars().count();
    let too_long = length > MAX_MESSAGE_CHARS;
    let open = !offered.is_empty();
    let current = (*active).min(offered.len().saturating_sub(1));
    let option_id = |i: usize| format!("shortcut-option-{i}");
    let options = offered.iter().enumerate().map(|(i, s)| {
        let chosen = i == current;
        let onmousedown = {
            let (insert, s) = (insert.clone(), s.clone());
            // Keep the focus in the textarea, then insert.
            Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                insert.emit(s.clone());
            })
        };
        html! {
            <li id={option_id(i)} role="option" aria-selected={chosen.to_string()}
                class={classes!("shortcut-option", chosen.then_some("is-active"))} {onmousedown}>
                <span class="shortcut-trigger" dir="auto">{ format!("/{}", s.trigger) }</span>
                <span class="shortcut-preview" dir="auto">{ s.text.clone() }</span>
            </li>
        }
    });
    html! {
        <form class="composer" {onsubmit}>
            <FormatBar textarea={textarea.clone()} on_edit={on_format} />
            if open {
                <ul id="shortcut-list" class="shortcut-list" role="listbox" aria-label={t().saved_replies}>
                    { for options }
                </ul>
            }
            <label for="reply" class="sr-only">{ t().reply }</label>
            <textarea id="reply" ref={textarea} rows="2" value={(*draft).clone()} {oninput} {onkeydown} {onkeyup}
                {onclick} {onblur} dir="auto" aria-autocomplete="list"
                aria-controls={open.then_some("shortcut-list")}
                aria-activedescendant={open.then(|| option_id(current))}
                aria-describedby="reply-help"
                placeholder={t().reply_placeholder} />
            <span id="reply-help" class="sr-only">{ t().reply_help }</span>
            <div class="composer-side">
                if !props.online {
                    <span class="composer-limit">{ t().offline_outbox }</span>
                }
                if too_long {
                    <span class="composer-limit">{ format!("{length}/{MAX_MESSAGE_CHARS}") }</span>
                }
                <button type="button" class="btn btn-ghost composer-manage" onclick={manage}
                    title={t().saved_replies}>{ t().saved_replies }</button>
                <button type="submit" class="btn btn-primary" disabled={length == 0 || too_long}>{ t().send }</button>
            </div>
        </form>
    }
}
