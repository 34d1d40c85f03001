//! The composer's format bar: Bold, Italic, Link, List and Code put the
//! protocol's light marks around the reply's selection (`crate::marks`);
//! Ctrl/⌘+B and Ctrl/⌘+I do the same from the keyboard. One tab stop, arrow
//! keys move between the buttons (the ARIA toolbar pattern).

use crate::i18n::t;
use crate::marks::{Mark, apply};
use crate::shortcuts::{byte_offset, utf16_offset};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, EventTarget, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FormatBarProps {
    /// The reply box the marks go into.
    pub textarea: NodeRef,
    /// The draft after a mark was applied.
    pub on_edit: Callback<String>,
}

/// The buttons, in order: what each does, its class, and its name and
/// tooltip from the catalogue.
const BUTTONS: [(Mark, &str); 5] = [
    (Mark::Bold, "format-bold"),
    (Mark::Italic, "format-italic"),
    (Mark::Link, "format-link"),
    (Mark::List, "format-list"),
    (Mark::Code, "format-code"),
];

fn label(mark: Mark) -> (&'static str, &'static str) {
    let t = t();
    match mark {
        Mark::Bold => (t.format_bold, t.format_bold_title),
        Mark::Italic => (t.format_italic, t.format_italic_title),
        Mark::Link => (t.format_link, t.format_link_title),
        Mark::List => (t.format_list, t.format_list_title),
        Mark::Code => (t.format_code, t.format_code_title),
    }
}

/// Applies a mark to the textarea's selection and reports the new draft.
fn mark_selection(textarea: &NodeRef, on_edit: &Callback<String>, mark: Mark) {
    let Some(el) = textarea.cast::<HtmlTextAreaElement>() else {
        return;
    };
    let value = el.value();
    let unit = |at: Result<Option<u32>, _>| byte_offset(&value, at.ok().flatten().unwrap_or(0) as usize);
    let (start, end) = (unit(el.selection_start()), unit(el.selection_end()));
    let marked = apply(&value, start, end, mark, t().format_link_text);
    el.set_value(&marked.text);
    let (from, to) = (
        utf16_offset(&marked.text, marked.select.0),
        utf16_offset(&marked.text, marked.select.1),
    );
    let _ = el.set_selection_range(from as u32, to as u32);
    let _ = el.focus();
    on_edit.emit(marked.text);
}

#[component]
pub fn FormatBar(props: &FormatBarProps) -> Html {
    // The button that takes the toolbar's one tab stop.
    let current = use_state(|| 0usize);
    let bar = use_node_ref();
    {
        // Ctrl/⌘+B and +I while typing: a listener on the textarea itself,
        // so the composer's own key handling stays as it is.
        let (textarea, on_edit) = (props.textarea.clone(), props.on_edit.clone());
        use_effect_with(props.textarea.clone(), move |_| {
            let listening = textarea.cast::<HtmlTextAreaElement>().map(|el| {
                let target: EventTarget = el.into();
                let keys = textarea.clone();
                let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                    if !(e.ctrl_key() || e.meta_key()) || e.alt_key() || e.shift_key() || e.is_composing() {
                        return;
                    }
                    let mark = match e.key().as_str() {
                        "b" | "B" => Mark::Bold,
                        "i" | "I" => Mark::Italic,
                        _ => return,
                    };
                    e.prevent_default();
                    mark_selection(&keys, &on_edit, mark);
                });
                let _ = target.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
                (target, listener)
            });
            move || {
                if let Some((target, listener)) = listening {
                    let _ = target.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    let onkeydown = {
        let (current, bar) = (current.clone(), bar.clone());
        Callback::from(move |e: KeyboardEvent| {
            let last = BUTTONS.len() - 1;
            // Right-to-left the buttons are mirrored on screen, so are the keys.
            let rtl = e
                .target_dyn_into::<Element>()
                .and_then(|el| el.closest("[dir=rtl]").ok().flatten())
                .is_some();
            let (forward, back) = if rtl {
                ("ArrowLeft", "ArrowRight")
            } else {
                ("ArrowRight", "ArrowLeft")
            };
            let key = e.key();
            let next = match key.as_str() {
                "Home" => 0,
                "End" => last,
                k if k == forward || k == "ArrowDown" => (*current + 1) % BUTTONS.len(),
                k if k == back || k == "ArrowUp" => (*current + last) % BUTTONS.len(),
                _ => return,
            };
            e.prevent_default();
            current.set(next);
            // Not `current_target`: Yew delegates events to its root.
            let button = bar.cast::<Element>().and_then(|bar| bar.children().item(next as u32));
            if let Some(button) = button.and_then(|b| b.dyn_into::<HtmlElement>().ok()) {
                let _ = button.focus();
            }
        })
    };
    let buttons = BUTTONS.iter().enumerate().map(|(i, &(mark, class))| {
        let (name, title) = label(mark);
        let onclick = {
            let (textarea, on_edit, current) = (props.textarea.clone(), props.on_edit.clone(), current.clone());
            Callback::from(move |_: MouseEvent| {
                current.set(i);
                mark_selection(&textarea, &on_edit, mark);
            })
        };
        // Keep the reply box's focus and selection when clicked.
        let onmousedown = Callback::from(|e: MouseEvent| e.prevent_default());
        // Arrows move on from the button that has the focus, however it got it.
        let onfocus = {
            let current = current.clone();
            Callback::from(move |_: FocusEvent| current.set(i))
        };
        html! {
            <button type="button" class={classes!("format-button", class)}
                aria-label={name} {title} tabindex={if i == *current { "0" } else { "-1" }} {onclick} {onmousedown} {onfocus}>
                { icon(mark) }
            </button>
        }
    });
    html! {
        <div ref={bar} class="format-bar" role="toolbar" aria-label={t().formatting} aria-controls="reply" {onkeydown}>
            { for buttons }
        </div>
    }
}

fn icon(mark: Mark) -> Html {
    match mark {
        Mark::Bold => html! { <span class="format-glyph" aria-hidden="true">{ "B" }</span> },
        Mark::Italic => html! { <span class="format-glyph" aria-hidden="true">{ "I" }</span> },
        Mark::Code => html! { <span class="format-glyph" aria-hidden="true">{ "</>" }</span> },
        Mark::Link => html! {
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor"
                stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                <path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7" />
                <path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7" />
            </svg>
        },
        Mark::List => html! {
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor"
                stroke-width="2" stroke-linecap="round">
                <path d="M9 6h11M9 12h11M9 18h11" />
                <circle cx="4.5" cy="6" r="1" fill="currentColor" />
                <circle cx="4.5" cy="12" r="1" fill="currentColor" />
                <circle cx="4.5" cy="18" r="1" fill="currentColor" />
            </svg>
        },
    }
}
